// Package fifo makes named pipes for the tests of inputs that are not
// regular files (a data, model or program path that names a pipe must be
// refused, never read until it blocks). Where the file system has none
// (Windows' pipes live in a namespace of their own), Make returns
// errors.ErrUnsupported and those tests leave the case out, saying so.
package fifo

// Make creates a named pipe at path, readable and writable by its owner.
func Make(path string) error { return mkfifo(path) }
