package plot

import (
	"fmt"
	"image/color"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxGridDims is the number of leading dimensions a pairwise grid shows.
const maxGridDims = 4

// Samples draws a flow's samples against the data it was trained on and
// writes the picture to path (.png or .svg). data and samples are
// row-major with dim values per row.
//
//   - dim 1: the two histograms (as densities), overlaid;
//   - dim 2: two scatter panels side by side, "data" on the left and
//     "samples" on the right, on the same axes;
//   - dim > 2: a grid of pairwise scatter plots of the first min(dim, 4)
//     dimensions, data and samples overlaid in two colours, with the
//     histograms of each dimension on the diagonal.
//
// The axes cover all of the data and all but the most extreme 0.5% of the
// samples on each side. Data must be finite; samples with a non-finite
// value are skipped, and the picture says how many (it is an error when
// none is left). Panel titles or the legend give the point counts, how
// many were drawn when a large set is subsampled, and how many samples
// fall outside the frame.
//
// names, if given, label the axes: one per dimension (the columns' names
// from the data's CSV header, say). Without them the axes are x1, x2, ...
func Samples(path string, data, samples []float64, dim int, title string, names ...string) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	d, err := newTable("data", data, dim)
	if err == nil {
		err = d.mustBeFinite("data")
	}
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return samplesFigure(path, f, &d, samples, dim, title, names)
}

// SamplesOnly draws samples alone, as Samples does with no data to
// compare them with: one scatter panel for dim 2, one histogram for dim 1,
// a pairwise grid for dim > 2.
func SamplesOnly(path string, samples []float64, dim int, title string, names ...string) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	return samplesFigure(path, f, nil, samples, dim, title, names)
}

func samplesFigure(path string, f format, d *table, samples []float64, dim int, title string, names []string) error {
	s, err := newTable("samples", samples, dim)
	if err == nil {
		err = checkNames(names, dim)
	}
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	s, bad := s.finite()
	if s.rows() == 0 {
		return fmt.Errorf("plot %s: all %d samples have non-finite values", path, bad)
	}
	k := min(dim, maxGridDims)
	spans := make([]span, k)
	for j := range spans {
		var dc []float64
		if d != nil {
			dc = d.column(j)
		}
		spans[j] = axisSpan(dc, s.column(j))
	}
	sc := &scatterSet{
		samples: s, samplesShown: s.subsample(f.maxPoints()),
		nonFinite: bad, outside: outside(s, spans), spans: spans, names: names,
	}
	if d != nil {
		sc.data, sc.dataShown = *d, d.subsample(f.maxPoints())
	}
	switch {
	case dim == 1:
		return save(path, f, wideW, wideH, func(c draw.Canvas) { sc.histograms(c, title) })
	case dim == 2 && d == nil:
		return save(path, f, soloW, soloH, func(c draw.Canvas) { sc.sideBySide(c, title) })
	case dim == 2:
		return save(path, f, wideW, wideH, func(c draw.Canvas) { sc.sideBySide(c, title) })
	default:
		return save(path, f, gridW, gridH, func(c draw.Canvas) { sc.grid(c, title, dim) })
	}
}

// scatterSet is what Samples draws.
type scatterSet struct {
	data, dataShown       table // all rows, the rows drawn; dim 0 without data
	samples, samplesShown table // all finite rows, the rows drawn
	nonFinite, outside    int   // samples skipped, and out of the frame
	spans                 []span
	names                 []string // the axes' labels; nil: x1, x2, ...
}

func (sc *scatterSet) hasData() bool { return sc.data.dim > 0 }

// outside counts the rows with a value outside its dimension's span.
func outside(t table, spans []span) int {
	n := 0
	for i := range t.rows() {
		for j, s := range spans {
			if !s.contains(t.at(i, j)) {
				n++
				break
			}
		}
	}
	return n
}

// dataLabel and sampleLabel name the sets with their counts. sep
// separates the name from the counts: a space in a legend, a new line in
// a panel title.
func (sc *scatterSet) dataLabel(sep string) string {
	return label("data", sep, sc.data.rows(), sc.dataShown.rows(), 0, 0)
}

