#include "textflag.h"

// out[i][j] = max(floor, out[i][j] + bias[j]) with AVX-512, as biasAVX32
// and biasAVX compute it (the same operations in the same operand order:
// the same bits, NaN payloads included): floor is 0 for relu or −Inf
// for none. Whole vectors two at a time, then one, then the row's last
// cols mod lanes elements under a lane mask. rows ≥ 1, cols ≥ 1.
// Registers: DI out's row, DX bias, R8 rows left, R9 whole vectors a
// row, R10 a row's bytes, BX the byte offset in a row, CX vector pairs
// left, K1 the tail's lanes, Z15 floor.
#define BIAS512(MOVU, ADD, MAX, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ bias+8(FP), DX; \
	MOVQ rows+16(FP), R8; \
	MOVQ cols+24(FP), R9; \
	MOVQ R9, R10; \
	SHLQ $SHIFT, R10; \
	MOVQ R9, CX; \
	ANDQ $LANESM1, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	SHRQ $LSHIFT, R9; \
brow: \
	XORQ BX, BX; \
	MOVQ R9, CX; \
	SHRQ $1, CX; \
	JZ bone; \
bpair: \
	MOVU (DI)(BX*1), Z0; \
	MOVU 64(DI)(BX*1), Z1; \
	ADD (DX)(BX*1), Z0, Z0; \
	ADD 64(DX)(BX*1), Z1, Z1; \
	MAX Z0, Z15, Z0; \
	MAX Z1, Z15, Z1; \
	MOVU Z0, (DI)(BX*1); \
	MOVU Z1, 64(DI)(BX*1); \
	ADDQ $128, BX; \
	DECQ CX; \
	JNE bpair; \
bone: \
	TESTQ $1, R9; \
	JZ btail; \
	MOVU (DI)(BX*1), Z0; \
	ADD (DX)(BX*1), Z0, Z0; \
	MAX Z0, Z15, Z0; \
	MOVU Z0, (DI)(BX*1); \
	ADDQ $64, BX; \
btail: \
	KORTESTW K1, K1; \
	JZ bnext; \
	MOVU.Z (DI)(BX*1), K1, Z0; \
	MOVU.Z (DX)(BX*1), K1, Z1; \
	ADD Z1, Z0, Z0; \
	MAX Z0, Z15, Z0; \
	MOVU Z0, K1, (DI)(BX*1); \
bnext: \
	ADDQ R10, DI; \
	DECQ R8; \
	JNE brow; \
	VZEROUPPER; \
	RET

// out[f] = max(floor, out[f] + tile[f mod tileLen]) for the n elements
// of a matrix whose rows follow one another, as one flat run of vectors:
// tile holds the bias row repeated up to a multiple of the vector width
// (tileLen elements, a multiple of the lanes), so a vector never spans a
// bias row's end, and the run has one lane-masked tail, not one a row.
// The same operations in the same operand order as BIAS512, so the same
// bits. n ≥ 1. Registers: DI out, DX tile, BX the byte offset in tile,
// R9 tile's bytes, CX vectors left, Z15 floor.
#define BIASFLAT512(MOVU, ADD, MAX, SHIFT, LANESM1, LSHIFT) \
	MOVQ out+0(FP), DI; \
	MOVQ tile+8(FP), DX; \
	MOVQ n+16(FP), R8; \
	MOVQ tileLen+24(FP), R9; \
	SHLQ $SHIFT, R9; \
	XORQ BX, BX; \
	MOVQ R8, CX; \
	SHRQ $LSHIFT, CX; \
	JZ ftail; \
fvec: \
	MOVU (DI), Z0; \
	ADD (DX)(BX*1), Z0, Z0; \
	MAX Z0, Z15, Z0; \
	MOVU Z0, (DI); \
	ADDQ $64, DI; \
	ADDQ $64, BX; \
	CMPQ BX, R9; \
	JNE fnext; \
	XORQ BX, BX; \
fnext: \
	DECQ CX; \
	JNE fvec; \
ftail: \
	ANDQ $LANESM1, R8; \
	JZ fdone; \
	MOVQ R8, CX; \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1; \
	MOVU.Z (DI), K1, Z0; \
	MOVU.Z (DX)(BX*1), K1, Z1; \
	ADD Z1, Z0, Z0; \
	MAX Z0, Z15, Z0; \
	MOVU Z0, K1, (DI); \
fdone: \
	VZEROUPPER; \
	RET

// func biasAVX512s(out, bias *float32, rows, cols int, floor float32)
TEXT ·biasAVX512s(SB), NOSPLIT, $0-36
	VBROADCASTSS floor+32(FP), Z15
	BIAS512(VMOVUPS, VADDPS, VMAXPS, 2, 15, 4)

// func biasAVX512d(out, bias *float64, rows, cols int, floor float64)
TEXT ·biasAVX512d(SB), NOSPLIT, $0-40
	VBROADCASTSD floor+32(FP), Z15
	BIAS512(VMOVUPD, VADDPD, VMAXPD, 3, 7, 3)

// func biasFlatAVX512s(out, tile *float32, n, tileLen int, floor float32)
TEXT ·biasFlatAVX512s(SB), NOSPLIT, $0-36
	VBROADCASTSS floor+32(FP), Z15
	BIASFLAT512(VMOVUPS, VADDPS, VMAXPS, 2, 15, 4)

// func biasFlatAVX512d(out, tile *float64, n, tileLen int, floor float64)
TEXT ·biasFlatAVX512d(SB), NOSPLIT, $0-40
	VBROADCASTSD floor+32(FP), Z15
	BIASFLAT512(VMOVUPD, VADDPD, VMAXPD, 3, 7, 3)
