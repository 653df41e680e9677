package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/lang"
)

// session is an interactive sequence of chunks of nox source, as typed at
// the REPL: each chunk may use what earlier chunks defined, and only its
// own statements run. A chunk is compiled together with the accepted
// source before it, so names, dimensions and diagnostics behave exactly as
// in a file; a chunk with an error is rejected whole and the session goes
// on.
//
// Unlike a file, a session may bind a name again. The accepted source is
// kept as a list of statements; a new binding of a name takes the place of
// the statement that bound it before, so everything after it that used the
// name is checked again against the new value. If that fails (the new
// binding uses a name bound only after the old one), a chunk of one
// binding is instead appended, the old statement dropped and the
// statements that use the name moved after it. Statements that already
// ran are not run again (every accepted action has run, and the new
// chunk's come after them); a trained flow whose definition changed,
// itself or through a name it uses, loses its training.
type session struct {
	// Filename names the session's source in diagnostics: "<repl>".
	Filename string
	dir      string // relative paths resolve here
	stmts    []stmt // the accepted source, statement by statement
	src      []byte // the stmts' text joined
	script   *nox.Script
	done     int    // actions already run
	tried    []byte // the source the last error refers to
	// Untrained lists the trained flows that the last Exec took the
	// training from, because their definitions changed.
	Untrained []string
	// Warnings are the checker's warnings the last Exec raised that no
	// earlier one did (the session's source is checked whole each time);
	// Exec renders them to Warn, if set, before it runs anything.
	Warnings []*compiler.Warning
	Warn     io.Writer
	warned   map[string]bool
	// Options are the compile options of every chunk (limits, policy);
	// Dir and Ran are the session's own.
	Options nox.CompileOptions
}

// compileOptions are the options of the next compile of the session.
func (s *session) compileOptions() nox.CompileOptions {
	o := s.Options
	o.Dir, o.Ran = s.dir, s.done
	return o
}

// stmt is one accepted statement: its text (with the comments and blank
// lines before it and the rest of its last line), the name it binds (an
// assignment or a def; "" for others) and the names its value uses.
type stmt struct {
	text string
	name string
	uses []string
	flow string // the flow a train, sample, eval, save or plot acts on
	// trains: the statement is a train statement (whose data, if
	// rebound, makes its flow's training stale; other statements'
	// names do not)
	trains bool
}

// newSession starts a session whose relative paths resolve against dir.
func newSession(dir string) *session {
	return &session{Filename: "<repl>", dir: dir}
}

// Source returns the accepted source so far.
func (s *session) Source() []byte { return s.src }

// Reset forgets everything: bindings, definitions and trained flows; it
// keeps the session's options (a sandbox stays a sandbox).
func (s *session) Reset() {
	opts := s.Options
	*s = *newSession(s.dir)
	s.Options = opts
}

// Save writes the accepted source, formatted, to path (atomically).
func (s *session) Save(path string) error {
	// The file a link leads to is the one replaced (atomicfile writes
	// through links), so its name is the one that must be .nox.
	if real, err := filepath.EvalSymlinks(path); err == nil && filepath.Ext(real) != ".nox" {
		return fmt.Errorf("%s exists and is not a .nox file; :save writes nox source and will not replace it", path)
	}
	out, err := lang.Format(path, s.src)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// Incomplete reports whether chunk, appended to the session, ends in the
// middle of a statement (an open bracket, a trailing |> or =): the REPL
// then reads another line. A complete bare expression is not incomplete.
func (s *session) Incomplete(chunk string) bool {
	if openBrackets(chunk) > 0 {
		return true // without parsing: a long pasted list stays linear
	}
	if IsExpr(chunk) {
		return false
	}
	if _, err := lang.ParseExpr("", []byte(chunk)); atEOF(err) {
		return true // a bare expression not finished yet
	}
	_, err := lang.Parse(s.Filename, s.join(chunk))
	return atEOF(err)
}

// openBrackets is the number of brackets chunk leaves open, outside
// strings and comments; 0 when it closes a bracket it did not open or
// has a string left open at the end of a line (strings do not span
// lines): the parser then reports the mistake at once, rather than the
// REPL waiting for lines that cannot mend it.
func openBrackets(chunk string) int {
	var stack []byte
	inString := false
	for i := 0; i < len(chunk); i++ {
		switch c := chunk[i]; {
		case inString && c == '\n':
			return 0
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '#':
			for i < len(chunk) && chunk[i] != '\n' {
				i++
			}
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return 0
			}
			stack = stack[:len(stack)-1]
		}
	}
	if inString {
		return 0
	}
	return len(stack)
}

