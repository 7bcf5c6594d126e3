package halog

import (
	"encoding/binary"
	"math/bits"

	"github.com/haplog/haplog/formats"
)

// The -srv way of the direct path. With a format that writes the 5 timers
// as one list of decimal numbers ("%TR/%Tw/%Tc/%Tr/%Ta" followed by a
// separator or nothing) after every other value -srv reads, the reader
// stops before the timers and srvLine reads the list itself, in one loop:
// when each part is an optional '-' and 1 to 7 digits, the reader would have found the same
// spans and ParseTimers the same values (no sign but '-', no overflow),
// and the line matches the format up to Ta. Any other line goes directLine's way.
// The checks that keep halog's field boundaries (see directLine) are
// those of the slots the format has, listed once per run.

// srvFast is what srvLine reads, decided once per run (newSrvFast).
type srvFast struct {
	// clean: the slots whose values, when present, must hold no byte
	// <= ' ' (those the reader does not delimit so)
	clean []int
	// nonEmpty: the slots whose values, when present, must not be empty
	nonEmpty []int
}

// newSrvFast returns srvLine's plan for the run of c, nil when the run
// cannot take it: -srv on the direct path with at most -H as a filter, a
// format with the timers as one decimal list after every other value
// directLine checks.
func newSrvFast(c *config) *srvFast {
	o, l := c.o, c.lf
	if c.direct != directTimers || c.h != hSrv || !l.timerList || o.Invert ||
		o.RespTime || o.Errors || o.Status || l.upto != l.Ta+1 || !l.rd.SepsAfter(l.Ta) {
		return nil
	}
	for k := l.TR; k <= l.Ta; k++ {
		if !l.rd.Decimal(k) {
			return nil
		}
	}
	for _, s := range []int{l.tr, l.t, l.trz, l.tz, l.ts, l.ms} {
		if s >= l.TR {
			return nil // the date after the timers: not read
		}
	}
	src := l.ci
	if src < 0 {
		src = l.srcIP
	}
	fe := l.ft
	if fe < 0 {
		fe = l.f
	}
	f := &srvFast{}
	for _, s := range []int{src, l.cp, fe, l.b, l.s, l.st} {
		if s >= l.TR {
			return nil // after the timers: not read
		}
		if s >= 0 && !l.tight[s] {
			f.clean = append(f.clean, s)
		}
	}
	for _, s := range []int{fe, l.st} {
		if s >= 0 {
			f.nonEmpty = append(f.nonEmpty, s)
		}
	}
	return f
}

// srvLine handles line for -srv as directLine does, when it can (rest:
// the line and what follows it in the input): handled is false when the
// line needs directLine (or the rewrite).
func (p *proc) srvLine(line, rest []byte) (handled, out bool) {
	c := p.c
	l := c.lf
	f := c.srv
	msg := p.body(line)
	sp := p.spans
	pos, ok, cut := l.rd.ReadSlots(msg, sp, l.TR)
	if !ok || cut {
		return false, false
	}
	// msg, then what follows it; the timers srvTimers reads (Tc, Tr)
	mrest := rest[len(line)-len(msg):]
	neg, ok := timerList(mrest, len(msg), pos, &p.tv, 1<<2|1<<3)
	if !ok {
		return false, false
	}
	for _, s := range f.clean {
		if v := sp[s]; v.Start >= 0 && !clean(msg[v.Start:v.End]) {
			return false, false
		}
	}
	for _, s := range f.nonEmpty {
		if v := sp[s]; v.Start >= 0 && v.Start == v.End {
			return false, false
		}
	}
	st, b, s := sp[l.st], sp[l.b], sp[l.s]
	if st.Start < 0 || b.Start < 0 || s.Start < 0 {
		return false, false
	}
	d0, ok := l.dateField(msg, sp)
	if !ok {
		return false, false
	}
	if !p.spanRead(line, d0) {
		return true, false
	}
	// -H passes every line with its 5 timers
	srv := p.agg.servers.val(p.srvEntry(msg, mrest, b, s))
	p.srvTimers(srv, neg)
	srvStatus(srv, msg[st.Start])
	return true, true
}

