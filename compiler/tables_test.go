package compiler

import (
	"reflect"
	"strings"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

// TestParamTables: every table the binder binds against — each layer's
// and each builtin's and statement's — is well formed, and every train
// option has a default and a field of TrainOptions of its type.
func TestParamTables(t *testing.T) {
	sigs := []*signature{trainSig, sampleSig, plotSig, evalSig, csvSig, npySig, toySig, repeatSig}
	for _, name := range stdlib.Names() {
		sigs = append(sigs, &signature{name: name, params: stdlib.Lookup(name).Params})
	}
	for _, s := range sigs {
		if err := stdlib.CheckParams(s.params); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
		for _, p := range s.params {
			if s.options && ((p.Default == nil && p.Type != stdlib.String) || p.PositionalOnly) {
				t.Errorf("%s option %s: an option has a default (a string option: \"\") and is given by name", s.name, p.Name)
			}
		}
	}
	var o TrainOptions
	if n := reflect.TypeOf(o).NumField(); n != len(trainTable) {
		t.Errorf("TrainOptions has %d fields, the train table %d options", n, len(trainTable))
	}
	fields := map[any]string{}
	for _, e := range trainTable {
		f := e.field(&o)
		if prev, dup := fields[f]; dup {
			t.Errorf("options %s and %s set the same field", prev, e.Name)
		}
		fields[f] = e.Name
		ok := false
		switch f.(type) {
		case *int, *uint64:
			ok = e.Type == stdlib.Int
		case *float64:
			ok = e.Type == stdlib.Float
		case *bool:
			ok = e.Type == stdlib.Bool
		case *string:
			ok = e.Type == stdlib.Choice || e.Type == stdlib.String
		}
		if !ok {
			t.Errorf("option %s of type %v sets a field of type %T", e.Name, e.Type, f)
		}
	}
}

// TestSignatures: tools see the binder's own tables: every builtin and
// every statement with options has a signature, shown with defaults.
func TestSignatures(t *testing.T) {
	for _, c := range []struct{ name, text string }{
		{"train", "steps int = 1000"},
		{"fit", "estimator"},
		{"csv", `csv(path string`},
		{"toy", `n int = 20000`},
		{"repeat", "repeat("},
		{"sample", "sample { seed int = 0 }"},
	} {
		s, ok := Signatures(c.name)
		if !ok || !strings.Contains(s.Text, c.text) {
			t.Errorf("Signatures(%q) = %+v, %v; want text containing %q", c.name, s, ok, c.text)
		}
	}
	for _, b := range Builtins {
		if _, ok := Signatures(b); !ok && b != "true" && b != "false" {
			t.Errorf("builtin %s has no signature", b)
		}
	}
	if _, ok := Signatures("MAF"); ok {
		t.Error("a layer's signature is stdlib's")
	}
}
