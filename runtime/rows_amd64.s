#include "textflag.h"

// Row kernels: one call runs an operation over every row of a block of
// rows × cols elements whose rows lie a stride apart in each operand,
// where the layout steps had called a copy or a vector kernel per row
// (a MADE's μ and α are column ranges of its output: on the digits MAF,
// 128 rows of 64 columns, each call ~10 ns of a ~1.3 µs step). Whole
// vectors, then the row's last cols mod lanes elements under a lane
// mask. The arithmetic is the vector kernels' and Go's, element by
// element (no fused multiply-adds), so the bits are.
//
// Strides and counts are in elements; rows ≥ 1, cols ≥ 1. Registers: DI
// out, SI a, DX b, R8 rows left, R9 whole vectors a row, R10-R12 the
// strides in bytes, BX the byte offset in a row, CX vectors left, K1 the
// tail's lanes.

#define SETUP(SHIFT, LANESM1, LSHIFT) \
	SHLQ $SHIFT, R10; \
	SHLQ $SHIFT, R11; \
	SHLQ $SHIFT, R12; \
	MOVQ R9, CX; \
	ANDQ $LANESM1, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	SHRQ $LSHIFT, R9

// out = a op b, b's rows ldb apart (0: one row for all).
#define ROWS_BIN(MOVU, OP, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ b+16(FP), DX; \
	MOVQ rows+24(FP), R8; \
	MOVQ cols+32(FP), R9; \
	MOVQ ldo+40(FP), R10; \
	MOVQ lda+48(FP), R11; \
	MOVQ ldb+56(FP), R12; \
	SETUP(SHIFT, LANESM1, LSHIFT); \
row: \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU (SI)(BX*1), Z0; \
	OP (DX)(BX*1), Z0, Z3; \
	MOVU Z3, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU.Z (SI)(BX*1), K1, Z0; \
	MOVU.Z (DX)(BX*1), K1, Z1; \
	OP Z1, Z0, Z3; \
	MOVU Z3, K1, (DI)(BX*1); \
next: \
	ADDQ R10, DI; \
	ADDQ R11, SI; \
	ADDQ R12, DX; \
	DECQ R8; \
	JNE row; \
	VZEROUPPER; \
	RET

// out[r][j] = a[r][j] op b[r]: b a column, one element a row.
#define COLS_BIN(MOVU, BCAST, OP, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ b+16(FP), DX; \
	MOVQ rows+24(FP), R8; \
	MOVQ cols+32(FP), R9; \
	MOVQ ldo+40(FP), R10; \
	MOVQ lda+48(FP), R11; \
	XORQ R12, R12; \
	SETUP(SHIFT, LANESM1, LSHIFT); \
row: \
	BCAST (DX), Z1; \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU (SI)(BX*1), Z0; \
	OP Z1, Z0, Z3; \
	MOVU Z3, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU.Z (SI)(BX*1), K1, Z0; \
	OP Z1, Z0, Z3; \
	MOVU Z3, K1, (DI)(BX*1); \
next: \
	ADDQ R10, DI; \
	ADDQ R11, SI; \
	ADDQ $(1<<SHIFT), DX; \
	DECQ R8; \
	JNE row; \
	VZEROUPPER; \
	RET

// out = a.
#define ROWS_COPY(MOVU, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ rows+16(FP), R8; \
	MOVQ cols+24(FP), R9; \
	MOVQ ldo+32(FP), R10; \
	MOVQ lda+40(FP), R11; \
	XORQ R12, R12; \
	SETUP(SHIFT, LANESM1, LSHIFT); \
row: \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU (SI)(BX*1), Z0; \
	MOVU Z0, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU.Z (SI)(BX*1), K1, Z0; \
	MOVU Z0, K1, (DI)(BX*1); \
next: \
	ADDQ R10, DI; \
	ADDQ R11, SI; \
	DECQ R8; \
	JNE row; \
	VZEROUPPER; \
	RET

// out[r][j] = b[r]: a column broadcast along the rows.
#define ROWS_BCAST(MOVU, BCAST, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ b+8(FP), DX; \
	MOVQ rows+16(FP), R8; \
	MOVQ cols+24(FP), R9; \
	MOVQ ldo+32(FP), R10; \
	XORQ R11, R11; \
	XORQ R12, R12; \
	SETUP(SHIFT, LANESM1, LSHIFT); \
