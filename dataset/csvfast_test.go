package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cellsVocabulary are cells of every kind a row may hold: numbers, with
// spaces, missing values, numbers nox refuses (with the hints of their
// messages), words, and bytes that trim or do not.
var cellsVocabulary = []string{
	"1", "-2.5", "3e4", "+0.125", " 7 ", "\t8", "1e400", "-1e-400", "0x10", "1_000", "inf", "-Infinity",
	"NA", "NaN", "", " ", "#N/A", "null", "1,5", "1,000,000", "abc", "12abc", "\u00a08\u00a0", "9\r", ".5", "5.", "1e", "--1",
	"\xff", "3.4e38", "3.5e38",
}

// quotedCells are cells with quotes: plain quoted cells, which the hand
// split reads (splitQuoted), and cells whose quotes it leaves to
// encoding/csv (errQuotes), some of them errors there. The cells with a
// separator or a line break in them are written with the file's.
var quotedCells = []string{
	`"1.5"`, `"-2"`, ` "3e2"`, `""`, `" 4 "`, `"x"`, `"1SEP5"`, ` "6"`, "\t\"7\"",
	`"a""b"`, `"8`, `9"`, `"10" `, `"11"x`, "\"12NL13\"", `"NA"`,
}

// randomCSV returns CSV text of cols columns: a header or not (quoted or
// not), rows of cells of the vocabulary (and now and then of another
// count; with quotes, quotedCells), blank and white lines, CRLF or LF, a
// last line with or without its newline, a byte-order mark now and then.
func randomCSV(rng *rand.Rand, sep string, cols, lines int, quotes bool) string {
	var b strings.Builder
	if rng.IntN(8) == 0 {
		b.WriteString("\ufeff")
	}
	nl := "\n"
	if rng.IntN(3) == 0 {
		nl = "\r\n"
	}
	if rng.IntN(2) == 0 {
		quote := rng.IntN(3) == 0 // as R's write.csv writes a header
		for j := range cols {
			if j > 0 {
				b.WriteString(sep)
			}
			if quote {
				fmt.Fprintf(&b, `"c %d"`, j)
			} else {
				fmt.Fprintf(&b, "c%d", j)
			}
		}
		b.WriteString(nl)
	}
	// Mostly plain numbers, so that most files have rows to read and
	// their errors come late, in later blocks.
	plain := 1 + rng.IntN(60)
	for i := range lines {
		switch r := rng.IntN(40); {
		case r == 0:
			b.WriteString(nl) // blank
			continue
		case r == 1:
			b.WriteString("  \t " + nl)
			continue
		}
		n := cols
		if rng.IntN(97) == 0 {
			n = 1 + rng.IntN(cols+1)
		}
		for j := range n {
			if j > 0 {
				b.WriteString(sep)
			}
			switch {
			case quotes && rng.IntN(4) == 0:
				q := quotedCells[rng.IntN(len(quotedCells))]
				if rng.IntN(3) != 0 {
					q = quotedCells[rng.IntN(9)] // mostly plain quoted cells
				}
				b.WriteString(strings.NewReplacer("SEP", sep, "NL", nl).Replace(q))
			case i < plain*cols || rng.IntN(30) != 0:
				fmt.Fprintf(&b, "%g", rng.NormFloat64()*math.Pow(10, float64(rng.IntN(9)-4)))
			default:
				b.WriteString(cellsVocabulary[rng.IntN(len(cellsVocabulary))])
			}
		}
		if i < lines-1 || rng.IntN(2) == 0 {
			b.WriteString(nl)
		}
	}
	return b.String()
}

// slowNumbers is Numbers through encoding/csv, whatever the text.
func slowNumbers(f *CSV, cols []int, dropNA bool) (values []float64, n, dropped int, err error) {
	n, dropped, err = f.each(f.reader(f.text), 0, cols, dropNA, func(row []float64) error {
		values = append(values, row...)
		return nil
	})
	return values, n, dropped, err
}

