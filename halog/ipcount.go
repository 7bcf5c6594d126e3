package halog

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/haplog/haplog/formats"
)

// The -ic fast path. With halog's fixed layout, no input filter, no -v and
// no -m, -ic reads four fields of each line: the source address, the
// accept date, the timers (the first and the last part) and the byte
// count. ipChunk locates the ends of 64 lines at a time (scanNL), reads
// the fields straight from the field starts of each line, the numbers
// eight bytes at a time, finds the address's entry through a small cache
// (ipCache), and hands any line that is not of the usual shape (a parse
// error, a truncated line, a number of 8 digits or more, a source without
// ':', a NUL byte) to processLine, which then does exactly what it does
// for every line without the fast path.

// ipFields is the largest number of leading fields ipChunk locates: the
// source address comes after Skip-1 header fields, the byte count is 6
// fields after it.
const ipFields = 16

// ipDirect reports whether the lines of c can go through ipChunk.
func (c *config) ipDirect() bool {
	o := c.o
	return c.h == hIP && c.lf == nil && !c.filters && !o.Invert && o.MaxLines < 0 &&
		c.srcN >= 1 && c.srcN+1+offBytes <= ipFields
}

// ipChunk handles the lines of data (whole lines) for -ic and returns how
// many there were. The LF bytes are located a batch of lines at a time
// (scanNL), which also tells whether the batch may hold a NUL byte: only
// then is each line searched for one (a line is cut at its first NUL, as
// lines does).
func (p *proc) ipChunk(data []byte) int {
	src := p.c.srcN - 1 // index of the source field in pos
	acc, tim, byt := src+1, src+1+offTime, src+1+offBytes
	var pos [ipFields]int32
	var batch [keyBatch]pendingKey
	var reqs [keyBatch]ipReq
	var ends [nlBatch]int32 // LF offsets from base, ends[j:k] not yet read
	var cache ipCache
	base, j, k, nul := 0, 0, 0, false
	flush := func(v *urlStat, i int) { v.addIP(reqs[i]) }
	nb := 0
	t := &p.agg.urls
	n := 0
	for s := 0; s < len(data); {
		var e int
		if j < k {
			e = base + int(ends[j])
			j++
		} else {
			var end int
			base, j = s, 0
			if k, end, nul = scanNL(data[s:], ends[:]); k > 0 {
				continue
			}
			// no LF in the next whole blocks of 32 bytes: a long line or
			// the last bytes of the chunk
			e = len(data)
			if i := bytes.IndexByte(data[s+end:], '\n'); i >= 0 {
				e = s + end + i
			}
			nul = true
		}
		n++
		line := data[s:e]
		if nul {
			if i := bytes.IndexByte(line, 0); i >= 0 {
				p.ls, p.le = s, e
				p.genericLine(line[:i], n)
				s = e + 1
				continue
			}
		}
		rest := data[s:] // the line, then the next lines: numbers end at its LF
		key, rq, ok := ipLine(line, rest, pos[:byt+1], src, acc, tim, byt)
		switch {
		case !ok:
			p.ls, p.le = s, e
			p.genericLine(line, n)
		case t.len() < keyBatchFrom:
			cache.get(t, key).addIP(rq)
		default:
			batch[nb], reqs[nb] = t.pending(key), rq
			if nb++; nb == keyBatch {
				t.addBatch(batch[:nb], flush)
				nb = 0
			}
		}
		s = e + 1
	}
	t.addBatch(batch[:nb], flush)
	return n
}

// nlBatch is the number of lines whose ends ipChunk locates at once: about
// 16 kB of typical lines, which stay in the L1 cache until they are read.
const nlBatch = 64

// ipCache is a direct-mapped cache of the keytab entries of the addresses
// of up to 16 bytes last seen (IPv4 addresses always), for the tables
// small enough to be looked up one by one: a hit costs one hash and one
// comparison of the address's words and length (which identify its bytes,
// see keyWords) instead of the table's probe.
type ipCache [ipCacheSize]struct {
	w0, w1 uint64
	n      uint32 // the address's length + 1, 0 when the slot is empty
	ent    int32
}

const ipCacheSize = 512 // a power of 2

// get returns the value of key in t, inserting key if needed, as t.get does.
func (c *ipCache) get(t *keytab[urlStat], key []byte) *urlStat {
	if len(key) > 16 {
		v, _ := t.get(key)
		return v
	}
	w0, w1 := keyWords(key)
	n := uint32(len(key)) + 1
	h := (w0 ^ bits.RotateLeft64(w1, 27) ^ uint64(n)) * 0x9E3779B97F4A7C15
	e := &c[h>>(64-bits.TrailingZeros(ipCacheSize))]
	if e.w0 != w0 || e.w1 != w1 || e.n != n {
		i, _ := t.index(key)
		e.w0, e.w1, e.n, e.ent = w0, w1, n, int32(i)
	}
	return t.val(int(e.ent))
}

// ipReq is what one request adds to the -ic statistics of its address:
// the first and the last timer (-1 when negative) and the byte count.
type ipReq struct{ t0, t4, bytes int32 }

// addIP adds one request to s, as adding ipStat's statistics of the same
// timers and byte count does (it is built in place: a copied urlStat cost
// a stall on every line).
func (s *urlStat) addIP(r ipReq) { s.addReq(r.t0, r.t4, r.t0 < 0 || r.t4 < 0, r.bytes) }

