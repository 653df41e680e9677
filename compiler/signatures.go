package compiler

import (
	"strings"

	"github.com/noxlang/nox/stdlib"
)

// Signature is what a builtin or a statement's options block accepts,
// for tools (the language server's hover and completion): the same
// tables the binder checks calls and options against, so a tool cannot
// offer an argument the checker refuses.
type Signature struct {
	Name string
	// Options marks a statement's options block ({ steps = 1000 }).
	Options bool
	Params  []stdlib.Param
	// Text is the call form: csv("file", columns = [...], ...).
	Text string
}

// Signatures returns the signature of a builtin (csv, npy, toy, load,
// repeat, Inverse) or of a statement's options (train, fit, sample,
// plot, eval); layers and priors are stdlib.Lookup's.
func Signatures(name string) (Signature, bool) {
	var s *signature
	switch name {
	case "csv":
		s = csvSig
	case "npy":
		s = npySig
	case "toy":
		s = toySig
	case "load":
		s = loadSig
	case "repeat":
		s = repeatSig
	case "Inverse":
		s = inverseSig
	case "train":
		s = trainSig
	case "fit":
		s = fitSig
	case "sample":
		s = sampleSig
	case "plot":
		s = plotSig
	case "eval":
		s = evalSig
	default:
		return Signature{}, false
	}
	text := s.String()
	if s.options {
		opts := make([]string, len(s.params))
		for i, p := range s.params {
			opts[i] = p.String()
		}
		text = name + " { " + strings.Join(opts, ", ") + " }"
	}
	return Signature{Name: s.name, Options: s.options, Params: s.params, Text: text}, true
}
