#include "textflag.h"

// Adam on one vector, in three parts, so that m and v are stored as
// soon as they are known: g, m and v are read from G, M and V (memory,
// or registers Z0, Z1, Z3), p from Z7, the constants of k in Z8-Z15;
// ADAM_M leaves the new m in Z1, ADAM_V the new v in Z3, ADAM_P the new
// p in Z7. The operations are those of adamBlock's Go loop, in its order
// and without fused multiply-adds, so the results are bit-identical.
// Clobbers Z0, Z2, Z4-Z6.
#define ADAM_M(MUL, ADD, G, M) \
	MUL G, Z8, Z0;   /* gj = g·c */ \
	MUL M, Z9, Z1;   /* β1·m */ \
	MUL Z0, Z10, Z2; /* (1-β1)·gj */ \
	ADD Z2, Z1, Z1   /* m */

#define ADAM_V(MUL, ADD, V) \
	MUL V, Z11, Z3;  /* β2·v */ \
	MUL Z0, Z12, Z4; /* (1-β2)·gj */ \
	MUL Z0, Z4, Z4;  /* ·gj */ \
	ADD Z4, Z3, Z3   /* v */

#define ADAM_P(MUL, ADD, SUB, DIV, SQRT) \
	SQRT Z3, Z5; \
	MUL Z14, Z5, Z5; /* √v·bc2 */ \
	ADD Z15, Z5, Z5; /* + ε */ \
	MUL Z1, Z13, Z6; /* step·m */ \
	DIV Z5, Z6, Z6; \
	SUB Z6, Z7, Z7

// func adamAVX512(p, m, v, gr *float64, n int, k *[8]float64)
// n > 0; k holds c, β1, 1-β1, β2, 1-β2, step, bc2, ε. Whole vectors,
// then the last n mod 8 elements under a lane mask (a masked weight's
// live runs are short: 32 elements on average in digits' output
// weights, whose tails went through the scalar loop, 16 % of the
// update's elements).
TEXT ·adamAVX512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ gr+24(FP), BX
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSD 0(AX), Z8
	VBROADCASTSD 8(AX), Z9
	VBROADCASTSD 16(AX), Z10
	VBROADCASTSD 24(AX), Z11
	VBROADCASTSD 32(AX), Z12
	VBROADCASTSD 40(AX), Z13
	VBROADCASTSD 48(AX), Z14
	VBROADCASTSD 56(AX), Z15
	MOVQ CX, R8
	ANDQ $7, R8           // the tail
	SHRQ $3, CX           // whole vectors
	JZ adam_tail
adam_loop:
	ADAM_M(VMULPD, VADDPD, (BX), (SI))
	VMOVUPD Z1, (SI)
	ADAM_V(VMULPD, VADDPD, (DX))
	VMOVUPD Z3, (DX)
	VMOVUPD (DI), Z7
	ADAM_P(VMULPD, VADDPD, VSUBPD, VDIVPD, VSQRTPD)
	VMOVUPD Z7, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, BX
	DECQ CX
	JNE adam_loop
adam_tail:
	TESTQ R8, R8
	JZ adam_done
	MOVQ R8, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1          // not KMOVB, which needs AVX512DQ
	VMOVUPD.Z (BX), K1, Z0
	VMOVUPD.Z (SI), K1, Z1
	VMOVUPD.Z (DX), K1, Z3
	VMOVUPD.Z (DI), K1, Z7
	ADAM_M(VMULPD, VADDPD, Z0, Z1)
	VMOVUPD Z1, K1, (SI)
	ADAM_V(VMULPD, VADDPD, Z3)
	VMOVUPD Z3, K1, (DX)
	ADAM_P(VMULPD, VADDPD, VSUBPD, VDIVPD, VSQRTPD)
	VMOVUPD Z7, K1, (DI)
adam_done:
	VZEROUPPER
	RET

// func adamAVX512f32(p, m, v, gr *float32, n int, k *[8]float32)
// adamAVX512 in float32: the last n mod 16 elements under a lane mask.
TEXT ·adamAVX512f32(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ gr+24(FP), BX
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Z8
	VBROADCASTSS 4(AX), Z9
	VBROADCASTSS 8(AX), Z10
	VBROADCASTSS 12(AX), Z11
	VBROADCASTSS 16(AX), Z12
	VBROADCASTSS 20(AX), Z13
	VBROADCASTSS 24(AX), Z14
	VBROADCASTSS 28(AX), Z15
	MOVQ CX, R8
	ANDQ $15, R8          // the tail
	SHRQ $4, CX           // whole vectors
	JZ adam32_tail
adam32_loop:
	ADAM_M(VMULPS, VADDPS, (BX), (SI))
	VMOVUPS Z1, (SI)
	ADAM_V(VMULPS, VADDPS, (DX))
	VMOVUPS Z3, (DX)
	VMOVUPS (DI), Z7
	ADAM_P(VMULPS, VADDPS, VSUBPS, VDIVPS, VSQRTPS)
	VMOVUPS Z7, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, BX
	DECQ CX
	JNE adam32_loop
adam32_tail:
	TESTQ R8, R8
	JZ adam32_done
	MOVQ R8, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VMOVUPS.Z (BX), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z3
	VMOVUPS.Z (DI), K1, Z7
	ADAM_M(VMULPS, VADDPS, Z0, Z1)
	VMOVUPS Z1, K1, (SI)
	ADAM_V(VMULPS, VADDPS, Z3)
	VMOVUPS Z3, K1, (DX)
	ADAM_P(VMULPS, VADDPS, VSUBPS, VDIVPS, VSQRTPS)
	VMOVUPS Z7, K1, (DI)
adam32_done:
	VZEROUPPER
	RET
