package modelfile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxHeader bounds a header's length in bytes, and MaxHeaderTokens the
// keys and values in it (its commas and colons outside strings): room for
// any program's source and a table of 50,000 parameter tensors, and a
// bound on the time and memory decoding it takes (encoding/json takes
// about a second for a million numbers).
const (
	MaxHeader       = 16 << 20
	MaxHeaderTokens = 1 << 18
)

// checkHeaderSize refuses a header JSON text hj too long to decode.
func checkHeaderSize(hj []byte) error {
	if len(hj) > MaxHeader {
		return fmt.Errorf("bad header: %d bytes long, more than the %d a model's header may have", len(hj), MaxHeader)
	}
	n, in, esc := 0, false, false
	for _, c := range hj {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ',' || c == ':'):
			n++
		}
	}
	if n > MaxHeaderTokens {
		return fmt.Errorf("bad header: %d keys and values, more than the %d a model's header may have", n, MaxHeaderTokens)
	}
	return nil
}

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
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlocking, 0)
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
