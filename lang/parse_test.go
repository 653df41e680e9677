package lang

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseExample(t *testing.T) {
	src := `# moons
data = csv("data/moons.csv")   # comment
flow = MAF(100) |> Reverse |> MAF(100, 50, dropout = .1)
  |> Gaussian
train flow on data { steps = 2000, batch = 256, lr = 1e-3, test_frac = 0.2, seed = 0, }
sample flow 1000 to "out.csv"
x = [1, -2, 3.5e2]
`
	f, err := Parse("m.nox", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stmts) != 5 {
		t.Fatalf("got %d statements", len(f.Stmts))
	}
	flow := f.Stmts[1].Assign
	if flow == nil || len(flow.Value.Stages) != 4 {
		t.Fatalf("flow pipeline: %+v", flow)
	}
	maf := flow.Value.Stages[2].Call
	if maf.Name.Name != "MAF" || len(maf.Args) != 3 || maf.Args[2].Name.Name != "dropout" {
		t.Fatalf("MAF call: %+v", maf)
	}
	if p := maf.Args[2].Pos; p.Line != 3 || p.Column != 44 {
		t.Errorf("dropout arg at %d:%d", p.Line, p.Column)
	}
	tr := f.Stmts[2].Train
	if tr.Flow.Name != "flow" || tr.Data.Name != "data" || len(tr.Opts.List) != 5 {
		t.Fatalf("train: %+v", tr)
	}
	s := f.Stmts[3].Sample
	if *&s.Path.Stages[0].String.Value != "out.csv" {
		t.Fatalf("sample path: %+v", s.Path.Stages[0])
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"flow = MAF(100", `m.nox:1:15: syntax error: unexpected end of file`},
		{"train flow data", `m.nox:1:12: syntax error: unexpected "data"`},
		{"x = \"abc\ny = 1", `m.nox:1:5: syntax error: unterminated string`},
		{"x = 1 $", `m.nox:1:7: syntax error: unexpected character '$'`},
		{"x = " + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), "brackets nested more than 64 deep"},
	}
	for _, c := range cases {
		_, err := Parse("m.nox", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): got %v, want %q", c.src, err, c.want)
		}
	}
}

// TestParseExpr: a flow expression on its own parses to the Expr that
// Parse makes of it in a file; anything but exactly one expression is a
// syntax error, positioned like Parse's.
func TestParseExpr(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"flow", "MAF(64) |> Reverse |> Gaussian", ""},
		{"lines and a comment", "MAF(64)  # first\n  |> Gaussian\n", ""},
		{"value", `[1, -2.5, "x"]`, ""},
		{"empty", "", `flow.nox:1:1: syntax error: unexpected end of file, expected an expression`},
		{"open pipeline", "MAF(8) |>", `flow.nox:1:10: syntax error: unexpected end of file, expected an expression`},
		{"unclosed call", "MAF(8 |> Gaussian", `flow.nox:1:18: syntax error: unexpected end of file, expected ")"`},
		{"assignment", "flow = MAF(8) |> Gaussian", `flow.nox:1:6: syntax error: unexpected "=", expected |> or the end of the expression`},
		{"train", "train flow on data", `flow.nox:1:7: syntax error: unexpected "flow", expected |> or the end of the expression`},
		{"save", `save flow to "x"`, `flow.nox:1:6: syntax error: unexpected "flow", expected |> or the end of the expression`},
		{"statement after a newline", "MAF(8) |> Gaussian\ntrain flow on data", `flow.nox:2:1: syntax error: unexpected "train", expected |> or the end of the expression`},
		{"second expression", "MAF(8) |> Gaussian\nMAF(4)", `flow.nox:2:1: syntax error: unexpected "MAF", expected |> or the end of the expression`},
		{"options block", "MAF(8) { steps = 1 }", `flow.nox:1:8: syntax error: unexpected "{", expected |> or the end of the expression`},
		{"bad character", "MAF(8) $", `flow.nox:1:8: syntax error: unexpected character '$'`},
		{"deep", strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), "flow.nox:1:65: syntax error: brackets nested more than 64 deep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := ParseExpr("flow.nox", []byte(c.src))
			if c.want != "" {
				if err == nil || err.Error() != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
				if _, ok := err.(*Error); !ok {
					t.Errorf("error is a %T, not an *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse("flow.nox", []byte("x = "+c.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f.Stmts[0].Assign.Value, e, cmpopts.IgnoreTypes(Pos{})); diff != "" {
				t.Errorf("ParseExpr and Parse differ (-Parse +ParseExpr):\n%s", diff)
			}
		})
	}
}

// TestEndOfFileColumn: an unexpected end of file is shown after the last
// character, its column counting code points like every other position
// (it counted bytes: two columns too far after "é🎲").
func TestEndOfFileColumn(t *testing.T) {
	_, err := Parse("f.nox", []byte("p = \"é🎲\" |>  \n\n"))
	errs := Errors(err)
	if len(errs) != 1 || errs[0].Pos.Line != 1 || errs[0].Pos.Column != 12 {
		t.Fatalf("error %v; want it at 1:12", err)
	}
}
