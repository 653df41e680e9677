package dataset

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCSVNumbers reads a table of 20,000 rows of 8 numbers as
// numpy.savetxt and pandas write them (17 significant digits, signs,
// exponents), after a header line: the cost of ScanCSV and CSV.Numbers
// per file, and per byte (MB/s).
func BenchmarkCSVNumbers(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("a,b,c,d,e,f,g,h\n")
	for range 20000 {
		for j := range 8 {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatFloat(rng.NormFloat64()*1e3, 'g', -1, 64))
		}
		sb.WriteByte('\n')
	}
	text := []byte(sb.String())
	cols := []int{0, 1, 2, 3, 4, 5, 6, 7}
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
