//go:build js && wasm

// Command wasm is nox in the browser: built with GOOS=js GOARCH=wasm, it
// runs in the playground's Web Worker (playground/web/worker.js) and
// exposes globalThis.nox = {check, format, run, stop}. Files are those of
// the worker's in-memory file system (playground/web/memfs.js), which
// holds the examples and their data at the paths they have in the
// repository, so a program reads and writes exactly as `noxc run
// examples/moons.nox` would from the repository's root.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/diagnostic"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/plot"
)

// interrupt stops the training in progress (RunOptions.Interrupt): the
// Stop button. One value is kept, so a press is never lost or blocking.
var interrupt = make(chan struct{}, 1)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("check", js.FuncOf(func(_ js.Value, args []js.Value) any { return check(str(args, 0), str(args, 1)) }))
	api.Set("format", js.FuncOf(func(_ js.Value, args []js.Value) any { return format(str(args, 0), str(args, 1)) }))
	api.Set("run", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 4 || args[3].Type() != js.TypeFunction {
			return "run(file, source, options, callback): a callback is needed"
		}
		var o runOptions
		if err := json.Unmarshal([]byte(str(args, 2)), &o); err != nil {
			return "run: options: " + err.Error()
		}
		post := args[3]
		// A callback must not block: the run goes on in a goroutine, and
		// its messages reach JavaScript through post.
		go run(str(args, 0), []byte(str(args, 1)), o, func(m message) {
			b, _ := json.Marshal(m)
			post.Invoke(string(b))
		})
		return ""
	}))
	api.Set("stop", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case interrupt <- struct{}{}:
		default:
		}
		return nil
	}))
	js.Global().Set("nox", api)
	if ready := js.Global().Get("noxReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // the functions above stay callable
}

// str is args[i] as a string, "" if absent or not a string.
func str(args []js.Value, i int) string {
	if i >= len(args) || args[i].Type() != js.TypeString {
		return ""
	}
	return args[i].String()
}

// files keeps the data files checks read: checking as you type reads
// and parses a data set once, and again only when an upload changes it.
var files = nox.NewFileCache()

// check compiles src, the contents of file, and returns its diagnostics
// as `noxc check -json` prints them: every error and every warning.
func check(file, src string) (out string) {
	defer recovered(func(msg string) { out = reportJSON(file, msg) })
	var warns []*compiler.Warning
	a := nox.Analyze(file, []byte(src), nox.CompileOptions{Cache: files})
	if a.Prog != nil {
		warns = a.Prog.Warnings
	}
	b, _ := json.Marshal(diagnostic.Of(file, a.Err, warns))
	return string(b)
}

// recovered turns a panic into a message for say: a bug in nox must not
// end the module, which the page could then only reload.
func recovered(say func(string)) {
	if p := recover(); p != nil {
		say(fmt.Sprintf("internal error (a bug in nox, please report it): %v", p))
	}
}

// reportJSON is the report of one error msg, not positioned, as JSON.
func reportJSON(file, msg string) string {
	b, _ := json.Marshal(diagnostic.Of(file, errors.New(msg), nil))
	return string(b)
}

// formatted is format's answer: the formatted text, or the diagnostics
// of a source that does not parse.
type formatted struct {
	Text   string             `json:"text,omitempty"`
	Report *diagnostic.Report `json:"report,omitempty"`
}

func format(file, src string) (text string) {
	defer recovered(func(msg string) { text = `{"report":` + reportJSON(file, msg) + `}` })
	out, err := lang.Format(file, []byte(src))
	var f formatted
	if err != nil {
		r := diagnostic.Of(file, err, nil)
		f.Report = &r
	} else {
		f.Text = string(out)
	}
	b, _ := json.Marshal(f)
	return string(b)
}

// runOptions are the page's options of a run.
type runOptions struct {
	// MaxSteps caps every train and fit statement (RunOptions.MaxSteps);
	// unlike noxc run -steps, the outputs are still written (to the
	// page's memory), since showing them is the point.
	MaxSteps int `json:"maxSteps"`
}

// message is what a run tells the page, one JSON object each: Type is
// "start" (a train or fit begins), "step" (progress), "log" (text to
// show: warnings, notes), "event" (a statement's result, with the line
// noxc run prints for it) or "done" (with Error, rendered, and the
// diagnostics of a failed compile or run).
type message struct {
	Type      string             `json:"type"`
	Statement string             `json:"statement,omitempty"`
	Flow      string             `json:"flow,omitempty"`
	Step      int                `json:"step,omitempty"`
	Total     int                `json:"total,omitempty"`
	Loss      float64            `json:"loss,omitempty"`
	Text      string             `json:"text,omitempty"`
	Event     *nox.Event         `json:"event,omitempty"`
	Error     string             `json:"error,omitempty"`
	Report    *diagnostic.Report `json:"report,omitempty"`
	Seconds   float64            `json:"seconds,omitempty"`
}

// yieldEvery is how long training computes before it lets the worker's
// event loop run (a Stop press, a check of the text being typed): Go's
// js port returns to the event loop only when every goroutine waits.
const yieldEvery = 100 * time.Millisecond

// run compiles and runs a program, posting its progress and results.
func run(file string, src []byte, o runOptions, post func(message)) {
	start := time.Now()
	defer recovered(func(msg string) { post(message{Type: "done", Error: msg, Seconds: time.Since(start).Seconds()}) })
	fail := func(err error) {
		r := diagnostic.Of(file, err, nil)
		post(message{Type: "done", Error: nox.RenderError(err, file, src), Report: &r, Seconds: time.Since(start).Seconds()})
	}
	script, err := nox.Compile(file, src)
	if err != nil {
		fail(err)
		return
	}
	for _, d := range script.Prog.Data {
		if d.Dropped > 0 {
			post(message{Type: "log", Text: fmt.Sprintf("%s:%d:%d: csv(%q): %d rows with missing values dropped (na = \"drop\"); %d left",
				d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Path, d.Dropped, d.Table.Rows)})
		}
	}
	if w := compiler.RenderWarnings(script.Prog.Warnings, func(string) []byte { return src }); w != "" {
		post(message{Type: "log", Text: strings.TrimRight(w, "\n")})
	}
	select { // a Stop pressed before this run is not for it
	case <-interrupt:
	default:
	}
	last, every := time.Now(), 1
	opts := nox.RunOptions{
		MaxSteps:    o.MaxSteps,
		Plot:        plot.Statement,
		Interrupt:   interrupt,
		ReportEvery: 1,
		OnStart: func(statement, flow string) {
			post(message{Type: "start", Statement: statement, Flow: flow})
			every = 0
		},
		OnStep: func(flow string, step, total int, loss float64) {
			if every == 0 {
				every = max(1, total/400) // a curve of at most ~400 points
			}
			if step%every == 0 || step == total {
				post(message{Type: "step", Flow: flow, Step: step, Total: total, Loss: loss})
			}
			if time.Since(last) > yieldEvery {
				time.Sleep(time.Millisecond)
				last = time.Now()
			}
		},
		OnEvent: func(ev nox.Event) {
			post(message{Type: "event", Event: &ev, Text: strings.TrimRight(ev.Text(), "\n")})
		},
	}
	if err := script.Run(context.Background(), opts); err != nil {
		fail(err)
		return
	}
	post(message{Type: "done", Seconds: time.Since(start).Seconds()})
}
