//go:build !unix

package modelfile

// nonBlocking is 0 where there are no FIFOs to block on: in the browser
// (GOOS=js) the file system is the page's own in-memory one, and Go's js
// port has no O_NONBLOCK; on Windows, opening a named pipe (\\.\pipe\…)
// never waits for its other end (it fails if the pipe is busy), and Go's
// open ignores the flag.
const nonBlocking = 0
