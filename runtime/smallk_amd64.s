#include "textflag.h"

// out[i][j] = max(floor, Σ_p a[i][p]·b[p][j] + bias[j]) for a product of
// a few terms (k ≤ 8) with a fused bias (and relu: floor 0, else −Inf),
// in one pass over out: the same operations in the same order as the
// matrix kernels (accumulators zeroed, then one FMA per term, p
// ascending, a·b + acc) followed by the bias pass (acc + bias, then the
// maximum with floor first), so the same bits. The row's a values are
// broadcast once; the vectors of a row's columns follow, each under a
// lane mask (all lanes but in the last, partial one, whose loads then
// touch nothing past the row), so that one sequence of instructions
// serves both: BenchmarkSmallK ran 5.80–5.82 µs (float64) with it,
// 5.84–5.95 with an unmasked copy for the whole vectors. rows, cols ≥ 1,
// 1 ≤ k ≤ 8.
//
// Registers: DI out's row, SI a's row, DX b, R8 bias, R9 rows left, R10
// out's row in bytes, R11 k, R12 a's row stride in bytes, R13 b's, R14
// whole vectors a row, CX whole vectors left (then 0 for the partial
// one, −1 when done), BX the column's byte offset, AX b's row; Z16-Z23
// the row's a values, Z15 floor, Z0 the accumulator, K1 the partial
// vector's lanes (none: no partial vector), K2 the vector's.
#define SMALLK(MOVU, BCAST, FMA, ADD, MAX, SIZE, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ b+16(FP), DX; \
	MOVQ bias+24(FP), R8; \
	MOVQ rows+32(FP), R9; \
	MOVQ cols+40(FP), R10; \
	MOVQ k+48(FP), R11; \
	MOVQ lda+56(FP), R12; \
	SHLQ $SHIFT, R12; \
	MOVQ ldb+64(FP), R13; \
	SHLQ $SHIFT, R13; \
	MOVQ R10, CX; \
	ANDQ $LANESM1, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	MOVQ R10, R14; \
	SHRQ $LSHIFT, R14; \
	SHLQ $SHIFT, R10; \
krow: \
	MOVQ SI, AX; \
	BCAST (AX), Z16; \
	CMPQ R11, $2; \
	JB kcols; \
	BCAST SIZE(AX), Z17; \
	CMPQ R11, $3; \
	JB kcols; \
	BCAST (2*SIZE)(AX), Z18; \
	CMPQ R11, $4; \
	JB kcols; \
	BCAST (3*SIZE)(AX), Z19; \
	CMPQ R11, $5; \
	JB kcols; \
	BCAST (4*SIZE)(AX), Z20; \
	CMPQ R11, $6; \
	JB kcols; \
	BCAST (5*SIZE)(AX), Z21; \
	CMPQ R11, $7; \
	JB kcols; \
	BCAST (6*SIZE)(AX), Z22; \
	CMPQ R11, $8; \
	JB kcols; \
	BCAST (7*SIZE)(AX), Z23; \
kcols: \
	XORQ BX, BX; \
	MOVQ R14, CX; \
kvec: \
	KXNORW K2, K2, K2; \
	TESTQ CX, CX; \
	JNZ kchain; \
	KORTESTW K1, K1; \
	JZ knext; \
	KMOVW K1, K2; \
kchain: \
	VPXORQ Z0, Z0, Z0; \
	MOVQ DX, AX; \
	FMA (AX)(BX*1), Z16, K2, Z0; \
	CMPQ R11, $2; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z17, K2, Z0; \
	CMPQ R11, $3; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z18, K2, Z0; \
	CMPQ R11, $4; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z19, K2, Z0; \
	CMPQ R11, $5; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z20, K2, Z0; \
	CMPQ R11, $6; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z21, K2, Z0; \
	CMPQ R11, $7; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z22, K2, Z0; \
	CMPQ R11, $8; \
	JB kbias; \
	ADDQ R13, AX; \
	FMA (AX)(BX*1), Z23, K2, Z0; \
kbias: \
	ADD (R8)(BX*1), Z0, K2, Z0; \
	MAX Z0, Z15, Z0; \
	MOVU Z0, K2, (DI)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNS kvec; \
knext: \
	ADDQ R10, DI; \
	ADDQ R12, SI; \
	DECQ R9; \
	JNZ krow; \
	VZEROUPPER; \
	RET

// func smallKBiasD(out, a, b, bias *float64, rows, cols, k, lda, ldb int, floor float64)
TEXT ·smallKBiasD(SB), NOSPLIT, $0-80
	VBROADCASTSD floor+72(FP), Z15
	SMALLK(VMOVUPD, VBROADCASTSD, VFMADD231PD, VADDPD, VMAXPD, 8, 3, 7, 3)

// func smallKBiasS(out, a, b, bias *float32, rows, cols, k, lda, ldb int, floor float32)
TEXT ·smallKBiasS(SB), NOSPLIT, $0-76
	VBROADCASTSS floor+72(FP), Z15
	SMALLK(VMOVUPS, VBROADCASTSS, VFMADD231PS, VADDPS, VMAXPS, 4, 2, 15, 4)