row: \
	BCAST (DX), Z0; \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU Z0, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU Z0, K1, (DI)(BX*1); \
next: \
	ADDQ R10, DI; \
	ADDQ $(1<<SHIFT), DX; \
	DECQ R8; \
	JNE row; \
	VZEROUPPER; \
	RET

// out = g where a > 0 (ordered: not for a NaN), else +0, over n elements:
// relu's derivative, as reluGradAVX32 and reluGradGo give it, sixteen or
// eight lanes at a time and the tail under a lane mask.
#define RELUGRAD(MOVU, CMP, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ gr+16(FP), DX; \
	MOVQ n+24(FP), R9; \
	XORQ R10, R10; \
	XORQ R11, R11; \
	XORQ R12, R12; \
	SETUP(SHIFT, LANESM1, LSHIFT); \
	VPXORD Z15, Z15, Z15; \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU (SI)(BX*1), Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ done; \
	MOVU.Z (SI)(BX*1), K1, Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	KANDW K1, K2, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, K1, (DI)(BX*1); \
done: \
	VZEROUPPER; \
	RET

// func rowsAddS(out, a, b *float32, rows, cols, ldo, lda, ldb int)
TEXT ·rowsAddS(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPS, VADDPS, 2, 15, 4)

// func rowsSubS(out, a, b *float32, rows, cols, ldo, lda, ldb int)
TEXT ·rowsSubS(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPS, VSUBPS, 2, 15, 4)

// func rowsMulS(out, a, b *float32, rows, cols, ldo, lda, ldb int)
TEXT ·rowsMulS(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPS, VMULPS, 2, 15, 4)

// func rowsAddD(out, a, b *float64, rows, cols, ldo, lda, ldb int)
TEXT ·rowsAddD(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPD, VADDPD, 3, 7, 3)

// func rowsSubD(out, a, b *float64, rows, cols, ldo, lda, ldb int)
TEXT ·rowsSubD(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPD, VSUBPD, 3, 7, 3)

// func rowsMulD(out, a, b *float64, rows, cols, ldo, lda, ldb int)
TEXT ·rowsMulD(SB), NOSPLIT, $0-64
	ROWS_BIN(VMOVUPD, VMULPD, 3, 7, 3)

// func colsAddS(out, a, b *float32, rows, cols, ldo, lda int)
TEXT ·colsAddS(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPS, VBROADCASTSS, VADDPS, 2, 15, 4)

// func colsSubS(out, a, b *float32, rows, cols, ldo, lda int)
TEXT ·colsSubS(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPS, VBROADCASTSS, VSUBPS, 2, 15, 4)

// func colsMulS(out, a, b *float32, rows, cols, ldo, lda int)
TEXT ·colsMulS(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPS, VBROADCASTSS, VMULPS, 2, 15, 4)

// func colsAddD(out, a, b *float64, rows, cols, ldo, lda int)
TEXT ·colsAddD(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPD, VBROADCASTSD, VADDPD, 3, 7, 3)

// func colsSubD(out, a, b *float64, rows, cols, ldo, lda int)
TEXT ·colsSubD(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPD, VBROADCASTSD, VSUBPD, 3, 7, 3)

// func colsMulD(out, a, b *float64, rows, cols, ldo, lda int)
TEXT ·colsMulD(SB), NOSPLIT, $0-56
	COLS_BIN(VMOVUPD, VBROADCASTSD, VMULPD, 3, 7, 3)

// func rowsCopyS(out, a *float32, rows, cols, ldo, lda int)
TEXT ·rowsCopyS(SB), NOSPLIT, $0-48
	ROWS_COPY(VMOVUPS, 2, 15, 4)

// func rowsCopyD(out, a *float64, rows, cols, ldo, lda int)
TEXT ·rowsCopyD(SB), NOSPLIT, $0-48
	ROWS_COPY(VMOVUPD, 3, 7, 3)

// func rowsBcastS(out, b *float32, rows, cols, ldo int)
TEXT ·rowsBcastS(SB), NOSPLIT, $0-40
	ROWS_BCAST(VMOVUPS, VBROADCASTSS, 2, 15, 4)

