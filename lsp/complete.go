package lsp

import (
	"bufio"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// Completion reads the text before the cursor, not the tree: what is
// being typed rarely parses. A small scanner finds the innermost open
// bracket (skipping strings and comments) and whether the cursor is in
// a string; the bracket and the words before it say what may come:
//
//   - in a statement's { options }: its option names with types and
//     defaults, those not given yet; after `name =`, a choice's values;
//   - in a call's ( arguments ): the layer's, builtin's or def's
//     keyword arguments, and values;
//   - in csv(..., columns = [ ... ]) or context = [...]: the CSV file's
//     column names, read from its header;
//   - in a density's body: the density functions, its variable, sum,
//     and the names in scope;
//   - at the start of a statement: the statement keywords;
//   - after train, sample, save, plot, eval, fit: the flows; after on:
//     the data sets; after fit FLOW to: the densities;
//   - elsewhere (after = or |>): layers, priors, builtins, defs and
//     names in scope.

type scan struct {
	open      []int // offsets of the open brackets, innermost last
	inString  int   // offset of the open quote, or -1
	inComment bool
}

// scanTo scans text[from:off] for the brackets still open at off and
// whether off is in a string or a comment.
func scanTo(text string, from, off int) scan {
	s := scan{inString: -1}
	for i := from; i < off; i++ {
		switch c := text[i]; c {
		case '#':
			for i < off && text[i] != '\n' {
				i++
			}
			if i >= off {
				s.inComment = true
			}
		case '"':
			j := i + 1
			for j < off && text[j] != '"' && text[j] != '\n' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= off {
				s.inString = i
				return s
			}
			i = j
		case '(', '[', '{':
			s.open = append(s.open, i)
		case ')', ']', '}':
			if len(s.open) > 0 {
				s.open = s.open[:len(s.open)-1]
			}
		}
	}
	return s
}

// window bounds what completion and signature help read before the
// cursor: the statement being typed, looked for in the last 16 KiB, so
// that a keystroke in a large file costs no more than in a small one.
const window = 16 << 10

// stmtStart is where the statement holding off starts, and its keyword
// ("" for an assignment): the last line before off that starts, at
// column 0, with a statement keyword or `NAME =` (continuation lines are
// indented, as noxc fmt writes them).
func (d *document) stmtStart(off int) (int, string) {
	ws := max(0, off-window)
	if ws > 0 {
		if i := strings.IndexByte(d.text[ws:off], '\n'); i >= 0 {
			ws += i + 1
		} else {
			ws = off
		}
	}
	m := stmtLineRE.FindAllStringSubmatchIndex(d.text[ws:off], -1)
	if m == nil {
		return ws, ""
	}
	last := m[len(m)-1]
	if last[2] < 0 {
		return ws + last[0], ""
	}
	return ws + last[0], d.text[ws+last[2] : ws+last[3]]
}

var (
	stmtLineRE    = regexp.MustCompile(`(?m)^(?:(train|fit|sample|plot|eval|save|def|density)\b|[A-Za-z_][A-Za-z0-9_]*[ \t]*=)`)
	calleeRE      = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)[ \t]*$`)
	keyEqRE       = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*$`)
	givenRE       = regexp.MustCompile(`(?:^|[,(\s])([A-Za-z_][A-Za-z0-9_]*)[ \t]*=`)
	afterWordRE   = regexp.MustCompile(`(?:^|\s)(train|fit|sample|plot|eval|save|on|to)[ \t]+$`)
	densityHeadRE = regexp.MustCompile(`^density[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\([ \t]*([A-Za-z_][A-Za-z0-9_]*)`)
	csvPathRE     = regexp.MustCompile(`^csv[ \t]*\([ \t]*"((?:\\.|[^"\\\n])*)"`)
)

func (s *server) completion(p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	return &protocol.CompletionList{Items: d.complete(d.offset(p.Position))}, nil
}

func (d *document) complete(off int) []protocol.CompletionItem {
	if len(d.text) > lang.MaxFileSize {
		return nil // nox refuses the file: its diagnostic says so
	}
	stmt, kw := d.stmtStart(off)
	sc := scanTo(d.text, stmt, off)
	start := off
	for start > stmt && isIdent(d.text[start-1]) {
		start--
	}
	before := d.text[stmt:start]
	switch {
	case sc.inComment:
		return nil
	case sc.inString >= 0:
		if cols := d.columnContext(sc, stmt, sc.inString); cols != nil {
			return columnItems(cols, false)
		}
		return nil
	}
	density := kw == "density" && strings.Contains(d.text[stmt:start], "=")
	if n := len(sc.open); n > 0 {
		at := sc.open[n-1]
		switch d.text[at] {
		case '{':
			return d.optionItems(kw, at, start, before)
		case '[':
			if cols := d.columnContext(sc, stmt, off); cols != nil {
				return columnItems(cols, true)
			}
		case '(':
			if m := calleeRE.FindStringSubmatch(d.text[stmt:at]); m != nil && !density {
				return d.argumentItems(m[1], d.text[at+1:start], before, start)
			}
		}
	}
	if density {
		return d.densityItems(stmt, start)
	}
	if m := afterWordRE.FindStringSubmatch(before); m != nil {
		return d.nameItems(start, wantAfter(m[1], kw))
	}
	if strings.TrimRight(before[strings.LastIndexByte(before, '\n')+1:], " \t") == "" && len(sc.open) == 0 {
		return append(keywordItems(), d.nameItems(start, "")...)
	}
	return append(flowItems(), d.nameItems(start, "")...)
}