// TestFastRows: the hand split (csvfast.go) reads the same rows, numbers
// and errors (message, row and column) as encoding/csv, on random files
// of every kind of line, with quotes and without, in one block and in
// blocks of a few lines each read on its own goroutine; where it leaves
// a line's quotes to encoding/csv, Numbers reads the same all the same.
func TestFastRows(t *testing.T) {
	defer func(b int) { fastBlock = b }(fastBlock)
	rng := rand.New(rand.NewPCG(7, 7))
	files, failed, quoted, quotedFast := 0, 0, 0, 0
	for i := range 4000 {
		sep := Seps[i%len(Seps)]
		cols := 1 + rng.IntN(4)
		text := randomCSV(rng, sep, cols, 1+rng.IntN(80), i%2 == 1)
		f, err := ScanCSV([]byte(text), rune(sep[0]))
		if err != nil {
			continue
		}
		pick := []int{}
		for j := range f.Cols {
			if rng.IntN(3) != 0 {
				pick = append(pick, j)
			}
		}
		if len(pick) == 0 {
			pick = []int{0}
		}
		rng.Shuffle(len(pick), func(a, b int) { pick[a], pick[b] = pick[b], pick[a] })
		dropNA := rng.IntN(2) == 0
		want, wn, wd, werr := slowNumbers(f, pick, dropNA)
		rest, lines, ok := f.afterHeader(f.text)
		if !ok {
			t.Fatalf("file %d: header not read\n%q", i, text)
		}
		hasQuotes := bytes.IndexByte(rest, '"') >= 0
		for k, block := range []int{1 << 20, 1 + rng.IntN(64)} {
			fastBlock = block
			got, gn, gd, gerr := f.numbersFast(rest, 1+lines, pick, dropNA)
			if !sameError(gerr, werr) || (werr == nil && (gn != wn || gd != wd || !sameBits(got, want))) {
				t.Fatalf("file %d (sep %q, columns %v, dropNA %v, blocks of %d bytes):\n%q\nfast: %d rows, %d dropped, %v\nencoding/csv: %d rows, %d dropped, %v\nvalues %v\nwant %v",
					i, sep, pick, dropNA, block, text, gn, gd, gerr, wn, wd, werr, got, want)
			}
			if k == 0 {
				// Which files the hand split reads to their end (or to
				// their first error) without encoding/csv.
				err := f.newRows(pick, dropNA).lines(rest, 1+lines, func([]float64) error { return nil })
				switch {
				case err == errQuotes && !hasQuotes:
					t.Fatalf("file %d: %v without a quote after the header\n%q", i, err, text)
				case err != errQuotes && hasQuotes:
					quotedFast++
				}
			}
			// Numbers, which falls back to encoding/csv, reads the same.
			tb, nd, nerr := f.Numbers(pick, dropNA)
			if !sameError(nerr, werr) || werr == nil && (tb.Rows != wn || nd != wd || !sameBits(tb.Values, want)) {
				t.Fatalf("file %d: Numbers %v, %d dropped, %v; encoding/csv %d rows, %d dropped, %v\n%q", i, tb, nd, nerr, wn, wd, werr, text)
			}
		}
		if hasQuotes {
			quoted++
		}
		files++
		if werr != nil {
			failed++
		}
	}
	// Both kinds must be common, and files with quotes read by hand, or
	// the comparison shows little.
	if files < 3000 || failed < files/5 || failed > files*4/5 || quoted < files/3 || quotedFast < quoted/5 {
		t.Errorf("%d files compared, %d of them with an error; %d with quotes, %d of them read by hand", files, failed, quoted, quotedFast)
	}
	t.Logf("%d files compared, %d of them with an error; %d with quotes, %d of them read by hand", files, failed, quoted, quotedFast)
}

