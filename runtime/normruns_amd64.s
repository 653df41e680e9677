#include "textflag.h"

// The clipping norm over a segment's runs (optState.norm): for each run
// of triples (first element, length, first moment), the combined
// gradient w0·g0 (+ w1·g1 in mode 2) of each element, each product
// rounded before the sum as combine computes it, widened to float64 and
// squared, is added to sums[(off+element) mod 8]: the eight lanes of one
// register, each lane's additions in element order and without fused
// multiply-adds, as addSquares adds them, so the sums are bit-identical.
// One call a segment replaces a combine into shard 0's buffer and a
// squares call per block of every run (a digits MADE's output weights
// have runs of 32 elements), and nothing is written back: the update
// combines the gradient in registers too. A group of eight places that a
// run only partly covers is read under a lane mask (masked-off lanes are
// neither read, so they cannot fault, nor added).

// The gradients are cold: the shards wrote them on both cores just
// before, and the norm reads each once. The hardware's prefetchers alone
// left the norm at about 29 GB/s on digits (3.3 MB of float32
// gradients, ~115 µs a step); prefetching 2 KiB ahead in each whole
// group halves that (TestProbeClip, results/ab-norm-prefetch-*). A
// prefetch past a run's end, or the tensor's, only loads a line; it
// never faults.

// Lanes beyond a group's elements are masked (K1), a whole group uses
// K2 (the eight low lanes); float32 groups are read into the low half of
// a 16-lane register, combined there, then widened. One function per
// element type and number of gradients (mode 1: g0 alone, times w[0];
// mode 2: w[0]·g0 + w[1]·g1).

// The combined gradient of the group at (SI) (and (DI)) in the lanes K
// into Z1, as float64; then its squares added to Z0's lanes K.
#define COMBINE1(K, LOADZ, MUL) \
	LOADZ (SI), K, Z1 \
	MUL Z1, Z14, Z1

#define COMBINE2(K, LOADZ, MUL, ADD) \
	COMBINE1(K, LOADZ, MUL) \
	LOADZ (DI), K, Z2 \
	MUL Z2, Z13, Z2 \
	ADD Z2, Z1, Z1

#define SQUARE_ADD(K) \
	VMULPD Z1, Z1, Z1 \
	VADDPD Z1, Z0, K, Z0

#define GROUP1S(K) COMBINE1(K, VMOVUPS.Z, VMULPS) \
	VCVTPS2PD Y1, Z1 \
	SQUARE_ADD(K)

#define GROUP2S(K) COMBINE2(K, VMOVUPS.Z, VMULPS, VADDPS) \
	VCVTPS2PD Y1, Z1 \
	SQUARE_ADD(K)

#define GROUP1D(K) COMBINE1(K, VMOVUPD.Z, VMULPD) \
	SQUARE_ADD(K)

#define GROUP2D(K) COMBINE2(K, VMOVUPD.Z, VMULPD, VADDPD) \
	SQUARE_ADD(K)

// NORM_RUNS is the body of the four kernels: GROUP adds one group, the
// elements are SIZE = 1<<SHIFT bytes, BCAST broadcasts one weight.
#define NORM_RUNS(GROUP, SIZE, SHIFT, BCAST) \
	MOVQ sums+0(FP), AX \
	MOVQ g0+8(FP), R8 \
	MOVQ g1+16(FP), R9 \
	MOVQ runs+24(FP), R10 \
	MOVQ n+32(FP), R11 \
	MOVQ w+40(FP), BX \
	BCAST (BX), Z14 \
	BCAST SIZE(BX), Z13 \
	MOVQ off+48(FP), R13 \
	VMOVUPD (AX), Z0 \
	MOVQ $0xff, BX \
	KMOVW BX, K2 \
run: \
	TESTQ R11, R11 \
	JZ done \
	MOVLQSX (R10), BX /* the run's first element */ \
	MOVLQSX 4(R10), DX /* its length */ \
	ADDQ $12, R10 \
	DECQ R11 \
	TESTQ DX, DX \
	JZ run \
	MOVQ R13, CX \
	ADDQ BX, CX \
	ANDQ $7, CX /* the first element's lane */ \
	LEAQ (R8)(BX*SIZE), SI \
	LEAQ (R9)(BX*SIZE), DI \
	TESTQ CX, CX \
	JZ body \
	/* the first group: lanes [lane, min(8, lane+len)) */ \
	MOVQ $8, R14 \
	SUBQ CX, R14 \
	CMPQ DX, R14 \
	CMOVQLT DX, R14 /* h elements */ \
	MOVQ CX, BX /* lane */ \
	MOVQ R14, CX \
	MOVQ $1, R15 \
	SHLQ CX, R15 \
	DECQ R15 \
	MOVQ BX, CX \
	SHLQ CX, R15 /* ((1<<h)-1) << lane */ \
	KMOVW R15, K1 \
	SHLQ $SHIFT, BX \
	SUBQ BX, SI /* back to the group's first place */ \
	SUBQ BX, DI \
	GROUP(K1) \
	ADDQ $(8*SIZE), SI \
	ADDQ $(8*SIZE), DI \
	SUBQ R14, DX \
body: \
	CMPQ DX, $8 \
	JLT tail \
	PREFETCHT0 2048(SI) /* why: at the top */ \
	PREFETCHT0 2048(DI) \
	GROUP(K2) \
	ADDQ $(8*SIZE), SI \
	ADDQ $(8*SIZE), DI \
	SUBQ $8, DX \
	JMP body \
tail: \
	TESTQ DX, DX \
	JZ run \
	MOVQ DX, CX \
	MOVQ $1, R15 \
	SHLQ CX, R15 \
	DECQ R15 \
	KMOVW R15, K1 \
	GROUP(K1) \
	JMP run \
done: \
	VMOVUPD Z0, (AX) \
	VZEROUPPER \
	RET

// func normRuns1f32(sums *[8]float64, g0, g1 *float32, runs *int32, n int, w *[2]float32, off int)
TEXT ·normRuns1f32(SB), NOSPLIT, $0-56
	NORM_RUNS(GROUP1S, 4, 2, VBROADCASTSS)

// func normRuns2f32(sums *[8]float64, g0, g1 *float32, runs *int32, n int, w *[2]float32, off int)
TEXT ·normRuns2f32(SB), NOSPLIT, $0-56
	NORM_RUNS(GROUP2S, 4, 2, VBROADCASTSS)

// func normRuns1f64(sums *[8]float64, g0, g1 *float64, runs *int32, n int, w *[2]float64, off int)
TEXT ·normRuns1f64(SB), NOSPLIT, $0-56
	NORM_RUNS(GROUP1D, 8, 3, VBROADCASTSD)

// func normRuns2f64(sums *[8]float64, g0, g1 *float64, runs *int32, n int, w *[2]float64, off int)
TEXT ·normRuns2f64(SB), NOSPLIT, $0-56
	NORM_RUNS(GROUP2D, 8, 3, VBROADCASTSD)
