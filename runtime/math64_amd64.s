// AVX-512 and AVX2 forms of math64.go's expd and tanhd: eight and four float64 lanes, the
// scalar functions' operations in the same order (no fused multiply-add),
// so that each lane gets the scalar function's bits (TestMath64Vector);
// a change to one must be made to the other.

#include "textflag.h"

DATA math64<>+0(SB)/8, $0x3ff71547652b82fe
DATA math64<>+8(SB)/8, $0x3fe0000000000000
DATA math64<>+16(SB)/8, $0x3fe62e42fee00000
DATA math64<>+24(SB)/8, $0x3dea39ef35793c76
DATA math64<>+32(SB)/8, $0x3fc5555555555555
DATA math64<>+40(SB)/8, $0xbf66c16c16bebd93
DATA math64<>+48(SB)/8, $0x3f11566aaf25de2c
DATA math64<>+56(SB)/8, $0xbebbbd41c5d26bf1
DATA math64<>+64(SB)/8, $0x3e66376972bea4d0
DATA math64<>+72(SB)/8, $0x3ff0000000000000
DATA math64<>+80(SB)/8, $0x4000000000000000
DATA math64<>+88(SB)/8, $0x40862e42fefa39ef
DATA math64<>+96(SB)/8, $0xc0874910d52d3051
DATA math64<>+104(SB)/8, $0x3e30000000000000
DATA math64<>+112(SB)/8, $0x7ff0000000000000
DATA math64<>+120(SB)/8, $0x00000000000003ff
DATA math64<>+128(SB)/8, $0x7fffffffffffffff
DATA math64<>+136(SB)/8, $0x8000000000000000
DATA math64<>+144(SB)/8, $0x3fe4000000000000
DATA math64<>+152(SB)/8, $0x404601e678fc457b
DATA math64<>+160(SB)/8, $0xbfeedc5baafd6f4b
DATA math64<>+168(SB)/8, $0xc058d26a0e26682d
DATA math64<>+176(SB)/8, $0xc0993ac030580563
DATA math64<>+184(SB)/8, $0x405c33f28a581b86
DATA math64<>+192(SB)/8, $0x40a176fa0e5535fa
DATA math64<>+200(SB)/8, $0x40b2ec102442040c
GLOBL math64<>(SB), RODATA|NOPTR, $208

// The constants of expd (log2(e), 0.5, the split of ln 2, the polynomial,
// 1, 2, the range, the near-zero bound), +Inf, an int64 1023 for the
// exponent, the sign masks, and tanhd's (0.625, log(2^127)/2, P and Q).
#define LOG2E math64<>+0(SB)
#define DHALF math64<>+8(SB)
#define LN2HI math64<>+16(SB)
#define LN2LO math64<>+24(SB)
#define EP1 math64<>+32(SB)
#define EP2 math64<>+40(SB)
#define EP3 math64<>+48(SB)
#define EP4 math64<>+56(SB)
#define EP5 math64<>+64(SB)
#define DONE math64<>+72(SB)
#define DTWO math64<>+80(SB)
#define OVER math64<>+88(SB)
#define UNDER math64<>+96(SB)
#define NEAR math64<>+104(SB)
#define DINF math64<>+112(SB)
#define I1023 math64<>+120(SB)
#define DABS math64<>+128(SB)
#define DSIGN math64<>+136(SB)
#define T0625 math64<>+144(SB)
#define HMAXLOG math64<>+152(SB)
#define TP0 math64<>+160(SB)
#define TP1 math64<>+168(SB)
#define TP2 math64<>+176(SB)
#define TQ0 math64<>+184(SB)
#define TQ1 math64<>+192(SB)
#define TQ2 math64<>+200(SB)

