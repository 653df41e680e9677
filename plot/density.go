package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DensityGrid is the number of grid cells along each axis of a density
// plot: Density evaluates log p at DensityGrid² points.
const DensityGrid = 200

// Density draws the density p(x) = exp(log p(x)) of a 2-D model as a heat
// map over the rectangle [lo[0], hi[0]] × [lo[1], hi[1]], with a colour
// bar, and writes it to path (.png or .svg). The caller chooses the
// rectangle: usually the data's range, padded.
//
// logp is called once, with the centres of a DensityGrid × DensityGrid
// grid: xy holds n = DensityGrid² rows of 2 values (x1, x2), row-major,
// and logp writes log p of row i to out[i]. A log-density of -Inf is a
// density of 0; NaN cells are drawn grey and counted in the title, and it
// is an error when every cell is NaN or the density is 0 everywhere.
//
// If data (rows of 2 values) is not empty, its points are overlaid as
// faint dots (at most a few thousand, subsampled). names, if given, label
// the two axes (x1 and x2 without them).
//
// scale is the colour scale: the density p, or its logarithm (see Scale);
// ScaleAuto picks one by ChooseScale.
func Density(path string, logp func(xy []float64, n int, out []float64), lo, hi [2]float64, data []float64, title string, scale Scale, names ...string) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("plot %s: %w", path, err) }
	if logp == nil {
		return fail(fmt.Errorf("nil log-density function"))
	}
	if err := checkNames(names, 2); err != nil {
		return fail(err)
	}
	for j := range 2 {
		if !(lo[j] < hi[j]) || math.IsInf(lo[j], 0) || math.IsInf(hi[j], 0) {
			return fail(fmt.Errorf("axis %d: want finite lo < hi, got [%v, %v]", j+1, lo[j], hi[j]))
		}
	}
	var pts table
	if len(data) > 0 {
		if pts, err = newTable("data", data, 2); err != nil {
			return fail(err)
		}
		if err := pts.mustBeFinite("data"); err != nil {
			return fail(err)
		}
	}

	pan, err := newPanel(logp, lo, hi, scale, 0)
	if err != nil {
		return fail(err)
	}
	if pts.dim > 0 {
		pts = pts.subsample(3000)
	}
	return save(path, f, densityW, densityH, func(c draw.Canvas) {
		drawDensity(c, pan.g, pan.z, pan.nan, pts, title, names)
	})
}

// panel is one heat map: its grid of values and colour scale.
type panel struct {
	g   *grid
	z   colourScale
	nan int
	// mass is the sum of the density over the grid's cells; scale the
	// colour scale chosen.
	mass  float64
	scale Scale
}

// newPanel evaluates logp on the grid over [lo, hi] and chooses the
// colour scale; mass, if positive, rescales the density so that its sum
// over the grid is mass (the unknown normaliser of a target density,
// matched to the flow's beside it).
func newPanel(logp func(xy []float64, n int, out []float64), lo, hi [2]float64, scale Scale, mass float64) (*panel, error) {
	if scale < ScaleAuto || scale > ScaleLog {
		return nil, fmt.Errorf("unknown colour scale %d", scale)
	}
	g := newGrid(lo, hi, DensityGrid)
	lp := make([]float64, g.n*g.n)
	logp(g.centres(), g.n*g.n, lp)
	if mass > 0 {
		// The normaliser is unknown, so log p̃ may be far outside exp's
		// range on the whole grid: shift it to a maximum of 0 first.
		shiftToZero(lp)
	}
	out := make([]float64, len(lp))
	nan := 0
	top := 0.0
	for i, v := range lp {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 1):
			out[i], lp[i] = math.NaN(), math.NaN()
			nan++
		default:
			out[i] = math.Exp(v) // exp(-Inf) = 0
			top = max(top, out[i])
		}
	}
	switch {
	case nan == len(out):
		return nil, fmt.Errorf("log p is NaN (or +Inf) at every grid point")
	case top == 0 || math.IsInf(top, 1):
		return nil, fmt.Errorf("the density is 0 (or overflows) on the whole grid [%v, %v] × [%v, %v]", lo[0], hi[0], lo[1], hi[1])
	}
	sum := 0.0
	for _, v := range out {
		if !math.IsNaN(v) {
			sum += v
		}
	}
	if mass > 0 {
		c := mass / sum
		top *= c
		for i := range out {
			out[i] *= c
			lp[i] += math.Log(c)
		}
	}
	if scale == ScaleAuto {
		scale = ChooseScale(out)
	}
	z := colourScale{lo: 0, hi: top, label: "density p(x)"}
	g.z = out
	if scale == ScaleLog {
		// Colour by log p, from its maximum down LogDepth nats at most:
		// lower values (and a density of 0) take the bottom colour.
		z.hi = math.Log(top)
		z.lo = z.hi
		for i, v := range lp {
			if !math.IsNaN(v) {
				lp[i] = max(v, z.hi-LogDepth)
				z.lo = min(z.lo, lp[i])
			}
		}
		if z.lo == z.hi {
			z.lo = z.hi - 1
		}
		z.label = "log density log p(x)"
		g.z = lp
	}
	return &panel{g: g, z: z, nan: nan, mass: sum, scale: scale}, nil
}

