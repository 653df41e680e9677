package nox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
)

// TestAnalyze: a tool gets the checker's program even when the file has
// errors (the names it resolved, the data it read), every error, and
// no program when the file does not parse.
func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("a,b\n1,2\n3,4\n5,7\n"), 0o644)
	src := "data = csv(\"d.csv\")\nflow = MAF(8) |> Gaussian\nbad = MAFF(3) |> Gaussian\ntrain flow on dta\n"
	file := filepath.Join(dir, "p.nox")
	a := nox.Analyze(file, []byte(src), nox.CompileOptions{})
	if a.File == nil || a.Prog == nil || a.Err == nil {
		t.Fatalf("Analyze = %+v", a)
	}
	if n := strings.Count(a.Err.Error(), "undefined"); n != 2 {
		t.Errorf("errors %q: want both undefined names", a.Err)
	}
	if d, ok := a.Prog.Describe("flow"); !ok || !strings.Contains(d, "MAF(8)") {
		t.Errorf("Describe(flow) = %q, %v", d, ok)
	}
	if len(a.Prog.Data) != 1 || a.Prog.Data[0].Table.Rows != 3 {
		t.Errorf("data %+v", a.Prog.Data)
	}
	if a := nox.Analyze(file, []byte("flow = MAF(8 |> Gaussian\n"), nox.CompileOptions{}); a.File != nil || a.Prog != nil || a.Err == nil {
		t.Errorf("a syntax error: %+v", a)
	}
}

// TestFileCache: a cached data file is read again only when it changes,
// and a missing one is an error each time until it appears.
func TestFileCache(t *testing.T) {
	dir := t.TempDir()
	data, file := filepath.Join(dir, "d.csv"), filepath.Join(dir, "p.nox")
	src := []byte("data = csv(\"d.csv\")\n")
	o := nox.CompileOptions{Cache: nox.NewFileCache()}
	rows := func() int {
		a := nox.Analyze(file, src, o)
		if a.Err != nil {
			return -1
		}
		return a.Prog.Data[0].Table.Rows
	}
	if n := rows(); n != -1 {
		t.Fatalf("missing file: %d rows", n)
	}
	os.WriteFile(data, []byte("1,2\n3,4\n"), 0o644)
	if n := rows(); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	// The same size and time: the cached table, though the text differs.
	st, _ := os.Stat(data)
	os.WriteFile(data, []byte("1,2\n3,x\n"), 0o644)
	os.Chtimes(data, st.ModTime(), st.ModTime())
	if n := rows(); n != 2 {
		t.Fatalf("unchanged stat: %d rows, want the cached 2", n)
	}
	os.WriteFile(data, []byte("1,2\n3,4\n5,6\n"), 0o644)
	os.Chtimes(data, time.Now().Add(time.Second), time.Now().Add(time.Second))
	if n := rows(); n != 3 {
		t.Fatalf("changed file: %d rows, want 3", n)
	}
	// A file that cannot be read is remembered with its error while it
	// is unchanged: a large file with a bad row is not read again at
	// every keystroke.
	os.Remove(data)
	os.WriteFile(data, []byte("1,2\n3,4\n5,6,7\n"), 0o644)
	os.Chtimes(data, time.Now().Add(2*time.Second), time.Now().Add(2*time.Second))
	if n := rows(); n != -1 {
		t.Fatalf("a ragged file: %d rows", n)
	}
	st, _ = os.Stat(data)
	os.WriteFile(data, []byte("1,2\n3,4\n55,66\n"), 0o644) // the same size
	os.Chtimes(data, st.ModTime(), st.ModTime())
	if n := rows(); n != -1 {
		t.Fatalf("unchanged stat after an error: %d rows, want the cached error", n)
	}
}
