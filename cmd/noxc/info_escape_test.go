package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestInfoEscapes: noxc info shows what a model file says — names,
// stages, the training source — with control characters escaped: a model
// from someone else set the terminal's title and colours before.
func TestInfoEscapes(t *testing.T) {
	in := &info{
		Path: "m\x1b[31m.noxm", Flow: "f\x1b[31m", Dim: 1, Columns: []string{"x\x07"},
		Stages: []stageInfo{{Name: "s\x1b[2J", Call: "MAF(8)"}},
		Source: "x = 1 \x1b]0;pwned\x07\ntrain\tf on d\n",
	}
	var out bytes.Buffer
	in.print(&out)
	if s := out.String(); strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("raw control characters in:\n%q", s)
	} else if !strings.Contains(s, `f\x1b[31m`) || !strings.Contains(s, `\x1b]0;pwned\a`) {
		t.Errorf("escapes not shown:\n%s", s)
	}
}
