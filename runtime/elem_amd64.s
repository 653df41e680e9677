#include "textflag.h"

// func reluAVX(out, a *float64, n int)   n is a multiple of 4
TEXT ·reluAVX(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPD Y15, Y15, Y15
relu_loop:
	// max(0, a): the second source wins on NaN, so NaN propagates.
	VMAXPD (SI), Y15, Y0
	VMOVUPD Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JNE relu_loop
	VZEROUPPER
	RET

// func reluGradAVX(out, a, gr *float64, n int)
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ gr+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPD Y15, Y15, Y15
rg_loop:
	VMOVUPD (SI), Y1
	VCMPPD $0x1e, Y15, Y1, Y2 // a > 0 (ordered)
	VANDPD (DX), Y2, Y3
	VMOVUPD Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JNE rg_loop
	VZEROUPPER
	RET

// func vecAVX(op int, out, a, b *float64, n int)
TEXT ·vecAVX(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ out+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DX
	MOVQ n+32(FP), CX
	CMPQ AX, $1
	JEQ sub_loop
	JGT mul_loop
add_loop:
	VMOVUPD (SI), Y0
	VADDPD (DX), Y0, Y1
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JNE add_loop
	VZEROUPPER
	RET
sub_loop:
	VMOVUPD (SI), Y0
	VSUBPD (DX), Y0, Y1
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JNE sub_loop
	VZEROUPPER
	RET
mul_loop:
	VMOVUPD (SI), Y0
	VMULPD (DX), Y0, Y1
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JNE mul_loop
	VZEROUPPER
	RET

// func biasAVX(out, bias *float64, rows, cols int, floor float64)
// out[i][j] = max(floor, out[i][j] + bias[j]): floor is 0 for relu (with
// reluAVX's NaN rule) or -Inf for none; biasAVX32 in float64. rows ≥ 1,
// cols ≥ 1. The last cols mod 4 elements of a row go one at a time.
TEXT ·biasAVX(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ bias+8(FP), DX
	MOVQ rows+16(FP), R8
	MOVQ cols+24(FP), R9
	VBROADCASTSD floor+32(FP), Y15
	MOVQ R9, R10
	SHRQ $2, R10          // whole vectors per row
	MOVQ R9, R11
	ANDQ $3, R11          // tail elements
bias_row:
	MOVQ DX, SI
	MOVQ R10, CX
	TESTQ CX, CX
	JEQ bias_tail
bias_vec:
	VMOVUPD (DI), Y0
	VADDPD (SI), Y0, Y0
	VMAXPD Y0, Y15, Y0
	VMOVUPD Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNE bias_vec
bias_tail:
	MOVQ R11, CX
	TESTQ CX, CX
	JEQ bias_next
bias_one:
	VMOVSD (DI), X0
	VADDSD (SI), X0, X0
	VMAXSD X0, X15, X0
	VMOVSD X0, (DI)
	ADDQ $8, DI
	ADDQ $8, SI
	DECQ CX
	JNE bias_one
bias_next:
	DECQ R8
	JNE bias_row
	VZEROUPPER
	RET
