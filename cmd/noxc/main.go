// Command noxc compiles and runs .nox files.
//
//	noxc run FILE [-json [-progress]] [-ir [-backend]] [-steps N [-write]] [-o MODEL] [-threads N] [POLICY]
//	noxc check FILE [-json] [-ir [-backend]] [POLICY] compile only; report diagnostics
//	noxc fmt [-w] [-l] FILE...               print (or rewrite) in canonical form; - is stdin
//	noxc repl [POLICY]                       interactive session
//	noxc lsp [-max-memory SIZE]              language server on stdio
//	noxc sample MODEL [-n N] [-seed S] [-given C] [-o FILE] [-max-memory SIZE]
//	noxc eval MODEL DATA [-columns A,B] [-context C] [-o FILE] [-json] [-max-memory SIZE]
//	noxc plot MODEL [-data FILE] [-o OUT.png] [-density [-scale S]]
//	noxc info MODEL [-json]
//	noxc version (or --version), noxc help [COMMAND]
//
// where POLICY is [-sandbox] [-outdir DIR] [-max-memory SIZE]. Flags may
// come before or after the file. Exit status: 0 on success, 1 on
// diagnostics, runtime errors and unreadable files, 2 on usage errors only,
// 130 and 143 after SIGINT and SIGTERM (temporary files removed).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/plot"
	"github.com/noxlang/nox/runtime"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const usage = `noxc compiles and runs nox files: normalizing flows, trained by maximum likelihood
or fitted to a density by variational inference.

Usage:
  noxc <command> [arguments]

Commands:
  run       compile a file, then run its statements (train, fit, eval, sample, save, plot)
  check     compile a file and report every diagnostic; run nothing
  fmt       print files in canonical form, or rewrite them
  repl      an interactive session
  sample    draw from a saved model
  eval      score rows of a data file under a saved model
  plot      draw a saved model's samples (against data) and its density
  info      describe a saved model: flow, stages, columns, parameters
  export    write a saved model as ONNX, for ONNX Runtime and other engines
  convert   convert a CSV file (of any size) to a .npy array, streaming
  lsp       the language server, for editors (stdio)
  version   print the version of noxc (also: noxc --version)
  help      show help for a command: noxc help run

Flags may come before or after file arguments. Exit status: 0 on success,
1 on diagnostics, runtime errors and unreadable files, 2 on usage errors
(flags, arguments), 130 and 143 after SIGINT and SIGTERM.
`

// help is the usage text of each command.
// policyHelp and memoryHelp are the flags' help, shared by the commands
// that take them.
const policyHelp = `  -sandbox  for a program from someone else: it may read only below its
            own directory and write only below -outdir. An absolute path,
            a path through .. or a symbolic link leading out is an error
            reported before anything runs
  -outdir DIR
            write the program's outputs (sample, eval ... to, save, plot,
            checkpoints) relative to DIR instead of the program's
            directory; its inputs stay relative to the program
`

const memoryHelp = `  -max-memory SIZE
            refuse a statement estimated to need more than SIZE bytes
            (default: the memory available), and make Go's garbage
            collector work hard near SIZE. SIZE is a number with a unit:
            512MB, 1.5GB (powers of 1000), 4GiB, 2G (powers of 1024)
`

