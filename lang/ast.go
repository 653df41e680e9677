// Package lang is nox's front end: the lexer, the grammar (participle v2)
// and the AST. Every node records where it starts (Pos) and ends (EndPos)
// so that later phases can point at it. The grammar is deliberately
// simple — every statement starts with a keyword or a name — and knows
// nothing of meaning: names, argument types and dimensions are checked by
// package compiler, which can report every error in a file, not only the
// first.
package lang

import "github.com/alecthomas/participle/v2/lexer"

// Pos is a source position: file name, byte offset, line and column (both
// 1-based).
type Pos = lexer.Position

// File is a parsed .nox file.
type File struct {
	Pos    Pos
	EndPos Pos
	Stmts  []*Stmt `parser:"@@*"`
}

// Stmt is one statement.
type Stmt struct {
	Pos     Pos
	EndPos  Pos
	Def     *Def     `parser:"@@"`
	Train   *Train   `parser:"| @@"`
	Sample  *Sample  `parser:"| @@"`
	Eval    *Eval    `parser:"| @@"`
	Save    *Save    `parser:"| @@"`
	Plot    *Plot    `parser:"| @@"`
	Density *Density `parser:"| @@"`
	Fit     *Fit     `parser:"| @@"`
	Assign  *Assign  `parser:"| @@"`
}

// Def defines a reusable, parameterised flow: `def block(h, p = 0) =
// MAF(h, h, dropout = p) |> Reverse`.
type Def struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident      `parser:"\"def\" @@"`
	Params []*DefParam `parser:"\"(\" ( @@ ( \",\" @@ )* \",\"? )? \")\""`
	Body   *Expr       `parser:"\"=\" @@"`
}

// DefParam is a parameter of a Def, with an optional default.
type DefParam struct {
	Pos     Pos
	EndPos  Pos
	Name    *Ident `parser:"@@"`
	Default *Expr  `parser:"( \"=\" @@ )?"`
}

// Eval is `eval FLOW on DATA [to PATH] { options }`.
type Eval struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident   `parser:"\"eval\" @@"`
	Data   *Ident   `parser:"\"on\" @@"`
	Path   *Expr    `parser:"( \"to\" @@ )?"`
	Opts   *Options `parser:"@@?"`
}

// Assign binds a name: `flow = MAF(100) |> Gaussian`, `data = csv("x.csv")`.
type Assign struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident `parser:"@@ \"=\""`
	Value  *Expr  `parser:"@@"`
}

// Train is `train FLOW on DATA { options }`.
type Train struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident   `parser:"\"train\" @@"`
	Data   *Ident   `parser:"\"on\" @@"`
	Opts   *Options `parser:"@@?"`
}

// Sample is `sample FLOW N [given CONTEXT] to PATH { options }`.
type Sample struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident   `parser:"\"sample\" @@"`
	N      *Expr    `parser:"@@"`
	Given  *Expr    `parser:"( \"given\" @@ )?"`
	Path   *Expr    `parser:"\"to\" @@"`
	Opts   *Options `parser:"@@?"`
}

// Save is `save FLOW to PATH`: the trained model, to a file that noxc
// sample and noxc eval (and nox.Load) read without the training data.
type Save struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident `parser:"\"save\" @@"`
	Path   *Expr  `parser:"\"to\" @@"`
}

// Plot is `plot FLOW [on DATA] to PATH { options }`: pictures of a
// trained flow.
type Plot struct {
	Pos    Pos
	EndPos Pos
	Flow   *Ident   `parser:"\"plot\" @@"`
	Data   *Ident   `parser:"( \"on\" @@ )?"`
	Path   *Expr    `parser:"\"to\" @@"`
	Opts   *Options `parser:"@@?"`
}

// Options is a brace-delimited list of `name = value` settings.
type Options struct {
	Pos    Pos
	EndPos Pos
	List   []*Option `parser:"\"{\" ( @@ ( \",\" @@ )* \",\"? )? \"}\""`
}

// Option is one `name = value` setting.
type Option struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident `parser:"@@ \"=\""`
	Value  *Expr  `parser:"@@"`
}

// Expr is a pipeline of one or more terms joined by `|>`.
type Expr struct {
	Pos    Pos
	EndPos Pos
	Stages []*Term `parser:"@@ ( \"|>\" @@ )*"`
}

// Term is a single operand: a number, a string, a list, a parenthesised
// expression, or a name with optional call arguments.
type Term struct {
	Pos    Pos
	EndPos Pos
	Number *Number `parser:"@@"`
	String *String `parser:"| @@"`
	List   *List   `parser:"| @@"`
	Paren  *Expr   `parser:"| \"(\" @@ \")\""`
	Call   *Call   `parser:"| @@"`
}

// Number is an integer or floating-point literal with an optional minus.
type Number struct {
	Pos    Pos
	EndPos Pos
	Neg    bool   `parser:"@\"-\"?"`
	Text   string `parser:"@(Float | Int)"`
}

// String is a double-quoted string literal; Value is unquoted.
type String struct {
	Pos    Pos
	EndPos Pos
	Value  string `parser:"@String"`
}

// List is `[a, b, ...]`.
type List struct {
	Pos    Pos
	EndPos Pos
	Elems  []*Expr `parser:"\"[\" ( @@ ( \",\" @@ )* \",\"? )? \"]\""`
}

// Call is a name, optionally applied to arguments: `Reverse`, `MAF(100,
// dropout = 0.1)`. Parens records whether the argument list was written.
type Call struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident `parser:"@@"`
	Parens bool   `parser:"( @\"(\""`
	Args   []*Arg `parser:"( @@ ( \",\" @@ )* \",\"? )? \")\" )?"`
}

// Arg is a positional or keyword (`name = value`) argument.
type Arg struct {
	Pos    Pos
	EndPos Pos
	Name   *Ident `parser:"( @@ \"=\" )?"`
	Value  *Expr  `parser:"@@"`
}

// Ident is a name with its position.
type Ident struct {
	Pos    Pos
	EndPos Pos
	Name   string `parser:"@Ident"`
}
