//go:build js && wasm

package main

import (
	"fmt"
	"strings"

	"github.com/noxlang/nox"
)

// eventLine is the line `noxc run` prints for ev (cmd/noxc's printEvent,
// which package main there keeps to itself), so the page shows a run as
// the terminal does; without -steps' "not written" lines, since the page
// writes its outputs.
func eventLine(ev nox.Event) string {
	var b strings.Builder
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
		fmt.Fprintf(&b, "train %s: %s%s in %.2fs (%.0f steps/s), %s; %s nats/row",
			ev.Flow, plural(ev.Steps, "step"), stopped(ev), ev.Seconds, ev.StepsPerS, plural(ev.Params, "parameter"), strings.Join(parts, ", "))
	case "fit":
		num := func(p *float64) string {
			if p == nil {
				return "not finite"
			}
			return fmt.Sprintf("%.4f", *p)
		}
		best := 0
		if ev.BestStep != nil {
			best = *ev.BestStep
		}
		fmt.Fprintf(&b, "fit %s to %s: %s%s in %.2fs (%.0f steps/s), %s, kept step %d\n",
			ev.Flow, ev.Target, plural(ev.Steps, "step"), stopped(ev), ev.Seconds, ev.StepsPerS, plural(ev.Params, "parameter"), best)
		fmt.Fprintf(&b, "fit %s: ELBO %s ± %s, log Z %s ± %s (importance sampling), ESS %s of %s",
			ev.Flow, num(ev.ELBO), num(ev.ELBOErr), num(ev.LogZ), num(ev.LogZErr), num(ev.ESS), plural(ev.N, "draw"))
	case "sample":
		fmt.Fprintf(&b, "sample %s: %s written to %s", ev.Flow, plural(ev.N, "draw"), ev.Path)
	case "save":
		fmt.Fprintf(&b, "save %s: model written to %s", ev.Flow, ev.Path)
	case "plot":
		fmt.Fprintf(&b, "plot %s: %s", ev.Flow, strings.ReplaceAll(ev.Path, ",", ", "))
	case "eval":
		evalLine(&b, ev)
	}
	if ev.Warning != "" {
		fmt.Fprintf(&b, "\n%s %s: warning: %s", ev.Statement, ev.Flow, ev.Warning)
	}
	return b.String()
}

// evalLine writes an eval statement's line.
func evalLine(b *strings.Builder, ev nox.Event) {
	rows := plural(ev.N, "row")
	if ev.Part != "" {
		rows = plural(ev.N, ev.Part+" row")
	}
	switch {
	case ev.Outside == 0 && ev.MeanNLL != nil:
		fmt.Fprintf(b, "eval %s: mean NLL %.4f nats/row over %s", ev.Flow, *ev.MeanNLL, rows)
	case ev.MeanNLL != nil:
		fmt.Fprintf(b, "eval %s: mean NLL %.4f nats/row over the %d of %s inside the model's support; %s outside it (log-likelihood -Inf, so the NLL over all rows is +Inf)",
			ev.Flow, *ev.MeanNLL, ev.N-ev.Outside, rows, plural(ev.Outside, "row"))
	default:
		fmt.Fprintf(b, "eval %s: all %s outside the model's support (log-likelihood -Inf, NLL +Inf)", ev.Flow, rows)
	}
	if ev.Path != "" {
		fmt.Fprintf(b, "; log-likelihoods written to %s", ev.Path)
	}
}

// stopped is " (why)" for a training that ended early, else "".
func stopped(ev nox.Event) string {
	if ev.Stopped == "" {
		return ""
	}
	return " (" + ev.Stopped + ")"
}

// plural is "1 step", "2 steps".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