// atEOF reports whether err is a syntax error at the end of the input.
func atEOF(err error) bool {
	var e *lang.Error
	return errors.As(err, &e) && strings.Contains(e.Msg, "unexpected end of file")
}

// IsExpr reports whether chunk is one bare expression (`data`, `MAF(8)
// |> Gaussian`) rather than statements: the REPL describes it.
func IsExpr(chunk string) bool {
	if strings.TrimSpace(chunk) == "" {
		return false
	}
	_, err := lang.ParseExpr("", []byte(chunk))
	return err == nil
}

func join(src []byte, chunk string) []byte {
	src = slices.Clip(src)
	if len(src) > 0 && src[len(src)-1] != '\n' {
		src = append(src, '\n')
	}
	return append(src, chunk...)
}

func (s *session) join(chunk string) []byte { return join(s.src, chunk) }

// Exec compiles chunk after the accepted source and runs its statements.
// On a compile error nothing is accepted. A runtime error leaves the
// chunk's definitions in place and skips its remaining statements (a
// diverged train keeps its flow's best parameters validated before).
// A done ctx stops a training in progress as in Script.Run.
func (s *session) Exec(ctx context.Context, chunk string, opts nox.RunOptions) error {
	s.tried = s.join(chunk)
	if _, err := lang.Parse(s.Filename, s.tried); err != nil {
		return err
	}
	parts := split(chunk)
	stmts, rebound := s.place(parts, true)
	src := source(stmts)
	next, err := nox.CompileWith(s.Filename, src, s.compileOptions())
	if err != nil && len(rebound) > 0 {
		// The new binding may use names bound after the old one.
		if moved, again := s.place(parts, false); again != nil {
			src2 := source(moved)
			if next2, err2 := nox.CompileWith(s.Filename, src2, s.compileOptions()); err2 == nil {
				stmts, src, next, err = moved, src2, next2, nil
			}
		}
	}
	if err != nil {
		s.tried = src
		return err
	}
	s.Untrained = nil
	if s.script != nil {
		// A flow whose definition changed must not keep the old one's
		// training.
		drop := stale(stmts, rebound)
		for _, name := range drop {
			if _, err := s.script.Model(name); err == nil {
				s.Untrained = append(s.Untrained, name)
			}
		}
		next.Adopt(s.script, drop...)
	}
	s.stmts, s.src, s.script, s.tried = stmts, src, next, src
	s.Warnings = nil
	for _, w := range next.Prog.Warnings {
		if key := w.Flow + "\x00" + w.Msg; !s.warned[key] {
			if s.warned == nil {
				s.warned = map[string]bool{}
			}
			s.warned[key] = true
			s.Warnings = append(s.Warnings, w)
		}
	}
	if s.Warn != nil {
		fmt.Fprint(s.Warn, compiler.RenderWarnings(s.Warnings, func(string) []byte { return src }))
	}
	if s.done, err = next.RunFrom(ctx, s.done, opts); err != nil {
		s.done = len(next.Prog.Actions) // the rest of a failed chunk never runs
	}
	return err
}

// split cuts a chunk (which parses) into statements.
func split(chunk string) []stmt {
	f, err := lang.Parse("", []byte(chunk))
	if err != nil || len(f.Stmts) == 0 {
		return []stmt{{text: chunk}}
	}
	var out []stmt
	start := 0
	for i, st := range f.Stmts {
		end := len(chunk)
		if i < len(f.Stmts)-1 {
			// The rest of the line (a comment) goes with the statement,
			// unless the next statement starts on it.
			next := f.Stmts[i+1].Pos.Offset
			end = st.EndPos.Offset
			if nl := strings.IndexByte(chunk[end:next], '\n'); nl >= 0 {
				end += nl + 1
			} else {
				end = next
			}
		}
		s := stmt{text: chunk[start:end], uses: uses(st)}
		switch {
		case st.Assign != nil:
			s.name = st.Assign.Name.Name
		case st.Def != nil:
			s.name = st.Def.Name.Name
		case st.Train != nil:
			s.flow, s.trains = st.Train.Flow.Name, true
		case st.Sample != nil:
			s.flow = st.Sample.Flow.Name
		case st.Eval != nil:
			s.flow = st.Eval.Flow.Name
		case st.Save != nil:
			s.flow = st.Save.Flow.Name
		case st.Plot != nil:
			s.flow = st.Plot.Flow.Name
		}
		out = append(out, s)
		start = end
	}
	return out
}

