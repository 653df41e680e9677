// AVX2 and AVX-512 forms of math32.go's expf and tanhf. They perform the scalar
// functions' operations in the same order, so a change to one must be made
// to the other (TestMath32Vector compares them bit for bit).

#include "textflag.h"

// Eight copies of each constant, so that an instruction can read them as a
// 256-bit memory operand.
DATA math32<>+0(SB)/4, $0x3fb8aa3b
DATA math32<>+4(SB)/4, $0x3fb8aa3b
DATA math32<>+8(SB)/4, $0x3fb8aa3b
DATA math32<>+12(SB)/4, $0x3fb8aa3b
DATA math32<>+16(SB)/4, $0x3fb8aa3b
DATA math32<>+20(SB)/4, $0x3fb8aa3b
DATA math32<>+24(SB)/4, $0x3fb8aa3b
DATA math32<>+28(SB)/4, $0x3fb8aa3b
DATA math32<>+32(SB)/4, $0x3f000000
DATA math32<>+36(SB)/4, $0x3f000000
DATA math32<>+40(SB)/4, $0x3f000000
DATA math32<>+44(SB)/4, $0x3f000000
DATA math32<>+48(SB)/4, $0x3f000000
DATA math32<>+52(SB)/4, $0x3f000000
DATA math32<>+56(SB)/4, $0x3f000000
DATA math32<>+60(SB)/4, $0x3f000000
DATA math32<>+64(SB)/4, $0x3f318000
DATA math32<>+68(SB)/4, $0x3f318000
DATA math32<>+72(SB)/4, $0x3f318000
DATA math32<>+76(SB)/4, $0x3f318000
DATA math32<>+80(SB)/4, $0x3f318000
DATA math32<>+84(SB)/4, $0x3f318000
DATA math32<>+88(SB)/4, $0x3f318000
DATA math32<>+92(SB)/4, $0x3f318000
DATA math32<>+96(SB)/4, $0xb95e8083
DATA math32<>+100(SB)/4, $0xb95e8083
DATA math32<>+104(SB)/4, $0xb95e8083
DATA math32<>+108(SB)/4, $0xb95e8083
DATA math32<>+112(SB)/4, $0xb95e8083
DATA math32<>+116(SB)/4, $0xb95e8083
DATA math32<>+120(SB)/4, $0xb95e8083
DATA math32<>+124(SB)/4, $0xb95e8083
DATA math32<>+128(SB)/4, $0x39506967
DATA math32<>+132(SB)/4, $0x39506967
DATA math32<>+136(SB)/4, $0x39506967
DATA math32<>+140(SB)/4, $0x39506967
DATA math32<>+144(SB)/4, $0x39506967
DATA math32<>+148(SB)/4, $0x39506967
DATA math32<>+152(SB)/4, $0x39506967
DATA math32<>+156(SB)/4, $0x39506967
DATA math32<>+160(SB)/4, $0x3ab743ce
DATA math32<>+164(SB)/4, $0x3ab743ce
DATA math32<>+168(SB)/4, $0x3ab743ce
DATA math32<>+172(SB)/4, $0x3ab743ce
DATA math32<>+176(SB)/4, $0x3ab743ce
DATA math32<>+180(SB)/4, $0x3ab743ce
DATA math32<>+184(SB)/4, $0x3ab743ce
DATA math32<>+188(SB)/4, $0x3ab743ce
DATA math32<>+192(SB)/4, $0x3c088908
DATA math32<>+196(SB)/4, $0x3c088908
DATA math32<>+200(SB)/4, $0x3c088908
DATA math32<>+204(SB)/4, $0x3c088908
DATA math32<>+208(SB)/4, $0x3c088908
DATA math32<>+212(SB)/4, $0x3c088908
DATA math32<>+216(SB)/4, $0x3c088908
DATA math32<>+220(SB)/4, $0x3c088908
DATA math32<>+224(SB)/4, $0x3d2aa9c1
DATA math32<>+228(SB)/4, $0x3d2aa9c1
DATA math32<>+232(SB)/4, $0x3d2aa9c1
DATA math32<>+236(SB)/4, $0x3d2aa9c1
DATA math32<>+240(SB)/4, $0x3d2aa9c1
DATA math32<>+244(SB)/4, $0x3d2aa9c1
DATA math32<>+248(SB)/4, $0x3d2aa9c1
DATA math32<>+252(SB)/4, $0x3d2aa9c1
DATA math32<>+256(SB)/4, $0x3e2aaaaa
DATA math32<>+260(SB)/4, $0x3e2aaaaa
DATA math32<>+264(SB)/4, $0x3e2aaaaa
DATA math32<>+268(SB)/4, $0x3e2aaaaa
DATA math32<>+272(SB)/4, $0x3e2aaaaa
DATA math32<>+276(SB)/4, $0x3e2aaaaa
DATA math32<>+280(SB)/4, $0x3e2aaaaa
DATA math32<>+284(SB)/4, $0x3e2aaaaa
DATA math32<>+288(SB)/4, $0x3f000000
DATA math32<>+292(SB)/4, $0x3f000000
DATA math32<>+296(SB)/4, $0x3f000000
DATA math32<>+300(SB)/4, $0x3f000000
DATA math32<>+304(SB)/4, $0x3f000000
DATA math32<>+308(SB)/4, $0x3f000000
DATA math32<>+312(SB)/4, $0x3f000000
DATA math32<>+316(SB)/4, $0x3f000000
DATA math32<>+320(SB)/4, $0x3f800000
DATA math32<>+324(SB)/4, $0x3f800000
DATA math32<>+328(SB)/4, $0x3f800000
DATA math32<>+332(SB)/4, $0x3f800000
DATA math32<>+336(SB)/4, $0x3f800000
DATA math32<>+340(SB)/4, $0x3f800000
DATA math32<>+344(SB)/4, $0x3f800000
DATA math32<>+348(SB)/4, $0x3f800000
DATA math32<>+352(SB)/4, $0x42b17218
DATA math32<>+356(SB)/4, $0x42b17218
DATA math32<>+360(SB)/4, $0x42b17218
DATA math32<>+364(SB)/4, $0x42b17218
DATA math32<>+368(SB)/4, $0x42b17218
DATA math32<>+372(SB)/4, $0x42b17218
DATA math32<>+376(SB)/4, $0x42b17218
DATA math32<>+380(SB)/4, $0x42b17218
DATA math32<>+384(SB)/4, $0xc2cff1b4
DATA math32<>+388(SB)/4, $0xc2cff1b4
DATA math32<>+392(SB)/4, $0xc2cff1b4
DATA math32<>+396(SB)/4, $0xc2cff1b4
DATA math32<>+400(SB)/4, $0xc2cff1b4
DATA math32<>+404(SB)/4, $0xc2cff1b4
DATA math32<>+408(SB)/4, $0xc2cff1b4
DATA math32<>+412(SB)/4, $0xc2cff1b4
DATA math32<>+416(SB)/4, $0x7f800000
DATA math32<>+420(SB)/4, $0x7f800000
DATA math32<>+424(SB)/4, $0x7f800000
DATA math32<>+428(SB)/4, $0x7f800000
DATA math32<>+432(SB)/4, $0x7f800000
DATA math32<>+436(SB)/4, $0x7f800000
DATA math32<>+440(SB)/4, $0x7f800000
DATA math32<>+444(SB)/4, $0x7f800000
DATA math32<>+448(SB)/4, $0x0000007f
DATA math32<>+452(SB)/4, $0x0000007f
DATA math32<>+456(SB)/4, $0x0000007f
DATA math32<>+460(SB)/4, $0x0000007f
DATA math32<>+464(SB)/4, $0x0000007f
DATA math32<>+468(SB)/4, $0x0000007f
DATA math32<>+472(SB)/4, $0x0000007f
DATA math32<>+476(SB)/4, $0x0000007f
DATA math32<>+480(SB)/4, $0x3f200000
DATA math32<>+484(SB)/4, $0x3f200000
DATA math32<>+488(SB)/4, $0x3f200000
DATA math32<>+492(SB)/4, $0x3f200000
DATA math32<>+496(SB)/4, $0x3f200000
DATA math32<>+500(SB)/4, $0x3f200000
DATA math32<>+504(SB)/4, $0x3f200000
DATA math32<>+508(SB)/4, $0x3f200000
DATA math32<>+512(SB)/4, $0x40000000
DATA math32<>+516(SB)/4, $0x40000000
DATA math32<>+520(SB)/4, $0x40000000
DATA math32<>+524(SB)/4, $0x40000000
DATA math32<>+528(SB)/4, $0x40000000
DATA math32<>+532(SB)/4, $0x40000000
DATA math32<>+536(SB)/4, $0x40000000
DATA math32<>+540(SB)/4, $0x40000000
DATA math32<>+544(SB)/4, $0xbbbaf0ea
DATA math32<>+548(SB)/4, $0xbbbaf0ea
DATA math32<>+552(SB)/4, $0xbbbaf0ea
DATA math32<>+556(SB)/4, $0xbbbaf0ea
DATA math32<>+560(SB)/4, $0xbbbaf0ea
DATA math32<>+564(SB)/4, $0xbbbaf0ea
DATA math32<>+568(SB)/4, $0xbbbaf0ea
DATA math32<>+572(SB)/4, $0xbbbaf0ea
DATA math32<>+576(SB)/4, $0x3ca9134e
DATA math32<>+580(SB)/4, $0x3ca9134e
DATA math32<>+584(SB)/4, $0x3ca9134e
DATA math32<>+588(SB)/4, $0x3ca9134e
DATA math32<>+592(SB)/4, $0x3ca9134e
DATA math32<>+596(SB)/4, $0x3ca9134e
DATA math32<>+600(SB)/4, $0x3ca9134e
DATA math32<>+604(SB)/4, $0x3ca9134e
DATA math32<>+608(SB)/4, $0x3d5c1e2d
DATA math32<>+612(SB)/4, $0x3d5c1e2d
DATA math32<>+616(SB)/4, $0x3d5c1e2d
DATA math32<>+620(SB)/4, $0x3d5c1e2d
DATA math32<>+624(SB)/4, $0x3d5c1e2d
DATA math32<>+628(SB)/4, $0x3d5c1e2d
DATA math32<>+632(SB)/4, $0x3d5c1e2d
DATA math32<>+636(SB)/4, $0x3d5c1e2d
DATA math32<>+640(SB)/4, $0x3e088393
DATA math32<>+644(SB)/4, $0x3e088393
DATA math32<>+648(SB)/4, $0x3e088393
DATA math32<>+652(SB)/4, $0x3e088393
DATA math32<>+656(SB)/4, $0x3e088393
DATA math32<>+660(SB)/4, $0x3e088393
DATA math32<>+664(SB)/4, $0x3e088393
DATA math32<>+668(SB)/4, $0x3e088393
DATA math32<>+672(SB)/4, $0x3eaaaa99
DATA math32<>+676(SB)/4, $0x3eaaaa99
DATA math32<>+680(SB)/4, $0x3eaaaa99
DATA math32<>+684(SB)/4, $0x3eaaaa99
DATA math32<>+688(SB)/4, $0x3eaaaa99
DATA math32<>+692(SB)/4, $0x3eaaaa99
DATA math32<>+696(SB)/4, $0x3eaaaa99
DATA math32<>+700(SB)/4, $0x3eaaaa99
DATA math32<>+704(SB)/4, $0x7fffffff
DATA math32<>+708(SB)/4, $0x7fffffff
DATA math32<>+712(SB)/4, $0x7fffffff
DATA math32<>+716(SB)/4, $0x7fffffff
DATA math32<>+720(SB)/4, $0x7fffffff
DATA math32<>+724(SB)/4, $0x7fffffff
DATA math32<>+728(SB)/4, $0x7fffffff
DATA math32<>+732(SB)/4, $0x7fffffff
DATA math32<>+736(SB)/4, $0x80000000
DATA math32<>+740(SB)/4, $0x80000000
DATA math32<>+744(SB)/4, $0x80000000
DATA math32<>+748(SB)/4, $0x80000000
DATA math32<>+752(SB)/4, $0x80000000
DATA math32<>+756(SB)/4, $0x80000000
DATA math32<>+760(SB)/4, $0x80000000
DATA math32<>+764(SB)/4, $0x80000000
GLOBL math32<>(SB), RODATA|NOPTR, $768