// shiftToZero subtracts the largest finite value of lp from each value.
func shiftToZero(lp []float64) {
	top := math.Inf(-1)
	for _, v := range lp {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			top = max(top, v)
		}
	}
	if math.IsInf(top, -1) {
		return
	}
	for i := range lp {
		lp[i] -= top
	}
}

// Scale is the colour scale of a density plot.
type Scale int

const (
	// ScaleAuto is ScaleLog when the density's range is wide, else
	// ScaleLinear: see ChooseScale.
	ScaleAuto Scale = iota
	// ScaleLinear colours the density p, from 0 to its maximum.
	ScaleLinear
	// ScaleLog colours log p, from its maximum down at most LogDepth
	// nats, so that a sharp mode does not hide the rest of the density.
	ScaleLog
)

// LogRatio is the ratio of the density's maximum over the grid to its
// median above which ScaleAuto colours by log density.
const LogRatio = 100

// LogDepth is how far below its maximum, in nats, ScaleLog colours log
// p: lower densities, less than e^-20 ≈ 2e-9 of the maximum, all take
// the bottom colour.
const LogDepth = 20

var scaleNames = [...]string{"auto", "linear", "log"}

func (s Scale) String() string {
	if s < 0 || int(s) >= len(scaleNames) {
		return fmt.Sprintf("Scale(%d)", int(s))
	}
	return scaleNames[s]
}

// ParseScale returns the scale named s: linear, log or auto.
func ParseScale(s string) (Scale, error) {
	for i, name := range scaleNames {
		if s == name {
			return Scale(i), nil
		}
	}
	return 0, fmt.Errorf("unknown colour scale %q; the scales are linear, log and auto", s)
}

// ChooseScale is the scale ScaleAuto picks for densities p over the grid
// (NaN cells ignored): ScaleLog when the maximum exceeds LogRatio times
// the median, as when one sharp mode would leave the rest of a linear
// picture dark; else ScaleLinear.
func ChooseScale(p []float64) Scale {
	vals := make([]float64, 0, len(p))
	for _, v := range p {
		if !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return ScaleLinear
	}
	slices.Sort(vals)
	if top, med := vals[len(vals)-1], quantile(vals, 0.5); top > LogRatio*med {
		return ScaleLog
	}
	return ScaleLinear
}

// colourScale is the range of a heat map's values and its bar's label.
type colourScale struct {
	lo, hi float64
	label  string
}

// grid is a regular grid of cells over a rectangle, with a value per
// cell; it implements plotter.GridXYZ.
type grid struct {
	lo, hi [2]float64
	n      int
	z      []float64 // row r (y), column c (x) at z[r*n+c]
}

func newGrid(lo, hi [2]float64, n int) *grid { return &grid{lo: lo, hi: hi, n: n} }

// centres returns the cell centres, row-major: y outer, x inner.
func (g *grid) centres() []float64 {
	xy := make([]float64, 0, 2*g.n*g.n)
	for r := range g.n {
		for c := range g.n {
			xy = append(xy, g.X(c), g.Y(r))
		}
	}
	return xy
}

func (g *grid) Dims() (c, r int)   { return g.n, g.n }
func (g *grid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *grid) X(c int) float64    { return g.lo[0] + (float64(c)+0.5)*(g.hi[0]-g.lo[0])/float64(g.n) }
func (g *grid) Y(r int) float64    { return g.lo[1] + (float64(r)+0.5)*(g.hi[1]-g.lo[1])/float64(g.n) }

