//go:build js

package modelfile

// nonBlocking is 0 in the browser (GOOS=js): its file system is the
// page's own in-memory one, with no FIFOs to block on, and Go's js port
// has no O_NONBLOCK.
const nonBlocking = 0