var help = map[string]string{
	"plot":    plotHelp,
	"info":    infoHelp,
	"export":  exportHelp,
	"convert": convertHelp,
	"lsp":     lspHelp,
	"run": `usage: noxc run FILE [-json [-progress]] [-ir [-backend]] [-steps N [-write]] [-o MODEL] [-threads N] [-sandbox] [-outdir DIR] [-max-memory SIZE]

Run compiles FILE — reporting every diagnostic and running nothing if there
is one — then runs its statements in order, printing one line per result.

  -json     print one JSON object per result on stdout (see spec.md)
  -progress with -json, also print {"statement":"progress",...} lines
            while training (step, total, loss)
  -ir       print each trained flow's lowered IR and its gradient program
  -backend  with -ir, print them as the runtime runs them: after its
            rewrites into fused, declared backend ops (gemm, addcols, ...)
  -steps N  cap every train statement at N steps: a quick trial, which
            writes no files (sample, save, plot, eval ... to) so that it
            replaces nothing a full run wrote; -o still saves the model
  -write    with -steps, write the program's outputs anyway
  -o MODEL  after the run, save the last trained flow to MODEL (.noxm)
  -threads N
            run Go on at most N OS threads at once (GOMAXPROCS; default:
            the NOX_THREADS environment variable, else one per core).
            Results are bit-identical whatever N: nox splits the work
            into the same parts and sums them in the same order on any
            number of threads; only the speed changes. With more than
            one, nox uses the others only while that pays: while other
            processes leave it no free core and its parallel tasks are
            short (under 8 ms; Linux, where it can see the run queue),
            or while its helpers keep arriving late, it runs alone, its
            helpers blocked; while every part of the run at work is alone
            for the first reason, Go runs its code on one OS thread at a
            time (GOMAXPROCS 1), and on N again once the cores are free.
            A run that starts with no free core starts on one thread,
            until its first step or chunk of rows
` + policyHelp + memoryHelp,
	"check": `usage: noxc check FILE [-json] [-ir [-backend]] [-sandbox] [-outdir DIR] [-max-memory SIZE]

Check compiles FILE and reports every diagnostic (at most 10, sorted), each
with its position, the source line and a caret. It runs nothing.

  -json     also print the diagnostics, errors and warnings, as one JSON
            object on stdout: each with its severity, file, range (line,
            column, end_line, end_column), message and did-you-mean
            suggestions (run -json prints it too when FILE does not compile)
  -ir       print each trained flow's lowered IR and its gradient program
  -backend  with -ir, print them as the runtime runs them (fused backend ops)
` + policyHelp + memoryHelp,
	"fmt": `usage: noxc fmt [-w] [-l] FILE...

Fmt prints each FILE in canonical form, keeping comments and the author's
line breaks inside statements. A FILE of - is standard input, formatted to
standard output (errors name it <stdin>; -w cannot rewrite it).

  -w  rewrite the files in place
  -l  list the files whose formatting differs
`,
	"repl": `usage: noxc repl [-sandbox] [-outdir DIR] [-max-memory SIZE]

Repl starts an interactive session: statements build on earlier ones and run
as they are entered. Type :help inside for its commands. Relative paths in
statements resolve against the current directory, which -sandbox takes as
the program's directory (the :load and :save commands are yours, not a
program's, and are not confined).

` + policyHelp + memoryHelp,
	"sample": `usage: noxc sample MODEL [-n N] [-seed S] [-given C1,C2,...] [-o FILE] [-max-memory SIZE]

Sample draws N rows from a model saved by "save FLOW to MODEL" (or
noxc run -o) and writes them as CSV to FILE (default: standard output),
after a header line of the model's column names when it knows them (it
was trained on a CSV file with a header line). A conditional model needs
-given, one value per context column.

  -n N        number of draws (default 1000)
  -seed S     seed of the draws (default 0)
  -given C    the context, comma-separated
  -o FILE     output file (written atomically)
  -max-memory SIZE
              make Go's garbage collector work hard near SIZE bytes
              (512MB, 4GiB, 2G: see noxc help run)
`,
	"eval": `usage: noxc eval MODEL DATA [-columns A,B] [-context C] [-o FILE] [-json] [-max-memory SIZE]

Eval scores every row of DATA (a CSV or .npy file) under a saved model,
prints the mean negative log-likelihood in nats per row and, with -o,
writes each row's log-likelihood to FILE.

When the model knows its columns' names (it was trained on a CSV file
with a header line) and DATA has a header line, eval picks the model's
columns (and context columns) by name, from a file that may have more,
in any order. Otherwise DATA holds exactly the model's data columns, then
its context columns.

  -columns A,B  the data columns by name, in the model's order (instead
                of the model's names)
  -context C    the context columns by name
  -o FILE       write per-row log-likelihoods
  -json         print the result as JSON
  -max-memory SIZE
              refuse, before reading it, a DATA file estimated to need
              more than SIZE bytes (default: the memory available), and
              make Go's garbage collector work hard near SIZE (512MB,
              4GiB, 2G: see noxc help run)
`,
	"version": `usage: noxc version (or noxc --version, noxc -version)

Version prints the version of noxc, the Go toolchain that built it and the
saved-model format it writes.
`,
}

