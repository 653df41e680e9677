//go:build !amd64

package runtime

func adamVec[T Float](p, m, v, g []T, k *[8]T) int { return 0 }

func squaresVec[T Float](sums *[8]float64, x []T, at int) int { return 0 }

func squaresRows[T Float](sums *[32]float64, x []T, rows, cols, ld int) bool { return false }

func adamRunsVec[T Float](p, m, v, g0, g1, cp []T, runs []int32, k *[10]T, mode int) bool {
	return false
}

func normRunsVec[T Float](sums *[8]float64, g0, g1 []T, runs []int32, w *[2]T, mode, off int) bool {
	return false
}
