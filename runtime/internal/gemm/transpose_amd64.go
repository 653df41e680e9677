package gemm

// transpose32Asm transposes the first rows &^ 15 rows of src into dst
// (Transpose32) and returns how many it did.
func transpose32Asm(rows, cols int, src []float32, lds int, dst []float32, ldd int) int {
	jt, kt := rows/16, cols/16
	if jt == 0 {
		return 0
	}
	if kt > 0 {
		stranspose16(kt, jt, &src[0], lds, &dst[0], ldd)
	}
	if kr := cols - 16*kt; kr > 0 {
		stranspose16Tail(kr, jt, &src[16*kt], lds, &dst[16*kt*ldd], ldd)
	}
	return 16 * jt
}

// transpose64Asm transposes the first rows &^ 7 rows of src into dst
// (Transpose64), the last cols mod 8 of their columns element by
// element, and returns how many rows it did.
func transpose64Asm(rows, cols int, src []float64, lds int, dst []float64, ldd int) int {
	jt, kt := rows/8, cols/8
	if jt == 0 {
		return 0
	}
	if kt > 0 {
		dtranspose8(kt, jt, &src[0], lds, &dst[0], ldd)
	}
	for i := range 8 * jt {
		for j := 8 * kt; j < cols; j++ {
			dst[j*ldd+i] = src[i*lds+j]
		}
	}
	return 8 * jt
}