func main() {
	code := mainErr(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	// A signal being handled exits with its own status once it has
	// removed the temporary files; a command that failed because the
	// handler abandoned its write must not exit first with 1.
	awaitSignalExit()
	os.Exit(code)
}

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

// mainErr runs noxc with args; stdin is read by noxc fmt - (the repl
// reads os.Stdin itself, as it needs to know whether it is a terminal).
// A panic in the command (a bug in nox, or memory that ran out in an
// allocation Go can refuse) is reported as an internal error with
// status 1, not Go's trace and status 2, which means a usage error here.
func mainErr(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	catchSignals(stderr)
	return guard(stderr, func() int { return dispatch(args, stdin, stdout, stderr) })
}

// guard runs cmd, turning a panic into an internal error with status 1.
// Only the command's own goroutine is guarded; what Go cannot recover
// from (a fatal "out of memory", a panic in another goroutine) still
// ends the process with Go's status 2 (spec.md, Running nox).
func guard(stderr io.Writer, cmd func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "noxc: internal error (a bug in nox, please report it): %v\n", r)
			code = 1
		}
	}()
	return cmd()
}

// dispatch runs the command args name.
func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd := args[0]
	switch cmd {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "help":
		switch {
		case len(args) == 1:
			fmt.Fprint(stdout, usage)
		case len(args) == 2 && help[args[1]] != "":
			fmt.Fprint(stdout, help[args[1]])
		default:
			fmt.Fprintf(stderr, "noxc help: unknown command %q; the commands are run, check, fmt, repl, sample, eval, plot, info, export, convert, lsp, version\n", strings.Join(args[1:], " "))
			return 2
		}
		return 0
	case "version", "-version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "noxc version takes no arguments, got %q\n\n%s", args[1], help["version"])
			return 2
		}
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	restore, err := setStreamBytes(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "noxc: %v\n", err)
		return 2
	}
	defer restore()
	switch cmd {
	case "run", "check":
		return runCmd(cmd, args[1:], stdout, stderr)
	case "fmt":
		return fmtCmd(args[1:], stdin, stdout, stderr)
	case "sample":
		return sampleCmd(args[1:], stdout, stderr)
	case "eval":
		return evalCmd(args[1:], stdout, stderr)
	case "plot":
		return plotCmd(args[1:], stdout, stderr)
	case "info":
		return infoCmd(args[1:], stdout, stderr)
	case "export":
		return exportCmd(args[1:], stdout, stderr)
	case "convert":
		return convertCmd(args[1:], stdout, stderr)
	case "repl":
		return replCmd(args[1:], stdout, stderr)
	case "lsp":
		return lspCmd(args[1:], stdin, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "noxc: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// runCmd is noxc run and noxc check.
func runCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags(cmd, stderr)
	showIR := fs.Bool("ir", false, "print lowered IR and gradient programs")
	backend := fs.Bool("backend", false, "with -ir, print the programs as the runtime runs them (fused backend ops)")
	var rf runFlags
	if cmd == "run" {
		rf.define(fs)
	} else {
		fs.BoolVar(&rf.json, "json", false, "print the diagnostics as one JSON object")
	}
	var pf policyFlags
	pf.defineFiles(fs)
	pf.defineMemory(fs)
	maxSteps, saveTo := &rf.steps, &rf.out
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc %s: want exactly one FILE, got %d\n\n%s", cmd, len(files), help[cmd])
		return 2
	}
	if cmd == "run" {
		if err := rf.setThreads(os.Getenv); err != nil {
			fmt.Fprintf(stderr, "noxc run: %v\n", err)
			return 2
		}
		// A run that ends before any team has run (an error in the
		// file, nothing to train) gives back a count lowered at its
		// start: the process may go on (tests call noxc in-process).
		defer runtime.WorkDone()
	}
	file := files[0]
	var copts nox.CompileOptions
	if err := pf.apply(&copts); err != nil {
		fmt.Fprintf(stderr, "noxc %s: %v\n", cmd, err)
		return 1
	}
	src, err := readSource(file)
	if err != nil {
		fmt.Fprintf(stderr, "noxc: %v\n", err)
		return 1
	}
	script, err := nox.CompileWith(file, src, copts)
	if err != nil {
		if rf.json {
			writeDiagnostics(stdout, file, err, nil)
		}
		fmt.Fprintln(stderr, nox.RenderError(err, file, src))
		return 1
	}
	for _, d := range script.Prog.Data {
		if d.Dropped > 0 { // csv(..., na = "drop"): say what was left out
			fmt.Fprintf(stderr, "%s:%d:%d: csv(%q): %s with missing values dropped (na = \"drop\"); %s left\n",
				d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Path, plural(d.Dropped, "row"), plural(d.Table.Rows, "row"))
		}
	}
	// Warnings never stop a program: said once, before anything runs.
	fmt.Fprint(stderr, compiler.RenderWarnings(script.Prog.Warnings, func(name string) []byte {
		if name == file {
			return src
		}
		return nil
	}))
	if *backend && !*showIR {
		fmt.Fprintf(stderr, "noxc %s: -backend modifies -ir; give both\n", cmd)
		return 2
	}
	if *showIR {
		var rewrite func(*ir.Program) *ir.Program
		if *backend {
			rewrite = runtime.Backend // as the runtime runs them
		}
		text, err := script.Prog.IR("", rewrite)
		if err != nil {
			fmt.Fprintln(stderr, script.Render(err))
			return 1
		}
		fmt.Fprint(stdout, text)
	}
	if cmd == "check" {
		if rf.json {
			writeDiagnostics(stdout, file, nil, script.Prog.Warnings)
		}
		return 0
	}
	// A trial run (-steps) replaces no file a real run wrote.
	opts := nox.RunOptions{MaxSteps: *maxSteps, Plot: plot.Statement, NoWrite: *maxSteps > 0 && !rf.write}
	abort := reporters(&opts, &rf, stdout, stderr)
	if rf.json { // and as events, for programs that read them
		for _, w := range script.Prog.Warnings {
			opts.OnEvent(nox.Event{Statement: "check", Flow: w.Flow, Warning: w.Positioned()})
		}
	}
	var stopInterrupts func()
	opts.Interrupt, stopInterrupts = interrupts(stderr, true)
	defer stopInterrupts()
	if err := script.Run(context.Background(), opts); err != nil {
		abort()
		fmt.Fprintln(stderr, script.Render(err))
		return runFailed()
	}
	if *saveTo != "" {
		m := script.LastTrained()
		if m == nil {
			fmt.Fprintf(stderr, "noxc run -o: %s trains no flow, so there is no model to save\n", file)
			return 1
		}
		if err := m.Save(*saveTo); err != nil {
			fmt.Fprintf(stderr, "noxc run -o: %v\n", err)
			return runFailed()
		}
		opts.OnEvent(nox.Event{Statement: "save", Flow: m.Name(), Path: *saveTo})
	}
	return 0
}

