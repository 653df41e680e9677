// Package gemm multiplies small, dense, row-major float64 matrices.
//
// It is tuned for the tall-skinny shapes of a normalizing-flow runtime
// (a few hundred rows, inner and outer dimensions from 1 to about a
// thousand). Dgemm is serial and never allocates; on amd64 with
// AVX-512 it runs register-blocked assembly kernels, elsewhere (and
// with the noasm build tag) a portable Go loop nest, which DgemmGo runs
// on any machine.
package gemm
