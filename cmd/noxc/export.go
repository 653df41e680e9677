package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/atomicfile"
)

const exportHelp = `usage: noxc export MODEL [-o OUT.onnx] [-function F] [-dtype T]

Export writes a saved model as ONNX (opset 17, IR version 8), for ONNX
Runtime and other engines: one ONNX model per function, with a dynamic
batch dimension N and the column names and source as metadata.

  -o OUT.onnx   the file (default: MODEL with .onnx); with -function all,
                OUT.log_prob.onnx, OUT.sample.onnx, OUT.forward.onnx and
                OUT.inverse.onnx
  -function F   log_prob (default): x[, c] → log p(x) [N], the model's
                density in the data's units; sample: z[, c] → x, the
                sampling direction from a draw z of the prior (standard
                normal noise for Gaussian); forward: x[, c] → z, logdet;
                inverse: z[, c] → x; or all
  -dtype T      float32 or float64 (default: the model's dtype)
`

// exportCmd exports a saved model to ONNX.
func exportCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("export", stderr)
	out := fs.String("o", "", "output file")
	fn := fs.String("function", "log_prob", "function to export, or all")
	dt := fs.String("dtype", "", "float32 or float64")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc export: want exactly one MODEL, got %d\n\n%s", len(files), exportHelp)
		return 2
	}
	fns := []string{*fn}
	if *fn == "all" {
		fns = nox.ONNXFunctions
	} else if !slices.Contains(nox.ONNXFunctions, *fn) {
		fmt.Fprintf(stderr, "noxc export: -function must be one of %s or all, got %q\n", strings.Join(nox.ONNXFunctions, ", "), *fn)
		return 2
	}
	if *dt != "" && *dt != "float32" && *dt != "float64" {
		fmt.Fprintf(stderr, "noxc export: -dtype must be float32 or float64, got %q\n", *dt)
		return 2
	}
	if *out == "" {
		*out = strings.TrimSuffix(files[0], filepath.Ext(files[0])) + ".onnx"
	}
	paths := map[string]string{*fn: *out}
	if *fn == "all" {
		// The four names derive from -o: a directory would give hidden
		// files named ..log_prob.onnx and so on.
		if err := atomicfile.Writable(*out); err != nil {
			fmt.Fprintf(stderr, "noxc export: -o %s: %v\n", *out, err)
			return 1
		}
		base := strings.TrimSuffix(*out, ".onnx")
		for _, f := range fns {
			paths[f] = base + "." + f + ".onnx"
		}
	}
	for _, f := range fns { // before any work: a directory, a missing one
		if err := atomicfile.Writable(paths[f]); err != nil {
			fmt.Fprintf(stderr, "noxc export: -o %s: %v\n", paths[f], err)
			return 1
		}
	}
	m, err := nox.Load(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "noxc export: %v\n", err)
		return 1
	}
	for _, f := range fns {
		if err := m.SaveONNX(paths[f], nox.ONNXOptions{Function: f, DType: *dt}); err != nil {
			fmt.Fprintf(stderr, "noxc export: %s to %s: %v\n", f, paths[f], err)
			return 1
		}
		fmt.Fprintf(stdout, "export %s: %s written to %s\n", m.Name(), f, paths[f])
	}
	return 0
}
