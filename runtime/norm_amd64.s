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

// func squaresAVX512(sums *[8]float64, x *float64, n, lane int)
TEXT ·squaresAVX512(SB), NOSPLIT, $0-32
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ lane+24(FP), DX
	VMOVUPD (AX), Z0
	TESTQ DX, DX
	JZ sq64_body
	// The first group: places [lane, min(8, lane+n)).
	MOVQ $8, R9
	SUBQ DX, R9
	CMPQ BX, R9
	CMOVQLT BX, R9 // h = min(8-lane, n) elements
	MOVQ $1, R10
	MOVQ R9, CX
	SHLQ CX, R10
	DECQ R10       // (1<<h) - 1
	MOVQ DX, CX
	SHLQ CX, R10   // << lane
	KMOVW R10, K1
	MOVQ DX, R8
	SHLQ $3, R8
	SUBQ R8, SI    // x - lane
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $64, SI
	SUBQ R9, BX
sq64_body:
	CMPQ BX, $8
	JLT sq64_tail
sq64_loop:
	VMOVUPD (SI), Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, Z0
	ADDQ $64, SI
	SUBQ $8, BX
	CMPQ BX, $8
	JGE sq64_loop
sq64_tail:
	TESTQ BX, BX
	JZ sq64_done
	MOVQ $1, R10
	MOVQ BX, CX
	SHLQ CX, R10
	DECQ R10
	KMOVW R10, K1
	VMOVUPD.Z (SI), K1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
sq64_done:
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET

// func squaresAVX512f32(sums *[8]float64, x *float32, n, lane int)
// squaresAVX512 of float32 values, each widened to float64 first (exact).
TEXT ·squaresAVX512f32(SB), NOSPLIT, $0-32
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ lane+24(FP), DX
	VMOVUPD (AX), Z0
	TESTQ DX, DX
	JZ sq32_body
	MOVQ $8, R9
	SUBQ DX, R9
	CMPQ BX, R9
	CMOVQLT BX, R9
	MOVQ $1, R10
	MOVQ R9, CX
	SHLQ CX, R10
	DECQ R10
	MOVQ DX, CX
	SHLQ CX, R10
	KMOVW R10, K1
	MOVQ DX, R8
	SHLQ $2, R8
	SUBQ R8, SI
	VCVTPS2PD.Z (SI), K1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
	ADDQ $32, SI
	SUBQ R9, BX
sq32_body:
	CMPQ BX, $8
	JLT sq32_tail
sq32_loop:
	VCVTPS2PD (SI), Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, Z0
	ADDQ $32, SI
	SUBQ $8, BX
	CMPQ BX, $8
	JGE sq32_loop
sq32_tail:
	TESTQ BX, BX
	JZ sq32_done
	MOVQ $1, R10
	MOVQ BX, CX
	SHLQ CX, R10
	DECQ R10
	KMOVW R10, K1
	VCVTPS2PD.Z (SI), K1, Z1
	VMULPD Z1, Z1, Z1
	VADDPD Z1, Z0, K1, Z0
sq32_done:
	VMOVUPD Z0, (AX)
	VZEROUPPER
	RET

// The joint tasks' sums of squares (squaresRect): rows of cols elements,
// ld apart; element j of a row goes to sums[j mod 32], row after row:
// four registers of eight lanes, the jth group of eight of a row to
// register j mod 4 (one register's additions, each waiting for the last,
// ran the sums at a third of the speed the cache feeds them), the last
// cols mod 8 of a row under a lane mask. rows and cols are positive.
#define SQ_ROWS_FULL(LOAD, W, R) \
	LOAD (DI), Z8 \
	VMULPD Z8, Z8, Z8 \
	VADDPD Z8, R, R \
	ADDQ $W, DI

#define SQ_ROWS_TAIL(LOAD, R) \
	LOAD (DI), K1, Z8 \
	VMULPD Z8, Z8, Z8 \
	VADDPD Z8, R, K1, R

// func squaresRowsAVX512(sums *[32]float64, x *float64, rows, cols, ld int)
TEXT ·squaresRowsAVX512(SB), NOSPLIT, $0-40
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ cols+24(FP), DX
	MOVQ ld+32(FP), R8
	SHLQ $3, R8
	VMOVUPD (AX), Z0
	VMOVUPD 64(AX), Z1
	VMOVUPD 128(AX), Z2
	VMOVUPD 192(AX), Z3
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	KMOVW R10, K1
	MOVQ DX, R11
	SHRQ $5, R11 // groups of four groups of eight
	MOVQ DX, R13
	SHRQ $3, R13
	ANDQ $3, R13 // full groups after those
