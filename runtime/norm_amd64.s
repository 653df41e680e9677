#include "textflag.h"

// The clipping norm's sums of squares (addSquares): x[j]² is added, in
// float64, to sums[(lane+j) mod 8] for every j < n: addSquares' eight
// running sums as the eight lanes of one register, each lane's additions
// in the order of the Go loop and without fused multiply-adds, so the
// sums are bit-identical. A run that starts inside a group of eight
// places (lane > 0) or ends inside one is read under a lane mask, the
// first group from before x (the masked-off lanes are neither read, so
// they cannot fault, nor added: merge masking leaves those sums alone).
// Doing the ends here and not in Go matters because the norm reads a
// masked weight's gradient run by run, and blocks of 512 elements that
// start anywhere: on a 784-d MAF (runs of ~400 elements, before its joint
// gradients' squares moved into the joint tasks) the scalar ends made
// the Go function a third of the norm's time.

// LOWMASK sets R10 to the mask of the CX low lanes, (1<<CX) - 1.
#define LOWMASK \
	MOVQ $1, R10 \
	SHLQ CX, R10 \
	DECQ R10

// SQUARE adds the squares of the eight values LOAD reads at (SI) to the
// lanes of Z0; SQUARE_K those of the lanes in K1, which LOADZ reads (the
// others it neither reads nor adds).
#define SQUARE(LOAD) \
	LOAD (SI), Z1 \
	VMULPD Z1, Z1, Z1 \
	VADDPD Z1, Z0, Z0

#define SQUARE_K(LOADZ) \
	LOADZ (SI), K1, Z1 \
	VMULPD Z1, Z1, Z1 \
	VADDPD Z1, Z0, K1, Z0

// SQUARES is the body of squaresAVX512 and squaresAVX512f32 (sums in
// AX, x in SI, n in BX, lane in DX), whose elements are 1<<SHIFT bytes
// wide, eight of them W bytes, read and widened to float64 by LOAD
// (LOADZ: the same, masked, zeroing the lanes it does not read).
#define SQUARES(LOAD, LOADZ, SHIFT, W) \
	VMOVUPD (AX), Z0 \
	TESTQ DX, DX \
	JZ body \
	/* the first group: places [lane, min(8, lane+n)) */ \
	MOVQ $8, R9 \
	SUBQ DX, R9 \
	CMPQ BX, R9 \
	CMOVQLT BX, R9 /* h = min(8-lane, n) elements */ \
	MOVQ R9, CX \
	LOWMASK \
	MOVQ DX, CX \
	SHLQ CX, R10 /* << lane */ \
	KMOVW R10, K1 \
	MOVQ DX, R8 \
	SHLQ $SHIFT, R8 \
	SUBQ R8, SI /* x - lane */ \
	SQUARE_K(LOADZ) \
	ADDQ $W, SI \
	SUBQ R9, BX \
body: \
	CMPQ BX, $8 \
	JLT tail \
loop: \
	SQUARE(LOAD) \
	ADDQ $W, SI \
	SUBQ $8, BX \
	CMPQ BX, $8 \
	JGE loop \
tail: \
	TESTQ BX, BX \
	JZ done \
	MOVQ BX, CX \
	LOWMASK \
	KMOVW R10, K1 \
	SQUARE_K(LOADZ) \
done: \
	VMOVUPD Z0, (AX) \
	VZEROUPPER \
	RET

// The joint tasks' sums of squares (squaresRect): rows of cols elements,
// ld apart; element j of a row goes to sums[j mod 32], row after row:
// four registers of eight lanes, the jth group of eight of a row to
// register j mod 4, the last cols mod 8 of a row under a lane mask. In
// one register each addition waited for the last: the clipped 784-d
// joint phase took 1.05–1.17 ms more than the unclipped one, with four
// 0.54–0.71 ms (TestProbeClip's trainers). rows and cols are positive.
#define SQ_ROWS_FULL(LOAD, W, R) \
	LOAD (DI), Z8 \
	VMULPD Z8, Z8, Z8 \
	VADDPD Z8, R, R \
	ADDQ $W, DI