// sameError reports whether a and b are the same error: the same
// *Error (row, column, name, message, missing) or the same message.
func sameError(a, b error) bool {
	var ea, eb *Error
	if errors.As(a, &ea) && errors.As(b, &eb) {
		return *ea == *eb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// TestConvertBlocks: ConvertCSV, which reads a file once in blocks of
// whole lines (in parallel where they have no quotes, through
// encoding/csv from the first that has one), writes what Numbers reads,
// or fails with its error (row and column included), whatever the size
// of its blocks; a line longer than a block is read too.
func TestConvertBlocks(t *testing.T) {
	defer func(b, c int) { fastBlock, convertBlock = b, c }(fastBlock, convertBlock)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 300 {
		sep := Seps[i%len(Seps)]
		cols := 1 + rng.IntN(3)
		text := randomCSV(rng, sep, cols, 1+rng.IntN(60), i%5 == 2)
		switch i % 4 {
		case 0, 1: // a quoted cell late in the file, or one not closed
			lines := strings.SplitAfter(text, "\n")
			k := len(lines) * 2 / 3
			quoted := `"1.5"` + strings.Repeat(sep+`"2"`, cols-1) + "\n"
			if i%4 == 1 {
				quoted = `"1.5` + "\n"
			}
			lines = slices.Insert(lines, k, quoted)
			text = strings.Join(lines, "")
		}
		in := filepath.Join(dir, "in.csv")
		out := filepath.Join(dir, "out.npy")
		if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(out)
		f, err := ScanCSV([]byte(text), rune(sep[0]))
		if err != nil {
			continue
		}
		dropNA := rng.IntN(2) == 0
		cols32 := make([]int, f.Cols)
		for j := range cols32 {
			cols32[j] = j
		}
		want, werr := func() (*Table, error) {
			tb, _, err := f.Numbers(cols32, dropNA)
			return tb, err
		}()
		for _, block := range []int{16 << 20, 8 + rng.IntN(200)} {
			convertBlock, fastBlock = block, 1+rng.IntN(64)
			n, _, err := ConvertCSV(in, out, ConvertOptions{Sep: rune(sep[0]), DropNA: dropNA})
			if werr != nil {
				if err == nil || !strings.HasSuffix(err.Error(), ": "+werr.Error()) {
					t.Fatalf("file %d, blocks of %d bytes: %v, want the error %v\n%q", i, block, err, werr, text)
				}
				if _, serr := os.Stat(out); serr == nil {
					t.Fatalf("file %d: a failed conversion left %s", i, out)
				}
				continue
			}
			if err != nil {
				t.Fatalf("file %d, blocks of %d bytes: %v\n%q", i, block, err, text)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadNPY(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if n != want.Rows || got.Rows != want.Rows || got.Cols != want.Cols || !sameBits(got.Values, want.Values) {
				t.Fatalf("file %d, blocks of %d bytes: %d rows (%d×%d in the file), want %d×%d\n%q", i, block, n, got.Rows, got.Cols, want.Rows, want.Cols, text)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 2 {
		t.Errorf("%d files left in the directory, want in.csv and out.npy", len(entries))
	}
}

// TestDecimal: decimal accepts what isDecimal does, and where it gives
// an exact value, it is strconv.ParseFloat's to the bit; most numbers of
// up to 15 digits are exact.
func TestDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
			if rng.IntN(4) == 0 {
				b[i] = '0'
			}
		}
		return string(b)
	}
	cases := []string{"0", "-0", "+0.0", "-0.000", "1", "9007199254740992", "9007199254740993", "1e22", "1e23", "123456789012345678", "1234567890123456789012",
		"0.1", "-0.3", "1e-22", "1e-23", "4.9e-324", "1e-400", "1e400", "1.7976931348623157e308", ".5", "5.", "1e", "1e+", "e5", ".", "-", "+", "1.2.3", "0x10", "1_0", "--1", "1e5x"}
	for range 200000 {
		var b strings.Builder
		switch rng.IntN(3) {
		case 0:
			b.WriteByte('-')
		case 1:
			if rng.IntN(4) == 0 {
				b.WriteByte('+')
			}
		}
		b.WriteString(digits(rng.IntN(12)))
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			b.WriteString(digits(rng.IntN(22)))
		}
		if rng.IntN(3) == 0 {
			b.WriteByte("eE"[rng.IntN(2)])
			if rng.IntN(2) == 0 {
				b.WriteByte("+-"[rng.IntN(2)])
			}
			b.WriteString(digits(rng.IntN(4)))
		}
		cases = append(cases, b.String())
	}
	// Cells longer than strconv reads exponents for: its value, exact
	// or not (0.{99999 zeros}1e100000 is 1, but strconv reads 0).
	for _, s := range []string{"0." + strings.Repeat("0", 99999) + "1e100000", "1" + strings.Repeat("0", 30000) + "e-30000", "1e9999", "1e10000", "1e-10000"} {
		v, msg, _ := cell(s)
		w, _ := strconv.ParseFloat(s, 64)
		if inf := math.IsInf(w, 0); inf != (msg != "") || !inf && math.Float64bits(v) != math.Float64bits(w) {
			t.Errorf("cell(%.20q…) = %v, %q; strconv %v", s, v, msg, w)
		}
	}
	exact := 0
	for _, s := range cases {
		v, ok, ex := decimal(s)
		if ok != isDecimal(s) {
			t.Fatalf("decimal(%q) ok %v, isDecimal %v", s, ok, isDecimal(s))
		}
		if !ex {
			continue
		}
		exact++
		w, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(v) != math.Float64bits(w) {
			t.Fatalf("decimal(%q) = %v (%#x), strconv.ParseFloat %v (%#x), %v", s, v, math.Float64bits(v), w, math.Float64bits(w), err)
		}
	}
	if exact < len(cases)/3 {
		t.Errorf("only %d of %d numbers exact", exact, len(cases))
	}
}

// TestMaxRows: maxRows bounds the records of texts of the shortest lines
// that make them (numbersFast's part of values for a block must hold
// all of its rows).
func TestMaxRows(t *testing.T) {
	for _, c := range []struct {
		text string
		cols int
	}{
		{"1", 1}, {"1\n2", 1}, {"1\n2\n", 1}, {"1\r\n2\r\n3", 1}, {",1\n,1\n,1", 2}, {",,1\n,,1", 3}, {"\n\n\n1\n", 1}, {",\n,", 2},
	} {
		f, err := ScanCSV([]byte(c.text), ',')
		if err != nil {
			t.Fatal(err)
		}
		last := []int{c.cols - 1}
		_, n, dropped, _ := slowNumbers(f, last, true) // all dropped: an error, with the count
		if records := n + dropped; f.maxRows(f.text) < records {
			t.Errorf("maxRows(%q) = %d, but it has %d records", c.text, f.maxRows(f.text), records)
		}
	}
}

// TestNumbersAllocation: a file of lines of many empty cells allocates
// about its own size to be read, not 8 bytes a cell (the rows' room is
// reserved by the bytes of a block, not its lines times its columns).
func TestNumbersAllocation(t *testing.T) {
	defer func(b int) { fastBlock = b }(fastBlock)
	fastBlock = 64 << 10
	var b strings.Builder
	for j := range 1000 {
		if j > 0 {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "n%d", j)
	}
	b.WriteByte('\n')
	for b.Len() < 4<<20 {
		b.WriteString(strings.Repeat("|", 999) + "\n")
	}
	b.WriteString(strings.Repeat("1|", 999) + "1\n")
	text := []byte(b.String())
	f, err := ScanCSV(text, '|')
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]int, 1000)
	for j := range cols {
		cols[j] = j
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	tb, dropped, err := f.Numbers(cols, true)
	runtime.ReadMemStats(&m1)
	if err != nil || tb.Rows != 1 || dropped < 4000 {
		t.Fatalf("%v rows, %d dropped, %v", tb, dropped, err)
	}
	if a := m1.TotalAlloc - m0.TotalAlloc; a > 2*uint64(len(text)) {
		t.Errorf("reading %d bytes allocated %d", len(text), a)
	}
}

// TestDetectSepHead: DetectSep reads the start of a text only. R's
// header ("","a",…) read with a tab or a semicolon is a quoted cell that
// does not close, which its lazy reader read on to the end of the text:
// 185 MB allocated for five reads of a 4 MB file.
func TestDetectSepHead(t *testing.T) {
	var b strings.Builder
	b.WriteString(`"","a","b"` + "\n")
	for i := 0; b.Len() < 8<<20; i++ {
		fmt.Fprintf(&b, `"%d",%d.5,%d`+"\n", i+1, i, -i)
	}
	text := []byte(b.String())
	var sep rune
	allocs := testing.Benchmark(func(tb *testing.B) {
		tb.ReportAllocs()
		for range tb.N {
			sep = DetectSep(text)
		}
	}).AllocedBytesPerOp()
	if sep != ',' || allocs > 2<<20 {
		t.Errorf("DetectSep of %d bytes: %q, %d bytes allocated", len(text), sep, allocs)
	}
}

// TestLongFirstLines: DetectSep and ConvertCSV's start of the file keep
// a first line longer than 64 KB whole, and ConvertCSV finds in its
// start the separator csv(...) finds in the whole file, byte-order mark
// or not: a comma-separated header with a semicolon in one name once
// read as semicolon-separated, and a first line of 20,000 numbers, cut
// at 64 KB, once had too many columns in its second row.
func TestLongFirstLines(t *testing.T) {
	dir := t.TempDir()
	var names, nums []string
	for j := range 12000 {
		names = append(names, fmt.Sprintf("c%d", j))
		nums = append(nums, fmt.Sprint(j))
	}
	names[7000] = "x;y"
	long13k := "\t1." + strings.Repeat("0", 13000) + ",2\n"
	cases := map[string]string{
		"semicolon in a long header": strings.Join(names, ",") + "\n" + strings.Repeat(strings.Join(nums, ",")+"\n", 3),
		"two rows of 20,000 numbers": strings.Repeat(strings.Join(append(nums, nums[:8000]...), ",")+"\n", 2),
		"BOM, 64 KB of tabs":         "\ufeff" + strings.Repeat(long13k, 5) + "0." + strings.Repeat("0", 65536-3-5*len(long13k)-6) + "3,4\n" + strings.Repeat("5,6\n", 20),
	}
	for name, text := range cases {
		tb, err := ParseCSV([]byte(text))
		if err != nil {
			t.Errorf("%s: ParseCSV: %v", name, err)
			continue
		}
		if sep := DetectSep([]byte(text)); sep != ',' {
			t.Errorf("%s: DetectSep %q, want ','", name, sep)
		}
		in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.npy")
		if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		n, _, err := ConvertCSV(in, out, ConvertOptions{})
		if err != nil || n != tb.Rows {
			t.Errorf("%s: ConvertCSV %d rows, %v; ParseCSV %d×%d", name, n, err, tb.Rows, tb.Cols)
			continue
		}
		b, _ := os.ReadFile(out)
		got, err := ReadNPY(bytes.NewReader(b))
		if err != nil || got.Cols != tb.Cols || !sameBits(got.Values, tb.Values) {
			t.Errorf("%s: converted %v, %v; want %d×%d", name, got, err, tb.Rows, tb.Cols)
		}
	}
}

// FuzzFastRows: on any text, with any separator, Numbers (read by hand
// where it can, csvfast.go) and encoding/csv read the same rows, numbers
// and errors, in one block and in blocks of a few bytes each.
func FuzzFastRows(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n", "\"\",\"a\"\n\"1\",0.5\n", "a;b\n1,5;2\n", "1\t\"2\"\r\n\"3\t4\"\t5\n", "\ufeffx\r\n1\r\nNA\r\n", "1,\"2\n", "1|2\n||\n 3| \"4\" \n"} {
		f.Add(s, uint8(0), true, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, sepIndex uint8, dropNA bool, block uint8) {
		defer func(b int) { fastBlock = b }(fastBlock)
		fastBlock = 1 + int(block)
		csv, err := ScanCSV([]byte(s), rune(Seps[int(sepIndex)%len(Seps)][0]))
		if err != nil {
			return
		}
		cols := make([]int, csv.Cols)
		for j := range cols {
			cols[j] = j
		}
		want, wn, wd, werr := slowNumbers(csv, cols, dropNA)
		got, gd, gerr := csv.Numbers(cols, dropNA)
		if !sameError(gerr, werr) || werr == nil && (got.Rows != wn || gd != wd || !sameBits(got.Values, want)) {
			t.Fatalf("Numbers %v, %d dropped, %v; encoding/csv %d rows, %d dropped, %v", got, gd, gerr, wn, wd, werr)
		}
	})
}
