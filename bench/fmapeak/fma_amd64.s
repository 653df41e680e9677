//go:build amd64

#include "textflag.h"

// Each loop iteration issues 16 (AVX-512) or 14 (AVX2) independent fused
// multiply-adds on registers alone, more than a core's FMA units need to
// hide their latency, and nothing else: what it sustains is the machine's
// vector FMA limit. The operands are zeros, so no value ever leaves the
// normal range. An n below 1 runs no iteration.

// ZLOOP runs n+0(FP) iterations of 16 multiply-adds FMA on Z0-Z15, of
// the zeros in Z16 and Z17.
#define ZLOOP(FMA) \
	MOVQ n+0(FP), DX; \
	VPXORQ Z0, Z0, Z0; \
	VPXORQ Z1, Z1, Z1; \
	VPXORQ Z2, Z2, Z2; \
	VPXORQ Z3, Z3, Z3; \
	VPXORQ Z4, Z4, Z4; \
	VPXORQ Z5, Z5, Z5; \
	VPXORQ Z6, Z6, Z6; \
	VPXORQ Z7, Z7, Z7; \
	VPXORQ Z8, Z8, Z8; \
	VPXORQ Z9, Z9, Z9; \
	VPXORQ Z10, Z10, Z10; \
	VPXORQ Z11, Z11, Z11; \
	VPXORQ Z12, Z12, Z12; \
	VPXORQ Z13, Z13, Z13; \
	VPXORQ Z14, Z14, Z14; \
	VPXORQ Z15, Z15, Z15; \
	VPXORQ Z16, Z16, Z16; \
	VPXORQ Z17, Z17, Z17; \
	CMPQ DX, $0; \
	JLE done; \
loop: \
	FMA Z16, Z16, Z0; \
	FMA Z17, Z17, Z1; \
	FMA Z16, Z16, Z2; \
	FMA Z17, Z17, Z3; \
	FMA Z16, Z16, Z4; \
	FMA Z17, Z17, Z5; \
	FMA Z16, Z16, Z6; \
	FMA Z17, Z17, Z7; \
	FMA Z16, Z16, Z8; \
	FMA Z17, Z17, Z9; \
	FMA Z16, Z16, Z10; \
	FMA Z17, Z17, Z11; \
	FMA Z16, Z16, Z12; \
	FMA Z17, Z17, Z13; \
	FMA Z16, Z16, Z14; \
	FMA Z17, Z17, Z15; \
	DECQ DX; \
	JNZ loop; \
done: \
	VZEROUPPER; \
	RET

// YLOOP runs n+0(FP) iterations of 14 multiply-adds FMA on Y0-Y13, of
// the zeros in Y14 and Y15.
#define YLOOP(FMA) \
	MOVQ n+0(FP), DX; \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3; \
	VPXOR Y4, Y4, Y4; \
	VPXOR Y5, Y5, Y5; \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y7, Y7, Y7; \
	VPXOR Y8, Y8, Y8; \
	VPXOR Y9, Y9, Y9; \
	VPXOR Y10, Y10, Y10; \
	VPXOR Y11, Y11, Y11; \
	VPXOR Y12, Y12, Y12; \
	VPXOR Y13, Y13, Y13; \
	VPXOR Y14, Y14, Y14; \
	VPXOR Y15, Y15, Y15; \
	CMPQ DX, $0; \
	JLE done; \
loop: \
	FMA Y14, Y14, Y0; \
	FMA Y15, Y15, Y1; \
	FMA Y14, Y14, Y2; \
	FMA Y15, Y15, Y3; \
	FMA Y14, Y14, Y4; \
	FMA Y15, Y15, Y5; \
	FMA Y14, Y14, Y6; \
	FMA Y15, Y15, Y7; \
	FMA Y14, Y14, Y8; \
	FMA Y15, Y15, Y9; \
	FMA Y14, Y14, Y10; \
	FMA Y15, Y15, Y11; \
	FMA Y14, Y14, Y12; \
	FMA Y15, Y15, Y13; \
	DECQ DX; \
	JNZ loop; \
done: \
	VZEROUPPER; \
	RET

// func fmaZ32(n int)
TEXT ·fmaZ32(SB), NOSPLIT, $0-8
	ZLOOP(VFMADD231PS)

// func fmaZ64(n int)
TEXT ·fmaZ64(SB), NOSPLIT, $0-8
	ZLOOP(VFMADD231PD)

// func fmaY32(n int)
TEXT ·fmaY32(SB), NOSPLIT, $0-8
	YLOOP(VFMADD231PS)

// func fmaY64(n int)
TEXT ·fmaY64(SB), NOSPLIT, $0-8
	YLOOP(VFMADD231PD)
