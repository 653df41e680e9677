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
	open     []int // offsets of the open brackets, innermost last
	inString int   // offset of the open quote, or -1
}

func scanTo(text string, off int) scan {
	s := scan{inString: -1}
	for i := 0; i < off; i++ {
		switch c := text[i]; c {
		case '#':
			for i < off && text[i] != '\n' {
				i++
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

var (
	stmtStartRE   = regexp.MustCompile(`(?m)^[ \t]*(train|fit|sample|plot|eval|save|def|density)\b`)
	calleeRE      = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)[ \t]*$`)
	keyEqRE       = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*$`)
	givenRE       = regexp.MustCompile(`(?:^|[,(\s])([A-Za-z_][A-Za-z0-9_]*)[ \t]*=`)
	afterWordRE   = regexp.MustCompile(`(?:^|\s)(train|fit|sample|plot|eval|save|on|to)[ \t]+$`)
	densityHeadRE = regexp.MustCompile(`(?m)^[ \t]*density[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\([ \t]*([A-Za-z_][A-Za-z0-9_]*)`)
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
	sc := scanTo(d.text, off)
	start := off
	for start > 0 && isIdent(d.text[start-1]) {
		start--
	}
	before := d.text[:start]
	if sc.inString >= 0 {
		if cols := d.columnContext(sc, sc.inString); cols != nil {
			return columnItems(cols, false)
		}
		return nil
	}
	if n := len(sc.open); n > 0 {
		at := sc.open[n-1]
		switch d.text[at] {
		case '{':
			return d.optionItems(at, before)
		case '[':
			if cols := d.columnContext(sc, off); cols != nil {
				return columnItems(cols, true)
			}
		case '(':
			if m := calleeRE.FindStringSubmatch(d.text[:at]); m != nil && !d.inDensity(at) {
				return d.argumentItems(m[1], d.text[at+1:start], before, start)
			}
		}
	}
	if d.inDensity(start) {
		return d.densityItems(start)
	}
	if m := afterWordRE.FindStringSubmatch(before); m != nil {
		return d.nameItems(start, wantAfter(m[1], before))
	}
	if strings.TrimRight(before[strings.LastIndexByte(before, '\n')+1:], " \t") == "" && len(sc.open) == 0 {
		return append(keywordItems(), d.nameItems(start, "")...)
	}
	return append(flowItems(), d.nameItems(start, "")...)
}

// wantAfter is the kind of name that follows word: a flow after a
// statement keyword, data after on, a density after fit FLOW to.
func wantAfter(word, before string) string {
	switch word {
	case "on":
		return "data set"
	case "to":
		if m := stmtStartRE.FindAllStringSubmatch(before, -1); m != nil && m[len(m)-1][1] == "fit" {
			return "density"
		}
		return "-" // a path: no names
	}
	return "flow"
}

// inDensity reports whether off is in the body of a density statement.
func (d *document) inDensity(off int) bool {
	m := stmtStartRE.FindAllStringSubmatchIndex(d.text[:off], -1)
	if len(m) == 0 {
		return false
	}
	last := m[len(m)-1]
	return d.text[last[2]:last[3]] == "density" && strings.Contains(d.text[last[1]:off], "=")
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

// optionItems completes in the options block opened at brace.
func (d *document) optionItems(brace int, before string) []protocol.CompletionItem {
	m := stmtStartRE.FindAllStringSubmatch(d.text[:brace], -1)
	if m == nil {
		return nil
	}
	sig, ok := compiler.Signatures(m[len(m)-1][1])
	if !ok {
		return nil
	}
	return paramItems(sig.Params, d.text[brace+1:len(before)], before, protocol.CompletionItemKindProperty)
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
	} else if d.last != nil {
		for _, sym := range d.last.syms {
			if sym.kind == symDef && sym.name == callee && sym.stmt != nil && sym.stmt.Def != nil {
				for _, p := range sym.stmt.Def.Params {
					params = append(params, stdlib.Param{Name: p.Name.Name})
				}
			}
		}
	}
	out := paramItems(params, typed, before, protocol.CompletionItemKindField)
	if keyEqRE.MatchString(before) && len(out) > 0 {
		return out
	}
	if callee == "repeat" || callee == "Inverse" || slices.Contains([]string{"def"}, callee) {
		out = append(out, flowItems()...)
	}
	return append(out, d.nameItems(off, "")...)
}

// densityItems completes in a density's body.
func (d *document) densityItems(off int) []protocol.CompletionItem {
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
	if m := densityHeadRE.FindAllStringSubmatch(d.text[:off], -1); m != nil {
		v := m[len(m)-1]
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
func (d *document) columnContext(sc scan, at int) []string {
	n := len(sc.open)
	if n < 2 || d.text[sc.open[n-1]] != '[' || d.text[sc.open[n-2]] != '(' {
		return nil
	}
	list, call := sc.open[n-1], sc.open[n-2]
	if m := keyEqRE.FindStringSubmatch(d.text[:list]); m == nil || m[1] != "columns" && m[1] != "context" {
		return nil
	}
	head := calleeRE.FindStringIndex(d.text[:call])
	if head == nil {
		return nil
	}
	m := csvPathRE.FindStringSubmatch(d.text[head[0]:at])
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
