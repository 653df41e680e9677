#include "textflag.h"

// func reluAVX(out, a *float32, n int)   n is a multiple of 8
TEXT ·reluAVX32(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
relu_loop32:
	// max(0, a): the second source wins on NaN, so NaN propagates.
	VMAXPS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE relu_loop32
	VZEROUPPER
	RET

// func reluGradAVX(out, a, gr *float32, n int)
TEXT ·reluGradAVX32(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ gr+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y15, Y15, Y15
rg_loop32:
	VMOVUPS (SI), Y1
	VCMPPS $0x1e, Y15, Y1, Y2 // a > 0 (ordered)
	VANDPS (DX), Y2, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNE rg_loop32
	VZEROUPPER
	RET

// func vecAVX(op int, out, a, b *float32, n int)
TEXT ·vecAVX32(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ out+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DX
	MOVQ n+32(FP), CX
	CMPQ AX, $1
	JEQ sub_loop32
	JGT mul_loop32
add_loop32:
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNE add_loop32
	VZEROUPPER
	RET
sub_loop32:
	VMOVUPS (SI), Y0
	VSUBPS (DX), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNE sub_loop32
	VZEROUPPER
	RET
mul_loop32:
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNE mul_loop32
	VZEROUPPER
	RET

// func biasAVX32(out, bias *float32, rows, cols int, floor float32)
// out[i][j] = max(floor, out[i][j] + bias[j]): floor is 0 for relu (with
// reluAVX32's NaN rule) or -Inf for none. rows ≥ 1, cols ≥ 1. The last
// cols mod 8 elements of a row go one at a time: a masked store
// (VMASKMOVPS) is microcoded on some CPUs and cost more than the rest of
// the row.
TEXT ·biasAVX32(SB), NOSPLIT, $0-36
	MOVQ out+0(FP), DI
	MOVQ bias+8(FP), DX
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	VBROADCASTSS floor+32(FP), Y15
	MOVQ R9, R10
	SHRQ $3, R10          // whole vectors per row
	MOVQ R9, R11
	ANDQ $7, R11          // tail elements
bias_row:
	MOVQ DX, SI
	MOVQ R10, CX
	TESTQ CX, CX
	JEQ bias_tail
bias_vec:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMAXPS Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNE bias_vec
bias_tail:
	MOVQ R11, CX
	TESTQ CX, CX
	JEQ bias_next
bias_one:
	VMOVSS (DI), X0
	VADDSS (SI), X0, X0
	VMAXSS X0, X15, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	DECQ CX
	JNE bias_one
bias_next:
	DECQ R8
	JNE bias_row
	VZEROUPPER
	RET
