package formats

import (
	"encoding/binary"
	"math/bits"
)

// HAProxy log field numbers, counted from the client address (field 1 of the
// HAProxy payload is the client "ip:port"). They match the positions of the
// httplog format; for a tcplog line only the fields up to Time are in the
// same place. Add the number of fields that precede the payload (the syslog
// header: 5 for "Mon dd hh:mm:ss host tag[pid]:") to get an absolute field
// number for Line.Field.
const (
	FieldSource    = 1  // client_ip:port
	FieldAccept    = 2  // [dd/Mon/yyyy:hh:mm:ss.mmm]
	FieldFrontend  = 3  // frontend name (with "~" for SSL)
	FieldServer    = 4  // backend/server
	FieldTime      = 5  // TR/Tw/Tc/Tr/Ta (http) or Tw/Tc/Tt (tcp)
	FieldStatus    = 6  // HTTP status (bytes read for tcp)
	FieldBytes     = 7  // bytes read (termination state for tcp)
	FieldTermState = 10 // termination state, 4 characters (http only)
	FieldConn      = 11 // actconn/feconn/beconn/srv_conn/retries
	FieldQueue     = 12 // srv_queue/backend_queue
	FieldMethod    = 13 // first field after the queues: captures or "METHOD
)

// Line is a cursor over one log line that locates space-separated fields
// lazily, remembering the last field it found so that walking forward (the
// usual order: accept date, timers, status, ...) never rescans the start of
// the line.
//
// Fields are maximal runs of bytes other than the space character (0x20);
// only spaces separate fields, runs of spaces count as one separator and
// leading spaces are skipped. Tabs and other control characters are ordinary
// field bytes. This is exactly halog's field model, so Line can be used to
// reproduce its behaviour.
//
// Line never copies or modifies the bytes it is given. Positions returned by
// its methods index into the slice passed to Reset, and slices it returns
// alias it: they are valid as long as the caller keeps that slice unchanged.
// The zero Line is an empty line. A Line must not be used concurrently.
type Line struct {
	b   []byte
	n   int // number of the cached field, 0 if none
	pos int // start of field n (len(b) if field n does not exist)
}

// Reset points the cursor at b and forgets every cached position.
func (l *Line) Reset(b []byte) {
	l.b = b
	l.n = 0
	l.pos = 0
}

// Bytes returns the line given to Reset.
func (l *Line) Bytes() []byte { return l.b }

// Field returns the start offset of field n (1-based, like awk's $n) and
// whether that field exists. When it does not exist (n < 1 or the line has
// fewer fields) the offset is len(l.Bytes()).
func (l *Line) Field(n int) (int, bool) {
	if n < 1 {
		return len(l.b), false
	}
	if l.n == 0 || n < l.n {
		l.pos = FieldStart(l.b, 0, n)
	} else if n > l.n {
		l.pos = FieldStart(l.b, l.pos, n-l.n+1)
	}
	l.n = n
	return l.pos, l.pos < len(l.b)
}

// FieldBytes returns field n, or nil when it does not exist.
func (l *Line) FieldBytes(n int) []byte {
	p, ok := l.Field(n)
	if !ok {
		return nil
	}
	return l.b[p:FieldEnd(l.b, p)]
}

// At returns b[i], or 0 when i is outside b. It lets code written for
// NUL-terminated strings peek past the end of a field without bounds checks.
func At(b []byte, i int) byte {
	if uint(i) < uint(len(b)) {
		return b[i]
	}
	return 0
}

const (
	lsb     = 0x0101010101010101
	msb     = 0x8080808080808080
	low7    = 0x7f7f7f7f7f7f7f7f
	spaces  = 0x2020202020202020
	slashes = 0x2f2f2f2f2f2f2f2f
)

// FieldStart returns the offset of the n-th field counted from offset p,
// where the field containing p (if p is not on a space) is field 1. It
// returns len(b) when there is no such field, and for n < 1. p may be any
// offset in [0, len(b)]. From the start of field k, FieldStart(b, p, m)
// is the start of field k+m-1.
func FieldStart(b []byte, p, n int) int {
	if n < 1 || p < 0 {
		return len(b)
	}
	if len(b) >= 16 {
		return fieldStart(b, p, n)
	}
	return fieldStartGeneric(b, p, n)
}

// fieldStartGeneric is FieldStart in portable Go, for n >= 1 and p >= 0.
func fieldStartGeneric(b []byte, p, n int) int {
	// Word at a time: a field starts on a non-space byte that follows a
	// space (or is at p). prev holds the high bit of the previous byte's
	// "is a space" flag, moved to byte 0.
	prev := uint64(0x80)
	for ; p+8 <= len(b); p += 8 {
		x := binary.LittleEndian.Uint64(b[p:]) ^ spaces
		// exact per-byte "is zero" (i.e. is a space) flags in the high bits
		sp := ^(((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x) & msb
		starts := ^sp & msb & (sp<<8 | prev)
		if c := bits.OnesCount64(starts); c >= n {
			for ; n > 1; n-- {
				starts &= starts - 1
			}
			return p + bits.TrailingZeros64(starts)>>3
		} else {
			n -= c
		}
		prev = sp >> 56
	}
	wasSpace := prev != 0
	for ; p < len(b); p++ {
		isSpace := b[p] == ' '
		if !isSpace && wasSpace {
			n--
			if n == 0 {
				return p
			}
		}
		wasSpace = isSpace
	}
	return len(b)
}

// FieldEnd returns the offset of the first space at or after p, or len(b).
func FieldEnd(b []byte, p int) int {
	if p < 0 {
		p = 0
	}
	if p < len(b) && len(b) >= 16 {
		return fieldEnd(b, p)
	}
	return fieldEndGeneric(b, p)
}

// fieldEndGeneric is FieldEnd in portable Go, for p >= 0.
func fieldEndGeneric(b []byte, p int) int {
	for p+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[p:]) ^ spaces
		if t := (x - lsb) &^ x & msb; t != 0 {
			return p + bits.TrailingZeros64(t)>>3
		}
		p += 8
	}
	for p < len(b) && b[p] != ' ' {
		p++
	}
	return p
}

