package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"github.com/noxlang/nox/internal/atomicfile"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of PNG files: a 8×4 inch figure is 960×480 pixels.
const DPI = 120

// Sizes of the figures, in inches.
const (
	wideW, wideH       = 8, 4     // two panels side by side; loss curves; 1-D histograms
	gridW, gridH       = 8, 8     // pairwise grids
	soloW, soloH       = 5, 4.5   // one scatter panel
	densityW, densityH = 6.5, 5.5 // one heat map and its colour bar
)

// format is an output file format, chosen by the path's extension.
type format int

const (
	pngFormat format = iota
	svgFormat
)

// formatOf returns the format of path, or an error naming the supported
// extensions.
func formatOf(path string) (format, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		return pngFormat, nil
	case ".svg":
		return svgFormat, nil
	case "":
		return 0, fmt.Errorf("plot %s: no file extension; the supported formats are .png and .svg", path)
	default:
		return 0, fmt.Errorf("plot %s: unsupported format %q; the supported formats are .png and .svg", path, ext)
	}
}

// maxPoints is the most points of one set a scatter panel draws; larger
// sets are subsampled (the panel title says so). SVG files hold a path
// per point, so they draw fewer.
func (f format) maxPoints() int {
	if f == svgFormat {
		return 5000
	}
	return 20000
}

// save paints a w×h inch figure on a white background and writes it to
// path in format f, through a temporary file in the same directory and a
// rename, so that a reader never sees a half-written picture.
func save(path string, f format, w, h float64, paint func(draw.Canvas)) error {
	width, height := vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch
	var cw io.WriterTo
	switch f {
	case pngFormat:
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))
		paint(draw.New(c))
		cw = vgimg.PngCanvas{Canvas: c}
	case svgFormat:
		c := vgsvg.New(width, height)
		dc := draw.New(c)
		dc.FillPolygon(color.White, []vg.Point{
			{X: 0, Y: 0}, {X: width, Y: 0}, {X: width, Y: height}, {X: 0, Y: height},
		})
		paint(dc)
		cw = svgFixed{c}
	}
	return writeAtomic(path, cw)
}

// svgFixed corrects the images gonum's SVG canvas embeds (heat maps,
// colour bars): they are PNG but labelled image/jpg, which strict
// renderers such as librsvg refuse to draw, and they keep their aspect
// ratio where they should stretch to their rectangle.
type svgFixed struct{ c *vgsvg.Canvas }

func (s svgFixed) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if _, err := s.c.WriteTo(&buf); err != nil {
		return 0, err
	}
	fixed := bytes.ReplaceAll(buf.Bytes(), []byte("data:image/jpg;base64,iVBORw0KGgo"), []byte("data:image/png;base64,iVBORw0KGgo"))
	// An image fills its rectangle: a colour bar is a 1-pixel-wide image.
	fixed = bytes.ReplaceAll(fixed, []byte("<image "), []byte(`<image preserveAspectRatio="none" `))
	n, err := w.Write(fixed)
	return int64(n), err
}

// writeAtomic writes the picture to path, replacing it atomically.
func writeAtomic(path string, cw io.WriterTo) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := cw.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