// wantAfter is the kind of name that follows word in a statement with
// keyword kw: a flow after a statement keyword, data after on, a density
// after fit FLOW to, nothing (a path) after another to.
func wantAfter(word, kw string) string {
	switch word {
	case "on":
		return "data set"
	case "to":
		if kw == "fit" {
			return "density"
		}
		return "-"
	}
	return "flow"
}

func keywordItems() []protocol.CompletionItem {
	forms := [][2]string{
		{"train", "train FLOW on DATA { steps = 1000 }"}, {"sample", "sample FLOW N to \"samples.csv\""},
		{"eval", "eval FLOW on DATA"}, {"save", "save FLOW to \"model.noxm\""}, {"plot", "plot FLOW on DATA to \"flow.png\""},
		{"fit", "fit FLOW to DENSITY { steps = 2000 }"}, {"def", "def NAME(PARAM) = FLOW"}, {"density", "density NAME(z: 2) = BODY"},
	}
	var out []protocol.CompletionItem
	for _, f := range forms {
		out = append(out, protocol.CompletionItem{Label: f[0], Kind: protocol.CompletionItemKindKeyword, Detail: f[1], InsertText: f[0] + " "})
	}
	return out
}

// flowItems are the layers, priors and builtins.
func flowItems() []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, name := range stdlib.Names() {
		spec := stdlib.Lookup(name)
		kind := protocol.CompletionItemKindClass
		if spec.Kind == stdlib.Prior {
			kind = protocol.CompletionItemKindInterface
		}
		out = append(out, protocol.CompletionItem{Label: name, Kind: kind, Detail: spec.Signature(),
			Documentation: markdown(describeSpec(spec))})
	}
	for _, b := range compiler.Builtins {
		detail := b
		if sig, ok := compiler.Signatures(b); ok {
			detail = sig.Text
		}
		out = append(out, protocol.CompletionItem{Label: b, Kind: protocol.CompletionItemKindFunction, Detail: detail})
	}
	return out
}

func markdown(s string) protocol.MarkupContent {
	return protocol.MarkupContent{Kind: protocol.Markdown, Value: s}
}

// nameItems are the names in scope at off; want, if set, keeps those
// whose description starts with it ("flow", "data set", "density").
func (d *document) nameItems(off int, want string) []protocol.CompletionItem {
	if d.last == nil || want == "-" {
		return nil
	}
	var out []protocol.CompletionItem
	seen := map[string]bool{}
	for _, sym := range d.last.visible(lang.Pos{Offset: off}) {
		detail := d.detail(sym)
		if seen[sym.name] || want != "" && !strings.HasPrefix(detail, want) {
			continue
		}
		seen[sym.name] = true
		kind := protocol.CompletionItemKindVariable
		if sym.kind == symDef || sym.kind == symDensity {
			kind = protocol.CompletionItemKindFunction
		}
		out = append(out, protocol.CompletionItem{Label: sym.name, Kind: kind, Detail: detail})
	}
	return out
}

// optionItems completes in the options block opened at brace of a
// statement with keyword kw; the name being typed starts at start.
func (d *document) optionItems(kw string, brace, start int, before string) []protocol.CompletionItem {
	sig, ok := compiler.Signatures(kw)
	if !ok {
		return nil
	}
	return paramItems(sig.Params, d.text[brace+1:start], before, protocol.CompletionItemKindProperty)
}

