//go:build amd64 && !purego

// Field scanning with SSE2 (part of the amd64 baseline): 16 bytes are
// compared with the space character at once and the comparison is turned
// into a 16-bit mask. Loads never leave b: the last partial block is handled
// by loading the last 16 bytes of b and ignoring the bytes already seen,
// which needs len(b) >= 16 (checked by the Go callers).

#include "textflag.h"

// INDEXARGS loads the arguments of fieldIndex and fieldIndexAVX2 (b in
// SI, DX; p in DI; dst in R10, R11), zeroes R12 (fields stored) and jumps
// to empty when dst has no room.
#define INDEXARGS(empty) \
	MOVQ b_base+0(FP), SI; \
	MOVQ b_len+8(FP), DX; \
	MOVQ p+24(FP), DI; \
	MOVQ dst_base+32(FP), R10; \
	MOVQ dst_len+40(FP), R11; \
	XORQ R12, R12; \
	TESTQ R11, R11; \
	JZ    empty

// SPACES16 fills X1 with 16 space characters.
#define SPACES16 \
	MOVQ $0x2020202020202020, AX; \
	MOVQ AX, X1; \
	PUNPCKLQDQ X1, X1

// MASK16 sets AX to the space flags of the 16 bytes at SI+off (bit i: byte
// i is a space).
#define MASK16(off) \
	MOVOU    (SI)(off*1), X0; \
	PCMPEQB  X1, X0; \
	PMOVMSKB X0, AX

// STARTS turns the space flags in AX into field starts (a non-space after
// a space), R8 holding the flag of the byte before the block; R8 becomes
// the flag of the block's last byte (bit last).
#define STARTS(last) \
	MOVL AX, BX; \
	SHLL $1, BX; \
	ORL  R8, BX; \
	MOVL AX, R8; \
	SHRL $last, R8; \
	NOTL AX; \
	ANDL BX, AX

// TAILSTARTS is STARTS for the last block, loaded at R9 so that its first
// CX bytes were already examined: they are dropped from the starts.
#define TAILSTARTS \
	MOVL AX, BX; \
	SHLL $1, BX; \
	SHLL CL, R8; \
	ORL  R8, BX; \
	NOTL AX; \
	ANDL BX, AX; \
	SHRL CL, AX; \
	SHLL CL, AX

// TAIL16 loads the last 16 bytes of b (from R9 = len(b)-16), their space
// flags in AX, and sets CX to the number of them already examined (DI-R9).
#define TAIL16 \
	MOVQ DX, R9; \
	SUBQ $16, R9; \
	MASK16(R9); \
	MOVQ DI, CX; \
	SUBQ R9, CX

// STORE stores the offset (base + index) of each field start in AX into
// dst (R10, length R11, R12 stored so far), jumping to done when dst is
// full; the caller's label loop precedes it.
#define STORE(base, loop, done) \
	BSFL AX, BX; \
	ADDL base, BX; \
	MOVL BX, (R10)(R12*4); \
	INCQ R12; \
	CMPQ R12, R11; \
	JEQ  done; \
	LEAL -1(AX), BX; \
	ANDL BX, AX; \
	JNZ  loop

// SELECT drops the field starts in AX before the R11-th, counting down
// R11, and jumps to found with it the lowest bit of AX.
#define SELECT(loop) \
	CMPQ R11, $1; \
	JEQ  found; \
	DECQ R11; \
	LEAL -1(AX), BX; \
	ANDL BX, AX; \
	JNZ  loop

// func fieldStart(b []byte, p, n int) int
// Requires n >= 1, p >= 0, len(b) >= 16.
TEXT ·fieldStart(SB), NOSPLIT, $0-48
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ p+24(FP), DI
	MOVQ n+32(FP), R11
	SPACES16
	MOVL $1, R8 // the byte before p counts as a space
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  tail

block:
	MASK16(DI)
	STARTS(15)
	ANDL $0xFFFF, AX // AX = field starts
	JZ   next

sel:
	SELECT(sel)

next:
	ADDQ $16, DI
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JLE  block

