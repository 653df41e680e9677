package lsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// The report testdata/nvim/client.lua writes: what Neovim's LSP client
// got from noxc lsp, step by step.
type nvimReport struct {
	Nvim           string
	Filetype       string
	Syntax         string
	AttachedByFT   bool `json:"attached_by_filetype"`
	Error          string
	ElapsedMS      int `json:"elapsed_ms"`
	InitializedMS  int `json:"initialized_ms"`
	Sync           int
	Formatted      bool
	FormattedLines list[string] `json:"formatted_lines"`
	RenamedLines   list[string] `json:"renamed_lines"`
	Stopped        bool
	Wide           publication
	WideFixedLine  string `json:"wide_fixed_line"`
	Diagnostics    list[publication]
	Steps          list[nvimStep]
}

// A publication is one publishDiagnostics as the server sent it and as
// Neovim shows it (vim.diagnostic.get: 0-based lines, byte columns).
type publication struct {
	Version     int
	AtMS        int `json:"at_ms"`
	Diagnostics list[protocol.Diagnostic]
	Shown       list[struct {
		Lnum, Col, Severity int
		EndLnum             int `json:"end_lnum"`
		EndCol              int `json:"end_col"`
		Message             string
	}]
}

type nvimStep struct {
	Name, Method, Error string
	AtMS                int `json:"at_ms"`
	Result              json.RawMessage
}

// list is a JSON array that Lua may have written as {} (an empty Lua
// table encodes as an object in some Neovim versions).
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	if s := string(bytes.TrimSpace(b)); s == "{}" || s == "null" {
		*l = nil
		return nil
	}
	return json.Unmarshal(b, (*[]T)(l))
}

// TestNeovim runs a real client on noxc lsp: Neovim's built-in LSP
// client, headless, scripted in Lua (testdata/nvim/client.lua; Debian's
// neovim is 0.7). It opens examples/moons.nox with its first MAF
// misspelled, reads the diagnostics Neovim shows, asks for hovers,
// completions, signature help, quick fixes, formatting, symbols,
// semantic tokens, definition and references, and edits the buffer so
// that Neovim sends incremental changes, up to a quick fix applied on a
// line where UTF-16 units, code points and bytes all differ.
func TestNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		t.Skip("neovim is not installed; .ci/run installs it (apt-get install neovim)")
	}
	dir := t.TempDir()
	file := nvimWorkspace(t, dir)
	noxc := filepath.Join(dir, "noxc")
	build := exec.Command("go", "build", "-o", noxc, "./cmd/noxc")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/noxc: %v\n%s", err, out)
	}
	r := runNeovim(t, nvim, noxc, file)
	t.Logf("Neovim %s: initialized in %d ms, whole session %d ms", r.Nvim, r.InitializedMS, r.ElapsedMS)
	if r.Error != "" {
		t.Errorf("client.lua: %s", r.Error) // and what it got up to then
	}
	checkNeovimDiagnostics(t, r)
	checkNeovimSteps(t, r)
}

