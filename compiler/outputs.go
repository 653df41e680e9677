package compiler

import (
	"path/filepath"
	"strings"

	"github.com/noxlang/nox/lang"
)

// Files is how a checked program's files look from where it will run:
// the checker refuses, before anything trains, an output that could not
// be written or that would destroy something (issue 24: a sample to a
// missing directory used to fail after training, and the save after it
// never ran). Nil functions skip their checks.
type Files struct {
	// Load reads an input data file; LoadModel a saved model (load(...)).
	Load      Loader
	LoadModel ModelLoader
	// Canonical returns the path a path as written names (relative to
	// the program's directory), absolute with its links resolved, so that
	// two names of one file compare equal.
	Canonical func(path string) string
	// Writable reports why a file could not be written at a canonical
	// path, or nil.
	Writable func(path string) error
	// Self is the canonical path of the program's own file ("" if none).
	Self string
	// Ran is the number of actions that have run already (a REPL
	// session): their outputs are not checked again.
	Ran int
	// Limits bound the program's cost (zero fields: the defaults).
	Limits Limits
}

// CheckFiles is Check with the outputs checked against files: every
// file a statement writes (plot's derived pictures included) must be
// writable, written by one statement only, and neither an input data
// file of the program nor the program itself.
func CheckFiles(f *lang.File, files Files) (*Program, error) {
	c := newChecker(files.Load)
	c.loadSaved = files.LoadModel
	c.limits = files.Limits.WithDefaults()
	c.prog.File = f
	for _, s := range f.Stmts {
		c.stmt(s)
	}
	if files.Canonical != nil {
		c.outputs(files)
	}
	return c.prog, c.errs.Err()
}

// outputs checks the destinations of the program's actions.
func (c *checker) outputs(files Files) {
	inputs := map[string]*Data{}
	for _, d := range c.prog.Data {
		if !strings.HasPrefix(d.Path, "toy(") {
			inputs[files.Canonical(d.Path)] = d
		}
	}
	written := map[string]lang.Pos{}
	for _, a := range c.prog.Actions[min(files.Ran, len(c.prog.Actions)):] {
		stmt, _, paths := Destinations(a)
		for _, p := range paths {
			canon := files.Canonical(p)
			switch d, isInput := inputs[canon]; {
			case isInput:
				c.errorf(a.Position(), a.Position(), "%s: %q is an input data file of this program (read at %s); writing it would destroy the data", stmt, p, short(d.Pos))
			case canon == files.Self:
				c.errorf(a.Position(), a.Position(), "%s: %q is this program's own file", stmt, p)
			case written[canon] != lang.Pos{}:
				c.errorf(a.Position(), a.Position(), "%s: %q is also written by the statement at %s; give each output its own file", stmt, p, short(written[canon]))
			default:
				written[canon] = a.Position()
				if files.Writable == nil {
					continue
				}
				if err := files.Writable(canon); err != nil {
					c.errorf(a.Position(), a.Position(), "%s: cannot write %q: %v", stmt, p, err)
				}
			}
		}
	}
}

// Destinations returns the statement's name and the files it writes, as
// written: plot's pictures of the density (2-D flows) and of the
// training curve go beside its path. A statement that writes nothing has
// none. flow is the flow it writes about.
func Destinations(a Action) (stmt string, flow *Flow, paths []string) {
	switch a := a.(type) {
	case *Sample:
		return "sample", a.Flow, []string{a.Path}
	case *Save:
		return "save", a.Flow, []string{a.Path}
	case *Train:
		if a.Opts.Checkpoint != "" {
			return "train", a.Flow, []string{a.Opts.Checkpoint}
		}
	case *Eval:
		if a.Path != "" {
			return "eval", a.Flow, []string{a.Path}
		}
	case *Plot:
		ext := filepath.Ext(a.Path)
		base := strings.TrimSuffix(a.Path, ext)
		paths := []string{a.Path, base + "_loss" + ext}
		if a.Flow.Dim == 2 {
			paths = append(paths, base+"_density"+ext)
		}
		return "plot", a.Flow, paths
	}
	return "", nil, nil
}
