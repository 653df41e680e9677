package compiler_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/fifo"
	"github.com/noxlang/nox/lang"
)

// TestDataHostile: data files as someone else may hand them over — a
// named pipe, a device, a directory, a byte-order mark, duplicate or
// thousands of header names, control characters and megabyte cells — are
// read or refused quickly, with a positioned message that neither blocks
// nor floods nor echoes control characters. Files are read as nox reads
// them (dataset.ReadFile), relative to a temporary directory.
func TestDataHostile(t *testing.T) {
	dir := t.TempDir()
	fifo.MakeOrSkip(t, filepath.Join(dir, "fifo.csv"))
	fifo.MakeOrSkip(t, filepath.Join(dir, "fifo.npy"))
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := strings.Repeat
	wide := r("c,", 100000) + "z\n" + r("1,", 100000) + "2\n"
	// named.csv has 100,000 columns c0, c1, …; many selects 3,000 of
	// them by name, and takes as many more as context by index (once
	// each a scan of the whole header: 7 s).
	var named, ones, many, ctx []string
	for j := range 100000 {
		named, ones = append(named, "c"+strconv.Itoa(j)), append(ones, "1")
	}
	for j := range 3000 {
		many, ctx = append(many, strconv.Quote(named[99999-j])), append(ctx, strconv.Itoa(j))
	}
	files := map[string]string{
		"bom.csv":     "\ufeffx,y\r\n1,2\r\n3,4\r\n",
		"bomq.csv":    "\ufeff\"x\",y\n1,2\n",
		"dup.csv":     "x,y,x\n1,2,3\n",
		"dup3.csv":    "x,x,x,y\n1,2,3,4\n",
		"manydup.csv": r("x,", 100000) + "x\n" + r("1,", 100000) + "1\n",
		"wide.csv":    wide,
		"named.csv":   strings.Join(named, ",") + "\n" + strings.Join(ones, ",") + "\n",
		"ctrl.csv":    "\"a\x1b[2Jb\",y\n1,2\n",
		"cell.csv":    "x,y\n1,\"" + r("\x1b", 1<<20) + "\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, src, want string }{
		{"fifo", `d = csv("fifo.csv")`, `m.nox:1:9: csv("fifo.csv"): ` + filepath.Join(dir, "fifo.csv") + ` is a named pipe (FIFO); nox reads only regular files`},
		{"npy fifo", `d = npy("fifo.npy")`, `m.nox:1:9: npy("fifo.npy"): ` + filepath.Join(dir, "fifo.npy") + ` is a named pipe (FIFO); nox reads only regular files`},
		{"zero", `d = csv("/dev/zero")`, `m.nox:1:9: csv("/dev/zero"): /dev/zero is a character device; nox reads only regular files`},
		{"stdin", `d = csv("/dev/stdin")`, `m.nox:1:9: csv("/dev/stdin"): /dev/stdin is `},
		{"directory", `d = csv("sub.csv")`, `m.nox:1:9: csv("sub.csv"): ` + filepath.Join(dir, "sub.csv") + ` is a directory; nox reads only regular files`},
		{"BOM", `d = csv("bom.csv", columns = ["x"])`, ""},
		{"BOM before a quoted name", `d = csv("bomq.csv", columns = ["x"])`, ""},
		{"duplicate selected", `d = csv("dup.csv", columns = ["y", "x"])`, `m.nox:1:36: csv argument columns: column "x" appears 2 times in the header, at 0-based indices 0 and 2; select the one you mean by index`},
		{"duplicate as context", `d = csv("dup.csv", context = ["x"])`, `m.nox:1:31: csv argument context: column "x" appears 2 times in the header, at 0-based indices 0 and 2; select the one you mean by index`},
		{"duplicate not selected", `d = csv("dup.csv", columns = ["y", 2])`, ""},
		{"duplicate by index", `d = csv("dup.csv")`, ""},
		{"three times", `d = csv("dup3.csv", columns = [3], context = ["x"])`, `m.nox:1:47: csv argument context: column "x" appears 3 times in the header, at 0-based indices 0, 1 and 2; select the one you mean by index`},
		{"100,000 duplicates", `d = csv("manydup.csv", columns = ["x"])`, `m.nox:1:35: csv argument columns: column "x" appears 100001 times in the header, at 0-based indices 0, 1, 2 and 99998 more; select the one you mean by index`},
		{"unknown name of 100,000", `d = csv("wide.csv", columns = ["zz"])`, `m.nox:1:32: csv argument columns: no column "zz" (did you mean z?) (columns: c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, … 99981 more)`},
		{"3,000 names of 100,000", `d = csv("named.csv", columns = [` + strings.Join(many, ", ") + `], context = [` + strings.Join(ctx, ", ") + `])`, ""},
		{"control characters in a name", `d = csv("ctrl.csv", columns = ["ab"])`, `m.nox:1:32: csv argument columns: no column "ab" (did you mean y?) (columns: "a\x1b[2Jb", y)`},
		{"64 KiB file name", `d = csv("` + r("a", 65000) + `.csv")`, `m.nox:1:9: csv("` + r("a", 79) + `…" (65004 bytes)): "` + dir + "/" + r("a", 79-len(dir)-1) + `…" (` + strconv.Itoa(65004+len(dir)+1) + ` bytes): file name too long`},
		{"megabyte cell", `d = csv("cell.csv")`, `m.nox:1:9: csv("cell.csv"): row 2, column 2 ("y"): "` + r(`\x1b`, 39) + `…" (1048576 bytes) is not a number`},
	}
	load := func(path string) (*dataset.Table, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return dataset.ReadFile(path)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := lang.Parse("m.nox", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := compiler.Check(f, load)
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("still checking after 10 s")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v", err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Errorf("got  %.500v\nwant %s", err, c.want)
			case err != nil && len(err.Error()) > 1000:
				t.Errorf("a message of %d bytes", len(err.Error()))
			case err != nil && strings.ContainsAny(err.Error(), "\x1b\x00"):
				t.Errorf("a control character in %q", err)
			}
		})
	}
}
