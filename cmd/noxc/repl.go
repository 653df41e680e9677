package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
	"golang.org/x/term"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/plot"
	"github.com/noxlang/nox/runtime"
)

const replHelp = `Type nox statements; they run as you enter them and may use earlier ones.
A statement that is not finished (open bracket, trailing |> or =) continues
on the next line; an empty line ends it. A bare expression prints its type.
Binding a name again replaces its earlier binding; what uses it is checked
again, and a trained flow whose definition changes loses its training.

  :type EXPR   the type of an expression; for a flow, its stages and dimensions
  :ir NAME     the lowered IR and gradient program of a trained flow
  :load FILE   run a .nox file in this session (its paths relative to it)
  :source      the session's source so far
  :save FILE   write the session's source, formatted, to FILE
  :reset       forget everything: bindings, definitions, trained flows
  :help        this text
  :quit        leave (also Ctrl-D)
`

// replCmd is noxc repl.
func replCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repl", stderr)
	var pf policyFlags
	pf.defineFiles(fs)
	pf.defineMemory(fs)
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "noxc repl takes no arguments but flags, got %q\n\n%s", rest[0], help["repl"])
		return 2
	}
	var opts nox.CompileOptions
	if err := pf.apply(&opts); err != nil {
		fmt.Fprintf(stderr, "noxc repl: %v\n", err)
		return 1
	}
	// The session owns its process, as noxc run does: GOMAXPROCS may be
	// lowered while its training is quiet (runtime.AdaptProcs).
	runtime.AdaptProcs(envProcs(os.Getenv))
	return repl(os.Stdin, stdout, stderr, isTerminal(os.Stdin) && isTerminal(stdout), opts)
}

// repl runs the interactive loop on in/out until end of input or :quit.
// Nothing typed at the prompt ends it but those: every error is reported
// like the compiler's and the loop goes on. Every chunk compiles with
// opts (sandbox, output directory, limits).
func repl(in io.ReadCloser, stdout, stderr io.Writer, interactive bool, opts nox.CompileOptions) int {
	wd, _ := os.Getwd()
	s := newSession(wd)
	s.Options = opts
	var lines lineReader
	if interactive {
		cfg := &readline.Config{
			Prompt:                 "nox> ",
			Stdin:                  in,
			Stdout:                 stdout,
			Stderr:                 stderr,
			DisableAutoSaveHistory: true,
		}
		if home, err := os.UserHomeDir(); err == nil {
			cfg.HistoryFile = filepath.Join(home, ".noxc_history")
		}
		rl, err := readline.NewEx(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "noxc repl: %v\n", err)
			return 1
		}
		defer rl.Close() // restores the terminal
		lines = rl
	} else {
		// Piped input needs no line editing; a plain scanner takes any
		// bytes (readline stops at some invalid UTF-8) and lines of any
		// length.
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 64<<20)
		lines = &scanLines{sc: sc}
	}
	fmt.Fprintln(stdout, "nox REPL; :help for help, :quit to leave")
	var pending []string
	for {
		if len(pending) > 0 {
			lines.SetPrompt("...  ")
		} else {
			lines.SetPrompt("nox> ")
		}
		line, err := lines.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			pending = nil
			continue
		}
		if err != nil { // io.EOF
			break
		}
		if len(pending) == 0 {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, ":") {
				lines.SaveHistory(trimmed)
				if quit := command(s, trimmed, stdout, stderr); quit {
					break
				}
				continue
			}
		}
		pending = append(pending, line)
		chunk := strings.Join(pending, "\n") + "\n"
		if strings.TrimSpace(line) != "" && s.Incomplete(chunk) {
			continue
		}
		pending = nil
		lines.SaveHistory(strings.TrimSpace(chunk))
		execChunk(s, chunk, stdout, stderr)
	}
	return 0
}

// lineReader is what the loop needs of readline; scanLines provides it for
// input that is not a terminal.
type lineReader interface {
	Readline() (string, error)
	SetPrompt(string)
	SaveHistory(string) error
}

type scanLines struct{ sc *bufio.Scanner }

