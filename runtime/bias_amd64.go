package runtime

import (
	"math"
	"unsafe"
)

//go:noescape
func biasAVX512s(out, bias *float32, rows, cols int, floor float32)

//go:noescape
func biasAVX512d(out, bias *float64, rows, cols int, floor float64)

// biasVec runs a fused product's bias (and relu: floor 0, else −Inf)
// with AVX-512 where the machine has it, and reports whether it did:
// half the instructions of the AVX2 kernels, whose pass over a digits
// MAF's hidden layer had taken 1.3 % of a float32 training step (perf).
func biasVec[T Float](out, bias []T, rows, cols int, floor T) bool {
	if !useAVX512 || !rowKernels || rows < 1 || cols < 1 || len(out) < rows*cols || len(bias) < cols {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		biasAVX512s(&o[0], &any(bias).([]float32)[0], rows, cols, float32(floor))
	case []float64:
		biasAVX512d(&o[0], &any(bias).([]float64)[0], rows, cols, float64(floor))
	}
	return true
}

//go:noescape
func biasFlatAVX512s(out, tile *float32, n, tileLen int, floor float32)

//go:noescape
func biasFlatAVX512d(out, tile *float64, n, tileLen int, floor float64)

// biasTiled runs a fused product's bias (and relu if asked) on out, rows
// of cols elements that follow one another, as one flat run of AVX-512
// vectors over tile, which it fills with the bias row repeated
// (biasTile gives its length), and reports whether it did: where the
// machine has AVX-512 and cols is not a multiple of the vector's lanes.
// There, run row by row (biasVec), rows start off a cache line and end
// in a lane-masked tail (perf annotate put the samples on a row's first
// load and on the tail's masked load): over a moons MAF's hidden layer
// (100 columns) that took 3–3.5 times as long per element as over 96 or
// 112 columns, a quarter of a float32 moons log-prob's cycles
// (bench/README.md).
func biasTiled[T Float](out, bias, tile []T, cols int, relu bool) bool {
	lanes := 64 / int(unsafe.Sizeof(T(0)))
	n := len(out)
	if !useAVX512 || !rowKernels || n == 0 || cols < 1 || len(tile) == 0 || len(tile)%lanes != 0 || len(tile)%cols != 0 || len(bias) < cols {
		return false
	}
	for i := 0; i < len(tile); i += cols {
		copy(tile[i:i+cols], bias[:cols])
	}
	var floor T
	if !relu {
		floor = T(math.Inf(-1))
	}
	switch o := any(out).(type) {
	case []float32:
		biasFlatAVX512s(&o[0], &any(tile).([]float32)[0], n, len(tile), float32(floor))
	case []float64:
		biasFlatAVX512d(&o[0], &any(tile).([]float64)[0], n, len(tile), float64(floor))
	}
	return true
}
