package gemm

// Transpose32 sets dst[j*ldd+i] = src[i*lds+j] for i < rows, j < cols:
// dst (cols×rows, leading dimension ldd) becomes the transpose of src
// (rows×cols, leading dimension lds). Where the kernels are accelerated
// it moves 16×16 tiles through registers, the last cols mod 16 columns of
// a tile row under a lane mask, and the last rows mod 16 rows element by
// element. It panics if a slice is too short or a leading dimension too
// small.
func Transpose32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	transposeCheck(rows, cols, len(src), lds, len(dst), ldd)
	if rows == 0 || cols == 0 {
		return
	}
	r0 := 0
	if useAsm {
		r0 = transpose32Asm(rows, cols, src, lds, dst, ldd)
	}
	transposeGo(r0, rows, cols, src, lds, dst, ldd)
}

// Transpose64 is Transpose32 in float64, with 8×8 tiles.
func Transpose64(rows, cols int, src []float64, lds int, dst []float64, ldd int) {
	transposeCheck(rows, cols, len(src), lds, len(dst), ldd)
	if rows == 0 || cols == 0 {
		return
	}
	r0 := 0
	if useAsm {
		r0 = transpose64Asm(rows, cols, src, lds, dst, ldd)
	}
	transposeGo(r0, rows, cols, src, lds, dst, ldd)
}

// transposeCheck panics unless rows×cols fit in a slice of ns elements
// with leading dimension lds, and cols×rows in one of nd with ldd.
func transposeCheck(rows, cols, ns, lds, nd, ldd int) {
	switch {
	case rows < 0 || cols < 0:
		panic("gemm: negative dimension")
	case rows == 0 || cols == 0:
		return
	case lds < cols || ldd < rows:
		panic("gemm: leading dimension too small")
	case ns < (rows-1)*lds+cols || nd < (cols-1)*ldd+rows:
		panic("gemm: slice too short")
	}
}

// transposeGo transposes rows [r0, rows) of src element by element.
func transposeGo[T float32 | float64](r0, rows, cols int, src []T, lds int, dst []T, ldd int) {
	for i := r0; i < rows; i++ {
		s := src[i*lds : i*lds+cols]
		for j, v := range s {
			dst[j*ldd+i] = v
		}
	}
}
