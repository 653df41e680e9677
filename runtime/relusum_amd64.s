#include "textflag.h"

// The relu derivative and its sum over rows in one pass, with AVX-512
// (relusum.go): over rows rows of cols contiguous elements, out = g
// where a > 0, else +0 (a NaN too), as reluGradAVX512s and
// reluGradAVX512d select it; and sum[j] = out[0][j] + out[1][j] + …,
// added row after row in that order with the running sum the first
// operand, as colSum512s and colSum512d add (the same bits, NaN payloads
// included). Row by row, whole vectors and then the row's last cols mod
// lanes elements under a lane mask; the running sums are kept in sum
// itself. rows ≥ 1, cols ≥ 1. Registers: DI out, SI a, DX g, R11 sum,
// R8 rows left, R9 whole vectors a row, R10 a row's bytes, BX the byte
// offset in a row, CX vectors left, K1 the tail's lanes, Z15 zero.

#define RGROWS(MOVU, CMP, ADD, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ gr+16(FP), DX; \
	MOVQ sum+24(FP), R11; \
	MOVQ rows+32(FP), R8; \
	MOVQ cols+40(FP), R9; \
	MOVQ R9, R10; \
	SHLQ $SHIFT, R10; \
	MOVQ R9, CX; \
	ANDQ $LANESM1, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	SHRQ $LSHIFT, R9; \
	VPXORD Z15, Z15, Z15; \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail0; \
vec0: \
	MOVU (SI)(BX*1), Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, (DI)(BX*1); \
	MOVU Z0, (R11)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec0; \
tail0: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU.Z (SI)(BX*1), K1, Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	KANDW K1, K2, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, K1, (DI)(BX*1); \
	MOVU Z0, K1, (R11)(BX*1); \
next: \
	DECQ R8; \
	JZ done; \
	ADDQ R10, SI; \
	ADDQ R10, DX; \
	ADDQ R10, DI; \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	TESTQ CX, CX; \
	JZ tail; \
vec: \
	MOVU (SI)(BX*1), Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, (DI)(BX*1); \
	MOVU (R11)(BX*1), Z2; \
	ADD Z0, Z2, Z2; \
	MOVU Z2, (R11)(BX*1); \
	ADDQ $64, BX; \
	DECQ CX; \
	JNE vec; \
tail: \
	KORTESTW K1, K1; \
	JZ next; \
	MOVU.Z (SI)(BX*1), K1, Z1; \
	CMP $0x1e, Z15, Z1, K2; \
	KANDW K1, K2, K2; \
	MOVU.Z (DX)(BX*1), K2, Z0; \
	MOVU Z0, K1, (DI)(BX*1); \
	MOVU.Z (R11)(BX*1), K1, Z2; \
	ADD Z0, Z2, Z2; \
	MOVU Z2, K1, (R11)(BX*1); \
	JMP next; \
done: \
	VZEROUPPER; \
	RET

// func reluGradSum512s(out, a, gr, sum *float32, rows, cols int)
TEXT ·reluGradSum512s(SB), NOSPLIT, $0-48
	RGROWS(VMOVUPS, VCMPPS, VADDPS, 2, 15, 4)

// func reluGradSum512d(out, a, gr, sum *float64, rows, cols int)
TEXT ·reluGradSum512d(SB), NOSPLIT, $0-48
	RGROWS(VMOVUPD, VCMPPD, VADDPD, 3, 7, 3)
