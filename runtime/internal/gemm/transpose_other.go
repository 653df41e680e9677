//go:build !amd64

package gemm

func transpose32Asm(rows, cols int, src []float32, lds int, dst []float32, ldd int) int { return 0 }

func transpose64Asm(rows, cols int, src []float64, lds int, dst []float64, ldd int) int { return 0 }