func (sc *scatterSet) sampleLabel(sep string) string {
	return label("samples", sep, sc.samples.rows()+sc.nonFinite, sc.samplesShown.rows(), sc.nonFinite, sc.outside)
}

func label(name, sep string, n, shown, bad, out int) string {
	notes := []string{count(n, "point")}
	if shown < n-bad {
		notes = append(notes, fmt.Sprintf("%d drawn", shown))
	}
	if bad > 0 {
		notes = append(notes, fmt.Sprintf("%d non-finite skipped", bad))
	}
	if out > 0 {
		notes = append(notes, fmt.Sprintf("%d outside the frame", out))
	}
	if sep == "\n" {
		return name + "\n" + strings.Join(notes, " · ")
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(notes, ", "))
}

// axisName is the label of dimension j (0-based): its name, or xj+1.
func axisName(names []string, j int) string {
	if names != nil {
		return names[j]
	}
	return fmt.Sprintf("x%d", j+1)
}

// checkNames reports whether names can label dim axes: none, or one each.
func checkNames(names []string, dim int) error {
	if names != nil && len(names) != dim {
		return fmt.Errorf("%d axis names for %d dimensions", len(names), dim)
	}
	return nil
}

// histograms draws the 1-D case: the data filled, the samples as an
// outline over it.
func (sc *scatterSet) histograms(c draw.Canvas, title string) {
	c = titled(inset(c, vg.Points(8)), title)
	p := newPlot("")
	p.Add(lightGrid())
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(14)
	sp := sc.spans[0]
	n := sc.samples.rows()
	if sc.hasData() {
		n = min(n, sc.data.rows())
	}
	nb := histBins(n)
	top := 0.0
	if sc.hasData() {
		e, h := histogram(sc.data.v, sp, nb)
		dh := steps{edges: e, heights: h, line: dataColor, fill: translucent(dataColor, 0.3)}
		p.Add(dh)
		p.Legend.Add(sc.dataLabel(" "), dh)
		top = maxOf(h)
	}
	e, h := histogram(sc.samples.v, sp, nb)
	sh := steps{edges: e, heights: h, line: sampleColor}
	p.Add(sh)
	p.Legend.Add(sc.sampleLabel(" "), sh)
	top = max(top, maxOf(h))
	p.X.Label.Text = axisName(sc.names, 0)
	p.Y.Label.Text = "density"
	p.X.Min, p.X.Max = sp.lo, sp.hi
	p.Y.Min, p.Y.Max = 0, 1.12*top
	p.Draw(c)
}

// sideBySide draws the 2-D case: data on the left, samples on the right,
// on the same axes (or the samples alone).
func (sc *scatterSet) sideBySide(c draw.Canvas, title string) {
	c = titled(inset(c, vg.Points(6)), title)
	var row []*gplot.Plot
	mk := func(name string, t table, col color.NRGBA, area vg.Length) *gplot.Plot {
		p := newPlot(name)
		p.Title.TextStyle.Font = sans(11)
		p.Add(lightGrid(), dots{t: t, x: 0, y: 1, style: points(t.rows(), col, area)})
		p.X.Label.Text, p.Y.Label.Text = axisName(sc.names, 0), axisName(sc.names, 1)
		p.X.Min, p.X.Max = sc.spans[0].lo, sc.spans[0].hi
		p.Y.Min, p.Y.Max = sc.spans[1].lo, sc.spans[1].hi
		return p
	}
	cols := 1
	if sc.hasData() {
		cols = 2
	}
	area := (c.Max.X - c.Min.X) / vg.Length(cols) * (c.Max.Y - c.Min.Y) * 0.7
	if sc.hasData() {
		row = append(row, mk(sc.dataLabel("\n"), sc.dataShown, dataColor, area))
	}
	right := mk(sc.sampleLabel("\n"), sc.samplesShown, sampleColor, area)
	if sc.hasData() {
		right.Y.Label.Text = "" // the left panel's label serves both
	}
	row = append(row, right)
	tiles := draw.Tiles{Rows: 1, Cols: cols, PadX: vg.Points(18)}
	cs := gplot.Align([][]*gplot.Plot{row}, tiles, c)
	for i, p := range row {
		p.Draw(cs[0][i])
	}
}