DATA math64x4<>+0(SB)/8, $0x3ff71547652b82fe
DATA math64x4<>+8(SB)/8, $0x3ff71547652b82fe
DATA math64x4<>+16(SB)/8, $0x3ff71547652b82fe
DATA math64x4<>+24(SB)/8, $0x3ff71547652b82fe
DATA math64x4<>+32(SB)/8, $0x3fe0000000000000
DATA math64x4<>+40(SB)/8, $0x3fe0000000000000
DATA math64x4<>+48(SB)/8, $0x3fe0000000000000
DATA math64x4<>+56(SB)/8, $0x3fe0000000000000
DATA math64x4<>+64(SB)/8, $0x3fe62e42fee00000
DATA math64x4<>+72(SB)/8, $0x3fe62e42fee00000
DATA math64x4<>+80(SB)/8, $0x3fe62e42fee00000
DATA math64x4<>+88(SB)/8, $0x3fe62e42fee00000
DATA math64x4<>+96(SB)/8, $0x3dea39ef35793c76
DATA math64x4<>+104(SB)/8, $0x3dea39ef35793c76
DATA math64x4<>+112(SB)/8, $0x3dea39ef35793c76
DATA math64x4<>+120(SB)/8, $0x3dea39ef35793c76
DATA math64x4<>+128(SB)/8, $0x3fc5555555555555
DATA math64x4<>+136(SB)/8, $0x3fc5555555555555
DATA math64x4<>+144(SB)/8, $0x3fc5555555555555
DATA math64x4<>+152(SB)/8, $0x3fc5555555555555
DATA math64x4<>+160(SB)/8, $0xbf66c16c16bebd93
DATA math64x4<>+168(SB)/8, $0xbf66c16c16bebd93
DATA math64x4<>+176(SB)/8, $0xbf66c16c16bebd93
DATA math64x4<>+184(SB)/8, $0xbf66c16c16bebd93
DATA math64x4<>+192(SB)/8, $0x3f11566aaf25de2c
DATA math64x4<>+200(SB)/8, $0x3f11566aaf25de2c
DATA math64x4<>+208(SB)/8, $0x3f11566aaf25de2c
DATA math64x4<>+216(SB)/8, $0x3f11566aaf25de2c
DATA math64x4<>+224(SB)/8, $0xbebbbd41c5d26bf1
DATA math64x4<>+232(SB)/8, $0xbebbbd41c5d26bf1
DATA math64x4<>+240(SB)/8, $0xbebbbd41c5d26bf1
DATA math64x4<>+248(SB)/8, $0xbebbbd41c5d26bf1
DATA math64x4<>+256(SB)/8, $0x3e66376972bea4d0
DATA math64x4<>+264(SB)/8, $0x3e66376972bea4d0
DATA math64x4<>+272(SB)/8, $0x3e66376972bea4d0
DATA math64x4<>+280(SB)/8, $0x3e66376972bea4d0
DATA math64x4<>+288(SB)/8, $0x3ff0000000000000
DATA math64x4<>+296(SB)/8, $0x3ff0000000000000
DATA math64x4<>+304(SB)/8, $0x3ff0000000000000
DATA math64x4<>+312(SB)/8, $0x3ff0000000000000
DATA math64x4<>+320(SB)/8, $0x4000000000000000
DATA math64x4<>+328(SB)/8, $0x4000000000000000
DATA math64x4<>+336(SB)/8, $0x4000000000000000
DATA math64x4<>+344(SB)/8, $0x4000000000000000
DATA math64x4<>+352(SB)/8, $0x40862e42fefa39ef
DATA math64x4<>+360(SB)/8, $0x40862e42fefa39ef
DATA math64x4<>+368(SB)/8, $0x40862e42fefa39ef
DATA math64x4<>+376(SB)/8, $0x40862e42fefa39ef
DATA math64x4<>+384(SB)/8, $0xc0874910d52d3051
DATA math64x4<>+392(SB)/8, $0xc0874910d52d3051
DATA math64x4<>+400(SB)/8, $0xc0874910d52d3051
DATA math64x4<>+408(SB)/8, $0xc0874910d52d3051
DATA math64x4<>+416(SB)/8, $0x3e30000000000000
DATA math64x4<>+424(SB)/8, $0x3e30000000000000
DATA math64x4<>+432(SB)/8, $0x3e30000000000000
DATA math64x4<>+440(SB)/8, $0x3e30000000000000
DATA math64x4<>+448(SB)/8, $0x7ff0000000000000
DATA math64x4<>+456(SB)/8, $0x7ff0000000000000
DATA math64x4<>+464(SB)/8, $0x7ff0000000000000
DATA math64x4<>+472(SB)/8, $0x7ff0000000000000
DATA math64x4<>+480(SB)/8, $0x00000000000003ff
DATA math64x4<>+488(SB)/8, $0x00000000000003ff
DATA math64x4<>+496(SB)/8, $0x00000000000003ff
DATA math64x4<>+504(SB)/8, $0x00000000000003ff
DATA math64x4<>+512(SB)/8, $0x7fffffffffffffff
DATA math64x4<>+520(SB)/8, $0x7fffffffffffffff
DATA math64x4<>+528(SB)/8, $0x7fffffffffffffff
DATA math64x4<>+536(SB)/8, $0x7fffffffffffffff
DATA math64x4<>+544(SB)/8, $0x8000000000000000
DATA math64x4<>+552(SB)/8, $0x8000000000000000
DATA math64x4<>+560(SB)/8, $0x8000000000000000
DATA math64x4<>+568(SB)/8, $0x8000000000000000
DATA math64x4<>+576(SB)/8, $0x3fe4000000000000
DATA math64x4<>+584(SB)/8, $0x3fe4000000000000
DATA math64x4<>+592(SB)/8, $0x3fe4000000000000
DATA math64x4<>+600(SB)/8, $0x3fe4000000000000
DATA math64x4<>+608(SB)/8, $0x404601e678fc457b
DATA math64x4<>+616(SB)/8, $0x404601e678fc457b
DATA math64x4<>+624(SB)/8, $0x404601e678fc457b
DATA math64x4<>+632(SB)/8, $0x404601e678fc457b
DATA math64x4<>+640(SB)/8, $0xbfeedc5baafd6f4b
DATA math64x4<>+648(SB)/8, $0xbfeedc5baafd6f4b
DATA math64x4<>+656(SB)/8, $0xbfeedc5baafd6f4b
DATA math64x4<>+664(SB)/8, $0xbfeedc5baafd6f4b
DATA math64x4<>+672(SB)/8, $0xc058d26a0e26682d
DATA math64x4<>+680(SB)/8, $0xc058d26a0e26682d
DATA math64x4<>+688(SB)/8, $0xc058d26a0e26682d
DATA math64x4<>+696(SB)/8, $0xc058d26a0e26682d
DATA math64x4<>+704(SB)/8, $0xc0993ac030580563
DATA math64x4<>+712(SB)/8, $0xc0993ac030580563
DATA math64x4<>+720(SB)/8, $0xc0993ac030580563
DATA math64x4<>+728(SB)/8, $0xc0993ac030580563
DATA math64x4<>+736(SB)/8, $0x405c33f28a581b86
DATA math64x4<>+744(SB)/8, $0x405c33f28a581b86
DATA math64x4<>+752(SB)/8, $0x405c33f28a581b86
DATA math64x4<>+760(SB)/8, $0x405c33f28a581b86
DATA math64x4<>+768(SB)/8, $0x40a176fa0e5535fa
DATA math64x4<>+776(SB)/8, $0x40a176fa0e5535fa
DATA math64x4<>+784(SB)/8, $0x40a176fa0e5535fa
DATA math64x4<>+792(SB)/8, $0x40a176fa0e5535fa
DATA math64x4<>+800(SB)/8, $0x40b2ec102442040c
DATA math64x4<>+808(SB)/8, $0x40b2ec102442040c
DATA math64x4<>+816(SB)/8, $0x40b2ec102442040c
DATA math64x4<>+824(SB)/8, $0x40b2ec102442040c
GLOBL math64x4<>(SB), RODATA|NOPTR, $832

