package formats

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// MessageStart returns the offset of the message (the HAProxy log payload)
// in a line as a syslog daemon or HAProxy wrote it to a file, detecting
// the header of each line on its own:
//
//   - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`, SD being
//     `-` or bracketed elements;
//   - RFC 3164 with or without PRI, with the BSD timestamp (`Nov 21
//     08:00:00`) or an RFC 3339 one (rsyslog's file format), with or
//     without a host, followed by a tag ending in ':' (`haproxy[1234]:`);
//   - a PRI alone (`format priority/short`) or a timestamp alone (`format
//     timed/iso`);
//   - no header at all (rsyslog's %msg% files, `format raw`): 0, or the
//     number of leading spaces.
//
// It never allocates.
func MessageStart(b []byte) int {
	p := 0
	if _, n, ok := ParsePRI(b); ok {
		p = n
		if len(b) > p+1 && b[p] == '1' && b[p+1] == ' ' {
			return rfc5424Msg(b, p+2)
		}
	}
	ts := timestampLen(b[p:])
	if ts == 0 {
		return skipSpaces(b, p)
	}
	q := p + ts
	if q >= len(b) || b[q] != ' ' {
		return skipSpaces(b, p)
	}
	q = skipSpaces(b, q)
	// [host] tag: -- the tag is the first of the next two words that ends
	// in ':'; otherwise the message follows the timestamp
	for w := 0; w < 2 && q < len(b); w++ {
		e := wordEnd(b, q)
		if e > q && b[e-1] == ':' {
			return skipSpaces(b, e)
		}
		q = skipSpaces(b, e)
	}
	return skipSpaces(b, p+ts)
}

// wordEnd returns the offset of the first space from b[p], or len(b). The
// words of a header are short: 8 bytes at a time in a register (the bytes
// equal to ' ' are the zero bytes of x, see indexFrom), without indexFrom's
// call and setup.
func wordEnd(b []byte, p int) int {
	for ; p+8 <= len(b); p += 8 {
		x := binary.LittleEndian.Uint64(b[p:p+8]) ^ 0x2020202020202020
		if t := (x - 0x0101010101010101) &^ x & 0x8080808080808080; t != 0 {
			return p + bits.TrailingZeros64(t)/8
		}
	}
	for p < len(b) && b[p] != ' ' {
		p++
	}
	return p
}

func skipSpaces(b []byte, p int) int {
	for p < len(b) && b[p] == ' ' {
		p++
	}
	return p
}

// rfc5424Msg skips TIMESTAMP HOST APP PROCID MSGID and SD from p.
func rfc5424Msg(b []byte, p int) int {
	for w := 0; w < 5; w++ {
		if p = wordEnd(b, p); p == len(b) {
			return p
		}
		p++
	}
	if p < len(b) && b[p] == '-' {
		p++
	} else {
		for p < len(b) && b[p] == '[' {
			p++
			for p < len(b) && b[p] != ']' {
				if b[p] == '\\' {
					p++
				}
				p++
			}
			p++
		}
	}
	if p < len(b) && b[p] == ' ' {
		p++
	}
	return min(p, len(b))
}

// timestampLen returns the length of a BSD timestamp ("Mmm dd hh:mm:ss")
// or an RFC 3339 one ("2026-11-21T08:00:00[.frac](Z|+hh:mm)") at the start
// of b, or 0.
func timestampLen(b []byte) int {
	if len(b) >= 15 && b[3] == ' ' && monthIndex(b[:3]) >= 0 &&
		(b[4] == ' ' || isDigit(b[4])) && isDigit(b[5]) && b[6] == ' ' &&
		isDigit(b[7]) && isDigit(b[8]) && b[9] == ':' && isDigit(b[10]) && isDigit(b[11]) &&
		b[12] == ':' && isDigit(b[13]) && isDigit(b[14]) {
		return 15
	}
	if len(b) >= 20 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) &&
		b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' {
		e := 19
		for e < len(b) && b[e] != ' ' {
			e++
		}
		return e
	}
	return 0
}

// HeaderCache is MessageStart for a run of lines that mostly repeat a few
// headers (one per host and program) but for their timestamps: it keeps
// the last RFC 5424 and the last RFC 3164 header it met, and when a line
// has the same bytes as one of them around its own timestamp, it returns
// the offset those bytes give without reading them word by word. Only the
// bytes MessageStart reads decide its result, and a kept header covers
// all of them (the PRI and version before the timestamp, every byte after
// it up to and including the first byte of the message), so the result is
// MessageStart's for every line. A HeaderCache is for one goroutine; the
// zero value is ready to use.
type HeaderCache struct {
	pre      [8]byte  // RFC 5424: "<PRI>1 "
	tail     [64]byte // RFC 5424: after the timestamp's space
	bsd      [64]byte // RFC 3164 without PRI: from the timestamp's end
	preN     uint8
	tailN    uint8
	bsdN     uint8
	bsdTSLen uint8 // the timestamp's length (timestampLen)
}

// MessageStart returns MessageStart(b).
func (h *HeaderCache) MessageStart(b []byte) int {
	if len(b) > 0 && b[0] == '<' {
		if n := int(h.preN); n > 0 && len(b) > n && string(b[:n]) == string(h.pre[:n]) {
			t := wordEnd(b, n)
			if l := int(h.tailN); t+1+l <= len(b) && string(b[t+1:t+1+l]) == string(h.tail[:l]) {
				return t + l
			}
		}
		off := MessageStart(b)
		h.learn5424(b, off)
		return off
	}
	// no PRI: MessageStart's way from the timestamp
	ts := timestampLen(b)
	if ts == 0 {
		return skipSpaces(b, 0)
	}
	if l := int(h.bsdN); ts == int(h.bsdTSLen) && ts+l <= len(b) && string(b[ts:ts+l]) == string(h.bsd[:l]) {
		return ts + l - 1
	}
	off := MessageStart(b)
	h.learn3164(b, ts, off)
	return off
}

// learn5424 keeps the header of b, whose message starts at off, when it
// is an RFC 5424 one read up to a byte of the message: its PRI and
// version, then from the space after the timestamp to that byte.
func (h *HeaderCache) learn5424(b []byte, off int) {
	_, n, ok := ParsePRI(b)
	if !ok || n+2 > len(h.pre) || len(b) <= n+1 || b[n] != '1' || b[n+1] != ' ' {
		return
	}
	t := wordEnd(b, n+2)
	if t >= off || off >= len(b) || off-t > len(h.tail) {
		return
	}
	h.preN = uint8(copy(h.pre[:], b[:n+2]))
	h.tailN = uint8(copy(h.tail[:], b[t+1:off+1]))
}

// learn3164 keeps the header of b, whose message starts at off, when it
// is an RFC 3164 one without PRI (its timestamp ts bytes long) whose tag
// ended in ':' (a byte other than a space between the timestamp and the
// message: without a tag, off is right after the timestamp and its
// spaces, MessageStart having read the words after it): from the
// timestamp's end to the message's first byte.
func (h *HeaderCache) learn3164(b []byte, ts, off int) {
	if ts == 0 || ts >= off || off >= len(b) || off+1-ts > len(h.bsd) || ts > 255 ||
		len(bytes.Trim(b[ts:off], " ")) == 0 {
		return
	}
	h.bsdTSLen = uint8(ts)
	h.bsdN = uint8(copy(h.bsd[:], b[ts:off+1]))
}
