//go:build amd64 && !purego

// Field scanning with SSE2 (part of the amd64 baseline): 16 bytes are
// compared with the space character at once and the comparison is turned
// into a 16-bit mask. Loads never leave b: the last partial block is handled
// by loading the last 16 bytes of b and ignoring the bytes already seen,
// which needs len(b) >= 16 (checked by the Go callers).

#include "textflag.h"

// func fieldStart(b []byte, p, n int) int
// Requires n >= 1, p >= 0, len(b) >= 16.
TEXT ·fieldStart(SB), NOSPLIT, $0-48
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ p+24(FP), DI
	MOVQ n+32(FP), R11
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVL $1, R8 // the byte before p counts as a space
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  tail

block:
	MOVOU    (SI)(DI*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX     // AX = space flags
	MOVL     AX, BX
	SHLL     $1, BX
	ORL      R8, BX     // BX = flags of the previous bytes
	MOVL     AX, R8
	SHRL     $15, R8    // prev for the next block
	NOTL     AX
	ANDL     BX, AX
	ANDL     $0xFFFF, AX // AX = field starts
	JZ       next

sel:
	CMPQ R11, $1
	JEQ  found
	DECQ R11
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  sel

next:
	ADDQ $16, DI
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JLE  block

tail:
	CMPQ DI, DX
	JGE  notfound
	MOVQ DX, R9
	SUBQ $16, R9        // R9 = start of the last 16 bytes
	MOVOU    (SI)(R9*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX
	MOVQ DI, CX
	SUBQ R9, CX         // CX = bytes of that block already examined (1..15)
	MOVL AX, BX
	SHLL $1, BX
	SHLL CL, R8
	ORL  R8, BX
	NOTL AX
	ANDL BX, AX
	SHRL CL, AX
	SHLL CL, AX         // drop the examined bytes
	ANDL $0xFFFF, AX
	JZ   notfound
	MOVQ R9, DI

sel2:
	CMPQ R11, $1
	JEQ  found
	DECQ R11
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  sel2

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
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1

eloop:
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  etail
	MOVOU    (SI)(DI*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX
	TESTL    AX, AX
	JNZ      efound
	ADDQ     $16, DI
	JMP      eloop

etail:
	CMPQ DI, DX
	JGE  eend
	MOVQ DX, R9
	SUBQ $16, R9
	MOVOU    (SI)(R9*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX
	MOVQ DI, CX
	SUBQ R9, CX
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
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ p+24(FP), DI
	MOVQ dst_base+32(FP), R10
	MOVQ dst_len+40(FP), R11
	XORQ R12, R12 // fields stored
	TESTQ R11, R11
	JZ    idone
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVL $1, R8
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JGT  itail

iblock:
	MOVOU    (SI)(DI*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX
	MOVL     AX, BX
	SHLL     $1, BX
	ORL      R8, BX
	MOVL     AX, R8
	SHRL     $15, R8
	NOTL     AX
	ANDL     BX, AX
	ANDL     $0xFFFF, AX
	JZ       inext

isel:
	BSFL AX, BX
	ADDL DI, BX
	MOVL BX, (R10)(R12*4)
	INCQ R12
	CMPQ R12, R11
	JEQ  idone
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  isel

inext:
	ADDQ $16, DI
	LEAQ 16(DI), AX
	CMPQ AX, DX
	JLE  iblock

itail:
	CMPQ DI, DX
	JGE  idone
	MOVQ DX, R9
	SUBQ $16, R9
	MOVOU    (SI)(R9*1), X0
	PCMPEQB  X1, X0
	PMOVMSKB X0, AX
	MOVQ DI, CX
	SUBQ R9, CX
	MOVL AX, BX
	SHLL $1, BX
	SHLL CL, R8
	ORL  R8, BX
	NOTL AX
	ANDL BX, AX
	SHRL CL, AX
	SHLL CL, AX
	ANDL $0xFFFF, AX
	JZ   idone

isel2:
	BSFL AX, BX
	ADDL R9, BX
	MOVL BX, (R10)(R12*4)
	INCQ R12
	CMPQ R12, R11
	JEQ  idone
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  isel2

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
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVQ p+24(FP), DI
	MOVQ dst_base+32(FP), R10
	MOVQ dst_len+40(FP), R11
	XORQ R12, R12 // fields stored
	TESTQ R11, R11
	JZ    vret
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
	MOVL      AX, BX
	SHLL      $1, BX
	ORL       R8, BX
	MOVL      AX, R8
	SHRL      $31, R8
	NOTL      AX
	ANDL      BX, AX // field starts
	JZ        vnext

vsel:
	BSFL AX, BX
	ADDL DI, BX
	MOVL BX, (R10)(R12*4)
	INCQ R12
	CMPQ R12, R11
	JEQ  vdone
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  vsel

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
	MOVL AX, BX
	SHLL $1, BX
	SHLL CL, R8
	ORL  R8, BX
	NOTL AX
	ANDL BX, AX
	SHRL CL, AX
	SHLL CL, AX
	JZ   vdone

vsel2:
	BSFL AX, BX
	ADDL R9, BX
	MOVL BX, (R10)(R12*4)
	INCQ R12
	CMPQ R12, R11
	JEQ  vdone
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  vsel2

vdone:
	VZEROUPPER

vret:
	MOVQ R12, ret+56(FP)
	RET