// srvSlot is one entry of srvEntry's cache: a backend and a server
// name of up to 16 bytes each, as the words nameWords makes of them, their
// lengths (lens: len(b) | len(s)<<8 | 1<<16; 0 for an empty slot) and the
// entry of their key in the servers' table.
type srvSlot struct {
	b0, b1, s0, s1 uint64
	lens           uint32
	ent            int32
}

// srvCache maps the names of the servers seen to their entries, by a hash
// of the names' words: most lines then find theirs without writing the
// key "backend/server" and looking it up in the table.
type srvCache [64]srvSlot

// nameWords returns the words that, with its length, identify the value
// at v in rest when it has up to 16 bytes and 8 to read from its start:
// up to 8 bytes, they zero-padded and 0; more, its first 8 and its last 8.
func nameWords(rest []byte, v formats.Span) (w0, w1 uint64, ok bool) {
	n := int(v.End - v.Start)
	if n > 16 || int(v.Start)+8 > len(rest) {
		return 0, 0, false
	}
	w0 = binary.LittleEndian.Uint64(rest[v.Start:])
	if n <= 8 {
		return w0 & (^uint64(0) >> (64 - 8*uint(n))), 0, true
	}
	return w0, binary.LittleEndian.Uint64(rest[v.End-8:]), true
}

// srvEntry returns the entry, in the servers' table, of the server whose
// backend and server names are at b and s in msg (rest: msg and what
// follows it in the input).
func (p *proc) srvEntry(msg, rest []byte, b, s formats.Span) int {
	b0, b1, okb := nameWords(rest, b)
	s0, s1, oks := nameWords(rest, s)
	var e *srvSlot
	lens := uint32(b.End-b.Start) | uint32(s.End-s.Start)<<8 | 1<<16
	if okb && oks {
		if p.srvc == nil {
			p.srvc = new(srvCache)
		}
		h := b0*0x9E3779B97F4A7C15 ^ b1*0xD6E8FEB86659FD93 ^ s0*0xC2B2AE3D27D4EB4F ^ s1*0x165667B19E3779F9
		e = &p.srvc[h>>58]
		if e.b0 == b0 && e.s0 == s0 && e.b1 == b1 && e.s1 == s1 && e.lens == lens {
			return int(e.ent)
		}
	}
	k := append(p.tbuf[:0], msg[b.Start:b.End]...)
	k = append(k, '/')
	k = append(k, msg[s.Start:s.End]...)
	p.tbuf = k
	i, _ := p.agg.servers.index(k)
	if e != nil {
		*e = srvSlot{b0: b0, b1: b1, s0: s0, s1: s1, lens: lens, ent: int32(i)}
	}
	return i
}

