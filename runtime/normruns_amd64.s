#include "textflag.h"

// The clipping norm over a segment's runs (optState.norm): for each run
// of triples (first element, length, first moment), the combined
// gradient w0·g0 (+ w1·g1 in mode 2) of each element, each product
// rounded before the sum as combine computes it, widened to float64 and
// squared, is added to sums[(off+element) mod 8]: the eight lanes of one
// register, each lane's additions in element order and without fused
// multiply-adds, as addSquares adds them, so the sums are bit-identical.
// One call a segment replaces a combine into shard 0's buffer and a
// squares call per block of every run (a digits MADE's output weights
// have runs of 32 elements), and nothing is written back: the update
// combines the gradient in registers too. A group of eight places that a
// run only partly covers is read under a lane mask (masked-off lanes are
// neither read, so they cannot fault, nor added).

// Lanes beyond a group's elements are masked (K1), a whole group uses
// K2 (the eight low lanes); float32 groups are read into the low half of
// a 16-lane register, combined there, then widened.

// func normRunsAVX512f32(sums *[8]float64, g0, g1 *float32, runs *int32, n int, w *[2]float32, mode, off int)
TEXT ·normRunsAVX512f32(SB), NOSPLIT, $0-64
	MOVQ sums+0(FP), AX
	MOVQ g0+8(FP), R8
	MOVQ g1+16(FP), R9
	MOVQ runs+24(FP), R10
	MOVQ n+32(FP), R11
	MOVQ w+40(FP), BX
	VBROADCASTSS (BX), Z14
	VBROADCASTSS 4(BX), Z13
	MOVQ mode+48(FP), R12
	MOVQ off+56(FP), R13
	VMOVUPD (AX), Z0
	MOVQ $0xff, BX
	KMOVW BX, K2
	CMPQ R12, $2
	JEQ sm2run
sm1run:
	TESTQ R11, R11
	JZ sdone
	MOVLQSX (R10), BX       // a, the run's first element
	MOVLQSX 4(R10), DX      // its length
	ADDQ $12, R10
	DECQ R11
	TESTQ DX, DX
	JZ sm1run
	MOVQ R13, CX
	ADDQ BX, CX
	ANDQ $7, CX            // the first element's lane
	LEAQ (R8)(BX*4), SI
	LEAQ (R9)(BX*4), DI
	TESTQ CX, CX
	JZ sm1body
	// the first group: lanes [lane, min(8, lane+len))
	MOVQ $8, R14
	SUBQ CX, R14
	CMPQ DX, R14
	CMOVQLT DX, R14        // h elements
	MOVQ CX, BX            // lane
	MOVQ R14, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	MOVQ BX, CX
	SHLQ CX, R15           // ((1<<h)-1) << lane
	KMOVW R15, K1
	SHLQ $2, BX
	SUBQ BX, SI            // back to the group's first place
	SUBQ BX, DI
	VMOVUPS.Z (SI), K1, Z1
	VMULPS Z1, Z14, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ R14, DX
sm1body:
	CMPQ DX, $8
	JLT sm1tail
	VMOVUPS.Z (SI), K2, Z1
	VMULPS Z1, Z14, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K2, Z0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, DX
	JMP sm1body
sm1tail:
	TESTQ DX, DX
	JZ sm1run
	MOVQ DX, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	KMOVW R15, K1
	VMOVUPS.Z (SI), K1, Z1
	VMULPS Z1, Z14, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	JMP sm1run
sm2run:
	TESTQ R11, R11
	JZ sdone
	MOVLQSX (R10), BX       // a, the run's first element
	MOVLQSX 4(R10), DX      // its length
	ADDQ $12, R10
	DECQ R11
	TESTQ DX, DX
	JZ sm2run
	MOVQ R13, CX
	ADDQ BX, CX
	ANDQ $7, CX            // the first element's lane
	LEAQ (R8)(BX*4), SI
	LEAQ (R9)(BX*4), DI
	TESTQ CX, CX
	JZ sm2body
	// the first group: lanes [lane, min(8, lane+len))
	MOVQ $8, R14
	SUBQ CX, R14
	CMPQ DX, R14
	CMOVQLT DX, R14        // h elements
	MOVQ CX, BX            // lane
	MOVQ R14, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	MOVQ BX, CX
	SHLQ CX, R15           // ((1<<h)-1) << lane
	KMOVW R15, K1
	SHLQ $2, BX
	SUBQ BX, SI            // back to the group's first place
	SUBQ BX, DI
	VMOVUPS.Z (SI), K1, Z1
	VMULPS Z1, Z14, Z1
	VMOVUPS.Z (DI), K1, Z2
	VMULPS Z2, Z13, Z2
	VADDPS Z2, Z1, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ R14, DX
