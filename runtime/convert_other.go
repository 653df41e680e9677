//go:build !amd64

package runtime

func widenVec32(dst []float64, src []float32, w float64, add bool) int { return 0 }
func widenVec64(dst, src []float64, w float64, add bool) int           { return 0 }
func narrowVec(dst []float32, src []float64) int                       { return 0 }