// place returns the accepted statements with parts added, and the names
// bound again. A part that binds a name bound before replaces that
// statement (inPlace). Otherwise (a chunk of one binding) the old statement
// is dropped and the new one appended, followed by the statements that
// use the name, directly or through others, moved after it.
func (s *session) place(parts []stmt, inPlace bool) ([]stmt, []string) {
	stmts := slices.Clone(s.stmts)
	var rebound []string
	if !inPlace {
		if len(parts) != 1 || parts[0].name == "" {
			return stmts, nil
		}
		p := parts[0]
		i := slices.IndexFunc(stmts, func(q stmt) bool { return q.name == p.name })
		if i < 0 {
			return append(stmts, p), nil
		}
		names := []string{p.name}
		var kept, moved []stmt
		for j, q := range stmts {
			switch {
			case j == i:
			case j > i && slices.ContainsFunc(q.uses, func(n string) bool { return slices.Contains(names, n) }):
				moved = append(moved, q)
				if q.name != "" {
					names = append(names, q.name)
				}
			default:
				kept = append(kept, q)
			}
		}
		return append(append(kept, p), moved...), []string{p.name}
	}
	for _, p := range parts {
		i := -1
		if p.name != "" && !slices.Contains(rebound, p.name) {
			i = slices.IndexFunc(stmts, func(q stmt) bool { return q.name == p.name })
		}
		if i < 0 {
			stmts = append(stmts, p)
			continue
		}
		stmts[i] = p
		rebound = append(rebound, p.name)
	}
	return stmts, rebound
}

func source(stmts []stmt) []byte {
	var src []byte
	for _, st := range stmts {
		src = join(src, st.text)
	}
	return src
}

// stale returns the names rebound and those whose bindings use them,
// directly or through others, and the flows of statements that use them
// (a train on rebound data fixes its flow's dimension anew).
func stale(stmts []stmt, rebound []string) []string {
	out := slices.Clone(rebound)
	for changed := true; changed; {
		changed = false
		for _, st := range stmts {
			name := st.name
			if st.trains {
				name = st.flow
			}
			if name == "" || slices.Contains(out, name) {
				continue
			}
			if slices.ContainsFunc(st.uses, func(n string) bool { return slices.Contains(out, n) }) {
				out = append(out, name)
				changed = true
			}
		}
	}
	return out
}

// calls calls visit for every call (or name) in e, outermost first.
func calls(e *lang.Expr, visit func(*lang.Call)) {
	if e == nil {
		return
	}
	for _, t := range e.Stages {
		switch {
		case t.Paren != nil:
			calls(t.Paren, visit)
		case t.List != nil:
			for _, x := range t.List.Elems {
				calls(x, visit)
			}
		case t.Call != nil:
			visit(t.Call)
			for _, a := range t.Call.Args {
				calls(a.Value, visit)
			}
		}
	}
}

// uses returns the names a statement's expressions mention.
func uses(st *lang.Stmt) []string {
	var out []string
	expr := func(e *lang.Expr) {
		calls(e, func(c *lang.Call) { out = append(out, c.Name.Name) })
	}
	id := func(ids ...*lang.Ident) {
		for _, i := range ids {
			if i != nil {
				out = append(out, i.Name)
			}
		}
	}
	opts := func(o *lang.Options) {
		if o != nil {
			for _, x := range o.List {
				expr(x.Value)
			}
		}
	}
	switch {
	case st.Assign != nil:
		expr(st.Assign.Value)
	case st.Def != nil:
		for _, p := range st.Def.Params {
			expr(p.Default)
		}
		expr(st.Def.Body)
	case st.Train != nil:
		id(st.Train.Flow, st.Train.Data)
		opts(st.Train.Opts)
	case st.Sample != nil:
		id(st.Sample.Flow)
		expr(st.Sample.N)
		expr(st.Sample.Given)
		expr(st.Sample.Path)
		opts(st.Sample.Opts)
	case st.Eval != nil:
		id(st.Eval.Flow, st.Eval.Data)
		expr(st.Eval.Path)
		opts(st.Eval.Opts)
	case st.Save != nil:
		id(st.Save.Flow)
		expr(st.Save.Path)
	case st.Plot != nil:
		id(st.Plot.Flow, st.Plot.Data)
		expr(st.Plot.Path)
		opts(st.Plot.Opts)
	}
	return out
}

// typeName is the name Type binds an expression to; errors never show it.
const typeName = "__type__"

