#include "textflag.h"

// func squaresAVX512(sums *[8]float64, x *float64, n int)
// Adds x[j]² to sums[j mod 8] for j < n, n a multiple of 8: addSquares'
// eight running sums as the eight lanes of one register, each lane's
// additions in the order of the Go loop and without fused multiply-adds,
// so the sums are bit-identical.
TEXT ·squaresAVX512(SB), NOSPLIT, $0-24
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVUPD (AX), Z0
sq64_loop:
	VMOVUPD (SI), Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, Z0
	ADDQ $64, SI
	SUBQ $8, CX
	JNE sq64_loop
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET

// func squaresAVX512f32(sums *[8]float64, x *float32, n int)
// squaresAVX512 of float32 values, each widened to float64 first (exact).
TEXT ·squaresAVX512f32(SB), NOSPLIT, $0-24
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVUPD (AX), Z0
sq32_loop:
	VCVTPS2PD (SI), Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, Z0
	ADDQ $32, SI
	SUBQ $8, CX
	JNE sq32_loop
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET
