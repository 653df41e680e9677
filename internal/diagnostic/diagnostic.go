// Package diagnostic turns a program's errors and warnings into the
// machine-readable form that editors and tools read: `noxc check -json`,
// the language server and the browser playground all print or show the
// same ranges, messages and did-you-mean fixes, so they cannot disagree.
package diagnostic

import (
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
)

// Range is a span of source: 1-based lines and columns (columns count
// Unicode code points, as lang.Pos does), the end exclusive.
type Range struct {
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndLine   int `json:"end_line"`
	EndColumn int `json:"end_column"`
}

// Fix replaces a diagnostic's range by Text: a did-you-mean.
type Fix struct {
	Text string `json:"text"`
	Range
}

// Diagnostic is one error or warning.
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	File     string `json:"file"`
	Range
	Message     string `json:"message"`
	Suggestions []Fix  `json:"suggestions,omitempty"`
}

// Report is every diagnostic of a file, as `noxc check -json` prints it:
// {"statement": "diagnostics", "file", "errors", "warnings",
// "diagnostics": [...]}, errors first, each list in source order.
type Report struct {
	Statement   string       `json:"statement"`
	File        string       `json:"file"`
	Errors      int          `json:"errors"`
	Warnings    int          `json:"warnings"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// RangeOf is [pos, end), end the position after pos when not given.
func RangeOf(pos, end lang.Pos) Range {
	if end.Line == 0 || end.Line < pos.Line || end.Line == pos.Line && end.Column <= pos.Column {
		end = pos
		end.Column++
	}
	return Range{Line: pos.Line, Column: pos.Column, EndLine: end.Line, EndColumn: end.Column}
}

// New is a diagnostic of severity at [pos, end); a did-you-mean at the
// end of msg becomes its suggestion.
func New(severity string, pos, end lang.Pos, msg string) Diagnostic {
	d := Diagnostic{Severity: severity, File: pos.Filename, Range: RangeOf(pos, end), Message: msg}
	if s, ok := spell.Suggested(msg); ok {
		d.Suggestions = []Fix{{Text: s, Range: d.Range}}
	}
	return d
}

// Of is the report of file: the errors of err (nil when it compiled; an
// error that is not positioned covers the file's first character) and
// the warnings.
func Of(file string, err error, warns []*compiler.Warning) Report {
	out := Report{Statement: "diagnostics", File: file, Diagnostics: []Diagnostic{}}
	if err != nil {
		errs := lang.Errors(err)
		if errs == nil {
			errs = []*lang.Error{{Pos: lang.Pos{Filename: file, Line: 1, Column: 1}, Msg: err.Error()}}
		}
		for _, e := range errs {
			out.Diagnostics = append(out.Diagnostics, New("error", e.Pos, e.End, e.Msg))
		}
		out.Errors = len(errs)
	}
	for _, wn := range warns {
		out.Diagnostics = append(out.Diagnostics, New("warning", wn.Pos, wn.End, wn.Msg))
	}
	out.Warnings = len(warns)
	return out
}
