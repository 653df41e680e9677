package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFlagsInHelp checks that every flag a command defines on its FlagSet
// appears in the command's help text (issue 24: noxc run -h left out
// -progress). It reads the flag definitions from the source: each function
// that calls newFlags(CMD, ...) defines the flags of CMD; runCmd serves
// both run and check.
func TestFlagsInHelp(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := map[string]int{} // command -> flags checked
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			var cmds []string
			switch fn.Name.Name {
			case "define": // runFlags.define: the flags only noxc run takes
				cmds = []string{"run"}
			case "defineFiles": // policyFlags: -sandbox, -outdir
				cmds = []string{"run", "check", "repl"}
			case "defineMemory": // policyFlags: -max-memory
				cmds = []string{"run", "check", "repl", "sample", "eval"}
			}
			var flags []string
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "newFlags" && len(call.Args) > 0 {
					if lit, ok := call.Args[0].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						cmds = append(cmds, s)
					} else if fn.Name.Name == "runCmd" {
						cmds = append(cmds, "run", "check")
					} else {
						t.Errorf("%s: newFlags with a command name the test cannot read", fn.Name.Name)
					}
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "fs" {
					return true
				}
				arg := 0 // fs.Bool("name", ...)
				if strings.HasSuffix(sel.Sel.Name, "Var") || sel.Sel.Name == "Func" || sel.Sel.Name == "BoolFunc" {
					arg = 1 // fs.BoolVar(&v, "name", ...), fs.Var(v, "name", ...)
					if sel.Sel.Name == "Func" || sel.Sel.Name == "BoolFunc" {
						arg = 0
					}
				}
				switch sel.Sel.Name {
				case "Parse", "Args", "Arg", "NArg", "NFlag", "SetOutput", "Visit", "VisitAll", "Lookup", "Set", "PrintDefaults", "Output", "Name", "Init", "Parsed":
					return true
				}
				if len(call.Args) <= arg {
					return true
				}
				lit, ok := call.Args[arg].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: fs.%s with a flag name the test cannot read", fn.Name.Name, sel.Sel.Name)
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				flags = append(flags, s)
				return true
			})
			for _, cmd := range cmds {
				text := help[cmd]
				if text == "" {
					t.Errorf("%s: command %q has no help text", fn.Name.Name, cmd)
					continue
				}
				for _, fl := range flags {
					found[cmd]++
					usage, list, _ := strings.Cut(text, "\n")
					if !strings.Contains(usage+" ", "[-"+fl+" ") && !strings.Contains(usage, "[-"+fl+"]") {
						t.Errorf("noxc %s defines -%s, but its usage line does not show it: %s", cmd, fl, usage)
					}
					if !strings.Contains(list+" ", "\n  -"+fl+" ") && !strings.Contains(list, "\n  -"+fl+"\n") {
						t.Errorf("noxc %s defines -%s, but its help text does not list it", cmd, fl)
					}
				}
			}
		}
	}
	for _, cmd := range []string{"run", "check", "fmt", "repl", "sample", "eval", "plot"} {
		if found[cmd] == 0 {
			t.Errorf("found no flags of noxc %s: the test no longer reads the source right", cmd)
		}
	}
}
