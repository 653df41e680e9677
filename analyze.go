package nox

import (
	"os"
	"sync"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// Analysis is what a tool that shows a program's meaning while it is
// being written needs (the language server, the playground): the parse
// tree and the checker's program, both kept when the file has errors,
// so that names, flows, data sets and warnings can still be shown.
type Analysis struct {
	// File is nil when the source does not parse.
	File *lang.File
	// Prog is nil when the source does not parse; when it has errors,
	// it holds what the checker resolved (its Names, Flows, Data and
	// Warnings).
	Prog *compiler.Program
	// Err is every error of the file (a lang.ErrorList), or nil.
	Err error
}

// Analyze checks src as CompileWith does, running nothing, and returns
// what it found even when the file has errors. With o.Cache, data and
// model files are read once while unchanged.
func Analyze(filename string, src []byte, o CompileOptions) Analysis {
	f, prog, err := check(filename, src, o)
	return Analysis{File: f, Prog: prog, Err: err}
}

// FileCache keeps the data and model files a program reads, for a tool
// that checks the same program on every keystroke: a file is read again
// only when its size or modification time changes. It is safe for
// concurrent use. A file that could not be read is remembered with its
// error until it changes (a large file with a bad last row is not read
// again at every keystroke); a missing file is looked for again at the
// next check.
type FileCache struct {
	mu     sync.Mutex
	tables map[string]cached[*dataset.Table]
	models map[string]cached[*compiler.Saved]
}

type cached[T any] struct {
	size  int64
	mtime time.Time
	val   T
	err   error
}

// NewFileCache returns an empty cache.
func NewFileCache() *FileCache {
	return &FileCache{tables: map[string]cached[*dataset.Table]{}, models: map[string]cached[*compiler.Saved]{}}
}

// through returns read(path) from m, or reads it and keeps it while the
// file's size and modification time stay as they were.
func through[T any](c *FileCache, m map[string]cached[T], path string, read func(string) (T, error)) (T, error) {
	st, err := os.Stat(path)
	if err != nil {
		return read(path) // read says what is wrong, as without a cache
	}
	c.mu.Lock()
	e, ok := m[path]
	c.mu.Unlock()
	if ok && e.size == st.Size() && e.mtime.Equal(st.ModTime()) {
		return e.val, e.err
	}
	v, err := read(path)
	c.mu.Lock()
	m[path] = cached[T]{size: st.Size(), mtime: st.ModTime(), val: v, err: err}
	c.mu.Unlock()
	return v, err
}