func (l *scanLines) Readline() (string, error) {
	if l.sc.Scan() {
		return l.sc.Text(), nil
	}
	if err := l.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (l *scanLines) SetPrompt(string) {}

func (l *scanLines) SaveHistory(string) error { return nil }

// execChunk runs one chunk, turning a panic (a bug in nox) into a message
// so the session survives it.
func execChunk(s *session, chunk string, stdout, stderr io.Writer) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "internal error (a bug in nox, please report it): %v\n", r)
		}
	}()
	if IsExpr(chunk) {
		typeOf(s, chunk, stdout, stderr)
		return
	}
	interrupt, stop := interrupts(stderr, false)
	defer stop()
	opts := nox.RunOptions{
		Interrupt: interrupt,
		OnEvent:   func(ev nox.Event) { printEvent(stdout, ev) },
		Plot:      plot.Statement,
	}
	bar := &progressBar{w: stderr, label: "train"}
	if isTerminal(stderr) { // as noxc run; no bar in a pipe
		opts.ReportEvery, opts.OnStep = 10, bar.step
		opts.OnStart = func(statement, _ string) { bar.label = statement }
	}
	s.Warn = stderr
	err := s.Exec(context.Background(), chunk, opts)
	runtime.WorkDone() // a count lowered at the session's start goes back if nothing ran
	bar.end()
	for _, name := range s.Untrained {
		fmt.Fprintf(stdout, "flow %s: its definition or data changed, so its training is dropped; train it again\n", name)
	}
	if err != nil {
		fmt.Fprintln(stderr, s.Render(err))
	}
}

// typeOf prints the description of an expression.
func typeOf(s *session, expr string, stdout, stderr io.Writer) {
	d, err := s.Type(expr)
	if err != nil {
		fmt.Fprintln(stderr, s.Render(err))
		return
	}
	fmt.Fprintln(stdout, d)
}

// command runs a REPL command; it reports whether to quit.
func command(s *session, line string, stdout, stderr io.Writer) (quit bool) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "internal error (a bug in nox, please report it): %v\n", r)
		}
	}()
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case ":quit", ":q", ":exit":
		return true
	case ":help", ":h":
		fmt.Fprint(stdout, replHelp)
	case ":type", ":t":
		if arg == "" {
			fmt.Fprintln(stderr, "usage: :type EXPR")
			return false
		}
		typeOf(s, arg, stdout, stderr)
	case ":ir":
		text, err := s.IR(arg)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return false
		}
		page(text, stdout)
	case ":load":
		if arg == "" {
			fmt.Fprintln(stderr, "usage: :load FILE")
			return false
		}
		chunk, err := s.LoadChunk(arg)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return false
		}
		execChunk(s, chunk, stdout, stderr)
	case ":source":
		fmt.Fprint(stdout, string(s.Source()))
	case ":reset":
		s.Reset()
		fmt.Fprintln(stdout, "session reset: every binding, definition and trained flow forgotten")
	case ":save":
		if arg == "" {
			fmt.Fprintln(stderr, "usage: :save FILE")
			return false
		}
		if err := s.Save(arg); err != nil {
			fmt.Fprintln(stderr, err)
			return false
		}
		fmt.Fprintf(stdout, "session source written to %s\n", arg)
	default:
		fmt.Fprintf(stderr, "unknown command %s; :help lists them\n", name)
	}
	return false
}

// page writes text to stdout, through a pager ($PAGER, else less -R if
// there is one) when stdout is a terminal the text does not fit on.
func page(text string, stdout io.Writer) {
	f, ok := stdout.(*os.File)
	if !ok || !isTerminal(stdout) {
		fmt.Fprint(stdout, text)
		return
	}
	_, rows, err := term.GetSize(int(f.Fd()))
	if err != nil || strings.Count(text, "\n") < rows {
		fmt.Fprint(stdout, text)
		return
	}
	var cmd *exec.Cmd
	if p := strings.Fields(os.Getenv("PAGER")); len(p) > 0 {
		cmd = exec.Command(p[0], p[1:]...)
	} else if less, err := exec.LookPath("less"); err == nil {
		cmd = exec.Command(less, "-R")
	} else {
		fmt.Fprint(stdout, text)
		return
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(text), f, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprint(stdout, text)
	}
}
