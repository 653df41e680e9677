//go:build !amd64

package runtime

func axpyVec[T Float](dst, src []T, w T, add bool) int { return 0 }
func narrowVec(dst []float32, src []float64) int       { return 0 }
