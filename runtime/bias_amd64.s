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

// func biasAVX512s(out, bias *float32, rows, cols int, floor float32)
TEXT ·biasAVX512s(SB), NOSPLIT, $0-36
	VBROADCASTSS floor+32(FP), Z15
	BIAS512(VMOVUPS, VADDPS, VMAXPS, 2, 15, 4)

// func biasAVX512d(out, bias *float64, rows, cols int, floor float64)
TEXT ·biasAVX512d(SB), NOSPLIT, $0-40
	VBROADCASTSD floor+32(FP), Z15
	BIAS512(VMOVUPD, VADDPD, VMAXPD, 3, 7, 3)