// runFailed is the exit status of a run that failed: 130 if a Ctrl-C
// abandoned a write (the failure was the interrupt's), else 1.
func runFailed() int {
	if abandonedWrite() {
		return exitInterrupted
	}
	return 1
}

// reporters sets opts' progress and event callbacks for noxc run: a
// progress bar on a terminal, a line every tenth of a run elsewhere, JSON
// lines with -json (progress too with -progress). abort ends a progress
// bar an error left open.
func reporters(opts *nox.RunOptions, rf *runFlags, stdout, stderr io.Writer) (abort func()) {
	jsonOut, progress := &rf.json, &rf.progress
	bar := &progressBar{w: stderr, label: "train"}
	opts.OnStart = func(statement, _ string) { bar.label = statement }
	interactive := !*jsonOut && isTerminal(stderr)
	if interactive {
		opts.ReportEvery = 10
		opts.OnStep = bar.step
	} else if !*jsonOut {
		// Not a terminal: a plain line every tenth of the run.
		opts.ReportEvery = 1
		opts.OnStep = func(flow string, step, total int, loss float64) {
			if step%max(total/10, 1) == 0 || step == total {
				fmt.Fprintf(stderr, "%s %s: step %d/%d  loss %.4f\n", bar.label, flow, step, total, loss)
			}
		}
	}
	enc := json.NewEncoder(stdout)
	if *jsonOut && *progress {
		// Progress as JSON lines too, a twentieth of the run apart.
		opts.ReportEvery = 1
		opts.OnStep = func(flow string, step, total int, loss float64) {
			if step%max(total/20, 1) == 0 || step == total {
				enc.Encode(struct {
					Statement string  `json:"statement"`
					Flow      string  `json:"flow"`
					Step      int     `json:"step"`
					Total     int     `json:"total"`
					Loss      float64 `json:"loss"`
				}{"progress", flow, step, total, loss})
			}
		}
	}
	opts.OnEvent = func(ev nox.Event) {
		if *jsonOut {
			enc.Encode(ev)
			return
		}
		printEvent(stdout, ev)
	}
	return bar.end
}

