#include "textflag.h"

// A narrow layout step (gather.go) as one flat run of AVX-512 gathers:
// the output's n elements, vector by vector, each lane loaded from
// src + idx[lane] of the vector's place in a period of the pattern,
// where its mask bit is set, else 0; src moves on by stride elements a
// period. With add, the loaded lanes are added to out's (x + out, the
// loaded x the first operand, whose NaN payload a sum of two NaNs keeps:
// what the Go loop's dst[j] += x compiles to today, which
// TestGatherLayout checks) and the others keep out's value. A tail of fewer lanes than a vector is loaded and
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

// A narrow layout step as windowed permutations (gatherTable.window):
// per vector of the output, the two vectors of the source from the
// window's first element on (loaded under lane masks where the source
// ends sooner, so nothing past it is read), permuted by the vector's
// indices into the lanes its mask loads, the others 0; with add, as
// GATHER512. n ≥ 1; period a multiple of the lanes.
//
// Registers: DI out, SI src's period, R12 src's end, R14, R13 and R15
// the vector's indices, mask and window in the period, R10 the period's
// elements left, CX out's elements left, R8 the period's elements, R9
// its stride in bytes; AX the window, BX the source's elements from it,
// then the store's lanes, DX the loaded lanes; Z7 and Z8 the lane
// numbers of the window's two vectors, K4 and K5 their loads' lanes, K1
// the permutation's, K2 the store's.
#define PERMUTE512(MOVU, ADD, PERM, IDXLOAD, SHIFT, LANES, ALL, HI) \
	MOVQ out+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ srcLen+64(FP), R12; \
	SHLQ $SHIFT, R12; \
	ADDQ SI, R12; \
	MOVQ idx+16(FP), R14; \
	MOVQ masks+24(FP), R13; \
	MOVQ win+32(FP), R15; \
	MOVQ n+40(FP), CX; \
	MOVQ period+48(FP), R8; \
	MOVQ stride+56(FP), R9; \
	SHLQ $SHIFT, R9; \
	MOVQ R8, R10; \
	VMOVDQU32 permLanes<>+0(SB), Z7; \
	VMOVDQU32 permLanes<>+HI(SB), Z8; \
pvec: \
	MOVLQSX (R15), AX; \
	SHLQ $SHIFT, AX; \
	ADDQ SI, AX; \
	MOVQ R12, BX; \
	SUBQ AX, BX; \
	SARQ $SHIFT, BX; \
	KXNORW K4, K4, K4; \
	KXNORW K5, K5, K5; \
	CMPQ BX, $(2*LANES); \
	JGE pload; \
	VPBROADCASTD BX, Z6; \
	VPCMPGTD Z7, Z6, K4; \
	VPCMPGTD Z8, Z6, K5; \
pload: \
	MOVU.Z (AX), K4, Z4; \
	MOVU.Z 64(AX), K5, Z5; \
	IDXLOAD (R14), Z1; \
	MOVWQZX (R13), DX; \
	MOVQ $ALL, BX; \
	CMPQ CX, $LANES; \
	JAE pfull; \
	MOVQ $1, BX; \
	SHLQ CX, BX; \
	DECQ BX; \
	ANDQ BX, DX; \
pfull: \
	KMOVW DX, K1; \
	KMOVW BX, K2; \
	PERM Z5, Z1, K1, Z4; \
	CMPQ add+72(FP), $0; \
	JEQ pstore; \
	MOVU.Z (DI), K2, Z3; \
	ADD Z3, Z4, K1, Z3; \
	MOVU Z3, K2, (DI); \
	JMP pnext; \
pstore: \
	MOVU Z4, K2, (DI); \
pnext: \
	ADDQ $64, DI; \
	ADDQ $(4*LANES), R14; \
	ADDQ $2, R13; \
	ADDQ $4, R15; \
	SUBQ $LANES, R10; \
	JNZ psame; \
	ADDQ R9, SI; \
	MOVQ idx+16(FP), R14; \
	MOVQ masks+24(FP), R13; \
	MOVQ win+32(FP), R15; \
	MOVQ R8, R10; \
psame: \
	SUBQ $LANES, CX; \
	JG pvec; \
	VZEROUPPER; \
	RET

// permLanes holds the lane numbers 0 to 31, whose first 16 and 16 from
// the second or the 8th on are the lanes of a window's two vectors.
DATA permLanes<>+0(SB)/4, $0
DATA permLanes<>+4(SB)/4, $1
DATA permLanes<>+8(SB)/4, $2
DATA permLanes<>+12(SB)/4, $3
DATA permLanes<>+16(SB)/4, $4
DATA permLanes<>+20(SB)/4, $5
DATA permLanes<>+24(SB)/4, $6
DATA permLanes<>+28(SB)/4, $7
DATA permLanes<>+32(SB)/4, $8
DATA permLanes<>+36(SB)/4, $9
DATA permLanes<>+40(SB)/4, $10
DATA permLanes<>+44(SB)/4, $11
DATA permLanes<>+48(SB)/4, $12
DATA permLanes<>+52(SB)/4, $13
DATA permLanes<>+56(SB)/4, $14
DATA permLanes<>+60(SB)/4, $15
DATA permLanes<>+64(SB)/4, $16
DATA permLanes<>+68(SB)/4, $17
DATA permLanes<>+72(SB)/4, $18
DATA permLanes<>+76(SB)/4, $19
DATA permLanes<>+80(SB)/4, $20
DATA permLanes<>+84(SB)/4, $21
DATA permLanes<>+88(SB)/4, $22
DATA permLanes<>+92(SB)/4, $23
DATA permLanes<>+96(SB)/4, $24
DATA permLanes<>+100(SB)/4, $25
DATA permLanes<>+104(SB)/4, $26
DATA permLanes<>+108(SB)/4, $27
DATA permLanes<>+112(SB)/4, $28
DATA permLanes<>+116(SB)/4, $29
DATA permLanes<>+120(SB)/4, $30
DATA permLanes<>+124(SB)/4, $31
GLOBL permLanes<>(SB), RODATA|NOPTR, $128

// func permuteAVX512s(out, src *float32, idx *int32, masks *uint16, win *int32, n, period, stride, srcLen, add int)
TEXT ·permuteAVX512s(SB), NOSPLIT, $0-80
	PERMUTE512(VMOVUPS, VADDPS, VPERMT2PS.Z, VMOVDQU32, 2, 16, 0xffff, 64)

// func permuteAVX512d(out, src *float64, idx *int32, masks *uint16, win *int32, n, period, stride, srcLen, add int)
TEXT ·permuteAVX512d(SB), NOSPLIT, $0-80
	PERMUTE512(VMOVUPD, VADDPD, VPERMT2PD.Z, VPMOVZXDQ, 3, 8, 0xff, 32)

// func gatherAVX512s(out, src *float32, idx *int32, masks *uint16, n, period, stride, add int)
TEXT ·gatherAVX512s(SB), NOSPLIT, $0-64
	GATHER512(VMOVUPS, VADDPS, VMOVDQU32, Z1, VGATHERDPS, 4, 2, 16, 0xffff)

// func gatherAVX512d(out, src *float64, idx *int32, masks *uint16, n, period, stride, add int)
TEXT ·gatherAVX512d(SB), NOSPLIT, $0-64
	GATHER512(VMOVUPD, VADDPD, VMOVDQU, Y1, VGATHERDPD, 8, 3, 8, 0xff)
