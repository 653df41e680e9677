package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/noxlang/nox/dataset"
)

const convertHelp = `usage: noxc convert IN.csv OUT.npy [-columns A,B] [-sep S] [-na error|drop] [-dtype float32|float64]

Convert writes the numbers of a CSV file as a NumPy .npy array, reading
the file once, in blocks of lines read on every core, checking every row
as it writes it, in memory bounded by a few buffers whatever its size,
so that a data set larger than memory can be trained on with
npy("OUT.npy"), which reads large arrays on demand instead of loading
them. The CSV rules are
csv(...)'s, and an error names its row (the file's line) and column.
OUT.npy is replaced atomically: nothing is written on an error.

  -columns A,B  the columns to write, in order: header names or 0-based
                indices (default: every column)
  -sep S        the separator: , ; tab or | (default: detected)
  -na error|drop
                a missing value (empty, NA, NaN, …) in a written column
                is an error (default), or drops its row
  -dtype float32|float64
                the array's element type (default float64); float32
                halves the file, and a value too large for it is an error
`

// convertCmd is noxc convert.
func convertCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("convert", stderr)
	columns := fs.String("columns", "", "columns to write")
	sep := fs.String("sep", "", "separator")
	na := fs.String("na", "error", "error or drop")
	dtype := fs.String("dtype", "float64", "float32 or float64")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	var o dataset.ConvertOptions
	switch {
	case len(files) != 2:
		fmt.Fprintf(stderr, "noxc convert: want IN.csv and OUT.npy, got %d file names\n\n%s", len(files), convertHelp)
		return 2
	case dataset.IsNPY(files[0]):
		fmt.Fprintf(stderr, "noxc convert: %s is already a NumPy file; convert reads CSV\n", files[0])
		return 2
	case !dataset.IsNPY(files[1]):
		fmt.Fprintf(stderr, "noxc convert: the output's name must end in .npy, got %s\n", files[1])
		return 2
	case *na != "error" && *na != "drop":
		fmt.Fprintf(stderr, "noxc convert: -na must be error or drop, got %q\n", *na)
		return 2
	case *dtype != "float32" && *dtype != "float64":
		fmt.Fprintf(stderr, "noxc convert: -dtype must be float32 or float64, got %q\n", *dtype)
		return 2
	}
	switch *sep {
	case "":
	case "tab", "\\t", "\t":
		o.Sep = '\t'
	case ",", ";", "|":
		o.Sep = rune((*sep)[0])
	default:
		fmt.Fprintf(stderr, "noxc convert: -sep must be one of , ; tab |, got %q\n", *sep)
		return 2
	}
	if *columns != "" {
		for _, c := range strings.Split(*columns, ",") {
			o.Columns = append(o.Columns, strings.TrimSpace(c))
		}
	}
	o.DropNA, o.Float32 = *na == "drop", *dtype == "float32"
	rows, dropped, err := dataset.ConvertCSV(files[0], files[1], o)
	if err != nil {
		hint := ""
		if de := (*dataset.Error)(nil); errors.As(err, &de) && de.Missing {
			hint = "; -na drop drops the rows with missing values"
		}
		fmt.Fprintf(stderr, "noxc convert: %v%s\n", err, hint)
		return 1
	}
	msg := fmt.Sprintf("wrote %s: %d rows", files[1], rows)
	if dropped > 0 {
		msg += fmt.Sprintf(" (%d dropped for a missing value)", dropped)
	}
	fmt.Fprintln(stdout, msg)
	return 0
}