/* The last cols mod 8 of a row (CX of them, K1), if any, into R. */
#define SQ_ROWS_TAIL(LOADZ, R) \
	TESTQ CX, CX \
	JZ next \
	LOADZ (DI), K1, Z8 \
	VMULPD Z8, Z8, Z8 \
	VADDPD Z8, R, K1, R

// SQ_ROWS is the body of squaresRowsAVX512 and squaresRowsAVX512f32
// (sums in AX, x in SI, rows in BX, cols in DX, ld in R8; elements
// 1<<SHIFT bytes, eight of them W bytes, as SQUARES).
#define SQ_ROWS(LOAD, LOADZ, SHIFT, W) \
	SHLQ $SHIFT, R8 \
	VMOVUPD (AX), Z0 \
	VMOVUPD 64(AX), Z1 \
	VMOVUPD 128(AX), Z2 \
	VMOVUPD 192(AX), Z3 \
	MOVQ DX, CX \
	ANDQ $7, CX \
	LOWMASK \
	KMOVW R10, K1 \
	MOVQ DX, R11 \
	SHRQ $5, R11 /* groups of four groups of eight */ \
	MOVQ DX, R13 \
	SHRQ $3, R13 \
	ANDQ $3, R13 /* full groups after those */ \
row: \
	MOVQ SI, DI \
	MOVQ R11, R9 \
	TESTQ R9, R9 \
	JZ rest \
four: \
	SQ_ROWS_FULL(LOAD, W, Z0) \
	SQ_ROWS_FULL(LOAD, W, Z1) \
	SQ_ROWS_FULL(LOAD, W, Z2) \
	SQ_ROWS_FULL(LOAD, W, Z3) \
	DECQ R9 \
	JNZ four \
rest: \
	CMPQ R13, $1 \
	JLT tail0 \
	SQ_ROWS_FULL(LOAD, W, Z0) \
	CMPQ R13, $2 \
	JLT tail1 \
	SQ_ROWS_FULL(LOAD, W, Z1) \
	CMPQ R13, $3 \
	JLT tail2 \
	SQ_ROWS_FULL(LOAD, W, Z2) \
	SQ_ROWS_TAIL(LOADZ, Z3) \
	JMP next \
tail0: \
	SQ_ROWS_TAIL(LOADZ, Z0) \
	JMP next \
tail1: \
	SQ_ROWS_TAIL(LOADZ, Z1) \
	JMP next \
tail2: \
	SQ_ROWS_TAIL(LOADZ, Z2) \
next: \
	ADDQ R8, SI \
	DECQ BX \
	JNZ row \
	VMOVUPD Z0, (AX) \
	VMOVUPD Z1, 64(AX) \
	VMOVUPD Z2, 128(AX) \
	VMOVUPD Z3, 192(AX) \
	VZEROUPPER \
	RET

// func squaresAVX512(sums *[8]float64, x *float64, n, lane int)
TEXT ·squaresAVX512(SB), NOSPLIT, $0-32
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ lane+24(FP), DX
	SQUARES(VMOVUPD, VMOVUPD.Z, 3, 64)

// func squaresAVX512f32(sums *[8]float64, x *float32, n, lane int)
// squaresAVX512 of float32 values, each widened to float64 first (exact).
TEXT ·squaresAVX512f32(SB), NOSPLIT, $0-32
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ lane+24(FP), DX
	SQUARES(VCVTPS2PD, VCVTPS2PD.Z, 2, 32)

// func squaresRowsAVX512(sums *[32]float64, x *float64, rows, cols, ld int)
TEXT ·squaresRowsAVX512(SB), NOSPLIT, $0-40
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ cols+24(FP), DX
	MOVQ ld+32(FP), R8
	SQ_ROWS(VMOVUPD, VMOVUPD.Z, 3, 64)

// func squaresRowsAVX512f32(sums *[32]float64, x *float32, rows, cols, ld int)
TEXT ·squaresRowsAVX512f32(SB), NOSPLIT, $0-40
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ cols+24(FP), DX
	MOVQ ld+32(FP), R8
	SQ_ROWS(VCVTPS2PD, VCVTPS2PD.Z, 2, 32)
