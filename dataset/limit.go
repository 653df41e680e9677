package dataset

import (
	"bytes"
	"fmt"
	"io"
)

// ReadFileWithin is ReadFile for a file whose reading is estimated
// (MemoryEstimate) to need at most max bytes; a larger one is refused
// before it is read, with the estimate in the message.
func ReadFileWithin(path string, max int64) (*Table, error) {
	need, size, err := MemoryEstimate(path)
	if err != nil {
		return ReadFile(path) // which reports the problem as it reads
	}
	if need > max {
		return nil, fmt.Errorf("%s is %s; reading it needs about %s of memory, more than the limit of %s (set it with -max-memory)",
			path, FormatBytes(float64(size)), FormatBytes(float64(need)), FormatBytes(float64(max)))
	}
	return ReadFile(path)
}

// MemoryEstimate estimates the memory reading the file at path takes:
// for a .npy file twice its size (the bytes and the values); for a CSV
// file its text, which the table keeps, and a float64 for every cell,
// counted in its first 64 kB and scaled to the whole file.
func MemoryEstimate(path string) (need, size int64, err error) {
	f, err := OpenRegular(path) // a named pipe must not block here
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size = st.Size()
	if IsNPY(path) {
		return 2 * size, size, nil
	}
	head := make([]byte, min(size, 64<<10))
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	cells := int64(1)
	for _, sep := range []byte{',', ';', '\t', '\n'} {
		cells += int64(bytes.Count(head, []byte{sep}))
	}
	if n == 0 {
		return 0, 0, nil
	}
	return size + 8*cells*size/int64(n), size, nil
}

// FormatBytes renders a byte count for a message: "3.2 GB", "512 MB".
func FormatBytes(f float64) string {
	for _, u := range []struct {
		size float64
		name string
	}{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}} {
		if f >= u.size {
			return fmt.Sprintf("%.3g %s", f/u.size, u.name)
		}
	}
	return fmt.Sprintf("%.0f bytes", f)
}
