package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// dots draws columns x and y of a table as glyphs; points outside the
// axes are not drawn.
type dots struct {
	t     table
	x, y  int
	style draw.GlyphStyle
}

func (d dots) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := range d.t.rows() {
		c.DrawGlyph(d.style, vg.Point{X: trX(d.t.at(i, d.x)), Y: trY(d.t.at(i, d.y))})
	}
}

// steps is a histogram drawn as one step outline over a translucent
// fill. Its heights are in the plot's y units, above base.
type steps struct {
	edges   []float64 // len(heights)+1 bin edges
	heights []float64
	base    float64
	line    color.NRGBA
	fill    color.NRGBA // none when transparent
}

func (s steps) outline(p *gplot.Plot, c draw.Canvas) []vg.Point {
	trX, trY := p.Transforms(&c)
	pts := []vg.Point{{X: trX(s.edges[0]), Y: trY(s.base)}}
	for i, h := range s.heights {
		pts = append(pts,
			vg.Point{X: trX(s.edges[i]), Y: trY(s.base + h)},
			vg.Point{X: trX(s.edges[i+1]), Y: trY(s.base + h)})
	}
	return append(pts, vg.Point{X: trX(s.edges[len(s.edges)-1]), Y: trY(s.base)})
}

func (s steps) Plot(c draw.Canvas, p *gplot.Plot) {
	pts := s.outline(p, c)
	if s.fill.A > 0 {
		c.FillPolygon(s.fill, c.ClipPolygonXY(pts))
	}
	c.StrokeLines(draw.LineStyle{Color: s.line, Width: vg.Points(1.2)}, c.ClipLinesXY(pts)...)
}

// Thumbnail draws the legend entry: a filled box with the line colour.
func (s steps) Thumbnail(c *draw.Canvas) {
	h := (c.Max.Y - c.Min.Y) * 0.8
	y0 := c.Center().Y - h/2
	box := []vg.Point{{X: c.Min.X, Y: y0}, {X: c.Max.X, Y: y0}, {X: c.Max.X, Y: y0 + h}, {X: c.Min.X, Y: y0 + h}}
	if s.fill.A > 0 {
		c.FillPolygon(s.fill, box)
	}
	c.StrokeLines(draw.LineStyle{Color: s.line, Width: vg.Points(1.2)}, append(box, box[0]))
}

// histogram counts xs in nbins equal bins over s and returns the edges
// and the densities (count / (n · width)), so that sets of different
// sizes compare. Values outside s are left out of the bins but still
// count in n.
func histogram(xs []float64, s span, nbins int) (edges, dens []float64) {
	w := (s.hi - s.lo) / float64(nbins)
	edges = make([]float64, nbins+1)
	for i := range edges {
		edges[i] = s.lo + float64(i)*w
	}
	dens = make([]float64, nbins)
	for _, x := range xs {
		if !s.contains(x) {
			continue
		}
		k := min(int((x-s.lo)/w), nbins-1)
		dens[k]++
	}
	for i := range dens {
		dens[i] /= float64(len(xs)) * w
	}
	return edges, dens
}

// histBins is the number of bins for n values: about 2·∛n, from 10 to 60.
func histBins(n int) int {
	return max(10, min(60, int(2*math.Cbrt(float64(n)))))
}

// gridLines are light lines at the round-number ticks of both axes
// (gonum's plotter.Grid follows the axes' tick markers, which inner
// panels of a grid leave unlabelled).
type gridLines struct{}

func lightGrid() gridLines { return gridLines{} }

func (gridLines) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	for _, t := range (ticks{}).Ticks(p.X.Min, p.X.Max) {
		x := trX(t.Value)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
	for _, t := range (ticks{}).Ticks(p.Y.Min, p.Y.Max) {
		y := trY(t.Value)
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// translucent returns c with alpha a.
func translucent(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(255 * a)
	return c
}
