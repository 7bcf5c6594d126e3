//go:build amd64 && !purego

#include "textflag.h"

// func scanNLAVX2(b []byte, dst []int32) (n, end int, nul bool)
//
// Registers: SI b, DX the end of its whole blocks of 32, R10 dst, R11
// len(dst), R12 n, DI offset of the block, Y1 32 LF bytes, Y2 the running
// minimum of the bytes read (a NUL was read when a byte of it is 0).
TEXT ·scanNLAVX2(SB), NOSPLIT, $0-65
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	ANDQ $~31, DX
	MOVQ dst_base+24(FP), R10
	MOVQ dst_len+32(FP), R11
	XORQ R12, R12
	XORQ DI, DI
	MOVL $0x0a, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	VPCMPEQB Y2, Y2, Y2
	TESTQ R11, R11
	JZ   done
	CMPQ DI, DX
	JGE  done

block:
	PREFETCHT0 4096(SI)(DI*1) // a page ahead: the hardware prefetchers stop at page ends
	VMOVDQU  (SI)(DI*1), Y3
	VPMINUB  Y3, Y2, Y2
	VPCMPEQB Y1, Y3, Y3
	VPMOVMSKB Y3, AX
	TESTL    AX, AX
	JNZ      store

next:
	ADDQ $32, DI
	CMPQ DI, DX
	JLT  block
	JMP  done

store:
	BSFL AX, BX
	ADDQ DI, BX
	MOVL BX, (R10)(R12*4)
	INCQ R12
	CMPQ R12, R11
	JEQ  done // the LF bytes after it in this block are left out: end = DI
	LEAL -1(AX), BX
	ANDL BX, AX
	JNZ  store
	JMP  next

done:
	VPXOR     Y3, Y3, Y3
	VPCMPEQB  Y3, Y2, Y2
	VPMOVMSKB Y2, AX
	VZEROUPPER
	MOVQ  R12, n+48(FP)
	MOVQ  DI, end+56(FP)
	TESTL AX, AX
	SETNE nul+64(FP)
	RET
