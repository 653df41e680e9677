package dataset

import (
	"bytes"
	"fmt"
)

// ReadFileWithin is ReadFile for a file whose reading is estimated
// (MemoryEstimate) to need at most max bytes; a larger one is refused
// before it is read, with the estimate in the message (Within).
//
// A .npy file whose values would take more than StreamBytes as float64
// is not loaded: it is opened (OpenNPY), its header and size checked
// against each other, one sequential pass checks that every value is
// finite, and the table's Src reads its rows on demand. It costs
// StreamedMemory, whatever its size, which must be within max.
func ReadFileWithin(path string, max int64) (*Table, error) {
	if n := openStreamed(path); n != nil {
		n.Close()
		if StreamedMemory > max {
			return nil, fmt.Errorf("%s is streamed, which needs about %s of memory, more than the limit of %s (set it with -max-memory)",
				path, FormatBytes(StreamedMemory), FormatBytes(float64(max)))
		}
		if t, err := streamNPY(path); t != nil || err != nil {
			return t, err
		}
	}
	if err := Within(path, max); err != nil {
		return nil, err
	}
	return ReadFile(path)
}

// Within reports why reading the data file at path would need more than
// max bytes (MemoryEstimate), or nil; a file it cannot estimate (missing,
// not regular) is nil too: reading it reports the problem.
func Within(path string, max int64) error {
	need, size, err := MemoryEstimate(path)
	if err != nil || need <= max {
		return nil
	}
	return fmt.Errorf("%s is %s; reading it needs about %s of memory, more than the limit of %s (set it with -max-memory)",
		path, FormatBytes(float64(size)), FormatBytes(float64(need)), FormatBytes(float64(max)))
}

// MemoryEstimate estimates the memory reading the file at path takes:
// for a .npy file twice its size (the bytes and the values); for a CSV
// file its text, which the table keeps, and cellBytes for every cell (a
// float64 and the parser's strings, measured: 36 to 40 bytes a cell in
// the peak resident size of noxc check on files of short and of long
// cells). That is encoding/csv's cost, which a file still pays from a
// line whose quotes the hand split leaves to it on; one read by hand
// needs about 12 bytes a cell (csvfast.go), but only reading all of it
// tells the two apart, and an estimate must not read what it may
// refuse. Cells are counted in four samples of 16 kB — at the start, a
// third and two thirds in, and the end — and the densest is scaled to
// the whole file, so that a file cannot hide its short cells behind a
// first block of long ones.
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
	const sample, cellBytes = 16 << 10, 40
	buf := make([]byte, sample)
	density := 0.0 // cells per byte
	for _, at := range []int64{0, size / 3, 2 * size / 3, max(size-sample, 0)} {
		n, _ := f.ReadAt(buf, at)
		if n == 0 {
			continue
		}
		cells := 1
		for _, sep := range []byte{',', ';', '\t', '|', '\n'} {
			cells += bytes.Count(buf[:n], []byte{sep})
		}
		density = max(density, float64(cells)/float64(n))
	}
	return size + int64(cellBytes*density*float64(size)), size, nil
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

// StreamedMemory is what a streamed .npy file (ReadFile, StreamBytes)
// costs in memory: package train's resident sample of training rows
// (train.PoolBytes) and read buffers.
const StreamedMemory = 320 << 20