// Type describes an expression: its type and, for a flow, its stages and
// dimensions. An error is positioned in the expression as typed, after the
// session's source (Render quotes it).
func (s *session) Type(expr string) (string, error) {
	name := strings.TrimSpace(expr)
	if s.script != nil {
		if d, ok := s.script.Prog.Describe(name); ok {
			return d, nil
		}
	}
	expr = strings.TrimRight(expr, "\n") + "\n"
	prefix := typeName + " = "
	base := s.join("")
	s.tried = s.join(expr)
	sc, err := nox.CompileWith(s.Filename, s.join(prefix+expr), s.compileOptions())
	if err != nil {
		return "", unprefix(err, len(base), bytes.Count(base, []byte("\n"))+1, len(prefix))
	}
	d, ok := sc.Prog.Describe(typeName)
	if !ok {
		return "", fmt.Errorf("%s has no value", strings.TrimSpace(expr))
	}
	return d, nil
}

// unprefix moves the diagnostics in err that lie after offset base (line
// line), in a source that has n bytes of prefix there, to where they are
// without it.
func unprefix(err error, base, line, n int) error {
	diags := lang.Errors(err)
	if diags == nil {
		return err
	}
	var out lang.ErrorList
	for _, e := range diags {
		c := *e
		for _, p := range []*lang.Pos{&c.Pos, &c.End} {
			if p.Offset < base {
				continue
			}
			if p.Offset -= n; p.Offset < base {
				p.Offset = base
			}
			if p.Line == line {
				p.Column = max(p.Column-n, 1)
			}
		}
		c.Msg = strings.ReplaceAll(c.Msg, typeName, "the expression")
		out.Add(&c)
	}
	return out
}

// IR returns the lowered programs of the trained flow name.
func (s *session) IR(name string) (string, error) {
	if s.script == nil || s.script.Prog.FlowByName(name) == nil {
		return "", fmt.Errorf("no flow named %s", name)
	}
	return s.script.Prog.IR(name, nil)
}

// Render formats an error from Exec or Type for a person, quoting the
// source it refers to.
func (s *session) Render(err error) string {
	src := s.tried
	if src == nil {
		src = s.src
	}
	return nox.RenderError(err, s.Filename, src)
}

// LoadChunk reads a .nox file for the session: its relative paths (data it
// reads, files it writes) are rewritten to name the same files from the
// session's directory, so that they resolve relative to the file as in
// noxc run.
func (s *session) LoadChunk(file string) (string, error) {
	src, err := readSource(file)
	if err != nil {
		return "", err
	}
	f, err := lang.Parse(file, src)
	if err != nil {
		s.tried = nil
		return "", fmt.Errorf("%s", nox.RenderError(err, file, src))
	}
	var lits []*lang.String
	str := func(e *lang.Expr) {
		if e != nil && len(e.Stages) == 1 && e.Stages[0].String != nil {
			lits = append(lits, e.Stages[0].String)
		}
	}
	expr := func(e *lang.Expr) {
		calls(e, func(c *lang.Call) {
			if n := c.Name.Name; (n == "csv" || n == "npy" || n == "load") && len(c.Args) > 0 && c.Args[0].Name == nil {
				str(c.Args[0].Value)
			}
		})
	}
	for _, st := range f.Stmts {
		switch {
		case st.Assign != nil:
			expr(st.Assign.Value)
		case st.Def != nil:
			for _, p := range st.Def.Params {
				expr(p.Default)
			}
			expr(st.Def.Body)
		case st.Sample != nil:
			str(st.Sample.Path)
		case st.Save != nil:
			str(st.Save.Path)
		case st.Plot != nil:
			str(st.Plot.Path)
		case st.Eval != nil:
			str(st.Eval.Path)
		case st.Train != nil && st.Train.Opts != nil:
			for _, o := range st.Train.Opts.List {
				if o.Name.Name == "checkpoint" {
					str(o.Value)
				}
			}
		}
	}
	fileDir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return "", err
	}
	slices.SortFunc(lits, func(a, b *lang.String) int { return a.Pos.Offset - b.Pos.Offset })
	var b strings.Builder
	last := 0
	for _, l := range lits {
		if filepath.IsAbs(l.Value) {
			continue
		}
		p := filepath.Join(fileDir, l.Value)
		if rel, err := filepath.Rel(s.dir, p); err == nil {
			p = rel
		}
		b.Write(src[last:l.Pos.Offset])
		b.WriteString(quote(filepath.ToSlash(p)))
		last = l.EndPos.Offset
	}
	b.Write(src[last:])
	return b.String(), nil
}

// quote writes s as a nox string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
