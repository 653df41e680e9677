package nox

import (
	"errors"
	"fmt"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// Fit trains a flow on rows held in memory and returns the model: the
// Go form of a program
//
//	data = ...rows of x (with context c)...
//	flow = FLOW
//	train flow on data { OPTIONS }
//
// flow is a nox flow expression ("MAF(64) |> Reverse |> MAF(64) |>
// Gaussian"); options is the inside of a train options block ("steps =
// 500, seed = 1"; "" for the defaults); c holds each row's context
// columns for a conditional flow, or is nil. onStep, if not nil, is
// called after every training step. Errors in flow or options are
// reported like the compiler's, quoting the program Fit wrote.
func Fit(flow string, x, c *mat.Dense, options string, onStep func(step, total int, loss float64)) (*Model, error) {
	if strings.ContainsAny(flow, "\n") || strings.ContainsAny(options, "\n}") {
		return nil, errors.New("Fit: flow and options must be single lines without braces")
	}
	n, d := x.Dims()
	cd := 0
	if c != nil {
		cn, cc := c.Dims()
		if cn != n {
			return nil, fmt.Errorf("Fit: x has %d rows, c %d", n, cn)
		}
		cd = cc
	}
	t := &dataset.Table{Rows: n, Cols: d + cd}
	for i := range n {
		t.Values = append(t.Values, x.RawRowView(i)...)
		if c != nil {
			t.Values = append(t.Values, c.RawRowView(i)...)
		}
	}
	data := `csv("rows")`
	if cd > 0 {
		var ctx []string
		for j := range cd {
			ctx = append(ctx, fmt.Sprint(d+j))
		}
		data = fmt.Sprintf(`csv("rows", context = [%s])`, strings.Join(ctx, ", "))
	}
	src := []byte(fmt.Sprintf("data = %s\nflow = %s\ntrain flow on data { %s }\n", data, flow, options))
	const name = "fit.nox"
	f, err := lang.Parse(name, src)
	if err != nil {
		return nil, errors.New(RenderError(err, name, src))
	}
	prog, err := compiler.Check(f, func(string) (*dataset.Table, error) { return t, nil })
	if err != nil {
		return nil, errors.New(RenderError(err, name, src))
	}
	s := &Script{Filename: name, Source: src, Prog: prog, trained: map[*compiler.Flow]*Model{}}
	opts := RunOptions{}
	if onStep != nil {
		opts.ReportEvery = 1
		opts.OnStep = func(_ string, step, total int, loss float64) { onStep(step, total, loss) }
	}
	if err := s.Run(opts); err != nil {
		return nil, errors.New(s.Render(err))
	}
	return s.Model("flow")
}