// viridis is the perceptually uniform colour map of matplotlib, through
// its ten anchor colours.
func viridis() palette.ColorMap {
	hex := []uint32{0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725}
	cs := make([]color.Color, len(hex))
	for i, h := range hex {
		cs[i] = color.NRGBA{R: uint8(h >> 16), G: uint8(h >> 8), B: uint8(h), A: 0xff}
	}
	cm, err := moreland.NewLuminance(cs)
	if err != nil {
		panic(err) // the anchors' luminance increases
	}
	return cm
}

func drawDensity(c draw.Canvas, g *grid, z colourScale, nan int, pts table, title string, names []string) {
	c = titled(inset(c, vg.Points(6)), title)
	cm := viridis()
	cm.SetMin(z.lo)
	cm.SetMax(z.hi)

	name := ""
	if nan > 0 {
		name = fmt.Sprintf("log p is NaN (or +Inf) in %d of %d cells, grey", nan, len(g.z))
	}
	p := newPlot(name)
	hm := plotter.NewHeatMap(g, cm.Palette(256))
	hm.Min, hm.Max = z.lo, z.hi
	hm.Rasterized = true
	hm.NaN = color.Gray{Y: 0x99}
	p.Add(flush{hm})
	if pts.dim > 0 {
		p.Add(dots{t: pts, x: 0, y: 1, style: draw.GlyphStyle{
			Color:  color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x50},
			Radius: vg.Points(0.8),
			Shape:  draw.CircleGlyph{},
		}})
	}
	p.X.Label.Text, p.Y.Label.Text = axisName(names, 0), axisName(names, 1)
	p.X.Min, p.X.Max = g.lo[0], g.hi[0]
	p.Y.Min, p.Y.Max = g.lo[1], g.hi[1]
	p.X.Padding, p.Y.Padding = 0, 0

	// The colour bar takes a strip at the right, its bar as tall as the
	// heat map.
	barW := vg.Points(62)
	main, strip := c, c
	main.Max.X -= barW
	strip.Min.X = main.Max.X + vg.Points(4)
	p.Draw(main)
	bar := newPlot("")
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Label.Text = z.label
	bar.Y.Min, bar.Y.Max = z.lo, z.hi
	dc := p.DataCanvas(main)
	bc := bar.DataCanvas(strip)
	strip.Min.Y += dc.Min.Y - bc.Min.Y
	strip.Max.Y += dc.Max.Y - bc.Max.Y
	strip.Max.X = strip.Min.X + (bc.Min.X - strip.Min.X) + vg.Points(12) // the bar 12pt wide
	bar.Draw(strip)
}

// flush draws a plotter without its glyph boxes, so that the axes do not
// pad the heat map away from them.
type flush struct{ gplot.Plotter }

// DensityPair draws a fitted flow's density beside the target density it
// was fitted to (a fit statement's plot), on one grid over [lo, hi]: the
// target, whose normaliser is unknown, is scaled to the flow's mass on
// the grid and coloured on the flow's scale, so that the two pictures
// compare shape for shape.
func DensityPair(path string, target, flow func(xy []float64, n int, out []float64), lo, hi [2]float64, titles [2]string, scale Scale, names ...string) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("plot %s: %w", path, err) }
	if target == nil || flow == nil {
		return fail(fmt.Errorf("nil log-density function"))
	}
	if err := checkNames(names, 2); err != nil {
		return fail(err)
	}
	right, err := newPanel(flow, lo, hi, scale, 0)
	if err != nil {
		return fail(fmt.Errorf("the flow: %w", err))
	}
	left, err := newPanel(target, lo, hi, right.scale, right.mass)
	if err != nil {
		return fail(fmt.Errorf("the target: %w", err))
	}
	return save(path, f, 2*densityW, densityH, func(c draw.Canvas) {
		l, r := c, c
		mid := c.Min.X + (c.Max.X-c.Min.X)/2
		l.Max.X, r.Min.X = mid, mid
		drawDensity(l, left.g, left.z, left.nan, table{}, titles[0], names)
		drawDensity(r, right.g, right.z, right.nan, table{}, titles[1], names)
	})
}
