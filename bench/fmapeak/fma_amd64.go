package main

import "golang.org/x/sys/cpu"

func fmaZ32(n int)
func fmaZ64(n int)
func fmaY32(n int)
func fmaY64(n int)

// best returns the loops of the widest vectors the CPU and the operating
// system support, or nil.
func best() *kernels {
	switch {
	case cpu.X86.HasAVX512F:
		return &kernels{isa: "avx512", f32: fmaZ32, f64: fmaZ64, fmas: 16, bytes: 64}
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return &kernels{isa: "avx2", f32: fmaY32, f64: fmaY64, fmas: 14, bytes: 32}
	}
	return nil
}
