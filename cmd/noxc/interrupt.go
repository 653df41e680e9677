package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
)

// interrupts turns Ctrl-C into what a person at the terminal means by
// it: the first stops the training in progress, which keeps its best
// parameters so far, and the run goes on with its remaining statements
// (sample, save, plot), so no trained model is lost; a second exits at
// once with status 130 when exitOnSecond is set (noxc run), and stops
// the next training otherwise (the REPL). The returned channel is
// nox.RunOptions.Interrupt; stop restores the default handling.
func interrupts(stderr io.Writer, exitOnSecond bool) (ch <-chan struct{}, stop func()) {
	sigs := make(chan os.Signal, 2)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				return
			case <-sigs:
			}
			n++
			if n > 1 && exitOnSecond {
				fmt.Fprintln(stderr, "\ninterrupted again: exiting")
				os.Exit(130)
			}
			msg := "\ninterrupt: stopping the training in progress, if any, and keeping its best parameters; the run goes on"
			if exitOnSecond {
				msg += " (Ctrl-C again exits)"
			}
			fmt.Fprintln(stderr, msg)
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out, func() {
		signal.Stop(sigs)
		close(done)
	}
}
