package nox

import (
	"fmt"
	"io"
	"strings"
)

// Text is what `noxc run` prints for a statement's result: a line (two
// for fit) ending in a newline, the same in the terminal, the REPL and
// the browser playground.
func (ev Event) Text() string {
	var b strings.Builder
	ev.write(&b)
	return b.String()
}

// countOf renders a count with its noun: "1 step", "2 steps".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (ev Event) write(w io.Writer) {
	if ev.Skipped {
		fmt.Fprintf(w, "%s %s: not written to %s: a trial run (-steps) writes no files; -write writes them\n", ev.Statement, ev.Flow, strings.ReplaceAll(ev.Path, ",", ", "))
		return
	}
	if ev.Warning != "" {
		defer fmt.Fprintf(w, "%s %s: warning: %s\n", ev.Statement, ev.Flow, ev.Warning)
	}
	switch ev.Statement {
	case "train":
		var parts []string
		if ev.TrainNLL != nil {
			parts = append(parts, fmt.Sprintf("train NLL %.4f", *ev.TrainNLL))
		}
		if ev.ValNLL != nil {
			parts = append(parts, fmt.Sprintf("validation NLL %.4f (kept step %d)", *ev.ValNLL, *ev.BestStep))
		}
		if ev.TestNLL != nil {
			parts = append(parts, fmt.Sprintf("test NLL %.4f", *ev.TestNLL))
		}
		stopped := ""
		if ev.Stopped != "" {
			stopped = " (" + ev.Stopped + ")"
		}
		fmt.Fprintf(w, "train %s: %s%s in %.2fs (%.0f steps/s), %s; %s nats/row\n",
			ev.Flow, countOf(ev.Steps, "step"), stopped, ev.Seconds, ev.StepsPerS, countOf(ev.Params, "parameter"), strings.Join(parts, ", "))
	case "fit":
		ev.writeFit(w)
	case "sample":
		fmt.Fprintf(w, "sample %s: %s written to %s\n", ev.Flow, countOf(ev.N, "draw"), ev.Path)
	case "save":
		fmt.Fprintf(w, "save %s: model written to %s\n", ev.Flow, ev.Path)
	case "plot":
		fmt.Fprintf(w, "plot %s: %s\n", ev.Flow, strings.ReplaceAll(ev.Path, ",", ", "))
	case "eval":
		rows := countOf(ev.N, "row")
		if ev.Part != "" {
			rows = countOf(ev.N, ev.Part+" row")
		}
		switch {
		case ev.Outside == 0 && ev.MeanNLL != nil:
			fmt.Fprintf(w, "eval %s: mean NLL %.4f nats/row over %s", ev.Flow, *ev.MeanNLL, rows)
		case ev.MeanNLL != nil:
			fmt.Fprintf(w, "eval %s: mean NLL %.4f nats/row over the %d of %s inside the model's support; %s outside it (log-likelihood -Inf, so the NLL over all rows is +Inf)",
				ev.Flow, *ev.MeanNLL, ev.N-ev.Outside, rows, countOf(ev.Outside, "row"))
		default:
			fmt.Fprintf(w, "eval %s: all %s outside the model's support (log-likelihood -Inf, NLL +Inf)", ev.Flow, rows)
		}
		if ev.Path != "" {
			fmt.Fprintf(w, "; log-likelihoods written to %s", ev.Path)
		}
		fmt.Fprintln(w)
	}
}

// printFit reports a fit statement: the loop, then the estimates from
// the fitted flow's draws.
func (ev Event) writeFit(w io.Writer) {
	stopped := ""
	if ev.Stopped != "" {
		stopped = " (" + ev.Stopped + ")"
	}
	num := func(p *float64) string {
		if p == nil {
			return "not finite"
		}
		return fmt.Sprintf("%.4f", *p)
	}
	fmt.Fprintf(w, "fit %s to %s: %s%s in %.2fs (%.0f steps/s), %s, kept step %d\n",
		ev.Flow, ev.Target, countOf(ev.Steps, "step"), stopped, ev.Seconds, ev.StepsPerS, countOf(ev.Params, "parameter"), *ev.BestStep)
	fmt.Fprintf(w, "fit %s: ELBO %s ± %s, log Z %s ± %s (importance sampling), ESS %s of %s\n",
		ev.Flow, num(ev.ELBO), num(ev.ELBOErr), num(ev.LogZ), num(ev.LogZErr), num(ev.ESS), countOf(ev.N, "draw"))
}