// The same constants, four copies each, for 256-bit memory operands.
#define LOG2E4 math64x4<>+0(SB)
#define DHALF4 math64x4<>+32(SB)
#define LN2HI4 math64x4<>+64(SB)
#define LN2LO4 math64x4<>+96(SB)
#define EP14 math64x4<>+128(SB)
#define EP24 math64x4<>+160(SB)
#define EP34 math64x4<>+192(SB)
#define EP44 math64x4<>+224(SB)
#define EP54 math64x4<>+256(SB)
#define DONE4 math64x4<>+288(SB)
#define DTWO4 math64x4<>+320(SB)
#define OVER4 math64x4<>+352(SB)
#define UNDER4 math64x4<>+384(SB)
#define NEAR4 math64x4<>+416(SB)
#define DINF4 math64x4<>+448(SB)
#define I10234 math64x4<>+480(SB)
#define DABS4 math64x4<>+512(SB)
#define DSIGN4 math64x4<>+544(SB)
#define T06254 math64x4<>+576(SB)
#define HMAXLOG4 math64x4<>+608(SB)
#define TP04 math64x4<>+640(SB)
#define TP14 math64x4<>+672(SB)
#define TP24 math64x4<>+704(SB)
#define TQ04 math64x4<>+736(SB)
#define TQ14 math64x4<>+768(SB)
#define TQ24 math64x4<>+800(SB)

