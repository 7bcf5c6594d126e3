package formats

import (
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
