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
	// Ran is the number of the source's first statements that have run
	// already (a REPL session): their outputs are not checked again, so
	// a session may write a file again.
	Ran int
	// Limits bound the program's cost: stages, parameters, memory
	// (compiler.Limits; zero fields take the defaults).
	Limits compiler.Limits
}

// CompileWith is Compile with options.
func CompileWith(filename string, src []byte, o CompileOptions) (*Script, error) {
	dir := o.Dir
	if dir == "" {
		dir = filepath.Dir(filename)
	}
	f, err := lang.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	prog, err := compiler.CheckFiles(f, compiler.Files{
		Load:      func(path string) (*dataset.Table, error) { return dataset.ReadFile(resolve(dir, path)) },
		Canonical: func(path string) string { return atomicfile.Canonical(resolve(dir, path)) },
		Writable:  atomicfile.Writable,
		Self:      atomicfile.Canonical(filename),
		LoadModel: func(path string) (*compiler.Saved, error) { return loadSaved(resolve(dir, path), o.Limits) },
		Ran:       o.Ran,
		Limits:    o.Limits,
	})
	if err != nil {
		return nil, err
	}
	s := &Script{Filename: filename, Source: src, Prog: prog, dir: dir, trained: map[*compiler.Flow]*Model{}}
	for _, f := range prog.Flows {
		if f.Saved != nil { // load(...): trained already
			s.trained[f] = f.Saved.Model.(*Model)
		}
	}
	return s, nil
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