// timerList parses into tv the 5 timers of a line that start at
// rest[pos], rest being the line's message up to end and then what
// follows it in the input (a line feed, when there is more), when they
// are 5 parts of an optional '-' and 1 to 7 digits joined by '/' (the
// last one ends at any other byte or at end), as ParseTimers does: a
// negative part as -1, and neg set. ok is false otherwise, and when a
// part has fewer than 8 bytes to read after it in rest (tv is then
// undefined).
//
// Each part's digits are read 8 bytes at a time: they end at the first
// byte whose high nibble is not 3 or whose low nibble is above 9 (never
// past end: the line feed is not a digit), and make the value by three
// multiplications, moved to the top so that the missing leading digits
// read as zeros. The usual list (digitList) has the values of the parts
// in want only (bit n for tv[n]; the others undefined): -srv reads Tc and
// Tr.
func timerList(rest []byte, end, pos int, tv *[5]int32, want uint8) (neg, ok bool) {
	if pos >= 0 && end <= len(rest) && pos+40 <= len(rest) && digitList(rest[pos:pos+40], end-pos, tv, want) {
		return false, true
	}
	for n := 0; n < 5; n++ {
		if pos < 0 || pos >= end || end > len(rest) {
			return false, false
		}
		minus := rest[pos] == '-'
		if minus {
			pos++
		}
		if pos+8 > len(rest) {
			return false, false
		}
		t := binary.LittleEndian.Uint64(rest[pos:]) ^ 0x3030303030303030
		nd := t&0xf0f0f0f0f0f0f0f0 | (t&0x0f0f0f0f0f0f0f0f+0x0606060606060606)&0x1010101010101010
		flags := ((nd&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | nd) & 0x8080808080808080
		k := bits.TrailingZeros64(flags) >> 3
		if k == 0 || k == 8 {
			return false, false
		}
		d := t << (64 - 8*uint(k))
		d = d * (10<<8 + 1) >> 8 & 0x00ff00ff00ff00ff
		d = d * (100<<16 + 1) >> 16 & 0x0000ffff0000ffff
		v := int32(uint32(d * (10000<<32 + 1) >> 32))
		if minus && v != 0 {
			v, neg = -1, true
		}
		tv[n] = v
		if pos += k; n < 4 {
			if pos >= end || rest[pos] != '/' {
				return false, false
			}
			pos++
		}
	}
	return neg, true
}

// digitList parses into tv the list at the start of b (end: where the
// line ends in b, the byte there not a digit) when it is 5 parts of 1 to 7
// digits joined by '/' and ends within 32 bytes: the usual list, with no
// sign. The ends of all its parts are found at once, in a mask of the
// bytes that are not digits (a part ends at the next one), so that the
// parts' values do not wait for each other. Only the parts in want (bit
// n for tv[n]) have their values made.
func digitList(b []byte, end int, tv *[5]int32, want uint8) bool {
	if len(b) < 40 {
		return false
	}
	// the usual list ends within 16 bytes: the first 5 non-digits of
	// the 32 are then those of the 16
	m := nonDigits(binary.LittleEndian.Uint64(b[0:])) |
		nonDigits(binary.LittleEndian.Uint64(b[8:]))<<8
	if bits.OnesCount32(m) < 5 {
		m |= nonDigits(binary.LittleEndian.Uint64(b[16:]))<<16 |
			nonDigits(binary.LittleEndian.Uint64(b[24:]))<<24
	}
	s := 0
	for n := 0; n < 5; n++ {
		e := bits.TrailingZeros32(m) // 32: none
		k := e - s
		if k < 1 || k > 7 || e >= 32 || n < 4 && (e >= end || b[e] != '/') {
			return false
		}
		if want&(1<<n) != 0 {
			d := (binary.LittleEndian.Uint64(b[s:]) ^ 0x3030303030303030) << (64 - 8*uint(k))
			d = d * (10<<8 + 1) >> 8 & 0x00ff00ff00ff00ff
			d = d * (100<<16 + 1) >> 16 & 0x0000ffff0000ffff
			tv[n] = int32(uint32(d * (10000<<32 + 1) >> 32))
		}
		m &= m - 1
		s = e + 1
	}
	return true
}

// nonDigits returns the mask of the bytes of w (little endian) that are
// not decimal digits: bit i for byte i. A byte is not a digit when, xored
// with '0', its high nibble is set or its low nibble is above 9 (adding 6
// carries into bit 4); the bytes' flags (their bit 7) are gathered into
// the top byte by one multiplication, whose partial products never
// overlap (no carries).
func nonDigits(w uint64) uint32 {
	t := w ^ 0x3030303030303030
	nd := t&0xf0f0f0f0f0f0f0f0 | (t&0x0f0f0f0f0f0f0f0f+0x0606060606060606)&0x1010101010101010
	flags := ((nd&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | nd) & 0x8080808080808080
	return uint32(flags * 0x0002040810204081 >> 56)
}
