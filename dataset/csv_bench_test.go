package dataset

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCSVNumbers reads a table of 20,000 rows of 8 numbers as
// numpy.savetxt and pandas write them (17 significant digits, signs,
// exponents), after a header line: the cost of ScanCSV and CSV.Numbers
// per file, and per byte (MB/s).
func BenchmarkCSVNumbers(b *testing.B) { benchCSV(b, -1) }

// BenchmarkCSVShortNumbers is BenchmarkCSVNumbers with numbers of 7
// significant digits, as R writes them by default (and most files of
// measurements hold): the ones decimal reads exactly without strconv.
func BenchmarkCSVShortNumbers(b *testing.B) { benchCSV(b, 7) }

// BenchmarkCSVRowNames is BenchmarkCSVNumbers with R's write.csv
// layout: a quoted header and a first column of quoted row names.
func BenchmarkCSVRowNames(b *testing.B) { benchCSVWith(b, -1, true) }

func benchCSV(b *testing.B, digits int) { benchCSVWith(b, digits, false) }

func benchCSVWith(b *testing.B, digits int, rowNames bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("a,b,c,d,e,f,g,h\n")
	if rowNames {
		sb.Reset()
		sb.WriteString(`"","a","b","c","d","e","f","g","h"` + "\n")
	}
	for i := range 20000 {
		if rowNames {
			fmt.Fprintf(&sb, `"%d",`, i+1)
		}
		for j := range 8 {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatFloat(rng.NormFloat64()*1e3, 'g', digits, 64))
		}
		sb.WriteByte('\n')
	}
	text := []byte(sb.String())
	cols := []int{0, 1, 2, 3, 4, 5, 6, 7}
	if rowNames {
		cols = []int{1, 2, 3, 4, 5, 6, 7, 8}
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := ScanCSV(text, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := f.Numbers(cols, false); err != nil {
			b.Fatal(err)
		}
	}
}
