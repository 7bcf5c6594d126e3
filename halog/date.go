package halog

import (
	"time"

	"github.com/haplog/haplog/formats"
)

// tsCache converts accept dates to epoch seconds for -time, remembering the
// last (year, month, day, hour, minute) bucket like halog does.
type tsCache struct {
	loc         *time.Location
	valid       bool
	y, mo, d, h uint32
	mi          uint32
	bucketEpoch int64
}

// cline is a line as halog's NUL-terminated read buffer holds it: b is the
// line up to its first NUL; past it come the rest of the raw line, its LF
// (read as NUL), then the following input. halog's date parser and its -cc
// code read a few bytes past the end of short lines; at reproduces that.
type cline struct {
	b, raw, next []byte
}

func (l *cline) at(i int) byte {
	switch {
	case i < len(l.b):
		if i < 0 {
			return 0
		}
		return l.b[i]
	case i < len(l.raw):
		return l.raw[i]
	case i == len(l.raw):
		return 0
	}
	if j := i - len(l.raw) - 1; j < len(l.next) {
		return l.next[j]
	}
	return 0
}

// digits reads decimal digits at e, consuming the first non-digit too (as
// halog does). It returns the value (32-bit wrap), the new offset and
// whether the terminator was a NUL (which halog treats as an error).
func digits(l *cline, e int) (uint32, int, bool) {
	var v uint32
	for {
		c := l.at(e) - '0'
		e++
		if c > 9 {
			return v, e, c == nulDigit
		}
		v = v*10 + uint32(c)
	}
}

// timestamp converts the accept field at acc ("[dd/Mon/yyyy:hh:mm:ss...")
// to local epoch seconds, truncated to 32 bits; 0xFFFFFFFF on failure.
func (c *tsCache) timestamp(l *cline, acc int) uint32 {
	const fail = 0xFFFFFFFF
	d, e, _ := digits(l, acc+1)
	var bad bool
	var mo uint32
	ch := l.at(e)
	e++
	switch ch {
	case 'F':
		mo, e = 2, e+3
	case 'S':
		mo, e = 9, e+3
	case 'O':
		mo, e = 10, e+3
	case 'N':
		mo, e = 11, e+3
	case 'D':
		mo, e = 12, e+3
	case 'A':
		ch = l.at(e)
		e++
		switch ch {
		case 'p':
			mo, e = 4, e+2
		case 'u':
			mo, e = 8, e+2
		default:
			return fail
		}
	case 'J':
		ch = l.at(e)
		e++
		switch {
		case ch == 'a':
			mo, e = 1, e+2
		case ch == 'u' && l.at(e) == 'n':
			mo, e = 6, e+2
		case ch == 'u' && l.at(e) == 'l':
			mo, e = 7, e+2
		default:
			return fail
		}
	case 'M':
		ch = l.at(e + 1)
		e += 2
		switch ch {
		case 'r':
			mo, e = 3, e+1
		case 'y':
			mo, e = 5, e+1
		default:
			return fail
		}
	default:
		return fail
	}
	var f [4]uint32 // year, hour, minute, second
	for i := range f {
		// a NUL after the hour or the minute is an error (not after the
		// year or the seconds)
		if f[i], e, bad = digits(l, e); bad && (i == 1 || i == 2) {
			return fail
		}
	}
	y, h, mi, s := f[0], f[1], f[2], f[3]
	if !c.valid || c.y != y || c.mo != mo || c.d != d || c.h != h || c.mi != mi {
		loc := c.loc
		if loc == nil {
			loc = time.UTC
		}
		t := time.Date(int(int32(y-1900))+1900, time.Month(mo), int(int32(d)),
			int(int32(h)), int(int32(mi)), 0, 0, loc)
		c.valid, c.y, c.mo, c.d, c.h, c.mi = true, y, mo, d, h, mi
		c.bucketEpoch = t.Unix()
	}
	return uint32(c.bucketEpoch) + s
}

// acceptMillis returns the time of day of the accept field at acc in
// milliseconds, or -1 when it cannot be parsed (halog's convert_date).
func acceptMillis(b []byte, acc int) int32 {
	e := acc
	for {
		if e >= len(b) {
			return -1
		}
		e++
		if b[e-1] == ':' {
			break
		}
	}
	var v [3]uint32
	var c byte
	for i := range v {
		for {
			c = formats.At(b, e) - '0'
			e++
			if c > 9 {
				break
			}
			v[i] = v[i]*10 + uint32(c)
		}
		if c == nulDigit {
			return -1
		}
	}
	var ms uint32
	if c == dotDigit {
		for {
			c = formats.At(b, e) - '0'
			e++
			if c > 9 {
				break
			}
			ms = ms*10 + uint32(c)
		}
		if c == nulDigit {
			return -1
		}
	}
	return int32(((v[0]*60+v[1])*60+v[2])*1000 + ms)
}

// Terminators seen by the digit loops above (byte - '0', wrapped).
const (
	nulDigit = byte(0x100 - '0')       // NUL (end of line)
	dotDigit = byte(0x100 + '.' - '0') // '.'
)
