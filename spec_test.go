package nox_test

// These tests keep spec.md true. They read its fenced code blocks by info
// string:
//
//	```ebnf          the grammar; must equal lang.Grammar()
//	```nox           a complete file; must compile and run (training capped
//	                 at 5 steps). Its csv paths are relative to the
//	                 repository root.
//	```nox-fragment  a snippet that need not be a whole program (it may
//	                 use names it does not bind); must parse, and is not
//	                 checked.
//	```nox-error     a file that must fail, compiled (and run, if it
//	                 compiles) as model.nox at the repository root; the
//	                 rendered diagnostics must equal the ```errors block
//	                 that follows it.
//
// Blocks with no info string (sample output, hypothetical files) are not
// checked. Each example runs in a temporary directory holding a copy of
// examples/data, so the files it writes land there.

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/plot"
	"github.com/noxlang/nox/stdlib"
)

func readSpec(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("spec.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fences returns the bodies of the fenced code blocks of spec whose info
// string is exactly info.
func fences(spec, info string) []string {
	re := regexp.MustCompile("(?ms)^```" + regexp.QuoteMeta(info) + "\n(.*?)^```\n")
	var out []string
	for _, m := range re.FindAllStringSubmatch(spec, -1) {
		out = append(out, m[1])
	}
	return out
}

// exampleDir returns a temporary directory holding a copy of examples/data
// under the same relative path.
func exampleDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples", "data"), os.DirFS("examples/data")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSpecKeywords: spec.md's keyword list is lang.Keywords, in order
// (issue 24: it once left out save and plot).
func TestSpecKeywords(t *testing.T) {
	spec := readSpec(t)
	m := regexp.MustCompile(`(?s)\n- \*\*Keywords\*\*: (.*?)\. `).FindStringSubmatch(spec)
	if m == nil {
		t.Fatal("spec.md has no **Keywords** item")
	}
	var got []string
	for _, w := range strings.Split(m[1], ",") {
		got = append(got, strings.Trim(strings.TrimSpace(w), "`"))
	}
	if diff := cmp.Diff(lang.Keywords, got); diff != "" {
		t.Errorf("spec.md's keywords differ from lang.Keywords (-want +got):\n%s", diff)
	}
}

// TestSpecGrammar: the EBNF in spec.md is the grammar the parser uses.
func TestSpecGrammar(t *testing.T) {
	blocks := fences(readSpec(t), "ebnf")
	if len(blocks) != 1 {
		t.Fatalf("spec.md has %d ebnf blocks, want 1", len(blocks))
	}
	if diff := cmp.Diff(strings.TrimSpace(lang.Grammar()), strings.TrimSpace(blocks[0])); diff != "" {
		t.Errorf("spec.md grammar differs from lang.Grammar() (-parser +spec.md):\n%s", diff)
	}
}

// TestSpecExamples: every nox block in spec.md compiles and runs.
func TestSpecExamples(t *testing.T) {
	blocks := fences(readSpec(t), "nox")
	if len(blocks) < 6 {
		t.Fatalf("spec.md has only %d nox blocks", len(blocks))
	}
	for i, src := range blocks {
		path := filepath.Join(exampleDir(t), "spec.nox")
		s, err := nox.Compile(path, []byte(src))
		if err != nil {
			t.Errorf("nox block %d does not compile:\n%s\n%s", i+1, src, nox.RenderError(err, path, []byte(src)))
			continue
		}
		if err := s.Run(context.Background(), nox.RunOptions{MaxSteps: 5, Plot: plot.Statement}); err != nil {
			t.Errorf("nox block %d fails:\n%s\n%s", i+1, src, s.Render(err))
		}
	}
}

// TestSpecFragments: every nox-fragment block in spec.md parses.
func TestSpecFragments(t *testing.T) {
	blocks := fences(readSpec(t), "nox-fragment")
	if len(blocks) == 0 {
		t.Fatal("spec.md has no nox-fragment blocks")
	}
	for i, src := range blocks {
		if _, err := lang.Parse("fragment.nox", []byte(src)); err != nil {
			t.Errorf("nox-fragment block %d does not parse:\n%s\n%s", i+1, src, nox.RenderError(err, "fragment.nox", []byte(src)))
		}
	}
}

// TestSpecErrors: every nox-error block in spec.md fails with exactly the
// diagnostics of the errors block after it.
func TestSpecErrors(t *testing.T) {
	spec := readSpec(t)
	re := regexp.MustCompile("(?ms)^```nox-error\n(.*?)^```\n\n```errors\n(.*?)^```\n")
	pairs := re.FindAllStringSubmatch(spec, -1)
	if n := len(fences(spec, "nox-error")); n != len(pairs) || n < 10 {
		t.Fatalf("spec.md has %d nox-error blocks, %d of them followed by an errors block; want every one, and at least 10", n, len(pairs))
	}
	updated := spec
	for i, p := range pairs {
		src, want := []byte(p[1]), p[2]
		dir := exampleDir(t)
		path := filepath.Join(dir, "model.nox")
		got := ""
		s, err := nox.Compile(path, src)
		if err != nil {
			got = nox.RenderError(err, path, src)
		} else if err := s.Run(context.Background(), nox.RunOptions{Plot: plot.Statement}); err != nil {
			got = s.Render(err)
		} else {
			t.Errorf("nox-error block %d gives no error:\n%s", i+1, src)
			continue
		}
		got = strings.ReplaceAll(got, dir+string(filepath.Separator), "")
		if *updateSpec {
			updated = strings.Replace(updated, p[0], "```nox-error\n"+p[1]+"```\n\n```errors\n"+strings.TrimSpace(got)+"\n```\n", 1)
			continue
		}
		if diff := cmp.Diff(strings.TrimSpace(want), strings.TrimSpace(got)); diff != "" {
			t.Errorf("nox-error block %d:\n%s\ndiagnostics differ from spec.md (-spec.md +noxc; go test -run SpecErrors -update-spec rewrites them):\n%s", i+1, src, diff)
		}
	}
	if *updateSpec && updated != spec {
		if err := os.WriteFile("spec.md", []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var updateSpec = flag.Bool("update-spec", false, "rewrite the errors blocks of spec.md from what noxc reports (then read the diff)")

// TestSpecLayers: every layer in the registry has a section in spec.md
// that shows its signature.
func TestSpecLayers(t *testing.T) {
	spec := readSpec(t)
	for _, name := range stdlib.Names() {
		if !strings.Contains(spec, "\n### "+name+"\n") {
			t.Errorf("spec.md has no section ### %s", name)
		}
		s := stdlib.Lookup(name)
		if len(s.Params) > 0 && !strings.Contains(spec, s.Signature()) {
			t.Errorf("spec.md does not show the signature %s", s.Signature())
		}
	}
}

// TestSpecTrainOptions: the table of train options in spec.md lists the
// checker's options, in its order, each with the right type, a default
// the checker accepts, and the range the checker enforces.
func TestSpecTrainOptions(t *testing.T) {
	specOptionTable(t, "Training", func(opts string) string {
		return "d = csv(\"d.csv\")\nf = MAF(4) |> Gaussian\ntrain f on d { " + opts + " }\n"
	})
}

// TestSpecFitOptions is TestSpecTrainOptions for the fit statement's
// table, under ## Variational inference.
func TestSpecFitOptions(t *testing.T) {
	specOptionTable(t, "Variational inference", func(opts string) string {
		return "density p(z: 2) = normal_lpdf(z, 0, 1)\nf = Inverse(Planar) |> Gaussian\nfit f to p { " + opts + " }\n"
	})
}

// specOptionTable checks the option table of spec.md's section ## name
// against the checker, compiling the statements stmt makes.
func specOptionTable(t *testing.T, name string, stmt func(opts string) string) {
	spec := readSpec(t)
	start := strings.Index(spec, "\n## "+name+"\n")
	if start < 0 {
		t.Fatalf("spec.md has no section ## %s", name)
	}
	section := spec[start+1:]
	section = section[:strings.Index(section[1:], "\n#")+1]
	row := regexp.MustCompile("(?m)^\\| `(\\w+)` \\| (\\w+) \\| ([^|]+?) \\|\\s*([^|]*?)\\s*\\|")
	rows := row.FindAllStringSubmatch(section, -1)
	if len(rows) == 0 {
		t.Fatalf("spec.md: no option table under ## %s", name)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte("1,2\n3,4\n5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "model.nox")
	// check compiles a train statement with the given options and returns
	// its diagnostics ("" if none).
	check := func(opts string) string {
		src := stmt(opts)
		if _, err := nox.Compile(path, []byte(src)); err != nil {
			return err.Error()
		}
		return ""
	}

	// The names, from the checker's "unknown option" message.
	m := regexp.MustCompile(`\(options: ([^)]*)\)`).FindStringSubmatch(check("no_such_option = 1"))
	if m == nil {
		t.Fatal("the checker's message for an unknown option lists no options")
	}
	var names []string
	for _, r := range rows {
		names = append(names, r[1])
	}
	if diff := cmp.Diff(strings.Split(m[1], ", "), names); diff != "" {
		t.Errorf("%s options (-checker +spec.md):\n%s", name, diff)
	}

	typeMsg := map[string]string{"int": "must be an int", "float": "must be a number", "bool": "must be true or false", "string": "must be one of", "path": "must be a string"}
	for _, r := range rows {
		name, typ, def, rng := r[1], r[2], r[3], strings.TrimSpace(r[4])
		if msg := check(name + " = " + def); msg != "" {
			t.Errorf("option %s: the default %s in spec.md is rejected: %s", name, def, msg)
		}
		want, ok := typeMsg[typ]
		if !ok {
			t.Errorf("option %s: unknown type %q in spec.md", name, typ)
		} else if typ == "string" {
			// The range lists the values; anything else is rejected with
			// the list.
			if msg := check(name + ` = "x"`); !strings.Contains(msg, "option "+name+" "+want+" "+rng) {
				t.Errorf("option %s: spec.md gives the values %s, but the checker says %q", name, rng, msg)
			}
			continue
		} else if typ == "path" {
			// Any string; a number is rejected.
			if msg := check(name + ` = 1`); !strings.Contains(msg, "option "+name+" "+want) {
				t.Errorf("option %s: spec.md says %s, but for a number the checker says %q", name, typ, msg)
			}
			continue
		} else if msg := check(name + ` = "x"`); !strings.Contains(msg, "option "+name+" "+want) {
			t.Errorf("option %s: spec.md says %s, but for a string the checker says %q", name, typ, msg)
		}
		if typ == "bool" {
			if rng != "" {
				t.Errorf("option %s: a bool has no range, spec.md says %s", name, rng)
			}
			continue
		}
		// Every numeric option rejects -1, and the message gives the range.
		msg := check(name + " = -1")
		if want := "option " + name + " must be in " + rng + ", got -1"; !strings.Contains(msg, want) {
			t.Errorf("option %s: spec.md gives the range %s, but for -1 the checker says %q", name, rng, msg)
		}
	}
}