// runFlags are the flags of noxc run that noxc check does not take.
type runFlags struct {
	json, progress bool
	write          bool // with -steps: write the outputs anyway
	steps          int
	out            string
	threads        int // 0: NOX_THREADS, else the Go default
}

func (rf *runFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&rf.json, "json", false, "print results as JSON lines")
	fs.BoolVar(&rf.progress, "progress", false, "with -json, also print training progress events")
	fs.IntVar(&rf.steps, "steps", 0, "cap the steps of train and fit statements")
	fs.BoolVar(&rf.write, "write", false, "with -steps, write the program's outputs anyway")
	fs.StringVar(&rf.out, "o", "", "save the last trained flow to this file")
	fs.Func("threads", "OS threads running Go code at once (GOMAXPROCS)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxThreads {
			return fmt.Errorf("want a whole number from 1 to %d", maxThreads)
		}
		rf.threads = n
		return nil
	})
}

// setStreamBytes sets the size above which a .npy file is streamed
// rather than loaded (dataset.StreamBytes) to $NOX_STREAM_BYTES, if set
// (a size such as 64MB or 2GiB), and returns what puts it back.
func setStreamBytes(getenv func(string) string) (restore func(), err error) {
	old := dataset.StreamBytes
	v := getenv("NOX_STREAM_BYTES")
	if v == "" {
		return func() {}, nil
	}
	n, err := parseSize(v)
	if err != nil {
		return nil, fmt.Errorf("NOX_STREAM_BYTES: %v", err)
	}
	dataset.StreamBytes = n
	return func() { dataset.StreamBytes = old }, nil
}

// maxThreads bounds -threads and NOX_THREADS.
const maxThreads = 1 << 16