// The constants of math32.go's expf (log2(e), 0.5, the split of ln 2, the
// polynomial, the range) and tanhf (0.625, 2, the polynomial), an int
// 127 for the exponent, and the sign masks.
#define LOG2E math32<>+0(SB)
#define HALF math32<>+32(SB)
#define C1 math32<>+64(SB)
#define C2 math32<>+96(SB)
#define P5 math32<>+128(SB)
#define P4 math32<>+160(SB)
#define P3 math32<>+192(SB)
#define P2 math32<>+224(SB)
#define P1 math32<>+256(SB)
#define P0 math32<>+288(SB)
#define ONE math32<>+320(SB)
#define HI math32<>+352(SB)
#define LO math32<>+384(SB)
#define INF math32<>+416(SB)
#define I127 math32<>+448(SB)
#define T0625 math32<>+480(SB)
#define TWO math32<>+512(SB)
#define T4 math32<>+544(SB)
#define T3 math32<>+576(SB)
#define T2 math32<>+608(SB)
#define T1 math32<>+640(SB)
#define T0 math32<>+672(SB)
#define ABS math32<>+704(SB)
#define SIGN math32<>+736(SB)

// expf of the eight lanes of Y0 into Y1, with the operations of math32.go's
// expf in the same order (no fused multiply-add), so that each lane gets
// the scalar function's bits. 2^n is applied as 2^(n>>1)·2^(n-(n>>1)): the
// first product is exact and the second rounds once, as the scalar code's
// float64 product converted to float32 does. Clobbers Y2-Y5.