// nvimWorkspace copies examples/moons.nox into dir with its data, the
// first MAF on line 3 misspelled MAFF, and checks that the lines whose
// positions client.lua uses are what it expects.
func nvimWorkspace(t *testing.T, dir string) string {
	src, err := os.ReadFile("../examples/moons.nox")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, prefix := range map[int]string{
		2: "flow = MAF(100) |> Reverse |> MAF(100)", 3: "train flow on data {", 4: "sample flow ", 5: "plot flow on data ",
	} {
		if len(lines) <= i || !strings.HasPrefix(lines[i], prefix) {
			t.Fatalf("examples/moons.nox changed: line %d no longer starts %q; update lsp/testdata/nvim/client.lua's positions", i+1, prefix)
		}
	}
	lines[2] = strings.Replace(lines[2], "MAF(", "MAFF(", 1)
	csv, err := os.ReadFile("../examples/data/moons.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	file := filepath.Join(dir, "moons.nox")
	for name, b := range map[string][]byte{
		file: []byte(strings.Join(lines, "\n")), "data/moons.csv": csv, "data/m\U0001F600ons.csv": csv,
	} {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

// runNeovim runs client.lua and returns its report. Neovim's own files
// (logs, state) go under the test's directory; it is killed after 30 s
// (the script quits by itself after 25).
func runNeovim(t *testing.T, nvim, noxc, file string) nvimReport {
	dir := filepath.Dir(file)
	script, err := filepath.Abs("testdata/nvim/client.lua")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-i", "NONE", "-n", "-c", "lua dofile(os.getenv('NOX_SCRIPT'))")
	cmd.Dir = dir
	vimdir, err := filepath.Abs("../editors/vim")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "NOXC="+noxc, "NOX_FILE="+file, "NOX_OUT="+out, "NOX_SCRIPT="+script, "NOX_VIM_DIR="+vimdir)
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		cmd.Env = append(cmd.Env, v+"="+filepath.Join(dir, "xdg"))
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	t.Logf("nvim ran %v", time.Since(start).Round(time.Millisecond))
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("nvim: %v (no report: %v)\n%s", runErr, err, stderr.Bytes())
	}
	var r nvimReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if runErr != nil && r.Error == "" {
		t.Fatalf("nvim: %v\n%s", runErr, stderr.Bytes())
	}
	return r
}

// checkNeovimDiagnostics checks the error Neovim shows on opening, the
// one on the emoji line, and that every wait for a change's diagnostics
// was met.
func checkNeovimDiagnostics(t *testing.T, r nvimReport) {
	if r.Filetype != "nox" || r.Syntax != "nox" || !r.AttachedByFT {
		t.Errorf("with editors/vim on the runtimepath, the file's filetype is %q, syntax %q, attached by the FileType autocommand: %v; want nox, nox, true",
			r.Filetype, r.Syntax, r.AttachedByFT)
	}
	if r.Sync != int(protocol.TextDocumentSyncKindIncremental) {
		t.Errorf("Neovim's sync kind for the server: %d, want incremental", r.Sync)
	}
	if len(r.Diagnostics) == 0 {
		t.Fatal("no diagnostics published")
	}
	cases := []struct {
		name                 string
		p                    publication
		line, start, end     uint32
		byteStart, byteEnd   int
		mentions, suggestion string
	}{
		{"on open", r.Diagnostics[0], 2, 7, 11, 7, 11, "MAFF", "did you mean MAF?"},
		// data = csv("data/m😀ons.csv", colums: 29 code points, 30
		// UTF-16 units, 32 bytes before colums.
		{"emoji line", r.Wide, 1, 30, 36, 32, 38, "colums", "did you mean columns?"},
	}
	for _, c := range cases {
		if len(c.p.Diagnostics) == 0 || len(c.p.Shown) == 0 {
			t.Errorf("%s: no diagnostics (published %d, shown %d)", c.name, len(c.p.Diagnostics), len(c.p.Shown))
			continue
		}
		d, shown := c.p.Diagnostics[0], c.p.Shown[0]
		want := protocol.Range{Start: protocol.Position{Line: c.line, Character: c.start}, End: protocol.Position{Line: c.line, Character: c.end}}
		if d.Range != want || d.Severity != protocol.DiagnosticSeverityError {
			t.Errorf("%s: diagnostic at %v severity %v, want %v error", c.name, d.Range, d.Severity, want)
		}
		if !strings.Contains(d.Message, c.mentions) || !strings.Contains(d.Message, c.suggestion) {
			t.Errorf("%s: message %q, want it to mention %s and say %q", c.name, d.Message, c.mentions, c.suggestion)
		}
		if shown.Lnum != int(c.line) || shown.Col != c.byteStart || shown.EndCol != c.byteEnd || shown.Message != d.Message {
			t.Errorf("%s: Neovim shows %+v, want line %d bytes %d to %d", c.name, shown, c.line, c.byteStart, c.byteEnd)
		}
	}
	for i := 1; i < len(r.Diagnostics); i++ {
		if r.Diagnostics[i].Version < r.Diagnostics[i-1].Version {
			t.Errorf("publication %d has version %d after %d", i, r.Diagnostics[i].Version, r.Diagnostics[i-1].Version)
		}
	}
	for _, s := range r.Steps {
		if s.Method == "wait" && string(s.Result) != "true" {
			t.Errorf("waiting for the diagnostics %s: none came in 5 s that fit", s.Name)
		}
	}
	if want := `data = csv("data/m` + "\U0001F600" + `ons.csv", columns = [0, 1])`; r.WideFixedLine != want {
		t.Errorf("the quick fix applied by Neovim made %q, want %q", r.WideFixedLine, want)
	}
	if !r.Formatted {
		t.Errorf("formatting applied by Neovim left %q", r.FormattedLines)
	}
	if len(r.FormattedLines) == 0 || !strings.HasSuffix(r.FormattedLines[0], "MAF. \U0001F600!") {
		t.Errorf("after edits next to emoji, the first line is %q", r.FormattedLines)
	}
	renamed := strings.Join(r.RenamedLines, "\n")
	if strings.Count(renamed, "density_model") != 4 || strings.Contains(renamed, "flow ") {
		t.Errorf("renaming flow to density_model, applied by Neovim, made\n%s", renamed)
	}
	if !r.Stopped {
		t.Error("the server did not exit within 5 s of Neovim stopping the client")
	}
}

// checkNeovimSteps checks the answer to each request.
func checkNeovimSteps(t *testing.T, r nvimReport) {
	steps := map[string]nvimStep{}
	for _, s := range r.Steps {
		steps[s.Name] = s
	}
	for _, c := range []struct {
		step  string
		check func(json.RawMessage) error
	}{
		{"hover MAF", hoverHas("MAF(hidden ...int = [100]", "Masked autoregressive flow")},
		{"hover data", hoverHas("data set: 20000 rows × 2 columns")},
		{"hover flow", hoverHas("2 dimensions", "3,520 parameters")},
		{"code action", quickFix("Change to MAF", 2, 7, 11, "MAF")},
		{"code action on emoji line", quickFix("Change to columns", 1, 30, 36, "columns")},
		{"complete after |>", labels([]string{"MAF", "AffineCoupling", "Reverse", "Gaussian", "flow", "data"}, []string{"steps", "train"})},
		{"complete in options", labels([]string{"steps", "batch", "lr"}, []string{"MAF", "flow"})},
		{"signature MAF(", contains(`"label":"MAF(hidden ...int = [100]`)},
		{"symbols", contains(`"name":"data"`, `"name":"flow"`)},
		{"semantic tokens", semanticTokens},
		{"prepare rename", rangeIs(protocol.Range{Start: protocol.Position{Line: 3, Character: 6}, End: protocol.Position{Line: 3, Character: 10}})},
		{"definition", locations(protocol.Range{Start: protocol.Position{Line: 2}, End: protocol.Position{Line: 2, Character: 4}})},
		{"references", locations(
			protocol.Range{Start: protocol.Position{Line: 2}, End: protocol.Position{Line: 2, Character: 4}},
			protocol.Range{Start: protocol.Position{Line: 3, Character: 6}, End: protocol.Position{Line: 3, Character: 10}},
			protocol.Range{Start: protocol.Position{Line: 4, Character: 7}, End: protocol.Position{Line: 4, Character: 11}},
			protocol.Range{Start: protocol.Position{Line: 5, Character: 5}, End: protocol.Position{Line: 5, Character: 9}})},
	} {
		s, ok := steps[c.step]
		switch {
		case !ok:
			t.Errorf("%s: not run", c.step)
		case s.Error != "":
			t.Errorf("%s: %s", c.step, s.Error)
		default:
			if err := c.check(s.Result); err != nil {
				t.Errorf("%s: %v\n%s", c.step, err, s.Result)
			}
		}
	}
}

func hoverHas(want ...string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var h protocol.Hover
		if err := json.Unmarshal(raw, &h); err != nil {
			return err
		}
		if h.Contents.Kind != protocol.Markdown {
			return fmt.Errorf("kind %q, want markdown", h.Contents.Kind)
		}
		for _, w := range want {
			if !strings.Contains(h.Contents.Value, w) {
				return fmt.Errorf("hover lacks %q", w)
			}
		}
		return nil
	}
}

