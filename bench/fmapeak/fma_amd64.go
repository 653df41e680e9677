package main

import "golang.org/x/sys/cpu"

// The loops (fma_amd64.s): n iterations each.
func fmaZ32(n int)
func fmaZ64(n int)
func fmaY32(n int)
func fmaY64(n int)

// Each instruction set's loops: 16 multiply-adds an iteration on 64-byte
// vectors (AVX-512, 32 registers), 14 on 32-byte ones (AVX2, 16
// registers, two of them the operands).
var (
	avx512 = &kernels{isa: "avx512", f32: fmaZ32, f64: fmaZ64, fmas: 16, bytes: 64}
	avx2   = &kernels{isa: "avx2", f32: fmaY32, f64: fmaY64, fmas: 14, bytes: 32}
)

// available returns the loops the CPU and the operating system support,
// widest first (x/sys/cpu's flags include the check that the OS saves
// the wider registers).
func available() []*kernels {
	var ks []*kernels
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2)
	}
	return ks
}