// expd of the eight lanes of Z0 into Z1, with the operations of
// math64.go's expd in the same order. Clobbers Z2-Z7 and K1-K4.
#define EXPD8 \
	VMULPD.BCST LOG2E, Z0, Z1; \
	VPANDQ.BCST DSIGN, Z0, Z2; \
	VPORQ.BCST DHALF, Z2, Z2; \
	VADDPD Z2, Z1, Z1; \
	VRNDSCALEPD $3, Z1, Z1; \
	VMULPD.BCST LN2HI, Z1, Z2; \
	VSUBPD Z2, Z0, Z2; \
	VMULPD.BCST LN2LO, Z1, Z3; \
	VSUBPD Z3, Z2, Z4; \
	VMULPD Z4, Z4, Z5; \
	VMULPD.BCST EP5, Z5, Z6; \
	VADDPD.BCST EP4, Z6, Z6; \
	VMULPD Z5, Z6, Z6; \
	VADDPD.BCST EP3, Z6, Z6; \
	VMULPD Z5, Z6, Z6; \
	VADDPD.BCST EP2, Z6, Z6; \
	VMULPD Z5, Z6, Z6; \
	VADDPD.BCST EP1, Z6, Z6; \
	VMULPD Z5, Z6, Z6; \
	VSUBPD Z6, Z4, Z6; \
	VMULPD Z6, Z4, Z7; \
	VBROADCASTSD DTWO, Z5; \
	VSUBPD Z6, Z5, Z5; \
	VDIVPD Z5, Z7, Z7; \
	VSUBPD Z7, Z3, Z7; \
	VSUBPD Z2, Z7, Z7; \
	VBROADCASTSD DONE, Z5; \
	VSUBPD Z7, Z5, Z7; \
	VCVTTPD2DQ Z1, Y2; \
	VPSRAD $1, Y2, Y3; \
	VPSUBD Y3, Y2, Y2; \
	VPMOVSXDQ Y3, Z3; \
	VPMOVSXDQ Y2, Z2; \
	VPADDQ.BCST I1023, Z3, Z3; \
	VPSLLQ $52, Z3, Z3; \
	VPADDQ.BCST I1023, Z2, Z2; \
	VPSLLQ $52, Z2, Z2; \
	VMULPD Z3, Z7, Z7; \
	VMULPD Z2, Z7, Z7; \
	VPANDQ.BCST DABS, Z0, Z2; \
	VCMPPD.BCST $0x11, NEAR, Z2, K1; \
	VADDPD.BCST DONE, Z0, Z3; \
	VMOVAPD Z3, K1, Z7; \
	VCMPPD.BCST $0x1e, OVER, Z0, K2; \
	VBROADCASTSD DINF, Z3; \
	VMOVAPD Z3, K2, Z7; \
	VCMPPD.BCST $0x11, UNDER, Z0, K3; \
	VPXORQ Z7, Z7, K3, Z7; \
	VCMPPD $0x03, Z0, Z0, K4; \
	VMOVAPD Z0, K4, Z7; \
	VMOVAPD Z7, Z1

