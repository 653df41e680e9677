package modelfile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxHeader bounds a header's length in bytes: room for any program's
// source and a table of 10⁵ parameter tensors, and a bound on what
// decoding it can allocate.
const MaxHeader = 16 << 20

// Read reads and decodes the model file at path, which may hold at most
// maxValues values (its size is checked before it is read). Its errors
// name path.
func Read(path string, maxValues int64) (*File, error) {
	b, err := readFile(path, int64(len(magic))+4+8+MaxHeader+8+8*maxValues+sha256.Size)
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nil, err
	}
	var f *File
	if err == nil {
		f, err = Decode(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// readFile reads the model file at path, refusing at once, before
// reading anything, what is not a regular file (a FIFO, a terminal,
// /dev/stdin, a directory: reading one could block forever or never end)
// or is larger than max bytes. The file is opened without blocking, so
// that opening a FIFO with no writer does not wait for one, and checked
// through the open descriptor, so that it cannot be swapped after the
// check.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (a %s), so not a saved model", kind(st.Mode()))
	}
	if st.Size() > max {
		return nil, fmt.Errorf("the file has %d bytes, more than a model within the limits can have (%d): refused before reading it", st.Size(), max)
	}
	// The size may change under us: read into a buffer one byte longer
	// than the size stated, and refuse a file that grew.
	b := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, b)
	switch {
	case err == nil:
		return nil, fmt.Errorf("the file grew beyond %d bytes while being read", st.Size())
	case err != io.ErrUnexpectedEOF && err != io.EOF:
		return nil, err
	}
	return b[:n], nil
}

// kind names the type of a file that is not regular.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
