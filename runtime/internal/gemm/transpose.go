package gemm

// Transpose32 sets dst[j*ldd+i] = src[i*lds+j] for i < rows, j < cols:
// dst (cols×rows, leading dimension ldd) becomes the transpose of src
// (rows×cols, leading dimension lds). Where the kernels are accelerated
// it is the packing of a product's transposed B (spackT): 16×16 tiles
// through registers, the last cols mod 16 columns of a tile row under a
// lane mask, the last rows mod 16 rows element by element. It panics if
// a slice is too short or a leading dimension too small.
func Transpose32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	transpose(rows, cols, src, lds, dst, ldd, transpose32Asm)
}

// Transpose64 is Transpose32 in float64, with 8×8 tiles (packT).
func Transpose64(rows, cols int, src []float64, lds int, dst []float64, ldd int) {
	transpose(rows, cols, src, lds, dst, ldd, transpose64Asm)
}

// transpose is Transpose32 and Transpose64, with asm their accelerated
// form.
func transpose[T float32 | float64](rows, cols int, src []T, lds int, dst []T, ldd int, asm func(rows, cols int, src []T, lds int, dst []T, ldd int)) {
	switch {
	case rows < 0 || cols < 0:
		panic("gemm: negative dimension")
	case rows == 0 || cols == 0:
		return
	case lds < cols || ldd < rows:
		panic("gemm: leading dimension too small")
	case len(src) < (rows-1)*lds+cols || len(dst) < (cols-1)*ldd+rows:
		panic("gemm: slice too short")
	case useAsm:
		asm(rows, cols, src, lds, dst, ldd)
	default:
		for i := range rows {
			for j, v := range src[i*lds : i*lds+cols] {
				dst[j*ldd+i] = v
			}
		}
	}
}
