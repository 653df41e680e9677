// Package gemm multiplies small, dense, row-major float64 (Dgemm) and
// float32 (Sgemm) matrices.
//
// It is tuned for the tall-skinny shapes of a normalizing-flow runtime
// (a few hundred rows, inner and outer dimensions from 1 to about a
// thousand). Dgemm and Sgemm are serial and never allocate; on amd64
// with AVX-512 they run register-blocked assembly kernels (8 float64 or
// 16 float32 lanes to a vector), elsewhere (and with the noasm build
// tag) a portable Go loop nest, which DgemmGo and SgemmGo run on any
// machine. Sgemm sums in float32.
package gemm