sm2body:
	CMPQ DX, $8
	JLT sm2tail
	VMOVUPS.Z (SI), K2, Z1
	VMULPS Z1, Z14, Z1
	VMOVUPS.Z (DI), K2, Z2
	VMULPS Z2, Z13, Z2
	VADDPS Z2, Z1, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K2, Z0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, DX
	JMP sm2body
sm2tail:
	TESTQ DX, DX
	JZ sm2run
	MOVQ DX, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	KMOVW R15, K1
	VMOVUPS.Z (SI), K1, Z1
	VMULPS Z1, Z14, Z1
	VMOVUPS.Z (DI), K1, Z2
	VMULPS Z2, Z13, Z2
	VADDPS Z2, Z1, Z1
	VCVTPS2PD Y1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	JMP sm2run
sdone:
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET

// func normRunsAVX512(sums *[8]float64, g0, g1 *float64, runs *int32, n int, w *[2]float64, mode, off int)
TEXT ·normRunsAVX512(SB), NOSPLIT, $0-64
	MOVQ sums+0(FP), AX
	MOVQ g0+8(FP), R8
	MOVQ g1+16(FP), R9
	MOVQ runs+24(FP), R10
	MOVQ n+32(FP), R11
	MOVQ w+40(FP), BX
	VBROADCASTSD (BX), Z14
	VBROADCASTSD 8(BX), Z13
	MOVQ mode+48(FP), R12
	MOVQ off+56(FP), R13
	VMOVUPD (AX), Z0
	MOVQ $0xff, BX
	KMOVW BX, K2
	CMPQ R12, $2
	JEQ dm2run
dm1run:
	TESTQ R11, R11
	JZ ddone
	MOVLQSX (R10), BX       // a, the run's first element
	MOVLQSX 4(R10), DX      // its length
	ADDQ $12, R10
	DECQ R11
	TESTQ DX, DX
	JZ dm1run
	MOVQ R13, CX
	ADDQ BX, CX
	ANDQ $7, CX            // the first element's lane
	LEAQ (R8)(BX*8), SI
	LEAQ (R9)(BX*8), DI
	TESTQ CX, CX
	JZ dm1body
	// the first group: lanes [lane, min(8, lane+len))
	MOVQ $8, R14
	SUBQ CX, R14
	CMPQ DX, R14
	CMOVQLT DX, R14        // h elements
	MOVQ CX, BX            // lane
	MOVQ R14, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	MOVQ BX, CX
	SHLQ CX, R15           // ((1<<h)-1) << lane
	KMOVW R15, K1
	SHLQ $3, BX
	SUBQ BX, SI            // back to the group's first place
	SUBQ BX, DI
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z14, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ R14, DX
dm1body:
	CMPQ DX, $8
	JLT dm1tail
	VMOVUPD.Z (SI), K2, Z1
	VMULPD Z1, Z14, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K2, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, DX
	JMP dm1body
dm1tail:
	TESTQ DX, DX
	JZ dm1run
	MOVQ DX, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	KMOVW R15, K1
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z14, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	JMP dm1run
dm2run:
	TESTQ R11, R11
	JZ ddone
	MOVLQSX (R10), BX       // a, the run's first element
	MOVLQSX 4(R10), DX      // its length
	ADDQ $12, R10
	DECQ R11
	TESTQ DX, DX
	JZ dm2run
	MOVQ R13, CX
	ADDQ BX, CX
	ANDQ $7, CX            // the first element's lane
	LEAQ (R8)(BX*8), SI
	LEAQ (R9)(BX*8), DI
	TESTQ CX, CX
	JZ dm2body
	// the first group: lanes [lane, min(8, lane+len))
	MOVQ $8, R14
	SUBQ CX, R14
	CMPQ DX, R14
	CMOVQLT DX, R14        // h elements
	MOVQ CX, BX            // lane
	MOVQ R14, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	MOVQ BX, CX
	SHLQ CX, R15           // ((1<<h)-1) << lane
	KMOVW R15, K1
	SHLQ $3, BX
	SUBQ BX, SI            // back to the group's first place
	SUBQ BX, DI
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z14, Z1
	VMOVUPD.Z (DI), K1, Z2
	VMULPD Z2, Z13, Z2
	VADDPD Z2, Z1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ R14, DX
dm2body:
	CMPQ DX, $8
	JLT dm2tail
	VMOVUPD.Z (SI), K2, Z1
	VMULPD Z1, Z14, Z1
	VMOVUPD.Z (DI), K2, Z2
	VMULPD Z2, Z13, Z2
	VADDPD Z2, Z1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K2, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, DX
	JMP dm2body
dm2tail:
	TESTQ DX, DX
	JZ dm2run
	MOVQ DX, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	KMOVW R15, K1
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z14, Z1
	VMOVUPD.Z (DI), K1, Z2
	VMULPD Z2, Z13, Z2
	VADDPD Z2, Z1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	JMP dm2run
ddone:
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET
