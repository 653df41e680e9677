package lang

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedFiles returns the examples and the model of every diagnostics golden,
// the parser fuzzers' seed corpus beside testdata/fuzz.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	paths, _ := filepath.Glob("../examples/*.nox")
	vi, _ := filepath.Glob("../examples/vi/*.nox")
	paths = append(paths, vi...)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	goldens, _ := filepath.Glob("../compiler/testdata/diagnostics/*.txtar")
	for _, p := range goldens {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		s := string(b)
		if i := strings.Index(s, "-- model.nox --\n"); i >= 0 {
			s = s[i+len("-- model.nox --\n"):]
			if j := strings.Index(s, "\n-- "); j >= 0 {
				s = s[:j+1]
			}
			out = append(out, []byte(s))
		}
	}
	if len(out) < 10 {
		f.Fatalf("only %d seed files", len(out))
	}
	return out
}

// FuzzParse: no input makes the parser (Parse, or ParseExpr) panic, hang,
// or return an error without a position.
func FuzzParse(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	for _, s := range []string{"", "\x00", "\"", "x = \"\\", "|>|>", "x = -", "x = 1e999999", "(((", "# only a comment",
		"train", "sample f 1 to", "x = [1,,]", "x = MAF(a = b = c)", "\xff\xfe", "x = 99999999999999999999999999",
		"MAF(8) |> Gaussian", "repeat(2, MAF(8)) |> Gaussian\ntrain"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Each parser says whether it returned a tree.
		for _, parse := range []func() (bool, error){
			func() (bool, error) { f, err := Parse("fuzz.nox", src); return f != nil, err },
			func() (bool, error) { e, err := ParseExpr("fuzz.nox", src); return e != nil, err },
		} {
			start := time.Now()
			tree, err := parse()
			if d := time.Since(start); d > time.Second {
				// Measure again: a busy machine can stall one run, but a
				// slow input is slow every time.
				start = time.Now()
				parse()
				if d2 := time.Since(start); d2 > time.Second {
					t.Fatalf("parse took %v, then %v", d, d2)
				}
			}
			if err == nil {
				if !tree {
					t.Fatal("nil tree without error")
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *lang.Error: %v", err, err)
			}
			if e.Pos.Line < 1 || e.Pos.Column < 1 || e.Pos.Filename != "fuzz.nox" {
				t.Fatalf("error without a position: %+v", e)
			}
			if strings.Contains(e.Msg, "internal error") {
				t.Fatalf("parser panicked: %v", e)
			}
		}
	})
}

// FuzzLimitsCount: checkLimits counts the tokens the lexer makes, one for
// one (so that MaxTokens bounds the lexer's and the parser's work, which
// a scan that split ".5.5.5" or "1e+5" differently did not), whenever
// the lexer reads the whole input and checkLimits accepts it.
func FuzzLimitsCount(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	for _, s := range []string{"x = 1e+5", "x = 1.5e", "x = .5.5.5", "x = 1a2b", "x = 15e", "x = 15e-", "x = 1.e3",
		"a_1|>b", "# c\nx = 1 # d", "x = \"a\\\"b\" y", "x = 1..2", "x = 3.2E+4.5", "x = 0x1p3", "x = _"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := scanLimits("fuzz.nox", src)
		if err != nil {
			return
		}
		lx, err := Lexer.Lex("fuzz.nox", bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		ws := Lexer.Symbols()["Whitespace"]
		n := 0
		for {
			tok, err := lx.Next()
			if err != nil {
				return // the lexer stops: checkLimits stopped there too
			}
			if tok.EOF() {
				break
			}
			if tok.Type != ws {
				n++
			}
		}
		if n != s.tokens {
			t.Fatalf("the lexer makes %d tokens, checkLimits counted %d", n, s.tokens)
		}
	})
}
