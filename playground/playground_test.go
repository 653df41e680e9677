package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/ulp"
	"github.com/noxlang/nox/lang"
)

// e2eSteps caps the moons example's training in the browser and natively
// (RunOptions.MaxSteps; noxc run -steps).
const e2eSteps = 300

// e2eResult is what playground/test/e2e.js prints.
type e2eResult struct {
	Console []string
	Stats   struct {
		ReadyMs, FirstCheckMs, LastCheckMs float64
		Manifest                           Manifest
	}
	File             string
	RunMs            float64
	FrameMsDuringRun float64
	Events           []nox.Event
	RunError         string
	Log              string
	Pictures         []struct {
		Alt           string
		Width, Height int
	}
	Downloads          []string
	CheckMsAfterTyping float64
	Diagnostics        []struct {
		Severity     string
		Line, Column int
		EndLine      int `json:"end_line"`
		EndColumn    int `json:"end_column"`
		Message      string
		Suggestions  []struct{ Text string }
	}
	Stopped                nox.Event
	FormatInput, Formatted string
	UploadBig, UploadSmall string
	UploadDiagnostics      []struct{ Message string }
	GutterErrors           []int
	Marks                  []string
	Selection              string
}

// TestBrowser builds the playground, serves it on a loopback port and
// drives Debian's chromium through it (playground/test/e2e.js): the moons
// example trains for 300 steps in the page's worker, to the test NLL of
// native nox; a misspelled layer is marked at its line and column with a
// did-you-mean; a screenshot is saved (its path is logged).
func TestBrowser(t *testing.T) {
	chromium, node, script := tools(t)
	dist := t.TempDir()
	m, err := Build("..", dist, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(dist))
	defer srv.Close()
	shot := cmpOr(os.Getenv("NOX_PLAYGROUND_SCREENSHOT"), filepath.Join(os.TempDir(), "nox-playground-e2e.png"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, srv.URL+"/", shot, fmt.Sprint(e2eSteps))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node e2e.js: %v\n%s", err, stderr.String())
	}
	var r e2eResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("e2e.js printed %q: %v", stdout.String(), err)
	}
	t.Logf("screenshot: %s", shot)
	t.Logf("nox.wasm: %d bytes, %d gzipped; page ready in %.0f ms, first check shown at %.0f ms (a check takes %.0f ms), a check after typing shown in %.0f ms",
		m.WasmBytes, m.WasmGzip, r.Stats.ReadyMs, r.Stats.FirstCheckMs, r.Stats.LastCheckMs, r.CheckMsAfterTyping)
	for _, c := range r.Console {
		t.Errorf("browser console: %s", c)
	}
	checkRun(t, &r)
	checkDiagnostic(t, &r)
	if r.Stopped.Statement != "train" || r.Stopped.Stopped != "interrupted" || r.Stopped.Steps >= 2000 {
		t.Errorf("after Stop: %+v; want a train event stopped (interrupted) before step 2000", r.Stopped)
	}
	if !strings.Contains(r.UploadBig, "refused") || !strings.Contains(r.UploadSmall, "uploaded examples/data/tiny.csv") || len(r.UploadDiagnostics) != 0 {
		t.Errorf("upload: %q for 3 MB, %q for a small CSV, then diagnostics %+v of a program that reads it; want refused, uploaded, none",
			r.UploadBig, r.UploadSmall, r.UploadDiagnostics)
	}
	want, err := lang.Format("examples/moons.nox", []byte(r.FormatInput))
	if err != nil || r.Formatted != string(want) {
		t.Errorf("Format made %q of %q; lang.Format: %q (%v)", r.Formatted, r.FormatInput, want, err)
	}
}

