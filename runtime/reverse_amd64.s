#include "textflag.h"

// Lane indices 15..0 and 7..0: a vector's elements in reverse order.
DATA rev32<>+0(SB)/8, $0x0000000e0000000f
DATA rev32<>+8(SB)/8, $0x0000000c0000000d
DATA rev32<>+16(SB)/8, $0x0000000a0000000b
DATA rev32<>+24(SB)/8, $0x0000000800000009
DATA rev32<>+32(SB)/8, $0x0000000600000007
DATA rev32<>+40(SB)/8, $0x0000000400000005
DATA rev32<>+48(SB)/8, $0x0000000200000003
DATA rev32<>+56(SB)/8, $0x0000000000000001
GLOBL rev32<>(SB), RODATA|NOPTR, $64

DATA rev64<>+0(SB)/8, $7
DATA rev64<>+8(SB)/8, $6
DATA rev64<>+16(SB)/8, $5
DATA rev64<>+24(SB)/8, $4
DATA rev64<>+32(SB)/8, $3
DATA rev64<>+40(SB)/8, $2
DATA rev64<>+48(SB)/8, $1
DATA rev64<>+56(SB)/8, $0
GLOBL rev64<>(SB), RODATA|NOPTR, $64

// func reverseAVX512s(dst, src *float32, n, q int)
// For k < q (q > 0, 16q ≤ n), dst[16k : 16k+16] = src[n-16k-16 : n-16k]
// in reverse order. The end of src is computed here, not passed: a Go
// pointer one past an object is not a valid pointer for the GC.
TEXT ·reverseAVX512s(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ q+24(FP), CX
	VMOVDQU32 rev32<>(SB), Z1
rev32_loop:
	SUBQ $64, SI
	VPERMPS (SI), Z1, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	DECQ CX
	JNE rev32_loop
	VZEROUPPER
	RET

// func reverseAVX512d(dst, src *float64, n, q int)
// reverseAVX512s for float64: 8 elements a vector.
TEXT ·reverseAVX512d(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), AX
	LEAQ (SI)(AX*8), SI
	MOVQ q+24(FP), CX
	VMOVDQU64 rev64<>(SB), Z1
rev64_loop:
	SUBQ $64, SI
	VPERMPD (SI), Z1, Z0
	VMOVUPD Z0, (DI)
	ADDQ $64, DI
	DECQ CX
	JNE rev64_loop
	VZEROUPPER
	RET

// func reverseRowsS(dst, src *float32, rows, n, ldd, lds int)
// Each row's n elements (a multiple of 16) in reverse order: dst[r·ldd+j]
// = src[r·lds+n-1-j], with reverse_amd64.s's permutes. The end of a
// source row is computed here: a Go pointer one past an object is not a
// valid pointer for the GC.
TEXT ·reverseRowsS(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ ldd+32(FP), R10
	MOVQ lds+40(FP), R11
	SHLQ $2, R10
	SHLQ $2, R11
	VMOVDQU32 rev32<>(SB), Z1
	MOVQ R9, R12
	SHLQ $2, R12
	SHRQ $4, R9
revs_row:
	LEAQ (SI)(R12*1), AX
	MOVQ DI, BX
	MOVQ R9, CX
revs_vec:
	SUBQ $64, AX
	VPERMPS (AX), Z1, Z0
	VMOVUPS Z0, (BX)
	ADDQ $64, BX
	DECQ CX
	JNE revs_vec
	ADDQ R10, DI
	ADDQ R11, SI
	DECQ R8
	JNE revs_row
	VZEROUPPER
	RET

// func reverseRowsD(dst, src *float64, rows, n, ldd, lds int)
// reverseRowsS for float64: n a multiple of 8.
TEXT ·reverseRowsD(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ ldd+32(FP), R10
	MOVQ lds+40(FP), R11
	SHLQ $3, R10
	SHLQ $3, R11
	VMOVDQU64 rev64<>(SB), Z1
	MOVQ R9, R12
	SHLQ $3, R12
	SHRQ $3, R9
revd_row:
	LEAQ (SI)(R12*1), AX
	MOVQ DI, BX
	MOVQ R9, CX
revd_vec:
	SUBQ $64, AX
	VPERMPD (AX), Z1, Z0
	VMOVUPD Z0, (BX)
	ADDQ $64, BX
	DECQ CX
	JNE revd_vec
	ADDQ R10, DI
	ADDQ R11, SI
	DECQ R8
	JNE revd_row
	VZEROUPPER
	RET
