package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/noxlang/nox/internal/atomicfile"
)

// Exit statuses after a signal, as a shell reports them (128 + signal).
const (
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// signals is noxc's one handler of SIGINT and SIGTERM, installed for
// every command (catchSignals), so that no signal leaves a temporary file
// behind: a killed sample of a large model used to leave gigabytes of
// ".name.NNN.tmp" files. SIGTERM, and Ctrl-C outside a training, remove
// the temporary files of the writes in progress (atomicfile.Cleanup) and
// exit. While a run or a REPL statement runs (interrupts), Ctrl-C means
// what a person at the terminal means by it instead: see interrupts.
var signals struct {
	once sync.Once
	sync.Mutex
	stderr io.Writer
	// While interrupts is in effect: out receives the stops of
	// trainings; n counts the Ctrl-Cs; exitOnSecond: noxc run.
	out          chan struct{}
	n            int
	exitOnSecond bool
	abandoned    bool // a Ctrl-C abandoned a write
}

// catchSignals installs the handler, once; its messages go to stderr
// (the last given).
func catchSignals(stderr io.Writer) {
	signals.Lock()
	signals.stderr = stderr
	signals.Unlock()
	signals.once.Do(func() {
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		go func() {
			for sig := range sigs {
				onSignal(sig)
			}
		}()
	})
}

// onSignal handles one signal.
func onSignal(sig os.Signal) {
	signals.Lock()
	defer signals.Unlock()
	w := signals.stderr
	switch {
	case sig == syscall.SIGTERM:
		exitAfterCleanup(w, exitTerminated, "terminated")
	case signals.out == nil:
		exitAfterCleanup(w, exitInterrupted, "interrupted")
	}
	signals.n++
	if signals.n > 1 && signals.exitOnSecond {
		exitAfterCleanup(w, exitInterrupted, "interrupted again")
	}
	// A write in progress is abandoned, its file unchanged: a sample or
	// save then fails (noxc run exits with 130, the REPL goes on), a
	// checkpoint is skipped and its training stops as below.
	if atomicfile.Abandon() > 0 {
		signals.abandoned = true
		fmt.Fprintln(w, "\ninterrupt: abandoning the write in progress; its file is unchanged")
	}
	msg := "interrupt: stopping the training in progress, if any, and keeping its best parameters; the run goes on"
	if signals.exitOnSecond {
		msg += " (Ctrl-C again exits)"
	}
	fmt.Fprintln(w, "\n"+msg)
	select {
	case signals.out <- struct{}{}:
	default:
	}
}

// awaitSignalExit returns at once unless a signal's handler is running,
// which holds signals' lock until it exits the process (with 130 or
// 143) or returns (a first Ctrl-C in noxc run).
func awaitSignalExit() {
	signals.Lock()
	defer signals.Unlock()
}

// abandonedWrite reports whether a Ctrl-C abandoned a write since
// interrupts was last called: a run that then failed was interrupted.
func abandonedWrite() bool {
	signals.Lock()
	defer signals.Unlock()
	return signals.abandoned
}

// exitAfterCleanup removes the temporary files of the writes in progress
// and exits with status code: the files being written stay as they were.
func exitAfterCleanup(w io.Writer, code int, why string) {
	removed := atomicfile.Cleanup()
	msg := "\n" + why + ": exiting"
	if len(removed) > 0 {
		msg += fmt.Sprintf("; the unfinished write of %s was abandoned, the file is unchanged", plural(len(removed), "file"))
	}
	fmt.Fprintln(w, msg)
	os.Exit(code)
}

// interrupts turns Ctrl-C into what a person at the terminal means by
// it: the first stops the training in progress, which keeps its best
// parameters so far, and the run goes on with its remaining statements
// (sample, save, plot), so no trained model is lost; a second exits with
// status 130 when exitOnSecond is set (noxc run), and stops the next
// training otherwise (the REPL). A Ctrl-C while a file is being written
// also abandons the write, removing its temporary file: the statement
// fails (noxc run then exits with 130, see abandonedWrite; the REPL goes
// on), or, for a checkpoint, the training stops as it would have. The returned channel is nox.RunOptions.Interrupt;
// stop restores the handling of catchSignals.
func interrupts(stderr io.Writer, exitOnSecond bool) (ch <-chan struct{}, stop func()) {
	catchSignals(stderr)
	out := make(chan struct{}, 1)
	signals.Lock()
	signals.out, signals.n, signals.exitOnSecond, signals.abandoned = out, 0, exitOnSecond, false
	signals.Unlock()
	return out, func() {
		signals.Lock()
		signals.out = nil
		signals.Unlock()
	}
}
