#include "textflag.h"

// func adamAVX512(p, m, v, gr *float64, n int, k *[8]float64)
// n > 0; k holds c, β1, 1-β1, β2, 1-β2, step, bc2, ε. The operations are
// those of Trainer.adam's Go loop, in its order and without fused
// multiply-adds, so the results are bit-identical. The last n mod 8
// elements are done with a lane mask (a masked weight's live runs are
// short: 32 elements on average in digits' output weights, whose tails
// went through the scalar loop, 16 % of the update's elements).
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
	VMULPD (BX), Z8, Z0   // gj = g·c
	VMULPD (SI), Z9, Z1   // β1·m
	VMULPD Z0, Z10, Z2    // (1-β1)·gj
	VADDPD Z2, Z1, Z1     // m
	VMOVUPD Z1, (SI)
	VMULPD (DX), Z11, Z3  // β2·v
	VMULPD Z0, Z12, Z4    // (1-β2)·gj
	VMULPD Z0, Z4, Z4     // ·gj
	VADDPD Z4, Z3, Z3     // v
	VMOVUPD Z3, (DX)
	VSQRTPD Z3, Z5
	VMULPD Z14, Z5, Z5    // √v·bc2
	VADDPD Z15, Z5, Z5    // + ε
	VMULPD Z1, Z13, Z6    // step·m
	VDIVPD Z5, Z6, Z6
	VMOVUPD (DI), Z7
	VSUBPD Z6, Z7, Z7
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
	VMULPD Z0, Z8, Z0
	VMULPD Z1, Z9, Z1
	VMULPD Z0, Z10, Z2
	VADDPD Z2, Z1, Z1
	VMOVUPD Z1, K1, (SI)
	VMULPD Z3, Z11, Z3
	VMULPD Z0, Z12, Z4
	VMULPD Z0, Z4, Z4
	VADDPD Z4, Z3, Z3
	VMOVUPD Z3, K1, (DX)
	VSQRTPD Z3, Z5
	VMULPD Z14, Z5, Z5
	VADDPD Z15, Z5, Z5
	VMULPD Z1, Z13, Z6
	VDIVPD Z5, Z6, Z6
	VSUBPD Z6, Z7, Z7
	VMOVUPD Z7, K1, (DI)
adam_done:
	VZEROUPPER
	RET

// func adamAVX512f32(p, m, v, gr *float32, n int, k *[8]float32)
// adamAVX512 in float32: the last n mod 16 elements with a lane mask.
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
	VMULPS (BX), Z8, Z0   // gj = g·c
	VMULPS (SI), Z9, Z1   // β1·m
	VMULPS Z0, Z10, Z2    // (1-β1)·gj
	VADDPS Z2, Z1, Z1     // m
	VMOVUPS Z1, (SI)
	VMULPS (DX), Z11, Z3  // β2·v
	VMULPS Z0, Z12, Z4    // (1-β2)·gj
	VMULPS Z0, Z4, Z4     // ·gj
	VADDPS Z4, Z3, Z3     // v
	VMOVUPS Z3, (DX)
	VSQRTPS Z3, Z5
	VMULPS Z14, Z5, Z5    // √v·bc2
	VADDPS Z15, Z5, Z5    // + ε
	VMULPS Z1, Z13, Z6    // step·m
	VDIVPS Z5, Z6, Z6
	VMOVUPS (DI), Z7
	VSUBPS Z6, Z7, Z7
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
	KMOVW AX, K1          // not KMOVB, which needs AVX512DQ
	VMOVUPS.Z (BX), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z3
	VMOVUPS.Z (DI), K1, Z7
	VMULPS Z0, Z8, Z0
	VMULPS Z1, Z9, Z1
	VMULPS Z0, Z10, Z2
	VADDPS Z2, Z1, Z1
	VMOVUPS Z1, K1, (SI)
	VMULPS Z3, Z11, Z3
	VMULPS Z0, Z12, Z4
	VMULPS Z0, Z4, Z4
	VADDPS Z4, Z3, Z3
	VMOVUPS Z3, K1, (DX)
	VSQRTPS Z3, Z5
	VMULPS Z14, Z5, Z5
	VADDPS Z15, Z5, Z5
	VMULPS Z1, Z13, Z6
	VDIVPS Z5, Z6, Z6
	VSUBPS Z6, Z7, Z7
	VMOVUPS Z7, K1, (DI)
adam32_done:
	VZEROUPPER
	RET