rows64_row:
	MOVQ SI, DI
	MOVQ R11, R9
	TESTQ R9, R9
	JZ rows64_rest
rows64_four:
	SQ_ROWS_FULL(VMOVUPD, 64, Z0)
	SQ_ROWS_FULL(VMOVUPD, 64, Z1)
	SQ_ROWS_FULL(VMOVUPD, 64, Z2)
	SQ_ROWS_FULL(VMOVUPD, 64, Z3)
	DECQ R9
	JNZ rows64_four
rows64_rest:
	CMPQ R13, $1
	JLT rows64_tail0
	SQ_ROWS_FULL(VMOVUPD, 64, Z0)
	CMPQ R13, $2
	JLT rows64_tail1
	SQ_ROWS_FULL(VMOVUPD, 64, Z1)
	CMPQ R13, $3
	JLT rows64_tail2
	SQ_ROWS_FULL(VMOVUPD, 64, Z2)
	TESTQ CX, CX
	JZ rows64_next
	SQ_ROWS_TAIL(VMOVUPD.Z, Z3)
	JMP rows64_next
rows64_tail0:
	TESTQ CX, CX
	JZ rows64_next
	SQ_ROWS_TAIL(VMOVUPD.Z, Z0)
	JMP rows64_next
rows64_tail1:
	TESTQ CX, CX
	JZ rows64_next
	SQ_ROWS_TAIL(VMOVUPD.Z, Z1)
	JMP rows64_next
rows64_tail2:
	TESTQ CX, CX
	JZ rows64_next
	SQ_ROWS_TAIL(VMOVUPD.Z, Z2)
rows64_next:
	ADDQ R8, SI
	DECQ BX
	JNZ rows64_row
	VMOVUPD Z0, (AX)
	VMOVUPD Z1, 64(AX)
	VMOVUPD Z2, 128(AX)
	VMOVUPD Z3, 192(AX)
	VZEROUPPER
	RET

// func squaresRowsAVX512f32(sums *[32]float64, x *float32, rows, cols, ld int)
TEXT ·squaresRowsAVX512f32(SB), NOSPLIT, $0-40
	MOVQ sums+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ cols+24(FP), DX
	MOVQ ld+32(FP), R8
	SHLQ $2, R8
	VMOVUPD (AX), Z0
	VMOVUPD 64(AX), Z1
	VMOVUPD 128(AX), Z2
	VMOVUPD 192(AX), Z3
	MOVQ DX, CX
	ANDQ $7, CX
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	KMOVW R10, K1
	MOVQ DX, R11
	SHRQ $5, R11
	MOVQ DX, R13
	SHRQ $3, R13
	ANDQ $3, R13
rows32_row:
	MOVQ SI, DI
	MOVQ R11, R9
	TESTQ R9, R9
	JZ rows32_rest
rows32_four:
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z0)
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z1)
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z2)
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z3)
	DECQ R9
	JNZ rows32_four
rows32_rest:
	CMPQ R13, $1
	JLT rows32_tail0
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z0)
	CMPQ R13, $2
	JLT rows32_tail1
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z1)
	CMPQ R13, $3
	JLT rows32_tail2
	SQ_ROWS_FULL(VCVTPS2PD, 32, Z2)
	TESTQ CX, CX
	JZ rows32_next
	SQ_ROWS_TAIL(VCVTPS2PD.Z, Z3)
	JMP rows32_next
rows32_tail0:
	TESTQ CX, CX
	JZ rows32_next
	SQ_ROWS_TAIL(VCVTPS2PD.Z, Z0)
	JMP rows32_next
rows32_tail1:
	TESTQ CX, CX
	JZ rows32_next
	SQ_ROWS_TAIL(VCVTPS2PD.Z, Z1)
	JMP rows32_next
rows32_tail2:
	TESTQ CX, CX
	JZ rows32_next
	SQ_ROWS_TAIL(VCVTPS2PD.Z, Z2)
rows32_next:
	ADDQ R8, SI
	DECQ BX
	JNZ rows32_row
	VMOVUPD Z0, (AX)
	VMOVUPD Z1, 64(AX)
	VMOVUPD Z2, 128(AX)
	VMOVUPD Z3, 192(AX)
	VZEROUPPER
	RET