// ParseInt reads a decimal integer at offset p with halog's str2ic
// semantics: an optional leading '-', then decimal digits up to the first
// non-digit; no digits gives 0, a leading '+' gives 0, and the arithmetic
// wraps around in 32 bits (3000000000 reads as -1294967296).
func ParseInt(b []byte, p int) int32 {
	if p < 0 || p >= len(b) {
		return 0
	}
	v, _ := str2ic(b, p)
	return v
}

// str2ic reads an integer at b[p] (p < len(b)) as ParseInt does and
// returns it with the offset of the byte after its digits. It is small
// enough to be inlined into ParseInt and ParseTimers.
func str2ic(b []byte, p int) (int32, int) {
	neg := b[p] == '-'
	if neg {
		p++
	}
	var v uint32
	for ; p < len(b); p++ {
		d := uint32(b[p]) - '0'
		if d > 9 {
			break
		}
		v = v*10 + d
	}
	if neg {
		return -int32(v), p
	}
	return int32(v), p
}

// ParseTimers parses the slash-separated timer field starting at offset p
// (for example "TR/Tw/Tc/Tr/Ta") into dst, the way halog does: each part is
// read with ParseInt, a negative part is stored as -1 and sets neg, an empty
// part reads as 0, and parsing stops at the first byte <= 0x20 (space or any
// control character) or after len(dst) parts. It returns the number of parts
// stored.
func ParseTimers(b []byte, p int, dst []int32) (n int, neg bool) {
	if p < 0 || p >= len(b) || b[p] <= ' ' || len(dst) == 0 {
		return 0, false
	}
	// One pass over the field: each part is str2ic's optional '-' and
	// digits, then anything up to the next '/' is skipped.
	b = b[p:]
	i := 0
	for {
		// here i < len(b) and b[i] > ' ': a part starts at i
		var v int32
		v, i = str2ic(b, i)
		if v < 0 {
			v = -1
			neg = true
		}
		dst[n] = v
		n++
		if n == len(dst) {
			return n, neg
		}
		// skip to the byte after the next '/', or stop at a separator
		for ; i < len(b) && b[i] != '/'; i++ {
			if b[i] <= ' ' {
				return n, neg
			}
		}
		i++
		if i >= len(b) || b[i] <= ' ' {
			return n, neg
		}
	}
}

// CountParts counts the slash-separated parts of the field at offset p, up
// to max, with the same stopping rules as ParseTimers but without parsing
// the numbers (halog's HTTP-log test counts 4 parts).
func CountParts(b []byte, p, max int) int {
	if p < 0 || p >= len(b) || max <= 0 || b[p] <= ' ' {
		return 0
	}
	// The field ends at its first byte <= 0x20 (or at the end of b).
	// Every '/' before that end starts a part, unless it is the last byte.
	n := 1
	i := p
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		t := w ^ slashes
		sl := ^(((t & low7) + low7) | t) & msb               // exact '/' flags
		end := ^((w & low7) + 0x5f5f5f5f5f5f5f5f) &^ w & msb // exact <= 0x20 flags
		if end != 0 {
			k := bits.TrailingZeros64(end)
			n += bits.OnesCount64(sl & (1<<k - 1))
			i += k >> 3
			break
		}
		if n += bits.OnesCount64(sl); n > max {
			return max
		}
	}
	if i+8 > len(b) {
		for ; i < len(b) && b[i] > ' '; i++ {
			if b[i] == '/' {
				n++
			}
		}
	}
	// here i is the end of the field, and i > p
	if b[i-1] == '/' {
		n--
	}
	return min(n, max)
}

// FieldIndex stores the start offsets of the fields of b found from offset
// p (the field containing p, if p is not on a space, comes first) into dst,
// in order, until dst is full or b ends, and returns how many it stored.
// Offsets are stored as int32: b must be shorter than 2 GiB. One call is
// much cheaper than one FieldStart per field when several nearby fields
// are needed.
func FieldIndex(b []byte, p int, dst []int32) int {
	if p < 0 {
		p = 0
	}
	if len(b) >= 16 {
		return fieldIndexPlatform(b, p, dst)
	}
	return fieldIndexGeneric(b, p, dst)
}

// fieldIndexGeneric is FieldIndex in portable Go, for p >= 0.
func fieldIndexGeneric(b []byte, p int, dst []int32) int {
	k := 0
	wasSpace := true
	for ; p < len(b) && k < len(dst); p++ {
		isSpace := b[p] == ' '
		if !isSpace && wasSpace {
			dst[k] = int32(p)
			k++
		}
		wasSpace = isSpace
	}
	return k
}
