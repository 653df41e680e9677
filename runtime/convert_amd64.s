#include "textflag.h"

// The conversion and the scaled copy of float.go with AVX2: n is a
// multiple of 8. Each element gets exactly the operations of the Go loops
// (a conversion; one multiply, one add, no fused multiply-add), so results
// are bit-identical.

// func axpyAVX64(dst, src *float64, n int, w float64, add bool)
TEXT ·axpyAVX64(SB), NOSPLIT, $0-33
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD w+24(FP), Y8
	MOVBLZX add+32(FP), AX
	TESTL AX, AX
	JNE axpy64_add
axpy64_set:
	VMULPD (SI), Y8, Y0
	VMULPD 32(SI), Y8, Y1
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNE axpy64_set
	VZEROUPPER
	RET
axpy64_add:
	VMULPD (SI), Y8, Y0
	VMULPD 32(SI), Y8, Y1
	VADDPD (DI), Y0, Y0
	VADDPD 32(DI), Y1, Y1
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNE axpy64_add
	VZEROUPPER
	RET

// func axpyAVX32(dst, src *float32, n int, w float32, add bool)
TEXT ·axpyAVX32(SB), NOSPLIT, $0-29
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS w+24(FP), Y8
	MOVBLZX add+28(FP), AX
	TESTL AX, AX
	JNE axpy32_add
axpy32_set:
	VMULPS (SI), Y8, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE axpy32_set
	VZEROUPPER
	RET
axpy32_add:
	VMULPS (SI), Y8, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE axpy32_add
	VZEROUPPER
	RET

// func narrowAVX(dst *float32, src *float64, n int)
TEXT ·narrowAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
narrow_loop:
	VCVTPD2PSY (SI), X0
	VCVTPD2PSY 32(SI), X1
	VMOVUPS X0, (DI)
	VMOVUPS X1, 16(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE narrow_loop
	VZEROUPPER
	RET
