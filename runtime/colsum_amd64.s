#include "textflag.h"

// Column sums with AVX-512: out[j] = a[0][j] + a[1][j] + … + a[rows−1][j],
// added row after row in that order, as copying row 0 and adding each
// row to out does (the same bits), but with each block of columns held
// in registers across the rows: the bias gradients of a MADE sum 128 rows
// of 100 to 512 columns, where a vector call per row cost more than the
// adds. Blocks of four vectors, then of one, then the last cols mod lanes
// under a lane mask (masked loads do not touch the elements left out).
// rows ≥ 1, cols ≥ 1, ld ≥ cols (elements from one row to the next).

#define COLSUM(NAME, MOVU, ADD, SHIFT, LANES, LANES4) \
TEXT NAME(SB), NOSPLIT, $0-40 \
	MOVQ out+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ rows+16(FP), R8 \
	MOVQ cols+24(FP), CX \
	MOVQ ld+32(FP), R9 \
	SHLQ $SHIFT, R9 \
blk4: \
	CMPQ CX, $LANES4 \
	JLT blk1 \
	MOVQ SI, AX \
	MOVU (AX), Z0 \
	MOVU 64(AX), Z1 \
	MOVU 128(AX), Z2 \
	MOVU 192(AX), Z3 \
	MOVQ R8, DX \
	DECQ DX \
	JEQ st4 \
r4: \
	ADDQ R9, AX \
	ADD (AX), Z0, Z0 \
	ADD 64(AX), Z1, Z1 \
	ADD 128(AX), Z2, Z2 \
	ADD 192(AX), Z3, Z3 \
	DECQ DX \
	JNE r4 \
st4: \
	MOVU Z0, (DI) \
	MOVU Z1, 64(DI) \
	MOVU Z2, 128(DI) \
	MOVU Z3, 192(DI) \
	ADDQ $256, SI \
	ADDQ $256, DI \
	SUBQ $LANES4, CX \
	JMP blk4 \
blk1: \
	CMPQ CX, $LANES \
	JLT tail \
	MOVQ SI, AX \
	MOVU (AX), Z0 \
	MOVQ R8, DX \
	DECQ DX \
	JEQ st1 \
r1: \
	ADDQ R9, AX \
	ADD (AX), Z0, Z0 \
	DECQ DX \
	JNE r1 \
st1: \
	MOVU Z0, (DI) \
	ADDQ $64, SI \
	ADDQ $64, DI \
	SUBQ $LANES, CX \
	JMP blk1 \
tail: \
	TESTQ CX, CX \
	JEQ done \
	MOVQ $1, BX \
	SHLQ CX, BX \
	DECQ BX \
	KMOVW BX, K1 \
	MOVQ SI, AX \
	MOVU.Z (AX), K1, Z0 \
	MOVQ R8, DX \
	DECQ DX \
	JEQ stt \
rt: \
	ADDQ R9, AX \
	MOVU.Z (AX), K1, Z1 \
	ADD Z1, Z0, Z0 \
	DECQ DX \
	JNE rt \
stt: \
	MOVU Z0, K1, (DI) \
done: \
	VZEROUPPER \
	RET

// func colSum512s(out, a *float32, rows, cols, ld int)
COLSUM(·colSum512s, VMOVUPS, VADDPS, 2, 16, 64)

// func colSum512d(out, a *float64, rows, cols, ld int)
COLSUM(·colSum512d, VMOVUPD, VADDPD, 3, 8, 32)
