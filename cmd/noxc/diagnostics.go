package main

import (
	"encoding/json"
	"io"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/diagnostic"
)

// writeDiagnostics prints the diagnostics of file for `noxc check -json`
// (and `noxc run -json` when a program does not compile): the errors of
// err (nil when it compiled) and the warnings, as one JSON object
// (diagnostic.Report).
func writeDiagnostics(w io.Writer, file string, err error, warns []*compiler.Warning) {
	json.NewEncoder(w).Encode(diagnostic.Of(file, err, warns))
}
