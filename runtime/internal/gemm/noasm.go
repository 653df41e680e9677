//go:build noasm

package gemm

// noasm is set by the noasm build tag, which disables the assembly kernels.
const noasm = true
