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
