package main

import (
	"encoding/json"
	"io"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
)

// The diagnostics of `noxc check -json` (and of `noxc run -json` when a
// program does not compile), for editors and other tools: one JSON
// object, {"statement": "diagnostics", "file", "errors", "warnings",
// "diagnostics": [...]}, each diagnostic with its severity, its range
// (1-based lines and columns, the end exclusive), its message, and the
// did-you-mean replacement of its range, if it has one.

type diagRange struct {
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndLine   int `json:"end_line"`
	EndColumn int `json:"end_column"`
}

type diagFix struct {
	Text string `json:"text"`
	diagRange
}

type diagnostic struct {
	Severity string `json:"severity"`
	File     string `json:"file"`
	diagRange
	Message     string    `json:"message"`
	Suggestions []diagFix `json:"suggestions,omitempty"`
}

type diagnostics struct {
	Statement   string       `json:"statement"`
	File        string       `json:"file"`
	Errors      int          `json:"errors"`
	Warnings    int          `json:"warnings"`
	Diagnostics []diagnostic `json:"diagnostics"`
}

// rangeOf is [pos, end), end the position after pos when not given.
func rangeOf(pos, end lang.Pos) diagRange {
	if end.Line == 0 || end.Line < pos.Line || end.Line == pos.Line && end.Column <= pos.Column {
		end = pos
		end.Column++
	}
	return diagRange{Line: pos.Line, Column: pos.Column, EndLine: end.Line, EndColumn: end.Column}
}

func newDiagnostic(severity string, pos, end lang.Pos, msg string) diagnostic {
	d := diagnostic{Severity: severity, File: pos.Filename, diagRange: rangeOf(pos, end), Message: msg}
	if s, ok := spell.Suggested(msg); ok {
		d.Suggestions = []diagFix{{Text: s, diagRange: d.diagRange}}
	}
	return d
}

// writeDiagnostics prints the diagnostics of file: the errors of err
// (nil when it compiled) and the warnings.
func writeDiagnostics(w io.Writer, file string, err error, warns []*compiler.Warning) {
	out := diagnostics{Statement: "diagnostics", File: file, Diagnostics: []diagnostic{}}
	if err != nil {
		errs := lang.Errors(err)
		if errs == nil { // not positioned: the whole file
			errs = []*lang.Error{{Pos: lang.Pos{Filename: file, Line: 1, Column: 1}, Msg: err.Error()}}
		}
		for _, e := range errs {
			out.Diagnostics = append(out.Diagnostics, newDiagnostic("error", e.Pos, e.End, e.Msg))
		}
		out.Errors = len(errs)
	}
	for _, wn := range warns {
		out.Diagnostics = append(out.Diagnostics, newDiagnostic("warning", wn.Pos, wn.End, wn.Msg))
	}
	out.Warnings = len(warns)
	json.NewEncoder(w).Encode(out)
}