#define EXPF \
	VMULPS LOG2E, Y0, Y1; \
	VADDPS HALF, Y1, Y1; \
	VROUNDPS $1, Y1, Y1; \
	VMULPS C1, Y1, Y2; \
	VSUBPS Y2, Y0, Y2; \
	VMULPS C2, Y1, Y3; \
	VSUBPS Y3, Y2, Y2; \
	VMULPS P5, Y2, Y3; \
	VADDPS P4, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS P3, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS P2, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS P1, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS P0, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VMULPS Y2, Y3, Y3; \
	VADDPS Y2, Y3, Y3; \
	VADDPS ONE, Y3, Y3; \
	VCVTTPS2DQ Y1, Y4; \
	VPSRAD $1, Y4, Y5; \
	VPSUBD Y5, Y4, Y4; \
	VPADDD I127, Y5, Y5; \
	VPSLLD $23, Y5, Y5; \
	VPADDD I127, Y4, Y4; \
	VPSLLD $23, Y4, Y4; \
	VMULPS Y5, Y3, Y3; \
	VMULPS Y4, Y3, Y3; \
	VCMPPS $0x1e, HI, Y0, Y5; \
	VBLENDVPS Y5, INF, Y3, Y3; \
	VCMPPS $0x11, LO, Y0, Y5; \
	VANDNPS Y3, Y5, Y3; \
	VCMPPS $0x03, Y0, Y0, Y5; \
	VBLENDVPS Y5, Y0, Y3, Y1

