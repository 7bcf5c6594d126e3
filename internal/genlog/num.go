package genlog

const digits2 = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendUint appends v in decimal; faster than strconv for the small values
// that make up most of a log line.
func appendUint(dst []byte, v uint64) []byte {
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	if v < 100 {
		return append(dst, digits2[v*2], digits2[v*2+1])
	}
	var b [20]byte
	i := len(b)
	for v >= 100 {
		q := v / 100
		r := (v - q*100) * 2
		i -= 2
		b[i], b[i+1] = digits2[r], digits2[r+1]
		v = q
	}
	if v < 10 {
		i--
		b[i] = byte('0' + v)
	} else {
		i -= 2
		b[i], b[i+1] = digits2[v*2], digits2[v*2+1]
	}
	return append(dst, b[i:]...)
}

// appendInt appends v in decimal with a leading '-' when negative.
func appendInt(dst []byte, v int) []byte {
	if v < 0 {
		return appendUint(append(dst, '-'), uint64(-int64(v)))
	}
	return appendUint(dst, uint64(v))
}

// appendSlashed appends the values separated by '/' ("12/0/3"), as the
// timer and counter groups of a log line.
func appendSlashed(dst []byte, vs ...int) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, '/')
		}
		dst = appendInt(dst, v)
	}
	return dst
}

// mix64 is a stateless 64-bit hash (the splitmix64 finaliser).
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
