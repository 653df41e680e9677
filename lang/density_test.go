package lang

import (
	"fmt"
	"strings"
	"testing"
)

// Density and fit statements (density.go): the formatter's spacing of
// arithmetic, the precedence the parser gives it, and positioned syntax
// errors.

// TestFormatDensity checks canonical spacing — no spaces inside indexes,
// slices and calls, one around binary operators, none after a unary
// minus or around ^ — and that a line break before + or - is kept, each
// output formatting to itself with the input's AST.
func TestFormatDensity(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"index and power", "density U(z:2)=-0.5*(z[ 0 ]-2)^2", "density U(z: 2) = -0.5 * (z[0] - 2)^2\n"},
		{"sum over rows", "density U( z : 2 ) = sum( r in data : normal_lpdf( r[0] , dot(z,r[ 1 : ]) , 1 ) )",
			"density U(z: 2) = sum(r in data: normal_lpdf(r[0], dot(z, r[1:]), 1))\n"},
		{"slices", "density U(z:3)=z[1:]-z[:-1]-z[-1:]+z[ 1 : 2 ][0]", "density U(z: 3) = z[1:] - z[:-1] - z[-1:] + z[1:2][0]\n"},
		{"binary and unary minus", "density U(z:2)=-z[0]- -z[1]*-2^-1", "density U(z: 2) = -z[0] - -z[1] * -2^-1\n"},
		{"minus without spaces", "density U(z:2)=z[0]-1-(-z[1])", "density U(z: 2) = z[0] - 1 - (-z[1])\n"},
		{"powers", "density U(z:2)=(-z[0])^2+-z[1]^2+2^-2^3", "density U(z: 2) = (-z[0])^2 + -z[1]^2 + 2^-2^3\n"},
		{"line breaks before + and -", "density U(z:2)=-0.5*(x-2)^2\n+logsumexp(z)\n-z[0]",
			"density U(z: 2) = -0.5 * (x - 2)^2\n    + logsumexp(z)\n    - z[0]\n"},
		{"line break with a comment", "density U(z:2)=-0.5*(x-2)^2\n    + logsumexp(z) # c\n  - z[0]",
			"density U(z: 2) = -0.5 * (x - 2)^2\n    + logsumexp(z)  # c\n    - z[0]\n"},
		{"numbers", "density U(z:2)=1e-3*z[0]/-2.5e+2+.5", "density U(z: 2) = 1e-3 * z[0] / -2.5e+2 + .5\n"},
		{"dimension expression", "density U(z:d+1)=f(z,)+g()", "density U(z: d + 1) = f(z) + g()\n"},
		{"fit", "fit flow to U{steps=10,estimator=\"stl\"}", "fit flow to U { steps = 10, estimator = \"stl\" }\n"},
		{"fit without options", "fit   flow to   U", "fit flow to U\n"},
		{"u1", "# U1\ndensity U1(z: 2) = -0.5 * ((norm(z) - 2) / 0.4)^2\n    + logsumexp(-0.5 * ((z[0] - 2) / 0.6)^2, -0.5 * ((z[0] + 2) / 0.6)^2)\nflow = repeat(8, Inverse(Planar)) |> Gaussian\nfit flow to U1 { steps = 2000, batch = 256, lr = 1e-3, anneal = 1000, dtype = \"float32\" }\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.want
			if want == "" {
				want = c.in // already canonical
			}
			got, err := Format("t.nox", []byte(c.in))
			if err != nil {
				t.Fatalf("Format(%q): %v", c.in, err)
			}
			if string(got) != want {
				t.Fatalf("Format(%q):\ngot  %q\nwant %q", c.in, got, want)
			}
			checkFormatted(t, c.in, got)
		})
	}
}

// unparse writes an Arith fully parenthesised, each unary minus as
// (neg x) and each power as (pow a b), so that a test can read the
// parser's precedence.
func unparse(a *Arith) string {
	s := unparseProduct(a.Left)
	for _, op := range a.Rest {
		s = "(" + s + " " + op.Op + " " + unparseProduct(op.Right) + ")"
	}
	return s
}

func unparseProduct(p *Product) string {
	s := unparseUnary(p.Left)
	for _, op := range p.Rest {
		s = "(" + s + " " + op.Op + " " + unparseUnary(op.Right) + ")"
	}
	return s
}

func unparseUnary(u *Unary) string {
	s := unparsePostfix(u.Power.Base)
	if u.Power.Exp != nil {
		s = "(pow " + s + " " + unparseUnary(u.Power.Exp) + ")"
	}
	if u.Neg {
		s = "(neg " + s + ")"
	}
	return s
}