tail:
	CMPQ DI, DX
	JGE  notfound
	TAIL16 // CX = bytes of that block already examined (1..15)
	TAILSTARTS
	ANDL $0xFFFF, AX
	JZ   notfound
	MOVQ R9, DI

sel2:
	SELECT(sel2)

notfound:
	MOVQ DX, ret+40(FP)
	RET

found:
	BSFL AX, AX
	ADDQ DI, AX
	MOVQ AX, ret+40(FP)
	RET

// func fieldEnd(b []byte, p int) int
// Requires 0 <= p < len(b) and len(b) >= 16.
TEXT ·fieldEnd(SB), NOSPLIT, $0-40
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ p+24(FP), DI
	SPACES16

eloop:
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  etail
	MASK16(DI)
	TESTL AX, AX
	JNZ   efound
	ADDQ  $16, DI
	JMP   eloop

etail:
	CMPQ DI, DX
	JGE  eend
	TAIL16
	SHRL CL, AX
	TESTL AX, AX
	JZ   eend

efound:
	BSFL AX, AX
	ADDQ DI, AX
	MOVQ AX, ret+32(FP)
	RET

eend:
	MOVQ DX, ret+32(FP)
	RET

// func fieldIndex(b []byte, p int, dst []int32) int
// Requires p >= 0 and len(b) >= 16.
TEXT ·fieldIndex(SB), NOSPLIT, $0-64
	INDEXARGS(idone)
	SPACES16
	MOVL $1, R8
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  itail

iblock:
	MASK16(DI)
	STARTS(15)
	ANDL $0xFFFF, AX
	JZ   inext

isel:
	STORE(DI, isel, idone)

inext:
	ADDQ $16, DI
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JLE  iblock

itail:
	CMPQ DI, DX
	JGE  idone
	TAIL16
	TAILSTARTS
	ANDL $0xFFFF, AX
	JZ   idone

isel2:
	STORE(R9, isel2, idone)

idone:
	MOVQ R12, ret+56(FP)
	RET

// func cpuHasAVX2() bool
TEXT ·cpuHasAVX2(SB), NOSPLIT, $0-1
	XORL AX, AX
	XORL CX, CX
	CPUID
	CMPL AX, $7
	JLT  no
	// CPUID.1:ECX: OSXSAVE (bit 27) and AVX (bit 28)
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x18000000, CX
	CMPL CX, $0x18000000
	JNE  no
	// XCR0: the OS saves the XMM and YMM registers (bits 1 and 2)
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	// CPUID.(7,0):EBX: AVX2 (bit 5)
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $5, BX
	JCC  no
	MOVB $1, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET

// func fieldIndexAVX2(b []byte, p int, dst []int32) int
// fieldIndex with 32-byte blocks. Requires AVX2, p >= 0 and len(b) >= 32.
TEXT ·fieldIndexAVX2(SB), NOSPLIT, $0-64
	INDEXARGS(vret)
	MOVL $0x20, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVL $1, R8
	LEAQ 32(DI), AX
	CMPQ AX, DX
	JGT  vtail

vblock:
	VMOVDQU   (SI)(DI*1), Y0
	VPCMPEQB  Y1, Y0, Y0
	VPMOVMSKB Y0, AX // space flags
	STARTS(31)       // field starts
	JZ        vnext

vsel:
	STORE(DI, vsel, vdone)

vnext:
	ADDQ $32, DI
	LEAQ 32(DI), AX
	CMPQ AX, DX
	JLE  vblock

vtail:
	CMPQ DI, DX
	JGE  vdone
	MOVQ DX, R9
	SUBQ $32, R9
	VMOVDQU   (SI)(R9*1), Y0
	VPCMPEQB  Y1, Y0, Y0
	VPMOVMSKB Y0, AX
	MOVQ DI, CX
	SUBQ R9, CX // bytes already examined (1..31)
	TAILSTARTS
	JZ   vdone

vsel2:
	STORE(R9, vsel2, vdone)

vdone:
	VZEROUPPER

vret:
	MOVQ R12, ret+56(FP)
	RET