func quickFix(title string, line, start, end uint32, text string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var actions list[protocol.CodeAction]
		if err := json.Unmarshal(raw, &actions); err != nil {
			return err
		}
		want := protocol.Range{Start: protocol.Position{Line: line, Character: start}, End: protocol.Position{Line: line, Character: end}}
		for _, a := range actions {
			if a.Title != title || a.Edit == nil {
				continue
			}
			for _, edits := range a.Edit.Changes {
				if len(edits) == 1 && edits[0].Range == want && edits[0].NewText == text {
					return nil
				}
			}
			return fmt.Errorf("%q's edit is %v, want %q at %v", title, a.Edit.Changes, text, want)
		}
		return fmt.Errorf("no action %q", title)
	}
}

func labels(want, not []string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var l struct{ Items list[protocol.CompletionItem] }
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		var got []string
		for _, it := range l.Items {
			got = append(got, it.Label)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				return fmt.Errorf("no %q among %q", w, got)
			}
		}
		for _, n := range not {
			if slices.Contains(got, n) {
				return fmt.Errorf("%q offered here, among %q", n, got)
			}
		}
		return nil
	}
}

func contains(want ...string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		for _, w := range want {
			if !strings.Contains(string(raw), w) {
				return fmt.Errorf("no %s", w)
			}
		}
		return nil
	}
}

func rangeIs(want protocol.Range) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var r protocol.Range
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r != want {
			return fmt.Errorf("range %v, want %v", r, want)
		}
		return nil
	}
}

func semanticTokens(raw json.RawMessage) error {
	var st struct{ Data list[uint32] }
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	if len(st.Data) < 5*20 || len(st.Data)%5 != 0 {
		return fmt.Errorf("%d integers, want five per token and at least 20 tokens", len(st.Data))
	}
	return nil
}

func locations(want ...protocol.Range) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var locs list[protocol.Location]
		if err := json.Unmarshal(raw, &locs); err != nil {
			return err
		}
		var got []protocol.Range
		for _, l := range locs {
			got = append(got, l.Range)
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("ranges %v, want %v", got, want)
		}
		return nil
	}
}