// ipLine reads line (rest: the line and what follows it in the chunk) if
// it is of the usual shape: its address and request. pos receives the
// field starts; src, acc, tim and byt index the fields -ic reads.
func ipLine(line, rest []byte, pos []int32, src, acc, tim, byt int) (key []byte, r ipReq, ok bool) {
	if formats.FieldIndex(line, 0, pos) < len(pos) {
		return nil, r, false
	}
	a := int(pos[acc])
	if line[a] != '[' || line[a+1]-'0' > 3 {
		return nil, r, false
	}
	// the timers: the first part, then the fifth after the fourth '/'.
	// Each number is what formats.ParseInt reads (an optional '-', then
	// decimal digits up to the first other byte) when it has at most 7
	// digits and there are 8 bytes to read past its '-'; the three are
	// read at once, their computations interleaved.
	t := int(pos[tim])
	t4 := slash4(line, t)
	if t4 < 0 {
		return nil, r, false
	}
	w0, neg0, ok0 := numWord(rest, t)
	w4, neg4, ok4 := numWord(rest, t4)
	wb, negb, okb := numWord(rest, int(pos[byt]))
	if !ok0 || !ok4 || !okb {
		return nil, r, false
	}
	u0, ok0 := swarDigits(w0)
	u4, ok4 := swarDigits(w4)
	ub, okb := swarDigits(wb)
	if !ok0 || !ok4 || !okb {
		return nil, r, false
	}
	r = ipReq{sign(u0, neg0), sign(u4, neg4), sign(ub, negb)}
	// the address: the source field up to its last ':'
	ss := int(pos[src])
	c := lastColon(line, ss, a)
	if c < 0 {
		return nil, r, false
	}
	r.t0, r.t4 = max(r.t0, -1), max(r.t4, -1)
	return line[ss:c], r, true
}

// sign returns u, negated when neg.
func sign(u uint32, neg bool) int32 {
	if neg {
		return -int32(u)
	}
	return int32(u)
}

// slash4 returns the start of the fifth part of the timer field at t in
// line (after its fourth '/'), or -1 when the field has fewer than five
// parts or a part that does not start with a byte above ' ' (halog's
// timer parser stops there: such lines take the general path). It reads
// 8 bytes at a time: the positions of the slashes vary from line to line,
// and a branch per slash was mispredicted.
func slash4(line []byte, t int) int {
	k := 4 // slashes still to find
	i := t
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		x := w ^ 0x2f2f2f2f2f2f2f2f
		sl := ^((x&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | x) & 0x8080808080808080 // '/' bytes
		end := ^(w&0x7f7f7f7f7f7f7f7f + 0x5f5f5f5f5f5f5f5f) &^ w & 0x8080808080808080 // bytes <= ' '
		if end != 0 {
			sl &= end&-end - 1 // the slashes before the end of the field
		}
		if c := bits.OnesCount64(sl); c >= k {
			for ; k > 1; k-- {
				sl &= sl - 1
			}
			j := i + bits.TrailingZeros64(sl)>>3 + 1
			if j >= len(line) || line[j] <= ' ' {
				return -1
			}
			return j
		} else if end != 0 {
			return -1
		} else {
			k -= c
		}
	}
	for ; i < len(line); i++ {
		c := line[i]
		if c <= ' ' {
			return -1
		}
		if c == '/' {
			if i+1 >= len(line) || line[i+1] <= ' ' {
				return -1
			}
			if k--; k == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// lastColon returns the offset of the last ':' in line[s:e], or -1,
// reading 8 bytes at a time from the end (the port is short: usually the
// first word has it).
func lastColon(line []byte, s, e int) int {
	i := e
	for ; i-8 >= s; i -= 8 {
		x := binary.LittleEndian.Uint64(line[i-8:]) ^ 0x3a3a3a3a3a3a3a3a
		if f := ^((x&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | x) & 0x8080808080808080; f != 0 {
			return i - 8 + (63-bits.LeadingZeros64(f))>>3
		}
	}
	for i--; i >= s; i-- {
		if line[i] == ':' {
			return i
		}
	}
	return -1
}

// numWord returns the 8 bytes at b[p] (after a '-' there, neg) with the
// digits turned into their values, or false when they are not all in b.
func numWord(b []byte, p int) (t uint64, neg, ok bool) {
	if p >= len(b) {
		return 0, false, false
	}
	neg = b[p] == '-'
	if neg {
		p++
	}
	if p+8 > len(b) {
		return 0, false, false
	}
	return binary.LittleEndian.Uint64(b[p:]) ^ 0x3030303030303030, neg, true
}

// swarDigits returns the value of the leading digits of t (from numWord),
// or false when all 8 bytes are digits.
func swarDigits(t uint64) (v uint32, ok bool) {
	// a byte is not a digit when its high nibble is set or its low nibble
	// is above 9 (adding 6 carries into bit 4; no carry leaves the byte)
	nd := t&0xf0f0f0f0f0f0f0f0 | (t&0x0f0f0f0f0f0f0f0f+0x0606060606060606)&0x1010101010101010
	flags := ((nd&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | nd) & 0x8080808080808080
	// keep the digits, most significant in the lowest byte, and move
	// them to the top so that the missing leading digits read as zeros
	// (no digit shifts everything out; the shift count is below 64 in two
	// steps, so that none needs a test)
	d := t << 8 << ((63 - uint(bits.TrailingZeros64(flags|1<<63))) & 63)
	d = d * (10<<8 + 1) >> 8 & 0x00ff00ff00ff00ff
	d = d * (100<<16 + 1) >> 16 & 0x0000ffff0000ffff
	return uint32(d * (10000<<32 + 1) >> 32), flags != 0
}
