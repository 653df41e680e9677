package dataset

import (
	"io"

	"github.com/noxlang/nox/internal/atomicfile"
)

// WriteFile writes rows×cols values to path, replacing it atomically: as
// a NumPy float64 array for a name ending in .npy (IsNPY), as CSV
// otherwise.
func WriteFile(path string, values []float64, cols int) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if IsNPY(path) {
			return WriteNPY(w, values, cols, false)
		}
		return WriteCSV(w, values, cols)
	})
}
