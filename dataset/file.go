package dataset

import (
	"fmt"
	"io"
	"os"

	"github.com/noxlang/nox/internal/atomicfile"
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
// name the file.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no such file %s", path)
		}
		return nil, err
	}
	defer f.Close()
	t, err := Read(path, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// plural renders a count with its noun: "1 column", "2 columns".
func plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