// grid draws the pairwise grid of the first dimensions, with a legend
// under the title.
func (sc *scatterSet) grid(c draw.Canvas, title string, dim int) {
	c = inset(c, vg.Points(6))
	if dim > maxGridDims {
		title = strings.TrimSpace(title + fmt.Sprintf("  (first %d of %d dimensions)", maxGridDims, dim))
	}
	body := titled(c, title)
	names := []string{sc.sampleLabel(" ")}
	colours := []color.Color{sampleColor}
	if sc.hasData() {
		names = append([]string{sc.dataLabel(" ")}, names...)
		colours = append([]color.Color{dataColor}, colours...)
	}
	h := legendRow(body, body.Max.Y, names, colours)
	body.Max.Y -= h + vg.Points(6)

	k := len(sc.spans)
	// Each panel holds about 1/k² of the figure.
	area := (body.Max.X - body.Min.X) * (body.Max.Y - body.Min.Y) * 0.7 / vg.Length(k*k)
	sStyle := points(sc.samplesShown.rows(), sampleColor, area)
	dStyle := points(sc.dataShown.rows(), dataColor, area)
	plots := make([][]*gplot.Plot, k)
	for i := range k { // row i shows dimension i on y
		plots[i] = make([]*gplot.Plot, k)
		for j := range k { // column j shows dimension j on x
			p := newPlot("")
			p.X.Tick.Label.Font = sans(8)
			p.Y.Tick.Label.Font = sans(8)
			p.X.Min, p.X.Max = sc.spans[j].lo, sc.spans[j].hi
			p.Y.Min, p.Y.Max = sc.spans[i].lo, sc.spans[i].hi
			if i == j {
				sc.diagonal(p, i)
			} else {
				p.Add(lightGrid())
				if sc.hasData() {
					p.Add(dots{t: sc.dataShown, x: j, y: i, style: dStyle})
				}
				p.Add(dots{t: sc.samplesShown, x: j, y: i, style: sStyle})
			}
			if i == k-1 {
				p.X.Label.Text = axisName(sc.names, j)
			} else {
				p.X.Tick.Marker = unlabelled{}
			}
			if j == 0 {
				p.Y.Label.Text = axisName(sc.names, i)
			} else {
				p.Y.Tick.Marker = unlabelled{}
			}
			plots[i][j] = p
		}
	}
	tiles := draw.Tiles{Rows: k, Cols: k, PadX: vg.Points(4), PadY: vg.Points(4)}
	cs := gplot.Align(plots, tiles, body)
	for i := range k {
		for j := range k {
			plots[i][j].Draw(cs[i][j])
		}
	}
}

// diagonal adds the histograms of dimension i to p. Their heights are
// scaled into the row's y range (whose tick labels belong to the scatter
// panels beside it), the taller reaching 90% of it.
func (sc *scatterSet) diagonal(p *gplot.Plot, i int) {
	sp := sc.spans[i]
	n := sc.samples.rows()
	if sc.hasData() {
		n = min(n, sc.data.rows())
	}
	nb := min(histBins(n), 40)
	var hs []steps
	if sc.hasData() {
		e, h := histogram(sc.data.column(i), sp, nb)
		hs = append(hs, steps{edges: e, heights: h, base: sp.lo, line: dataColor, fill: translucent(dataColor, 0.3)})
	}
	e, h := histogram(sc.samples.column(i), sp, nb)
	hs = append(hs, steps{edges: e, heights: h, base: sp.lo, line: sampleColor})
	top := 0.0
	for _, s := range hs {
		top = max(top, maxOf(s.heights))
	}
	if top == 0 {
		return
	}
	scale := 0.9 * (sp.hi - sp.lo) / top
	for _, s := range hs {
		for k := range s.heights {
			s.heights[k] *= scale
		}
		p.Add(s)
	}
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
