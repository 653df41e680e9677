package plot

import (
	"image/color"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours: data in blue, model samples in orange (the usual pair, also
// distinct to most colour-blind readers).
var (
	dataColor   = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	sampleColor = color.NRGBA{R: 0xe8, G: 0x6a, B: 0x10, A: 0xff}
	valColor    = color.NRGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0xff}
	gridColor   = color.NRGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
)

// sans is the typeface of every text: Liberation Sans, shipped with
// gonum/plot, so pictures look the same on every machine.
func sans(size vg.Length) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
}

// newPlot returns a plot with sans-serif text and light axes.
func newPlot(title string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(12)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11)
		a.Tick.Label.Font = sans(9)
		a.Tick.Length = vg.Points(4)
		a.Padding = vg.Points(2)
		a.Tick.Marker = ticks{}
	}
	p.Legend.TextStyle.Font = sans(10)
	return p
}

// ticks are labelled ticks at round numbers (1, 2 or 5 times a power of
// ten), about five to an axis.
type ticks struct{}

func (ticks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) {
		return []gplot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw*0.8 {
			step = m * mag
			break
		}
	}
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	fc := byte('f')
	if a := math.Max(math.Abs(lo), math.Abs(hi)); a >= 1e6 || a < 1e-4 {
		fc, prec = 'g', 3
	}
	k0 := math.Ceil(lo/step - 1e-9)
	n := int(math.Floor(hi/step+1e-9) - k0 + 1)
	if n < 1 || n > 50 || math.Abs(k0) > 1e12 {
		// A range too narrow for its magnitude to have round ticks.
		return []gplot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 6, 64)}}
	}
	var out []gplot.Tick
	for i := range n {
		v := (k0 + float64(i)) * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // no "-0"
		}
		out = append(out, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, fc, prec, 64)})
	}
	return out
}

// unlabelled keeps the tick marks of an inner panel but drops their
// labels (the outer panels of its row or column carry them).
type unlabelled struct{}

func (unlabelled) Ticks(lo, hi float64) []gplot.Tick {
	ts := ticks{}.Ticks(lo, hi)
	for i := range ts {
		ts[i].Label = ""
	}
	return ts
}

// titled draws title centred at the top of c and returns the rest of the
// canvas. An empty title takes no room.
func titled(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return c
	}
	sty := text.Style{
		Color:   color.Black,
		Font:    sans(14),
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: gplot.DefaultTextHandler,
	}
	top := c.Max.Y - vg.Points(6)
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top}, title)
	rest := c
	rest.Max.Y = top - sty.Height(title) - vg.Points(4)
	return rest
}

// inset returns c with a margin on every side.
func inset(c draw.Canvas, m vg.Length) draw.Canvas {
	c.Min.X += m
	c.Min.Y += m
	c.Max.X -= m
	c.Max.Y -= m
	return c
}

// points is the glyph style of a scatter of n points in a panel of the
// given area (square points): small translucent dots, smaller and fainter
// as the points get denser, so that thousands of them show their density
// rather than a solid blot.
func points(n int, c color.NRGBA, area vg.Length) draw.GlyphStyle {
	// Points per square inch of panel.
	dens := float64(n) / math.Max(float64(area)/(72*72), 0.1)
	r := 1.6 - 0.25*math.Log10(math.Max(dens, 1)) // 1.6pt for a few points, ~0.85pt at 1000/in²
	r = math.Max(0.7, math.Min(1.6, r))
	alpha := 1.0 / math.Sqrt(math.Max(dens/40, 1)) // opaque up to 40/in²
	alpha = math.Max(0.06, math.Min(0.85, alpha))
	c.A = uint8(255 * alpha)
	return draw.GlyphStyle{Color: c, Radius: vg.Points(r), Shape: draw.CircleGlyph{}}
}

// legendRow draws entries side by side, centred on a line whose top is
// at y, and returns the line's height.
func legendRow(c draw.Canvas, y vg.Length, names []string, colours []color.Color) vg.Length {
	sty := text.Style{Color: color.Black, Font: sans(10), XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
	dot, gap, sep := vg.Points(7), vg.Points(4), vg.Points(18)
	total := vg.Length(0)
	for i, n := range names {
		if i > 0 {
			total += sep
		}
		total += dot + gap + sty.Width(n)
	}
	h := sty.Height("Mg")
	x := (c.Min.X+c.Max.X)/2 - total/2
	mid := y - h/2
	for i, n := range names {
		c.DrawGlyph(draw.GlyphStyle{Color: colours[i], Radius: dot / 2, Shape: draw.CircleGlyph{}}, vg.Point{X: x + dot/2, Y: mid})
		x += dot + gap
		c.FillText(sty, vg.Point{X: x, Y: mid}, n)
		x += sty.Width(n) + sep
	}
	return h
}