// func rowsBcastD(out, b *float64, rows, cols, ldo int)
TEXT ·rowsBcastD(SB), NOSPLIT, $0-40
	ROWS_BCAST(VMOVUPD, VBROADCASTSD, 3, 7, 3)

// func sumRowsS(out, a *float32, rows, n, lda int)
// out[r] = sumRow(a[r·lda : r·lda+n]) for r < rows, n ≥ 8: eight partial
// sums, element j in sum j mod 8 (the lanes of Y0), added pairwise as
// ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), each addition's left operand
// first (of two NaNs, x86 keeps the first operand's payload, so the
// horizontal additions, which add s1+s0, gave other NaNs), then the last
// n mod 8 elements one by one, as sumRow does.
TEXT ·sumRowsS(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ lda+32(FP), R11
	SHLQ $2, R11
	MOVQ R9, R12
	ANDQ $7, R12          // the tail
	SHRQ $3, R9           // groups of eight
sums_row:
	VXORPS Y0, Y0, Y0
	XORQ BX, BX
	MOVQ R9, CX
sums_vec:
	VADDPS (SI)(BX*1), Y0, Y0
	ADDQ $32, BX
	DECQ CX
	JNE sums_vec
	VSHUFPS $0x88, Y0, Y0, Y1 // s0 s2 · · | s4 s6 · ·
	VSHUFPS $0xDD, Y0, Y0, Y2 // s1 s3 · · | s5 s7 · ·
	VADDPS Y2, Y1, Y3         // s0+s1 s2+s3 · · | s4+s5 s6+s7 · ·
	VMOVSHDUP Y3, Y4          // s2+s3 in lane 0, s6+s7 in lane 4
	VADDPS Y4, Y3, Y5
	VEXTRACTF128 $1, Y5, X6
	VADDSS X6, X5, X4
	MOVQ R12, CX
	TESTQ CX, CX
	JZ sums_store
sums_tail:
	VADDSS (SI)(BX*1), X4, X4
	ADDQ $4, BX
	DECQ CX
	JNE sums_tail
sums_store:
	VMOVSS X4, (DI)
	ADDQ $4, DI
	ADDQ R11, SI
	DECQ R8
	JNE sums_row
	VZEROUPPER
	RET

// func sumRowsD(out, a *float64, rows, n, lda int)
// sumRowsS for float64: the partial sums s0-s3 in Y0, s4-s7 in Y5.
TEXT ·sumRowsD(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ lda+32(FP), R11
	SHLQ $3, R11
	MOVQ R9, R12
	ANDQ $7, R12
	SHRQ $3, R9
sumd_row:
	VXORPD Y0, Y0, Y0
	VXORPD Y5, Y5, Y5
	XORQ BX, BX
	MOVQ R9, CX
sumd_vec:
	VADDPD (SI)(BX*1), Y0, Y0
	VADDPD 32(SI)(BX*1), Y5, Y5
	ADDQ $64, BX
	DECQ CX
	JNE sumd_vec
	VPERMILPD $5, Y0, Y1 // s1 s0 s3 s2
	VADDPD Y1, Y0, Y2    // s0+s1 · s2+s3 ·
	VEXTRACTF128 $1, Y2, X3
	VADDSD X3, X2, X4
	VPERMILPD $5, Y5, Y6
	VADDPD Y6, Y5, Y7
	VEXTRACTF128 $1, Y7, X8
	VADDSD X8, X7, X9
	VADDSD X9, X4, X4
	MOVQ R12, CX
	TESTQ CX, CX
	JZ sumd_store
sumd_tail:
	VADDSD (SI)(BX*1), X4, X4
	ADDQ $8, BX
	DECQ CX
	JNE sumd_tail
sumd_store:
	VMOVSD X4, (DI)
	ADDQ $8, DI
	ADDQ R11, SI
	DECQ R8
	JNE sumd_row
	VZEROUPPER
	RET

// func reluGradAVX512s(out, a, gr *float32, n int)
TEXT ·reluGradAVX512s(SB), NOSPLIT, $0-32
	RELUGRAD(VMOVUPS, VCMPPS, 2, 15, 4)

// func reluGradAVX512d(out, a, gr *float64, n int)
TEXT ·reluGradAVX512d(SB), NOSPLIT, $0-32
	RELUGRAD(VMOVUPD, VCMPPD, 3, 7, 3)
