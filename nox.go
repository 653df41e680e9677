// Package nox compiles and runs .nox files: normalizing flows described in
// a small declarative language, trained by maximum likelihood. It is the
// embedding API; the work is done below it (ARCHITECTURE.md):
//
//	lang.Parse → compiler.Check → compiler.Lower (with ad.Grad) → train → runtime
//
// Compile parses and checks a file, reading the data files it names
// relative to the file's directory. Script.Run executes its statements in
// order, reporting results as Events. A trained Model scores, samples and
// maps rows, and is saved and loaded (Save, Load); Fit trains one on rows
// in memory. Every error a user can cause comes back as a positioned
// diagnostic (see lang.Render).
package nox

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/lang"
)

// Script is a compiled .nox file.
type Script struct {
	Filename string
	Source   []byte
	Prog     *compiler.Program
	dir      string
	trained  map[*compiler.Flow]*Model
	// targets holds the density each flow was last fitted to in this run.
	targets map[*compiler.Flow]*compiler.Target
}

// Compile parses and checks src, the contents of filename. Data files are
// read relative to filename's directory.
func Compile(filename string, src []byte) (*Script, error) {
	return CompileWith(filename, src, CompileOptions{})
}

// CompileOptions control CompileWith.
type CompileOptions struct {
	// Dir resolves relative paths (default: filename's directory), for a
	// source that is not a file in it (the REPL's, named "<repl>").
	Dir string
	// OutDir resolves the relative paths of the files the program writes
	// (sample, eval ... to, save, plot and its pictures, checkpoints);
	// default Dir. Inputs (csv, npy, load) stay relative to Dir.
	OutDir string
	// Sandbox confines a program from someone else: it may read only
	// below Dir and write only below OutDir. An absolute path, a path
	// through .. or one that leads out through a symbolic link is an
	// error positioned at the path, reported before anything is read or
	// run.
	Sandbox bool
	// Ran is the number of the source's first statements that have run
	// already (a REPL session): their outputs are not checked again, so
	// a session may write a file again.
	Ran int
	// Limits bound the program's cost: stages, parameters, memory
	// (compiler.Limits; zero fields take the defaults).
	Limits compiler.Limits
	// Cache, if set, keeps the data and model files read, for a tool
	// that compiles the same program again and again (Analyze).
	Cache *FileCache
}

// CompileWith is Compile with options.
func CompileWith(filename string, src []byte, o CompileOptions) (*Script, error) {
	_, prog, err := check(filename, src, o)
	if err != nil {
		return nil, err
	}
	// The script resolves only outputs from here on (inputs are read).
	outDir := cmp.Or(o.OutDir, o.Dir, filepath.Dir(filename))
	s := &Script{Filename: filename, Source: src, Prog: prog, dir: outDir, trained: map[*compiler.Flow]*Model{}, targets: map[*compiler.Flow]*compiler.Target{}}
	for _, f := range prog.Flows {
		if f.Saved != nil { // load(...): trained already
			s.trained[f] = f.Saved.Model.(*Model)
		}
	}
	return s, nil
}

// check parses and checks src: the tree (nil if it does not parse) and
// the program, which holds what the checker resolved even when err says
// the file has errors.
func check(filename string, src []byte, o CompileOptions) (*lang.File, *compiler.Program, error) {
	dir, lim := cmp.Or(o.Dir, filepath.Dir(filename)), o.Limits.WithDefaults()
	outDir := cmp.Or(o.OutDir, dir)
	f, err := lang.Parse(filename, src)
	if err != nil {
		return nil, nil, err
	}
	canonical := func(path string) string { return atomicfile.Canonical(resolve(dir, path)) }
	// read checks the sandbox before a file is opened: a program from
	// someone else must not make nox read /dev/zero or a secret.
	read := func(path string) (string, error) { return resolve(dir, path), nil }
	var policy compiler.Policy
	if o.Sandbox {
		policy = compiler.Policy{ReadRoot: atomicfile.Canonical(dir), WriteRoot: atomicfile.Canonical(outDir)}
		read = func(path string) (string, error) {
			if err := policy.Read(path, canonical(path)); err != nil {
				return "", err
			}
			return resolve(dir, path), nil
		}
	}
	readTable := func(p string) (*dataset.Table, error) { return dataset.ReadFileWithin(p, lim.MaxMemory) }
	readModel := func(p string) (*compiler.Saved, error) { return loadSaved(p, lim) }
	if c := o.Cache; c != nil {
		readTable = func(p string) (*dataset.Table, error) {
			return through(c, c.tables, p, func(p string) (*dataset.Table, error) { return dataset.ReadFileWithin(p, lim.MaxMemory) })
		}
		readModel = func(p string) (*compiler.Saved, error) {
			return through(c, c.models, p, func(p string) (*compiler.Saved, error) { return loadSaved(p, lim) })
		}
	}
	prog, err := compiler.CheckFiles(f, compiler.Files{
		Load: func(path string) (*dataset.Table, error) {
			p, err := read(path)
			if err != nil {
				return nil, err
			}
			return readTable(p)
		},
		LoadModel: func(path string) (*compiler.Saved, error) {
			p, err := read(path)
			if err != nil {
				return nil, err
			}
			return readModel(p)
		},
		Canonical: canonical,
		Output:    func(path string) string { return atomicfile.Canonical(resolve(outDir, path)) },
		Writable:  atomicfile.Writable,
		Self:      atomicfile.Canonical(filename),
		Policy:    policy,
		Ran:       o.Ran,
		Limits:    lim,
	})
	return f, prog, err
}

// CompileFile reads and compiles a file.
func CompileFile(filename string) (*Script, error) {
	src, err := os.ReadFile(filename)
	if err != nil {
		return nil, err
	}
	return Compile(filename, src)
}

// resolve returns path, relative to dir unless it is absolute.
func resolve(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// Render formats an error from Compile or Run for a person, with the
// offending source line and a caret.
func (s *Script) Render(err error) string { return RenderError(err, s.Filename, s.Source) }

// RenderError formats err for a person, quoting src (the contents of
// filename) under each diagnostic.
func RenderError(err error, filename string, src []byte) string {
	return strings.TrimRight(lang.Render(err, func(name string) []byte {
		if name == filename {
			return src
		}
		return nil
	}), "\n")
}
