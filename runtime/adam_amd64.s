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

// The runs kernel: Adam over a list of runs of one parameter tensor, the
// gradient combined in registers as optState.combine combines it (mode
// 0: G0 as it is; 1: w0·G0; 2: w0·G0 + w1·G1, each product rounded,
// then their sum, as scaleInto does; inside a run a mask is 1), the new
// values stored into a kept copy too when CP is not 0. Each run is three
// int32: its first element in p, G0, G1 and CP, its length (> 0) and its
// first element in m and v. The operations and their order are
// adamBlock's, so the bits are.
//
// Registers: DI p, SI m, DX v, BX G0, R9 G1, R10 CP, R11 the next run,
// R12 the runs left, R13 the mode, CX and R8 a run's whole vectors and
// tail, R14 and R15 byte offsets into p and m; Z18 w0, Z19 w1, Z16 the
// gradient. ADAMRUNS expands it for one element type: MOVU, MUL, ADD,
// SUB, DIV and SQRT its instructions, SHIFT log2 of its size, LANES-1
// and LSHIFT (log2 of its lanes) a vector's. Labels are per function.
#define ADAMRUNS(MOVU, MUL, ADD, SUB, DIV, SQRT, SHIFT, LANESM1, LSHIFT) \
run: \
	TESTQ R12, R12; \
	JZ done; \
	MOVLQSX 0(R11), R14; \
	MOVLQSX 4(R11), CX; \
	MOVLQSX 8(R11), R15; \
	ADDQ $12, R11; \
	DECQ R12; \
	SHLQ $SHIFT, R14; \
	SHLQ $SHIFT, R15; \
	MOVQ CX, R8; \
	ANDQ $LANESM1, R8; \
	SHRQ $LSHIFT, CX; \
	JZ tail; \
loop: \
	CMPQ R13, $0; \
	JNE scaled; \
	MOVU (BX)(R14*1), Z16; \
	JMP grad; \
scaled: \
	MUL (BX)(R14*1), Z18, Z16; \
	CMPQ R13, $1; \
	JEQ grad; \
	MUL (R9)(R14*1), Z19, Z20; \
	ADD Z20, Z16, Z16; \
grad: \
	MOVU (SI)(R15*1), Z1; \
	ADAM_M(MUL, ADD, Z16, Z1); \
	MOVU Z1, (SI)(R15*1); \
	ADAM_V(MUL, ADD, (DX)(R15*1)); \
	MOVU Z3, (DX)(R15*1); \
	MOVU (DI)(R14*1), Z7; \
	ADAM_P(MUL, ADD, SUB, DIV, SQRT); \
	MOVU Z7, (DI)(R14*1); \
	TESTQ R10, R10; \
	JZ nocopy; \
	MOVU Z7, (R10)(R14*1); \
nocopy: \
	ADDQ $64, R14; \
	ADDQ $64, R15; \
	DECQ CX; \
	JNE loop; \
tail: \
	TESTQ R8, R8; \
	JZ run; \
	MOVQ R8, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	MOVU.Z (BX)(R14*1), K1, Z16; \
	CMPQ R13, $0; \
	JEQ tgrad; \
	MUL Z16, Z18, Z16; \
	CMPQ R13, $1; \
	JEQ tgrad; \
	MOVU.Z (R9)(R14*1), K1, Z20; \
	MUL Z20, Z19, Z20; \
	ADD Z20, Z16, Z16; \
tgrad: \
	MOVU.Z (SI)(R15*1), K1, Z1; \
	MOVU.Z (DX)(R15*1), K1, Z3; \
	MOVU.Z (DI)(R14*1), K1, Z7; \
	ADAM_M(MUL, ADD, Z16, Z1); \
	MOVU Z1, K1, (SI)(R15*1); \
	ADAM_V(MUL, ADD, Z3); \
	MOVU Z3, K1, (DX)(R15*1); \
	ADAM_P(MUL, ADD, SUB, DIV, SQRT); \
	MOVU Z7, K1, (DI)(R14*1); \
	TESTQ R10, R10; \
	JZ run; \
	MOVU Z7, K1, (R10)(R14*1); \
	JMP run; \
done: \
	VZEROUPPER; \
	RET

// func adamRunsAVX512(p, m, v, g0, g1, cp *float64, runs *int32, n int, k *[10]float64, mode int)
// k holds c, β1, 1-β1, β2, 1-β2, step, bc2, ε, w0 and w1; n runs, > 0.
TEXT ·adamRunsAVX512(SB), NOSPLIT, $0-80
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ g0+24(FP), BX
	MOVQ g1+32(FP), R9
	MOVQ cp+40(FP), R10
	MOVQ runs+48(FP), R11
	MOVQ n+56(FP), R12
	MOVQ k+64(FP), AX
	MOVQ mode+72(FP), R13
	VBROADCASTSD 0(AX), Z8
	VBROADCASTSD 8(AX), Z9
	VBROADCASTSD 16(AX), Z10
	VBROADCASTSD 24(AX), Z11
	VBROADCASTSD 32(AX), Z12
	VBROADCASTSD 40(AX), Z13
	VBROADCASTSD 48(AX), Z14
	VBROADCASTSD 56(AX), Z15
	VBROADCASTSD 64(AX), Z18
	VBROADCASTSD 72(AX), Z19
	ADAMRUNS(VMOVUPD, VMULPD, VADDPD, VSUBPD, VDIVPD, VSQRTPD, 3, 7, 3)

// func adamRunsAVX512f32(p, m, v, g0, g1, cp *float32, runs *int32, n int, k *[10]float32, mode int)
// adamRunsAVX512 in float32.
TEXT ·adamRunsAVX512f32(SB), NOSPLIT, $0-80
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ g0+24(FP), BX
	MOVQ g1+32(FP), R9
	MOVQ cp+40(FP), R10
	MOVQ runs+48(FP), R11
	MOVQ n+56(FP), R12
	MOVQ k+64(FP), AX
	MOVQ mode+72(FP), R13
	VBROADCASTSS 0(AX), Z8
	VBROADCASTSS 4(AX), Z9
	VBROADCASTSS 8(AX), Z10
	VBROADCASTSS 12(AX), Z11
	VBROADCASTSS 16(AX), Z12
	VBROADCASTSS 20(AX), Z13
	VBROADCASTSS 24(AX), Z14
	VBROADCASTSS 28(AX), Z15
	VBROADCASTSS 32(AX), Z18
	VBROADCASTSS 36(AX), Z19
	ADAMRUNS(VMOVUPS, VMULPS, VADDPS, VSUBPS, VDIVPS, VSQRTPS, 2, 15, 4)
