// Command noxc compiles and runs .nox files.
//
//	noxc run FILE [-json] [-ir] [-steps N]   compile, then train and sample
//	noxc check FILE [-ir]                    compile only; report diagnostics
//	noxc fmt [-w] [-l] FILE...               print (or rewrite) in canonical form
//	noxc repl                                interactive session
//
// Flags may come before or after the file. Exit status: 0 on success, 1 on
// diagnostics or runtime errors, 2 on usage errors.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const usage = `noxc compiles and runs nox files: normalizing flows, trained by maximum likelihood.

Usage:
  noxc run FILE [flags]     compile FILE, then run its train and sample statements
  noxc check FILE [flags]   compile FILE and report every diagnostic; run nothing
  noxc fmt [-w] [-l] FILE...  print FILEs in canonical form (-w: rewrite them;
                            -l: list the files whose formatting differs)
  noxc repl                 an interactive session (:help inside)

Flags (before or after FILE):
  -json      run: print one JSON object per result on stdout
  -ir        print each trained flow's lowered IR and its derived gradient program
  -steps N   run: cap every train statement at N steps (quick trials)
`

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func mainErr(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	switch cmd {
	case "run", "check":
	case "fmt":
		return fmtCmd(args[1:], stdout, stderr)
	case "repl":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "noxc repl takes no arguments\n\n%s", usage)
			return 2
		}
		return repl(os.Stdin, stdout, stderr, isTerminal(os.Stdin) && isTerminal(stdout))
	default:
		fmt.Fprintf(stderr, "noxc: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	fs := flag.NewFlagSet("noxc "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	jsonOut := fs.Bool("json", false, "print results as JSON lines")
	showIR := fs.Bool("ir", false, "print lowered IR and gradient programs")
	maxSteps := fs.Int("steps", 0, "cap train steps")
	files, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc %s: want exactly one FILE, got %d\n\n%s", cmd, len(files), usage)
		return 2
	}
	file := files[0]
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "noxc: %v\n", err)
		return 1
	}
	script, err := nox.Compile(file, src)
	if err != nil {
		fmt.Fprintln(stderr, nox.RenderError(err, file, src))
		return 1
	}
	if *showIR {
		text, err := script.IR()
		if err != nil {
			fmt.Fprintln(stderr, script.Render(err))
			return 1
		}
		fmt.Fprint(stdout, text)
	}
	if cmd == "check" {
		return 0
	}
	opts := nox.RunOptions{MaxSteps: *maxSteps}
	var bar *progressbar.ProgressBar
	interactive := !*jsonOut && isTerminal(stderr)
	if interactive {
		opts.ReportEvery = 10
		opts.OnStep = func(flow string, step, total int, loss float64) {
			if bar == nil {
				bar = newBar(stderr, flow, total)
			}
			bar.Describe(fmt.Sprintf("train %s  loss %7.4f", flow, loss))
			bar.Set(step)
			if step == total {
				bar.Finish()
				fmt.Fprintln(stderr)
				bar = nil
			}
		}
	} else if !*jsonOut {
		// Not a terminal: a plain line every tenth of the run.
		opts.ReportEvery = 1
		opts.OnStep = func(flow string, step, total int, loss float64) {
			if step%max(total/10, 1) == 0 || step == total {
				fmt.Fprintf(stderr, "train %s: step %d/%d  loss %.4f\n", flow, step, total, loss)
			}
		}
	}
	enc := json.NewEncoder(stdout)
	opts.OnEvent = func(ev nox.Event) {
		if *jsonOut {
			enc.Encode(ev)
			return
		}
		printEvent(stdout, ev)
	}
	if err := script.Run(opts); err != nil {
		if bar != nil {
			fmt.Fprintln(stderr)
		}
		fmt.Fprintln(stderr, script.Render(err))
		return 1
	}
	return 0
}

// fmtCmd formats files like gofmt: to stdout, or in place with -w, or
// listing the files that differ with -l.
func fmtCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("noxc fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	write := fs.Bool("w", false, "rewrite files in place")
	list := fs.Bool("l", false, "list files whose formatting differs")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "noxc fmt: want at least one FILE\n\n%s", usage)
		return 2
	}
	code := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
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
			if err := writeAtomic(file, out); err != nil {
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

// writeAtomic replaces a file's contents through a temporary file and a
// rename, keeping its permissions.
func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp := path + ".noxfmt.tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
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

func newBar(w io.Writer, flow string, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("train "+flow),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
	)
}

func printEvent(w io.Writer, ev nox.Event) {
	switch ev.Statement {
	case "train":
		var parts []string
		if ev.TrainNLL != nil {
			parts = append(parts, fmt.Sprintf("train NLL %.4f", *ev.TrainNLL))
		}
		if ev.TestNLL != nil {
			parts = append(parts, fmt.Sprintf("test NLL %.4f", *ev.TestNLL))
		}
		fmt.Fprintf(w, "train %s: %d steps in %.2fs (%.0f steps/s), %d parameters; %s nats/row\n",
			ev.Flow, ev.Steps, ev.Seconds, ev.StepsPerS, ev.Params, strings.Join(parts, ", "))
	case "sample":
		fmt.Fprintf(w, "sample %s: %d draws written to %s\n", ev.Flow, ev.N, ev.Path)
	case "eval":
		fmt.Fprintf(w, "eval %s: mean NLL %.4f nats/row over %d rows", ev.Flow, *ev.MeanNLL, ev.N)
		if ev.Path != "" {
			fmt.Fprintf(w, "; log-likelihoods written to %s", ev.Path)
		}
		fmt.Fprintln(w)
	}
}
