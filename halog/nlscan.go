package halog

import "bytes"

// scanNLGeneric is scanNL with bytes.IndexByte (any platform): it records
// in dst the offsets of the LF bytes of b, in increasing order, up to
// len(dst) of them and up to the last whole block of 32 bytes of b. It
// returns the number n of offsets stored; end, such that b[:end] was
// wholly read and its LF bytes are all in dst[:n] (a multiple of 32); and
// nul, false when b[:dst[n-1]] (b[:end] when n is 0) certainly has no NUL
// byte.
func scanNLGeneric(b []byte, dst []int32) (n, end int, nul bool) {
	lim := len(b) &^ 31
	for n < len(dst) {
		i := bytes.IndexByte(b[end:lim], '\n')
		if i < 0 {
			end = lim
			break
		}
		dst[n] = int32(end + i)
		n++
		end += i + 1
	}
	if n == len(dst) {
		end = int(dst[n-1]) &^ 31
	}
	if n > 0 {
		nul = bytes.IndexByte(b[:dst[n-1]], 0) >= 0
	} else {
		nul = bytes.IndexByte(b[:end], 0) >= 0
	}
	return n, end, nul
}