// checkRun checks the moons run in the browser against native nox.
func checkRun(t *testing.T, r *e2eResult) {
	if r.RunError != "" {
		t.Fatalf("the run failed in the browser:\n%s", r.RunError)
	}
	if len(r.Events) != 3 || r.Events[0].Statement != "train" || r.Events[0].TestNLL == nil || r.Events[0].Steps != e2eSteps {
		t.Fatalf("events in the browser: %+v; want train (%d steps, a test NLL), sample, plot", r.Events, e2eSteps)
	}
	if len(r.Pictures) != 3 || !strings.Contains(r.Log, "test NLL") {
		t.Errorf("pictures %+v, log %q: want the 3 of plot (data beside samples, density, loss) and the train line", r.Pictures, r.Log)
	}
	for _, p := range r.Pictures {
		if p.Width < 100 || p.Height < 100 {
			t.Errorf("picture %s is %d×%d: not drawn", p.Alt, p.Width, p.Height)
		}
	}
	web := r.Events[0]
	native, err := nativeTrain("../examples/moons.nox")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("moons, %d steps: test NLL %v in the browser (%.0f steps/s), %v native in this test's build (%.0f steps/s), %g ulps apart",
		e2eSteps, *web.TestNLL, web.StepsPerS, *native.TestNLL, native.StepsPerS, ulp.Distance(*web.TestNLL, *native.TestNLL))
	// The test binary may use assembly kernels and amd64's assembly
	// math.Exp, which round differently from the wasm build's portable Go.
	if d := math.Abs(*web.TestNLL - *native.TestNLL); d > 1e-6*math.Abs(*native.TestNLL) {
		t.Errorf("test NLL %v in the browser, %v native: further apart than rounding explains", *web.TestNLL, *native.TestNLL)
	}
	portable, why := portableNative(t)
	if portable == nil {
		t.Logf("no bit-for-bit comparison: %s", why)
		return
	}
	t.Logf("native, portable (noasm, Go's math.Exp): test NLL %v (%.0f steps/s)", *portable.TestNLL, portable.StepsPerS)
	if *portable.TestNLL != *web.TestNLL || *portable.TrainNLL != *web.TrainNLL {
		t.Errorf("browser: train NLL %v, test NLL %v; native without assembly: %v, %v: want them bit for bit equal",
			*web.TrainNLL, *web.TestNLL, *portable.TrainNLL, *portable.TestNLL)
	}
	// The page prints the lines noxc run does (both print nox.Event.Text).
	if got, want := timing.ReplaceAllString(r.Log, "in …"), timing.ReplaceAllString(portable.Lines, "in …"); got != want {
		t.Errorf("the page printed\n%s\nnoxc run -write printed\n%s", got, want)
	}
}

// checkDiagnostic checks the diagnostic of the misspelled layer: typing
// an F into the first MAF of moons.nox.
func checkDiagnostic(t *testing.T, r *e2eResult) {
	src, err := os.ReadFile("../examples/moons.nox")
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(src, []byte("MAF("))
	line := bytes.Count(src[:at], []byte("\n")) + 1
	col := at - bytes.LastIndexByte(src[:at], '\n')
	if len(r.Diagnostics) != 1 {
		t.Fatalf("diagnostics after typing MAFF: %+v; want one", r.Diagnostics)
	}
	d := r.Diagnostics[0]
	if d.Severity != "error" || d.Line != line || d.Column != col || d.EndColumn != col+4 || !strings.Contains(d.Message, "MAFF") ||
		len(d.Suggestions) != 1 || d.Suggestions[0].Text != "MAF" {
		t.Errorf("diagnostic %+v; want an error at %d:%d-%d on MAFF suggesting MAF", d, line, col, col+4)
	}
	if len(r.GutterErrors) != 1 || r.GutterErrors[0] != line || len(r.Marks) != 1 || r.Marks[0] != "MAFF" || r.Selection != "MAFF" {
		t.Errorf("gutter marks at lines %v, underlined %q, a click on the problem selected %q; want line %d, MAFF, MAFF",
			r.GutterErrors, r.Marks, r.Selection, line)
	}
}

// nativeTrain runs file's train statement in this process, capped as in
// the browser, writing nothing.
func nativeTrain(file string) (*nox.Event, error) {
	s, err := nox.CompileFile(file)
	if err != nil {
		return nil, err
	}
	var train *nox.Event
	err = s.Run(context.Background(), nox.RunOptions{MaxSteps: e2eSteps, NoWrite: true, OnEvent: func(ev nox.Event) {
		if ev.Statement == "train" {
			train = &ev
		}
	}})
	if err == nil && (train == nil || train.TestNLL == nil) {
		err = errors.New(file + ": no train event with a test NLL")
	}
	return train, err
}

