package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWarningsPrinted: noxc check and noxc run print the checker's
// warnings to stderr, rendered with the source line and a caret, and run
// the program anyway; run -json also gives each as a "check" event line
// before the statements' events, which keep their shape.
func TestWarningsPrinted(t *testing.T) {
	dir := t.TempDir()
	var rows strings.Builder
	for i := range 40 {
		rows.WriteString(string(rune('0'+i%10)) + "\n")
	}
	os.WriteFile(filepath.Join(dir, "one.csv"), []byte(rows.String()), 0o644)
	file := filepath.Join(dir, "p.nox")
	os.WriteFile(file, []byte("d = csv(\"one.csv\")\nflow = MAF(4) |> Gaussian\ntrain flow on d { steps = 2 }\n"), 0o644)
	want := []string{
		file + ":2:8: warning: MAF on 1 column is only an affine map",
		"    flow = MAF(4) |> Gaussian\n           ^~~~~~\n",
	}
	for _, c := range []struct {
		args  []string
		json  bool
		trace string // must appear in stdout
	}{
		{[]string{"check", file}, false, ""},
		{[]string{"run", file}, false, "train flow: 2 steps"},
		{[]string{"run", "-json", file}, true, `"statement":"train"`},
	} {
		var out, errb bytes.Buffer
		if code := mainErr(c.args, nil, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errb.String())
		}
		for _, w := range want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errb.String(), w)
			}
		}
		if !strings.Contains(out.String(), c.trace) {
			t.Errorf("%v: stdout %q lacks %q: the program did not run", c.args, out.String(), c.trace)
		}
		if !c.json {
			continue
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var first, second map[string]any
		if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || json.Unmarshal([]byte(lines[1]), &second) != nil {
			t.Fatalf("want 2 JSON lines, got %q", out.String())
		}
		w, _ := first["warning"].(string)
		if first["statement"] != "check" || first["flow"] != "flow" || !strings.HasPrefix(w, file+":2:8: MAF on 1 column") {
			t.Errorf("first event %v, want the warning as a check event", first)
		}
		if second["statement"] != "train" || second["test_nll"] == nil {
			t.Errorf("second event %v, want the train event", second)
		}
	}
}