func unparsePostfix(p *Postfix) string {
	var s string
	switch a := p.Atom; {
	case a.Number != nil:
		s = *a.Number
	case a.Paren != nil:
		s = unparse(a.Paren)
	case !a.Call.Parens:
		s = a.Call.Name.Name
	default:
		var args []string
		for _, x := range a.Call.Args {
			arg := unparse(x.Value)
			if x.Var != nil {
				arg = x.Var.Name + " in " + x.Data.Name + ": " + arg
			}
			args = append(args, arg)
		}
		s = a.Call.Name.Name + "(" + strings.Join(args, ", ") + ")"
	}
	for _, ix := range p.Indexes {
		lo, hi := "", ""
		if ix.Lo != nil {
			lo = unparse(ix.Lo)
		}
		if ix.Hi != nil {
			hi = unparse(ix.Hi)
		}
		if ix.Colon {
			s += "[" + lo + ":" + hi + "]"
		} else {
			s += "[" + lo + "]"
		}
	}
	return s
}

// TestParseDensityPrecedence: + and - loosest and left associative, then
// * and /, then unary minus, then ^ (right associative, with a signed
// exponent), then indexing.
func TestParseDensityPrecedence(t *testing.T) {
	cases := []struct{ body, want string }{
		{"a - b - c", "((a - b) - c)"},
		{"a - -b", "(a - (neg b))"},
		{"a + b * c / d", "(a + ((b * c) / d))"},
		{"-x^2", "(neg (pow x 2))"},
		{"2^-1", "(pow 2 (neg 1))"},
		{"a^b^c", "(pow a (pow b c))"},
		{"-0.5 * (x - 2)^2", "((neg 0.5) * (pow (x - 2) 2))"},
		{"z[0]^2 * -z[1:][0]", "((pow z[0] 2) * (neg z[1:][0]))"},
		{"z[-1] - z[:-2]", "(z[(neg 1)] - z[:(neg 2)])"},
		{"sum(r in data: r[0] * z[0]) - f(a, -b)", "(sum(r in data: (r[0] * z[0])) - f(a, (neg b)))"},
	}
	for _, c := range cases {
		f, err := Parse("t.nox", []byte("density U(z: 2) = "+c.body+"\n"))
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		d := f.Stmts[0].Density
		if d == nil {
			t.Fatalf("%s: not a density statement", c.body)
		}
		if got := unparse(d.Body); got != c.want {
			t.Errorf("%s parsed as %s, want %s", c.body, got, c.want)
		}
	}
}

// TestParseDensityErrors: syntax errors in density and fit statements are
// positioned at the offending token and say what was expected.
func TestParseDensityErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"density U(z:2) = z[0", `m.nox:1:21: syntax error: unexpected end of file, expected "]"`},
		{"density U(z:2) = z[0] +", `m.nox:1:24: syntax error: unexpected end of file`},
		{"density U(z 2) = z[0]", `m.nox:1:13: syntax error: unexpected "2", expected ":"`},
		{"density U(z:2) = sum(r in : z[0])", `m.nox:1:27: syntax error: unexpected ":", expected a name`},
		{"density U(z:2) = z[0] ^ ^ 2", `m.nox:1:25: syntax error: unexpected "^"`},
		{"density U(z:2) = z[0]\n  * * 2", `m.nox:2:5: syntax error: unexpected "*"`},
		{"density U(z:2) = z[0:1:2]", `m.nox:1:23: syntax error: unexpected ":", expected "]"`},
		{"fit flow U", `m.nox:1:10: syntax error: unexpected "U", expected "to"`},
		{"fit flow to U {steps}", `m.nox:1:21: syntax error: unexpected "}", expected "="`},
	}
	for _, c := range cases {
		_, err := Parse("m.nox", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q): got %v, want %q", c.src, err, c.want)
		}
	}
}

// TestDensityTokenLimit: a density body is bounded by MaxTokens like any
// statement; its operators count as tokens, as the lexer makes them.
func TestDensityTokenLimit(t *testing.T) {
	want := fmt.Sprintf("more than %d tokens", MaxTokens)
	for _, op := range []string{"+", "^"} {
		src := "density U(z: 1) = z[0]" + strings.Repeat(" "+op+" z[0]", MaxTokens/4) + "\n"
		_, err := Parse("m.nox", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a body of %d tokens joined by %s: got %v, want %q", 4+MaxTokens/4*5, op, err, want)
		}
	}
}
