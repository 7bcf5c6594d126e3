package halog

import (
	"bytes"
	"encoding/binary"

	"github.com/haplog/haplog/formats"
)

// hdrMax is the longest syslog header a hdrCache remembers.
const hdrMax = 128

// hdrKinds is the number of header shapes a hdrCache remembers (a file
// written by several daemons mixes a few).
const hdrKinds = 4

// hdrCache finds the message of a line as formats.MessageStart does, but
// detects the header of a given shape once: it remembers the header of a
// few recent lines (hdrKinds) and, for a line whose header has the same
// bytes except digits in place of digits (the timestamp, the PID), returns
// the same offset without detecting the header again. Any other line is
// detected in full (and its header remembered).
//
// A header is remembered only when MessageStart read no byte of the line
// after the message start except the first one, which is neither a space
// nor '-' or '[' (see msgFirst):
// RFC 5424 (PRI, then "1 ") and RFC 3164 ending in a tag (the last word
// before the message, after the timestamp, ends in ':'). A line matches
// such a header h of length m when its first k = max(5, PRI length + 2)
// bytes equal h's (the PRI and its value, the RFC 5424 version, the start
// of the month: MessageStart reads digits there for their value), each
// later byte before m equals h's or both are digits (MessageStart reads
// those only for their class), and its byte m exists and passes msgFirst.
// MessageStart then takes the same branches on both and returns m.
type hdrCache struct {
	n    int // kinds held
	kind [hdrKinds]hdrKind
}

// hdrKind is one header shape, as 8-byte little-endian words of its
// bytes (w) and masks of its digits after the exact prefix (d: 0xff in the
// bytes that may hold another digit); the last word is the one that ends
// at m (it may overlap the one before).
type hdrKind struct {
	m  int
	n  int // words before the last
	w  [hdrMax / 8]uint64
	d  [hdrMax / 8]uint64
	lw uint64
	ld uint64
	h0 byte
}

// start returns formats.MessageStart(b).
func (c *hdrCache) start(b []byte) int {
	for i := 0; i < c.n; i++ {
		if c.kind[i].match(b) {
			return c.kind[i].m
		}
	}
	m := formats.MessageStart(b)
	if k, ok := hdrCacheable(b, m); ok {
		if c.n < hdrKinds {
			c.n++
		}
		copy(c.kind[1:c.n], c.kind[:c.n-1]) // the oldest goes
		c.kind[0].set(b, m, k)
	}
	return m
}

// hdrCacheable tells whether the header b[:m] found by MessageStart can be
// remembered (see hdrCache) and returns the length of its exact prefix.
func hdrCacheable(b []byte, m int) (k int, ok bool) {
	if m > hdrMax || m < 8 || m >= len(b) || !msgFirst(b[m]) {
		return 0, false
	}
	p := 0
	if _, n, ok := formats.ParsePRI(b); ok {
		p = n
	}
	k = max(5, p+2)
	if m < k {
		return 0, false
	}
	if p > 0 && b[p] == '1' && b[p+1] == ' ' {
		return k, true // RFC 5424
	}
	// RFC 3164 with a tag: the header, trailing spaces cut, ends in ':',
	// and is found again when the line is cut after it (a timestamp that
	// ends in ':' followed by no tag is then found alone, so the message
	// would start at the PRI)
	e := p + len(bytes.TrimRight(b[p:m], " "))
	if e == p || b[e-1] != ':' || formats.MessageStart(b[:e]) != e {
		return 0, false
	}
	return k, true
}

// set makes h the shape of the header b[:m], whose first k bytes must be
// matched exactly.
func (h *hdrKind) set(b []byte, m, k int) {
	word := func(i int) (w, d uint64) {
		for j := 7; j >= 0; j-- {
			c := b[i+j]
			w, d = w<<8|uint64(c), d<<8
			if i+j >= k && c-'0' <= 9 {
				d |= 0xff
			}
		}
		return w, d
	}
	h.m, h.n, h.h0 = m, (m-1)/8, b[0]
	for i := 0; i < h.n; i++ {
		h.w[i], h.d[i] = word(8 * i)
	}
	h.lw, h.ld = word(m - 8)
}

// match tells whether b has a header of the shape of h (see hdrCache).
func (h *hdrKind) match(b []byte) bool {
	m := h.m
	if len(b) <= m || b[0] != h.h0 || !msgFirst(b[m]) {
		return false
	}
	for i := 0; i < h.n; i++ {
		if !wordMatch(binary.LittleEndian.Uint64(b[8*i:]), h.w[i], h.d[i]) {
			return false
		}
	}
	return wordMatch(binary.LittleEndian.Uint64(b[m-8:]), h.lw, h.ld)
}

// wordMatch tells whether the 8 bytes a equal those of w, except where d
// is 0xff, where a holds digits (high nibble 3, low nibble <= 9).
func wordMatch(a, w, d uint64) bool {
	const (
		hi  = 0xf0f0f0f0f0f0f0f0
		lo  = 0x0f0f0f0f0f0f0f0f
		x30 = 0x3030303030303030
		x06 = 0x0606060606060606
		x10 = 0x1010101010101010
	)
	if a == w {
		return true
	}
	return (a^w)&^d == 0 && ((a&hi)^x30)&d == 0 && ((a&lo)+x06)&x10&d == 0
}

// msgFirst tells whether c, the first byte of a message after a header
// hdrCache remembers, is one MessageStart would not read as part of a
// header: not a space, nor '-' or '[' (an RFC 5424 SD where the MSGID was
// missing).
func msgFirst(c byte) bool {
	return c != ' ' && c != '-' && c != '['
}
