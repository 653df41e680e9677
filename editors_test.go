package nox_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// TestEditorGrammars: the TextMate grammar and the Vim syntax file are
// what editors/gen_grammar.go writes from the language's tables; and
// every example, tokenized by the TextMate grammar as VS Code does
// (editors/vscode/test/tokenize.js), gives each comment, string, number,
// keyword and layer name that nox's own lexer finds the scope of its
// kind.
func TestEditorGrammars(t *testing.T) {
	for _, c := range []struct{ file, flag string }{
		{"editors/vscode/syntaxes/nox.tmLanguage.json", ""},
		{"editors/vim/syntax/nox.vim", "-vim"},
	} {
		args := []string{"run", "editors/gen_grammar.go"}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		want, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatalf("go %v: %v", args, err)
		}
		if got, _ := os.ReadFile(c.file); !bytes.Equal(got, want) {
			t.Errorf("%s is not what editors/gen_grammar.go %s writes: regenerate it", c.file, c.flag)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("grammar tokenization skipped: no node on PATH")
	}
	dir, _ := filepath.Abs("editors/vscode/test")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "vscode-textmate")); err != nil {
		t.Skipf("grammar tokenization skipped: no vscode-textmate in %s (npm ci --ignore-scripts there)", dir)
	}
	files, _ := filepath.Glob("examples/*.nox")
	vi, _ := filepath.Glob("examples/vi/*.nox")
	files = append(files, vi...)
	args := append([]string{filepath.Join(dir, "tokenize.js"), "editors/vscode/syntaxes/nox.tmLanguage.json"}, files...)
	out, err := exec.Command(node, args...).Output()
	if err != nil {
		t.Fatalf("tokenize.js: %v", err)
	}
	var toks map[string][][]struct {
		Start, End int
		Scopes     []string
	}
	if err := json.Unmarshal(out, &toks); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		lex, err := lang.Lexer.Lex(f, bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		names := map[lexer.TokenType]string{}
		for name, typ := range lang.Lexer.Symbols() {
			names[typ] = name
		}
		for {
			tok, err := lex.Next()
			if err != nil || tok.EOF() {
				break
			}
			want := expectedScope(names[tok.Type], tok.Value)
			if want == "" {
				continue
			}
			line := toks[f][tok.Pos.Line-1]
			col := tok.Pos.Column - 1
			var got []string
			for _, tt := range line {
				if tt.Start <= col && col < tt.End {
					got = tt.Scopes
				}
			}
			checked++
			if !slices.Contains(got, want) {
				t.Errorf("%s:%d:%d: %q has scopes %v, want %s", f, tok.Pos.Line, tok.Pos.Column, tok.Value, got, want)
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d tokens checked", checked)
	}
}

// expectedScope is the TextMate scope a token of nox's lexer must get, or
// "" for tokens whose scope is not checked.
func expectedScope(kind, text string) string {
	switch {
	case kind == "Comment":
		return "comment.line.number-sign.nox"
	case kind == "String":
		return "string.quoted.double.nox"
	case kind == "Int" || kind == "Float":
		return "constant.numeric.nox"
	case kind == "Ident" && slices.Contains(lang.Keywords, text):
		return "keyword.control.nox"
	case kind == "Ident" && stdlib.Lookup(text) != nil:
		return "support.class.layer.nox"
	}
	return ""
}
