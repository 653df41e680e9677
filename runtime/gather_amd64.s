#include "textflag.h"

// A narrow layout step (gather.go) as one flat run of AVX-512 gathers:
// the output's n elements, vector by vector, each lane loaded from
// src + idx[lane] of the vector's place in a period of the pattern,
// where its mask bit is set, else 0; src moves on by stride elements a
// period. With add, the loaded lanes are added to out's (out + x, out
// the first operand, as the Go loop's dst[j] += x) and the others keep
// out's value. A tail of fewer lanes than a vector is loaded and
// stored under a lane mask, so nothing past out's or src's last element
// is touched. n ≥ 1; period a multiple of the lanes.
//
// Registers: DI out, SI src's period, DX idx, R11 masks, R14 and R13
// the vector's idx and mask in the period, R10 the period's elements
// left, CX out's elements left, R8 the period's elements, R9 its stride
// in bytes, R12 add, BX the store's lanes, AX the load's; K1 the
// gather's lanes (cleared by it), K3 a copy, K2 the store's.
#define GATHER512(MOVU, ADD, IDXLOAD, IDX, GATHER, SCALE, SHIFT, LANES, ALL) \
	MOVQ out+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ idx+16(FP), DX; \
	MOVQ masks+24(FP), R11; \
	MOVQ n+32(FP), CX; \
	MOVQ period+40(FP), R8; \
	MOVQ stride+48(FP), R9; \
	SHLQ $SHIFT, R9; \
	MOVQ add+56(FP), R12; \
	MOVQ DX, R14; \
	MOVQ R11, R13; \
	MOVQ R8, R10; \
gvec: \
	MOVWQZX (R13), AX; \
	MOVQ $ALL, BX; \
	CMPQ CX, $LANES; \
	JAE gfull; \
	MOVQ $1, BX; \
	SHLQ CX, BX; \
	DECQ BX; \
	ANDQ BX, AX; \
gfull: \
	KMOVW AX, K1; \
	KMOVW AX, K3; \
	KMOVW BX, K2; \
	IDXLOAD (R14), IDX; \
	VPXORD Z2, Z2, Z2; \
	GATHER (SI)(IDX*SCALE), K1, Z2; \
	TESTQ R12, R12; \
	JZ gstore; \
	MOVU.Z (DI), K2, Z3; \
	ADD Z3, Z2, K3, Z3; \
	MOVU Z3, K2, (DI); \
	JMP gnext; \
gstore: \
	MOVU Z2, K2, (DI); \
gnext: \
	ADDQ $64, DI; \
	ADDQ $(4*LANES), R14; \
	ADDQ $2, R13; \
	SUBQ $LANES, R10; \
	JNZ gsame; \
	ADDQ R9, SI; \
	MOVQ DX, R14; \
	MOVQ R11, R13; \
	MOVQ R8, R10; \
gsame: \
	SUBQ $LANES, CX; \
	JG gvec; \
	VZEROUPPER; \
	RET

// func gatherAVX512s(out, src *float32, idx *int32, masks *uint16, n, period, stride, add int)
TEXT ·gatherAVX512s(SB), NOSPLIT, $0-64
	GATHER512(VMOVUPS, VADDPS, VMOVDQU32, Z1, VGATHERDPS, 4, 2, 16, 0xffff)

// func gatherAVX512d(out, src *float64, idx *int32, masks *uint16, n, period, stride, add int)
TEXT ·gatherAVX512d(SB), NOSPLIT, $0-64
	GATHER512(VMOVUPD, VADDPD, VMOVDQU, Y1, VGATHERDPD, 8, 3, 8, 0xff)
