//go:build !amd64

package runtime

import "github.com/noxlang/nox/compiler/ir"

// rowKernels: see rows_amd64.go; there are none on this platform.
var rowKernels = false

func rowsBinary[T Float](op ir.Op, out, a, b []T, rows, cols, ldo, lda, ldb int) bool { return false }
func colsBinary[T Float](op ir.Op, out, a, b []T, rows, cols, ldo, lda int) bool      { return false }
func rowsCopy[T Float](out, a []T, rows, cols, ldo, lda int) bool                     { return false }
func rowsBcast[T Float](out, b []T, rows, cols, ldo int) bool                         { return false }
func reverseRows[T Float](out, a []T, rows, n, ldo, lda int) bool                     { return false }
func sumRows[T Float](out, a []T, rows, n, lda int) bool                              { return false }
func reluGradVec[T Float](out, a, g []T) bool                                         { return false }
