package dataset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/internal/escape"
)

// WriteFile writes rows×cols values to path, replacing it atomically: as
// a NumPy float64 array for a name ending in .npy (IsNPY), as CSV
// otherwise.
func WriteFile(path string, values []float64, cols int) error {
	return WriteFileHeader(path, nil, values, cols)
}

// WriteFileHeader is WriteFile with the columns' names: a CSV file starts
// with them as its header line (WriteCSVHeader); a NumPy array has no
// place for them and leaves them out. nil names write no header.
func WriteFileHeader(path string, names []string, values []float64, cols int) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if IsNPY(path) {
			return WriteNPY(w, values, cols, false)
		}
		return WriteCSVHeader(w, names, values, cols)
	})
}

// ReadFile reads the table at path with Read: a NumPy array for a name
// ending in .npy (IsNPY); for CSV, the text, unread (Table.Text). Errors
// name the file. Only regular files are read (OpenRegular): a named
// pipe, a device or a directory is refused at once.
func ReadFile(path string) (*Table, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t *Table
	if IsNPY(path) {
		t, err = ReadNPY(f)
	} else {
		var b []byte
		if b, err = readSized(f); err == nil {
			t = &Table{Text: b}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	return t, nil
}

// readSized reads f whole into a buffer of its size (and grows it if the
// file grows meanwhile), as os.ReadFile does: io.ReadAll's doubling
// copied a 433 MB CSV file about twice over and made the kernel zero
// twice its size in fresh pages (a quarter of the time noxc check spent
// loading it).
func readSized(f *os.File) ([]byte, error) {
	size := 0
	if st, err := f.Stat(); err == nil && st.Size() > 0 && int64(int(st.Size())) == st.Size() {
		size = int(st.Size())
	}
	// +1: the end of the file is seen without growing.
	return readUntil(f, make([]byte, 0, size+1), nil)
}

// readUntil reads r into b, growing it as append does, until the end of
// r or until done (if not nil) says that what it holds is enough.
func readUntil(r io.Reader, b []byte, done func([]byte) bool) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF || done != nil && done(b) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// OpenRegular opens path for reading if it is a regular file (or a
// symbolic link to one), and refuses anything else with an error that
// says what it is. A named pipe would block the reader until someone
// writes to it (for ever, in noxc check), /dev/zero or /dev/urandom
// would never end, and /dev/stdin would read the terminal: none of them
// is a data set. The mode is checked before the file is opened and again
// on the opened file, which is opened without blocking, so that a file
// replaced by a pipe between the two cannot block either. Paths in
// messages are escaped (escape.Text).
func OpenRegular(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlocking, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	if fi, err = f.Stat(); err == nil {
		err = checkRegular(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkRegular says what fi is if it is not a regular file.
func checkRegular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	var what string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		what = "a socket"
	case m&os.ModeCharDevice != 0:
		what = "a character device"
	case m&os.ModeDevice != 0:
		what = "a block device"
	default:
		what = "not a regular file"
	}
	return fmt.Errorf("%s is %s; nox reads only regular files", showPath(path), what)
}

// openError words the error of opening path, with the path escaped.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no such file %s", showPath(path))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", showPath(path))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", showPath(path), pe.Err)
	}
	return err
}

// showPath shows a file name in a message: escaped, and cut short if it
// is longer than any file system allows.
func showPath(path string) string {
	if len(path) > 256 {
		return escape.Excerpt(path, 80)
	}
	return escape.Text(path)
}

// plural renders a count with its noun: "1 column", "2 columns".
func plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// streamNPY opens the .npy file at path as a Source if it is to be
// streamed (StreamBytes), checking its values; nil, nil if it is to be
// loaded, or if its header or size is wrong, which ReadNPY then reports
// in its own words.
func streamNPY(path string) (*Table, error) {
	n := openStreamed(path)
	if n == nil {
		return nil, nil
	}
	if err := n.Check(); err != nil {
		n.Close()
		return nil, err
	}
	return &Table{Rows: n.Len(), Cols: n.Width(), Src: n}, nil
}

// openStreamed opens the .npy file at path if it is to be streamed
// (StreamBytes) and its header and size agree; else nil.
func openStreamed(path string) *NPYFile {
	if !IsNPY(path) {
		return nil
	}
	n, err := OpenNPY(path)
	if err != nil {
		return nil
	}
	if int64(n.Len())*int64(n.Width())*8 <= StreamBytes {
		n.Close()
		return nil
	}
	return n
}