// setThreads sets GOMAXPROCS to -threads, else to $NOX_THREADS if set,
// and lets the runtime lower it to 1 while its teams are quiet
// (runtime.AdaptProcs: noxc owns its process). A count that is not a
// whole number from 1 to maxThreads is a usage error (the flag's is
// reported by the flag package).
func (rf *runFlags) setThreads(getenv func(string) string) error {
	n := rf.threads
	if n == 0 {
		env := getenv("NOX_THREADS")
		if env == "" {
			runtime.AdaptProcs(envProcs(getenv))
			return nil
		}
		v, err := strconv.Atoi(strings.TrimSpace(env))
		if err != nil || v < 1 || v > maxThreads {
			return fmt.Errorf("NOX_THREADS must be a whole number from 1 to %d, got %q", maxThreads, env)
		}
		n = v
	}
	goruntime.GOMAXPROCS(n)
	runtime.AdaptProcs(true)
	return nil
}

// envProcs reports whether $GOMAXPROCS sets Go's count of threads: Go
// ignores one that is not a positive number.
func envProcs(getenv func(string) string) bool {
	v, err := strconv.Atoi(getenv("GOMAXPROCS"))
	return err == nil && v > 0
}

// plural renders a count with its noun: "1 column", "2 columns".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// flagExit is the exit status after a flag parsing error: 0 for -h.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// newFlags returns a flag set whose -h prints the command's help.
func newFlags(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("noxc "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, help[cmd]) }
	return fs
}

// fmtCmd formats files like gofmt: to stdout, or in place with -w, or
// listing the files that differ with -l. A file named - is stdin.
func fmtCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("fmt", stderr)
	write := fs.Bool("w", false, "rewrite files in place")
	list := fs.Bool("l", false, "list files whose formatting differs")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "noxc fmt: want at least one FILE\n\n%s", help["fmt"])
		return 2
	}
	stdins := 0
	for _, f := range files {
		if f == "-" {
			stdins++
		}
	}
	if stdins > 1 || stdins == 1 && *write {
		fmt.Fprintf(stderr, "noxc fmt: - (standard input) may be given once, and not with -w\n\n%s", help["fmt"])
		return 2
	}
	code := 0
	for _, file := range files {
		var src []byte
		if file == "-" {
			file = "<stdin>"
			src, err = io.ReadAll(stdin)
		} else {
			src, err = readSource(file)
		}
		if err != nil {
			fmt.Fprintf(stderr, "noxc: %v\n", err)
			code = 1
			continue
		}
		out, err := lang.Format(file, src)
		if err != nil {
			fmt.Fprintln(stderr, nox.RenderError(err, file, src))
			code = 1
			continue
		}
		changed := !bytes.Equal(src, out)
		if *list && changed {
			fmt.Fprintln(stdout, file)
		}
		if *write && changed {
			if err := atomicfile.Write(file, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
				fmt.Fprintf(stderr, "noxc: %v\n", err)
				code = 1
			}
		}
		if !*write && !*list {
			stdout.Write(out)
		}
	}
	return code
}

// parseInterleaved parses flags that may appear before or after positional
// arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newBar(w io.Writer, label, flow string, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label+" "+flow),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
	)
}

// progressBar draws training progress on a terminal as a bar (OnStep), one
// training at a time.
type progressBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
	// label is the statement whose steps these are: "train" or "fit".
	label string
}

func (p *progressBar) step(flow string, step, total int, loss float64) {
	if p.bar == nil {
		p.bar = newBar(p.w, p.label, flow, total)
	}
	p.bar.Describe(fmt.Sprintf("%s %s  loss %7.4f", p.label, flow, loss))
	p.bar.Set(step)
	if step == total {
		p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

// end ends the line of a bar that a failed or stopped training left.
func (p *progressBar) end() {
	if p.bar != nil {
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

// printEvent prints the lines of a statement's result (nox.Event.Text).
func printEvent(w io.Writer, ev nox.Event) { io.WriteString(w, ev.Text()) }
