package nox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
)

// TestCompileSandbox (issue 23): the embedding API sets the policy of
// noxc run -sandbox with CompileOptions: a read or write outside the
// program's directory (or OutDir) is a diagnostic positioned at the
// path, before anything is read or run; OutDir is where outputs land.
func TestCompileSandbox(t *testing.T) {
	dir := filepath.Dir(copyExample(t, "moons.nox"))
	outside := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(dir, "data", "moons.csv"))
	os.WriteFile(filepath.Join(outside, "secret.csv"), data, 0o644)
	file := filepath.Join(dir, "p.nox")
	for _, c := range []struct {
		src  string
		line int
		want string
	}{
		{`d = csv("` + filepath.Join(outside, "secret.csv") + `")`, 1, "is an absolute path"},
		{`d = csv("../x.csv")`, 1, "goes through .."},
		{"d = csv(\"data/moons.csv\")\nf = MAF(4) |> Gaussian\ntrain f on d { steps = 2 }\nsave f to \"/tmp/m.noxm\"", 4, "is an absolute path; in a sandbox (-sandbox) a program may write only"},
	} {
		_, err := nox.CompileWith(file, []byte(c.src+"\n"), nox.CompileOptions{Sandbox: true})
		var el lang.ErrorList
		if !errors.As(err, &el) || len(el) == 0 || el[0].Pos.Line != c.line || !strings.Contains(el[0].Msg, c.want) {
			t.Errorf("%q: got %v, want a diagnostic on line %d saying %q", c.src, err, c.line, c.want)
		}
		if _, err := nox.CompileWith(file, []byte(c.src+"\n"), nox.CompileOptions{}); err != nil && strings.Contains(err.Error(), "sandbox") {
			t.Errorf("%q without Sandbox: %v", c.src, err)
		}
	}
	out := t.TempDir()
	src := "d = csv(\"data/moons.csv\")\nf = MAF(4) |> Gaussian\ntrain f on d { steps = 2 }\nsample f 5 to \"s.csv\"\n"
	s, err := nox.CompileWith(file, []byte(src), nox.CompileOptions{Sandbox: true, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "s.csv")); err != nil {
		t.Errorf("OutDir: %v", err)
	}
}
