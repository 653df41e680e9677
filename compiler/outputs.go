package compiler

import (
	"fmt"
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
	// Output is Canonical for the paths of outputs, which may resolve
	// against another directory (nil: Canonical).
	Output func(path string) string
	// Policy confines the files the program writes (Load and LoadModel
	// confine what it reads before they read it, with Policy.Read).
	Policy Policy
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
// writable, written by one statement only, allowed by files.Policy, and
// neither an input data file of the program, a model it loads, nor the
// program itself.
func CheckFiles(f *lang.File, files Files) (*Program, error) {
	c := newChecker(files.Load)
	// The models the program loads are inputs too: a save over one
	// would destroy it.
	models := map[string]string{} // canonical path → as written
	if load := files.LoadModel; load != nil {
		c.loadSaved = func(path string) (*Saved, error) {
			s, err := load(path)
			if err == nil && files.Canonical != nil {
				models[files.Canonical(path)] = path
			}
			return s, err
		}
	}
	c.limits = files.Limits.WithDefaults()
	c.prog.File = f
	for _, s := range f.Stmts {
		c.stmt(s)
	}
	if files.Canonical != nil {
		c.outputs(files, models)
	}
	return c.prog, c.errs.Err()
}

// outputs checks the destinations of the program's actions; models are
// the saved models it loads.
func (c *checker) outputs(files Files, models map[string]string) {
	inputs := map[string]*Data{}
	for _, d := range c.prog.Data {
		if !strings.HasPrefix(d.Path, "toy(") {
			inputs[files.Canonical(d.Path)] = d
		}
	}
	output := files.Output
	if output == nil {
		output = files.Canonical
	}
	written := map[string]lang.Pos{}
	for _, a := range c.prog.Actions[min(files.Ran, len(c.prog.Actions)):] {
		stmt, _, paths := Destinations(a)
		for _, p := range paths {
			canon := output(p)
			if err := files.Policy.Write(p, canon); err != nil {
				c.errorf(a.Position(), a.Position(), "%s: %v", stmt, err)
				continue
			}
			model, isModel := models[canon]
			switch d, isInput := inputs[canon]; {
			case isInput:
				c.errorf(a.Position(), a.Position(), "%s: %q is an input data file of this program (read at %s); writing it would destroy the data", stmt, p, short(d.Pos))
			case isModel:
				c.errorf(a.Position(), a.Position(), "%s: %q is a model this program loads (load(%q)); writing it would destroy it: save to another file", stmt, p, model)
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

// Policy confines the files a program may touch, for a program from
// someone else (noxc run -sandbox): it reads only below ReadRoot and
// writes only below WriteRoot, both canonical directories (absolute,
// links resolved). The zero Policy allows everything.
type Policy struct {
	ReadRoot, WriteRoot string
}

// Read reports why the program may not read path, as written, which
// names the file canon (absolute, links resolved); nil if it may.
func (p Policy) Read(path, canon string) error { return confine(p.ReadRoot, "read", path, canon) }

// Write is Read for a file the program writes.
func (p Policy) Write(path, canon string) error { return confine(p.WriteRoot, "write", path, canon) }

// confine reports why path (canon) is not a file a confined program may
// touch (verb) below root: it is absolute, goes through .., or leads out
// of root through a symbolic link. A path through .. is refused even when
// it comes back: where it leads depends on the links on its way. Nil if
// root is "" (no confinement).
func confine(root, verb, path, canon string) error {
	if root == "" {
		return nil
	}
	slashed := filepath.ToSlash(path)
	switch {
	case filepath.IsAbs(path):
		return fmt.Errorf("%q is an absolute path; in a sandbox (-sandbox) a program may %s only files below %s, named relative to it", path, verb, root)
	case slashed == ".." || strings.HasPrefix(slashed, "../") || strings.HasSuffix(slashed, "/..") || strings.Contains(slashed, "/../"):
		return fmt.Errorf("%q goes through ..; in a sandbox (-sandbox) a program may %s only files below %s", path, verb, root)
	case !within(root, canon):
		return fmt.Errorf("%q leads out of %s through a symbolic link (to %s); in a sandbox (-sandbox) a program may %s only files below it", path, root, canon, verb)
	}
	return nil
}

// within reports whether path is root or below it (both clean and
// absolute).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