// paramItems completes a parameter list: after `name =`, the values of
// name if it has choices; otherwise the names not given yet in typed.
func paramItems(params []stdlib.Param, typed, before string, kind protocol.CompletionItemKind) []protocol.CompletionItem {
	if m := keyEqRE.FindStringSubmatch(before); m != nil {
		i := slices.IndexFunc(params, func(p stdlib.Param) bool { return p.Name == m[1] })
		if i < 0 {
			return nil
		}
		var out []protocol.CompletionItem
		for _, c := range params[i].Choices {
			out = append(out, protocol.CompletionItem{Label: strconv.Quote(c), Kind: protocol.CompletionItemKindEnumMember, InsertText: strconv.Quote(c)})
		}
		if params[i].Type == stdlib.Bool {
			out = append(out, protocol.CompletionItem{Label: "true", Kind: protocol.CompletionItemKindConstant},
				protocol.CompletionItem{Label: "false", Kind: protocol.CompletionItemKindConstant})
		}
		return out
	}
	given := map[string]bool{}
	for _, g := range givenRE.FindAllStringSubmatch(typed, -1) {
		given[g[1]] = true
	}
	var out []protocol.CompletionItem
	for _, p := range params {
		if given[p.Name] || p.PositionalOnly {
			continue
		}
		out = append(out, protocol.CompletionItem{Label: p.Name, Kind: kind, Detail: p.String(),
			Documentation: markdown(p.Doc), InsertText: p.Name + " = "})
	}
	return out
}

// argumentItems completes the arguments of a call of callee.
func (d *document) argumentItems(callee, typed, before string, off int) []protocol.CompletionItem {
	var params []stdlib.Param
	if spec := stdlib.Lookup(callee); spec != nil {
		params = spec.Params
	} else if sig, ok := compiler.Signatures(callee); ok {
		params = sig.Params
	} else if def := d.def(callee); def != nil {
		params = defParams(def)
	}
	out := paramItems(params, typed, before, protocol.CompletionItemKindField)
	if keyEqRE.MatchString(before) && len(out) > 0 {
		return out
	}
	if callee == "repeat" || callee == "Inverse" { // their arguments are flows
		out = append(out, flowItems()...)
	}
	return append(out, d.nameItems(off, "")...)
}

// densityItems completes in the body of the density statement at stmt.
func (d *document) densityItems(stmt, off int) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, f := range compiler.TargetFunctions() {
		out = append(out, protocol.CompletionItem{Label: f[0], Kind: protocol.CompletionItemKindFunction, Detail: f[0] + f[1], Documentation: markdown(f[2])})
	}
	out = append(out,
		protocol.CompletionItem{Label: "sum", Kind: protocol.CompletionItemKindFunction, Detail: "sum(x) or sum(r in DATA: TERM)",
			Documentation: markdown("the sum of a vector's elements, or of TERM over the rows r of a data set")},
		protocol.CompletionItem{Label: "pi", Kind: protocol.CompletionItemKindConstant, Detail: "π"})
	// The density's variable, from its header: the statement being
	// typed has not parsed yet.
	if v := densityHeadRE.FindStringSubmatch(d.text[stmt:off]); v != nil {
		out = append(out, protocol.CompletionItem{Label: v[2], Kind: protocol.CompletionItemKindVariable, Detail: "the variable of density " + v[1]})
	}
	for _, it := range d.nameItems(off, "") {
		if !slices.ContainsFunc(out, func(o protocol.CompletionItem) bool { return o.Label == it.Label }) {
			out = append(out, it)
		}
	}
	return out
}

// columnContext returns the column names of the CSV file whose csv(...)
// call's columns = [...] or context = [...] list holds the cursor, or
// nil when the cursor is not in one.
func (d *document) columnContext(sc scan, stmt, at int) []string {
	n := len(sc.open)
	if n < 2 || d.text[sc.open[n-1]] != '[' || d.text[sc.open[n-2]] != '(' {
		return nil
	}
	list, call := sc.open[n-1], sc.open[n-2]
	if m := keyEqRE.FindStringSubmatch(d.text[stmt:list]); m == nil || m[1] != "columns" && m[1] != "context" {
		return nil
	}
	head := calleeRE.FindStringIndex(d.text[stmt:call])
	if head == nil {
		return nil
	}
	m := csvPathRE.FindStringSubmatch(d.text[stmt+head[0] : at])
	if m == nil {
		return nil
	}
	path, err := strconv.Unquote(`"` + m[1] + `"`)
	if err != nil {
		return nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.path), path)
	}
	return header(path)
}

// header reads the column names of a CSV file from its first lines
// (at most 64 KiB: a header is never larger, and a huge file must not
// be read to complete a name); nil if it has no header.
func header(path string) []string {
	f, err := dataset.OpenRegular(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, 64<<10))
	var text []byte
	for i := 0; i < 8; i++ { // the separator is detected on a few lines
		line, err := r.ReadBytes('\n')
		text = append(text, line...)
		if err != nil {
			break
		}
	}
	csv, err := dataset.ScanCSV(text, 0)
	if err != nil {
		return nil
	}
	return csv.Names
}

func columnItems(cols []string, quote bool) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for i, c := range cols {
		text := c
		if quote {
			text = strconv.Quote(c)
		}
		out = append(out, protocol.CompletionItem{Label: text, Kind: protocol.CompletionItemKindField,
			Detail: "column " + strconv.Itoa(i) + " of the CSV file", InsertText: text})
	}
	return out
}