// func expAVX512d(out, a *float64, n int)   n is a multiple of 8
TEXT ·expAVX512d(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
expd_loop:
	VMOVUPD (SI), Z0
	EXPD8
	VMOVUPD Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNE expd_loop
	VZEROUPPER
	RET

// func tanhAVX512d(out, a *float64, n int)   n is a multiple of 8
TEXT ·tanhAVX512d(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORQ Z15, Z15, Z15
tanhd_loop:
	VMOVUPD (SI), Z8
	VPANDQ.BCST DABS, Z8, Z9
	// No lane at or above 0.625 (NaN is not): the rational function
	// alone (no lane is above log(2^127)/2 either).
	VCMPPD.BCST $0x1d, T0625, Z9, K1
	KORTESTW K1, K1
	JZ tanhd_poly
	// |x| ≥ 0.625: ±(1 - 2/(e^(|x|+|x|) + 1)), the sign of x, into Z10.
	VADDPD Z9, Z9, Z0
	EXPD8
	VADDPD.BCST DONE, Z1, Z1
	VBROADCASTSD DTWO, Z2
	VDIVPD Z1, Z2, Z1
	VBROADCASTSD DONE, Z2
	VSUBPD Z1, Z2, Z1
	VPANDQ.BCST DSIGN, Z8, Z2
	VPXORQ Z2, Z1, Z10
tanhd_poly:
	// Else x + x·s·P(s)/Q(s), s = x², into Z12.
	VMULPD Z8, Z8, Z11
	VMULPD.BCST TP0, Z11, Z12
	VADDPD.BCST TP1, Z12, Z12
	VMULPD Z11, Z12, Z12
	VADDPD.BCST TP2, Z12, Z12
	VADDPD.BCST TQ0, Z11, Z13
	VMULPD Z11, Z13, Z13
	VADDPD.BCST TQ1, Z13, Z13
	VMULPD Z11, Z13, Z13
	VADDPD.BCST TQ2, Z13, Z13
	VMULPD Z11, Z8, Z14
	VMULPD Z12, Z14, Z14
	VDIVPD Z13, Z14, Z14
	VADDPD Z14, Z8, Z12
	// Pick: |x| ≥ 0.625 (false for NaN), then |x| > log(2^127)/2: ±1,
	// then x = ±0: x itself.
	VCMPPD.BCST $0x1d, T0625, Z9, K1
	VMOVAPD Z10, K1, Z12
	VCMPPD.BCST $0x1e, HMAXLOG, Z9, K2
	VPANDQ.BCST DSIGN, Z8, Z2
	VPORQ.BCST DONE, Z2, Z2
	VMOVAPD Z2, K2, Z12
	VCMPPD $0x00, Z15, Z8, K3
	VMOVAPD Z8, K3, Z12
	VMOVUPD Z12, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNE tanhd_loop
	VZEROUPPER
	RET

// The AVX2 forms: four lanes, the same operations in the same order, the
// blends done with VBLENDVPD. Each lane gets the scalar function's bits
// (TestMath64Vector).

// expd of the four lanes of Y0 into Y1. Clobbers Y2-Y7.
#define EXPD4 \
	VMULPD LOG2E4, Y0, Y1; \
	VANDPD DSIGN4, Y0, Y2; \
	VORPD DHALF4, Y2, Y2; \
	VADDPD Y2, Y1, Y1; \
	VROUNDPD $3, Y1, Y1; \
	VMULPD LN2HI4, Y1, Y2; \
	VSUBPD Y2, Y0, Y2; \
	VMULPD LN2LO4, Y1, Y3; \
	VSUBPD Y3, Y2, Y4; \
	VMULPD Y4, Y4, Y5; \
	VMULPD EP54, Y5, Y6; \
	VADDPD EP44, Y6, Y6; \
	VMULPD Y5, Y6, Y6; \
	VADDPD EP34, Y6, Y6; \
	VMULPD Y5, Y6, Y6; \
	VADDPD EP24, Y6, Y6; \
	VMULPD Y5, Y6, Y6; \
	VADDPD EP14, Y6, Y6; \
	VMULPD Y5, Y6, Y6; \
	VSUBPD Y6, Y4, Y6; \
	VMULPD Y6, Y4, Y7; \
	VMOVUPD DTWO4, Y5; \
	VSUBPD Y6, Y5, Y5; \
	VDIVPD Y5, Y7, Y7; \
	VSUBPD Y7, Y3, Y7; \
	VSUBPD Y2, Y7, Y7; \
	VMOVUPD DONE4, Y5; \
	VSUBPD Y7, Y5, Y7; \
	VCVTTPD2DQY Y1, X2; \
	VPSRAD $1, X2, X3; \
	VPSUBD X3, X2, X2; \
	VPMOVSXDQ X3, Y3; \
	VPMOVSXDQ X2, Y2; \
	VPADDQ I10234, Y3, Y3; \
	VPSLLQ $52, Y3, Y3; \
	VPADDQ I10234, Y2, Y2; \
	VPSLLQ $52, Y2, Y2; \
	VMULPD Y3, Y7, Y7; \
	VMULPD Y2, Y7, Y7; \
	VANDPD DABS4, Y0, Y2; \
	VCMPPD $0x11, NEAR4, Y2, Y2; \
	VADDPD DONE4, Y0, Y3; \
	VBLENDVPD Y2, Y3, Y7, Y7; \
	VCMPPD $0x1e, OVER4, Y0, Y2; \
	VBLENDVPD Y2, DINF4, Y7, Y7; \
	VCMPPD $0x11, UNDER4, Y0, Y2; \
	VANDNPD Y7, Y2, Y7; \
	VCMPPD $0x03, Y0, Y0, Y2; \
	VBLENDVPD Y2, Y0, Y7, Y1

// func expAVX2d(out, a *float64, n int)   n is a multiple of 4
TEXT ·expAVX2d(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
expd4_loop:
	VMOVUPD (SI), Y0
	EXPD4
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JNE expd4_loop
	VZEROUPPER
	RET

// func tanhAVX2d(out, a *float64, n int)   n is a multiple of 4
TEXT ·tanhAVX2d(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPD Y15, Y15, Y15
tanhd4_loop:
	VMOVUPD (SI), Y8
	VANDPD DABS4, Y8, Y9
	// No lane at or above 0.625 (NaN is not): the rational function
	// alone (no lane is above log(2^127)/2 either).
	VCMPPD $0x1d, T06254, Y9, Y13
	VMOVMSKPD Y13, AX
	TESTL AX, AX
	JZ tanhd4_poly
	// |x| ≥ 0.625: ±(1 - 2/(e^(|x|+|x|) + 1)), the sign of x, into Y10.
	VADDPD Y9, Y9, Y0
	EXPD4
	VADDPD DONE4, Y1, Y1
	VMOVUPD DTWO4, Y2
	VDIVPD Y1, Y2, Y1
	VMOVUPD DONE4, Y2
	VSUBPD Y1, Y2, Y1
	VANDPD DSIGN4, Y8, Y2
	VXORPD Y2, Y1, Y10
tanhd4_poly:
	// Else x + x·s·P(s)/Q(s), s = x², into Y12.
	VMULPD Y8, Y8, Y11
	VMULPD TP04, Y11, Y12
	VADDPD TP14, Y12, Y12
	VMULPD Y11, Y12, Y12
	VADDPD TP24, Y12, Y12
	VADDPD TQ04, Y11, Y13
	VMULPD Y11, Y13, Y13
	VADDPD TQ14, Y13, Y13
	VMULPD Y11, Y13, Y13
	VADDPD TQ24, Y13, Y13
	VMULPD Y11, Y8, Y14
	VMULPD Y12, Y14, Y14
	VDIVPD Y13, Y14, Y14
	VADDPD Y14, Y8, Y12
	// Pick: |x| ≥ 0.625 (false for NaN), then |x| > log(2^127)/2: ±1,
	// then x = ±0: x itself.
	VCMPPD $0x1d, T06254, Y9, Y13
	VBLENDVPD Y13, Y10, Y12, Y12
	VCMPPD $0x1e, HMAXLOG4, Y9, Y13
	VANDPD DSIGN4, Y8, Y2
	VORPD DONE4, Y2, Y2
	VBLENDVPD Y13, Y2, Y12, Y12
	VCMPPD $0x00, Y15, Y8, Y13
	VBLENDVPD Y13, Y8, Y12, Y12
	VMOVUPD Y12, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JNE tanhd4_loop
	VZEROUPPER
	RET