// portableNative runs moons natively as the wasm build computes: noxc
// built with -tags noasm (no assembly kernels) and with math.Exp's
// portable Go in place of amd64's assembly (a build overlay), which
// rounds differently in the last place. Nil, and why, where that cannot
// be arranged (not amd64, another layout of package math, -short).
func portableNative(t *testing.T) (*portableRun, string) {
	if testing.Short() {
		return nil, "-short (it builds noxc with an overlay of package math)"
	}
	if runtime.GOARCH != "amd64" {
		return nil, "GOARCH " + runtime.GOARCH + ": the overlay is for amd64's assembly math.Exp"
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return nil, "go env GOROOT: " + err.Error()
	}
	math := filepath.Join(strings.TrimSpace(string(out)), "src", "math")
	dir := t.TempDir()
	replace := map[string]string{}
	for name, edit := range map[string]func(string) string{
		// exp_asm.go declares the assembly; exp_noasm.go, for other
		// GOARCHes, says there is none: swap their build constraints.
		"exp_asm.go":   func(string) string { return "//go:build ignore\n\npackage math\n" },
		"exp_amd64.go": func(string) string { return "package math\n" },
		"exp_amd64.s":  func(string) string { return "" },
		"exp_noasm.go": func(s string) string { return strings.Replace(s, "!amd64 && ", "", 1) },
	} {
		b, err := os.ReadFile(filepath.Join(math, name))
		if err != nil {
			return nil, "package math has another layout: " + err.Error()
		}
		if name == "exp_noasm.go" && !bytes.Contains(b, []byte("//go:build !amd64 && ")) {
			return nil, "package math has another layout: exp_noasm.go's build constraint"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(edit(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(math, name)] = p
	}
	ov, _ := json.Marshal(map[string]any{"Replace": replace})
	overlay, noxc := filepath.Join(dir, "overlay.json"), filepath.Join(dir, "noxc")
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-tags", "noasm", "-overlay", overlay, "-o", noxc, "./cmd/noxc")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the portable noxc: %v\n%s", err, b)
	}
	return runPortable(t, noxc), ""
}

// runPortable runs moons with the portable noxc in a copy of it and its
// data, twice: -json, for the train event, and with -write, for the lines
// noxc prints.
func runPortable(t *testing.T, noxc string) *portableRun {
	work := t.TempDir()
	for _, f := range []string{"examples/moons.nox", "examples/data/moons.csv"} {
		if err := copyFile(filepath.Join("..", f), filepath.Join(work, f)); err != nil {
			t.Fatal(err)
		}
	}
	noxcRun := func(flags ...string) []byte {
		cmd := exec.Command(noxc, append(append([]string{"run", "-steps", fmt.Sprint(e2eSteps)}, flags...), "examples/moons.nox")...)
		cmd.Dir = work
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("portable noxc run %v: %v", flags, err)
		}
		return b
	}
	var p portableRun
	b := noxcRun("-json")
	if err := json.Unmarshal(bytes.SplitN(b, []byte("\n"), 2)[0], &p.Event); err != nil || p.TestNLL == nil {
		t.Fatalf("portable noxc run printed %q (%v): want a train event first", b, err)
	}
	p.Lines = string(noxcRun("-write"))
	return &p
}

// portableRun is what the portable noxc printed.
type portableRun struct {
	nox.Event
	Lines string
}

// timing is what differs between two runs' lines: time and speed.
var timing = regexp.MustCompile(`in [0-9.]+s \([0-9]+ steps/s\)`)

// tools finds chromium, node and e2e.js with playwright-core installed
// beside it, or skips the test saying what is missing.
func tools(t *testing.T) (chromium, node, script string) {
	chromium = cmpOr(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	if _, err := os.Stat(chromium); err != nil {
		if chromium, err = exec.LookPath("chromium"); err != nil {
			t.Skip("no chromium (/usr/bin/chromium, $CHROMIUM or on PATH): apt-get install chromium")
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH: the browser is driven by playground/test/e2e.js")
	}
	if _, err := os.Stat("test/node_modules/playwright-core/package.json"); err != nil {
		t.Skip("playwright-core is not installed: (cd playground/test && npm ci --ignore-scripts)")
	}
	script, _ = filepath.Abs("test/e2e.js")
	return chromium, node, script
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// testLog writes what Build says to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