// func expAVX32(out, a *float32, n int)   n is a multiple of 8
TEXT ·expAVX32(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
exp_loop:
	VMOVUPS (SI), Y0
	EXPF
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE exp_loop
	VZEROUPPER
	RET

// func tanhAVX32(out, a *float32, n int)   n is a multiple of 8
TEXT ·tanhAVX32(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y14, Y14, Y14
tanh_loop:
	VMOVUPS (SI), Y8
	VANDPS ABS, Y8, Y9
	// No lane at or above 0.625 (NaN is not): the polynomial alone.
	VCMPPS $0x1d, T0625, Y9, Y13
	VMOVMSKPS Y13, AX
	TESTL AX, AX
	JZ tanh_poly
	// |x| ≥ 0.625: ±(1 - 2/(e^(2|x|) + 1)), the sign of x, into Y10.
	VADDPS Y9, Y9, Y0
	EXPF
	VADDPS ONE, Y1, Y1
	VMOVUPS TWO, Y2
	VDIVPS Y1, Y2, Y1
	VMOVUPS ONE, Y2
	VSUBPS Y1, Y2, Y1
	VANDPS SIGN, Y8, Y2
	VXORPS Y2, Y1, Y10
tanh_poly:
	// Else the odd polynomial x + x·s·P(s), s = x², into Y12.
	VMULPS Y8, Y8, Y11
	VMULPS T4, Y11, Y12
	VADDPS T3, Y12, Y12
	VMULPS Y11, Y12, Y12
	VSUBPS T2, Y12, Y12
	VMULPS Y11, Y12, Y12
	VADDPS T1, Y12, Y12
	VMULPS Y11, Y12, Y12
	VSUBPS T0, Y12, Y12
	VMULPS Y11, Y12, Y12
	VMULPS Y8, Y12, Y12
	VADDPS Y8, Y12, Y12
	// Pick by |x| ≥ 0.625 (false for NaN); x = ±0 gives x itself.
	VCMPPS $0x1d, T0625, Y9, Y13
	VBLENDVPS Y13, Y10, Y12, Y1
	VCMPPS $0x00, Y14, Y8, Y13
	VBLENDVPS Y13, Y8, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE tanh_loop
	VZEROUPPER
	RET

// The AVX-512 forms: sixteen lanes, the same operations in the same
// order, constants read as embedded broadcasts of the first copy, and
// the blends done with mask registers. Each lane gets the scalar
// function's bits (TestMath32Vector).

// expf of the sixteen lanes of Z0 into Z1. Clobbers Z2-Z5 and K1-K3.
#define EXPF16 \
	VMULPS.BCST LOG2E, Z0, Z1; \
	VADDPS.BCST HALF, Z1, Z1; \
	VRNDSCALEPS $1, Z1, Z1; \
	VMULPS.BCST C1, Z1, Z2; \
	VSUBPS Z2, Z0, Z2; \
	VMULPS.BCST C2, Z1, Z3; \
	VSUBPS Z3, Z2, Z2; \
	VMULPS.BCST P5, Z2, Z3; \
	VADDPS.BCST P4, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VADDPS.BCST P3, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VADDPS.BCST P2, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VADDPS.BCST P1, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VADDPS.BCST P0, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VMULPS Z2, Z3, Z3; \
	VADDPS Z2, Z3, Z3; \
	VADDPS.BCST ONE, Z3, Z3; \
	VCVTTPS2DQ Z1, Z4; \
	VPSRAD $1, Z4, Z5; \
	VPSUBD Z5, Z4, Z4; \
	VPADDD.BCST I127, Z5, Z5; \
	VPSLLD $23, Z5, Z5; \
	VPADDD.BCST I127, Z4, Z4; \
	VPSLLD $23, Z4, Z4; \
	VMULPS Z5, Z3, Z3; \
	VMULPS Z4, Z3, Z3; \
	VCMPPS.BCST $0x1e, HI, Z0, K1; \
	VBROADCASTSS INF, Z5; \
	VMOVAPS Z5, K1, Z3; \
	VCMPPS.BCST $0x11, LO, Z0, K2; \
	VPXORD Z3, Z3, K2, Z3; \
	VCMPPS $0x03, Z0, Z0, K3; \
	VMOVAPS Z0, K3, Z3; \
	VMOVAPS Z3, Z1

// func expAVX512s(out, a *float32, n int)   n is a multiple of 16
TEXT ·expAVX512s(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
exp16_loop:
	VMOVUPS (SI), Z0
	EXPF16
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE exp16_loop
	VZEROUPPER
	RET

// func tanhAVX512s(out, a *float32, n int)   n is a multiple of 16
TEXT ·tanhAVX512s(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z14, Z14, Z14
tanh16_loop:
	VMOVUPS (SI), Z8
	VPANDD.BCST ABS, Z8, Z9
	// No lane at or above 0.625 (NaN is not): the polynomial alone.
	VCMPPS.BCST $0x1d, T0625, Z9, K1
	KORTESTW K1, K1
	JZ tanh16_poly
	// |x| ≥ 0.625: ±(1 - 2/(e^(2|x|) + 1)), the sign of x, into Z10.
	VADDPS Z9, Z9, Z0
	EXPF16
	VADDPS.BCST ONE, Z1, Z1
	VBROADCASTSS TWO, Z2
	VDIVPS Z1, Z2, Z1
	VBROADCASTSS ONE, Z2
	VSUBPS Z1, Z2, Z1
	VPANDD.BCST SIGN, Z8, Z2
	VPXORD Z2, Z1, Z10
tanh16_poly:
	// Else the odd polynomial x + x·s·P(s), s = x², into Z12.
	VMULPS Z8, Z8, Z11
	VMULPS.BCST T4, Z11, Z12
	VADDPS.BCST T3, Z12, Z12
	VMULPS Z11, Z12, Z12
	VSUBPS.BCST T2, Z12, Z12
	VMULPS Z11, Z12, Z12
	VADDPS.BCST T1, Z12, Z12
	VMULPS Z11, Z12, Z12
	VSUBPS.BCST T0, Z12, Z12
	VMULPS Z11, Z12, Z12
	VMULPS Z8, Z12, Z12
	VADDPS Z8, Z12, Z12
	// Pick by |x| ≥ 0.625 (false for NaN); x = ±0 gives x itself.
	VCMPPS.BCST $0x1d, T0625, Z9, K1
	VMOVAPS Z10, K1, Z12
	VCMPPS $0x00, Z14, Z8, K2
	VMOVAPS Z8, K2, Z12
	VMOVUPS Z12, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE tanh16_loop
	VZEROUPPER
	RET
