package formats

import "bytes"

// Span locates one variable's value in a line: line[Start:End]. For a
// quoted value (the Q flag) the span excludes the quotes. Start < 0 means
// the variable printed nothing or the line ended before it.
type Span struct{ Start, End int32 }

// Present reports whether the span holds a value (possibly empty).
func (s Span) Present() bool { return s.Start >= 0 }

// Bytes returns the value of s in line, nil when absent.
func (s Span) Bytes(line []byte) []byte {
	if s.Start < 0 {
		return nil
	}
	return line[s.Start:s.End]
}

// Reader is the reading side of a compiled log-format: it locates the
// value of every variable of one line without copying or decoding it, so
// that an analyser (halog) can read lines of any log-format at the speed of
// a field scan. It is built once from a Format (the one the proxy's encoder
// uses), is immutable and safe for concurrent use; Read allocates nothing.
//
// Read delimits values with the same rules as Format.Parse: a variable ends
// at the first byte of the literal that follows it (or at a space), quoted
// values (Q) at their closing quote, dates have a fixed width, %hr/%hs are a
// `{...}` block or nothing, %r unquoted is up to three words or <BADREQ>,
// and an IP address followed by ':' ends at its last ':'. Unlike Parse it
// checks no value (numbers, dates): callers parse the bytes they need.
type Reader struct {
	f      *Format
	stops  []int16 // per node: stop byte (see stopByte)
	slot   []int16 // per node: slot of a variable node, -1 otherwise
	names  []string
	first  [numVars]int16 // first slot of each variable, -1 if absent
	nslots int
	caps   [2]int // request/response captures for %hrl/%hsl; -1 unknown
}

// NewReader builds the Reader of f. reqCaptures and respCaptures are the
// numbers of `capture request/response header` of the frontend, used only
// to delimit %hrl and %hsl (-1 when unknown: the list then extends to the
// end of the line).
func (f *Format) NewReader(reqCaptures, respCaptures int) *Reader {
	r := &Reader{f: f, caps: [2]int{reqCaptures, respCaptures}}
	for i := range r.first {
		r.first[i] = -1
	}
	r.stops = make([]int16, len(f.nodes))
	r.slot = make([]int16, len(f.nodes))
	for i := range f.nodes {
		n := &f.nodes[i]
		r.stops[i] = int16(stopByte(f.nodes[i+1:]))
		r.slot[i] = -1
		if n.kind != nodeVar {
			continue
		}
		r.slot[i] = int16(r.nslots)
		if r.first[n.v] < 0 {
			r.first[n.v] = int16(r.nslots)
		}
		r.names = append(r.names, varName(n))
		r.nslots++
	}
	return r
}

func varName(n *node) string {
	if n.v >= smpSrc {
		return n.text // the sample expression
	}
	return varTable[n.v].name
}

// Slots is the number of variables of the format (the length of the span
// slice Read fills).
func (r *Reader) Slots() int { return r.nslots }

// Slot returns the slot of the first occurrence of the variable named as in
// a log-format string without its '%' ("TR", "hr", "ci"), or of a sample
// expression ("src", "capture.req.hdr(0)"); -1 when the format lacks it.
func (r *Reader) Slot(name string) int {
	if id, ok := lookupVar(name); ok {
		return int(r.first[id])
	}
	for i, n := range r.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Read locates the values of line (one log message, without syslog header)
// in sp, which must have at least Slots() elements. It returns the number
// of bytes matched and ok false when the line does not match the format (a
// literal differs); the spans up to that point are filled and the others
// are absent. A line that ends before its format does (cut at a log
// target's len) gives ok and cut true, the variables after the cut absent.
// Bytes after the last element of the format are ignored. Read allocates
// nothing.
func (r *Reader) Read(line []byte, sp []Span) (n int, ok, cut bool) {
	return r.ReadSlots(line, sp, r.nslots)
}

// ReadSlots is Read stopping after the first upto slots (the variables
// after them are left absent and the rest of the line unchecked), for a
// caller that needs only those.
func (r *Reader) ReadSlots(line []byte, sp []Span, upto int) (n int, ok, cut bool) {
	sp = sp[:r.nslots]
	for i := range sp {
		sp[i] = Span{-1, -1}
	}
	pos := 0
	nodes := r.f.nodes
	for i := range nodes {
		if int(r.slot[i]) >= upto {
			return pos, true, false
		}
		n := &nodes[i]
		switch n.kind {
		case nodeSep:
			if pos < len(line) && line[pos] == ' ' {
				pos++
			}
		case nodeText:
			t := n.text
			rest := line[pos:]
			if len(rest) < len(t) {
				if string(rest) == t[:len(rest)] {
					return len(line), true, true
				}
				return pos, false, false
			}
			if string(rest[:len(t)]) != t {
				return pos, false, false
			}
			pos += len(t)
		default:
			if pos >= len(line) {
				switch n.v {
				case varHdrReq, varHdrResp, varHdrReqList, varHdrRespList:
					continue // they may print nothing
				}
				return pos, true, true
			}
			s, e, next := r.value(line, pos, n, int(r.stops[i]))
			if next < 0 {
				return pos, false, false
			}
			if s >= 0 {
				sp[r.slot[i]] = Span{int32(s), int32(e)}
			}
			pos = next
		}
	}
	return pos, true, false
}

// value delimits the variable n at line[pos:] (not at the end of line).
// It returns the value's bounds (s < 0: printed nothing) and the offset
// after it, or next < 0 when the line cannot hold it.
func (r *Reader) value(line []byte, pos int, n *node, stop int) (s, e, next int) {
	fl := n.flags
	switch n.v {
	case varClientIP, varFrontIP, varBackIP, varServerIP, smpSrc, smpDst:
		if fl&(flagHex|flagQuote) == 0 {
			e := pos
			for e < len(line) && isAddrByte(line[e]) {
				e++
			}
			if stop == ':' {
				for e > pos && line[e-1] != ':' {
					e--
				}
				if e > pos {
					e--
				}
			}
			return pos, e, e
		}
	case varDate, varReqDate:
		return fixed(line, pos, 24)
	case varDateGMT, varDateLocal, varReqDateGMT, varReqDateLocl:
		return fixed(line, pos, 26)
	case varTermSt:
		return fixed(line, pos, 2)
	case varTermStCk:
		return fixed(line, pos, 4)
	case varHdrReq, varHdrResp:
		return captureBlockSpan(line, pos, fl)
	case varHdrReqList, varHdrRespList:
		c := r.caps[0]
		if n.v == varHdrRespList {
			c = r.caps[1]
		}
		return r.captureListSpan(line, pos, fl, c)
	case varReq:
		if fl&flagQuote == 0 {
			return requestSpan(line, pos, stop)
		}
	}
	switch n.v {
	case varClientPort, varFrontPort, varBackPort, varServerPort:
		if line[pos] == '-' || fl&flagQuote != 0 && line[pos] == '"' {
			break
		}
		fallthrough
	case varTh, varTi, varTR, varTq, varTw, varTc, varTr, varTd, varTa, varTt, varTu,
		varStatus, varBytesOut, varBytesIn, varActConn, varFeConn, varBeConn, varSrvConn,
		varRetries, varSrvQ, varBackQ:
		e = numberEnd(line, pos, fl&flagHex != 0)
		if e < 0 {
			return -1, -1, -1
		}
		return pos, e, e
	}
	if fl&flagQuote != 0 && quotable(n.v) {
		if line[pos] != '"' {
			return -1, -1, -1
		}
		return quotedSpan(line, pos, fl&flagEscape != 0)
	}
	if stop < 0 {
		return pos, len(line), len(line)
	}
	e = bytes.IndexByte(line[pos:], byte(stop))
	if e < 0 {
		return pos, len(line), len(line)
	}
	return pos, pos + e, pos + e
}

// numberEnd returns the end of the number at line[pos] ('+' and '-'
// prefixes allowed, as logasap and -1 timers print), or -1 when there is
// no digit.
func numberEnd(line []byte, pos int, hex bool) int {
	e := pos
	if e < len(line) && line[e] == '+' {
		e++
	}
	if e < len(line) && line[e] == '-' {
		e++
	}
	d := e
	for e < len(line) {
		c := line[e]
		if !isDigit(c) && !(hex && (c|0x20 >= 'a' && c|0x20 <= 'f')) {
			break
		}
		e++
	}
	if e == d {
		if e == len(line) {
			return e // cut short
		}
		return -1
	}
	return e
}

// fixed delimits a fixed-width value (cut short at the end of line).
func fixed(line []byte, pos, n int) (s, e, next int) {
	e = min(pos+n, len(line))
	return pos, e, e
}

// quotedSpan delimits `"..."` at line[pos] (the closing quote may be cut).
func quotedSpan(line []byte, pos int, esc bool) (s, e, next int) {
	s = pos + 1
	e = s
	for e < len(line) && line[e] != '"' {
		if esc && line[e] == '\\' {
			e++
		}
		e++
	}
	if e >= len(line) {
		return s, len(line), len(line)
	}
	return s, e, e + 1
}

// captureBlockSpan delimits %hr/%hs: `{...}` (in quotes with Q), or
// nothing. The span includes the braces.
func captureBlockSpan(line []byte, pos int, fl uint8) (s, e, next int) {
	p := pos
	if fl&flagQuote != 0 {
		if line[p] != '"' {
			return -1, -1, pos
		}
		p++
	}
	if p >= len(line) || line[p] != '{' {
		return -1, -1, pos
	}
	end := bytes.IndexByte(line[p:], '}')
	if end < 0 {
		return p, len(line), len(line)
	}
	e = p + end + 1
	next = e
	if fl&flagQuote != 0 && next < len(line) && line[next] == '"' {
		next++
	}
	return p, e, next
}

// captureListSpan delimits %hrl/%hsl: c space-separated fields, nothing,
// or (c < 0) the rest of the line.
func (r *Reader) captureListSpan(line []byte, pos int, fl uint8, c int) (s, e, next int) {
	if c == 0 || !startsCapture(line[pos], fl) {
		return -1, -1, pos
	}
	if c < 0 {
		return pos, len(line), len(line)
	}
	e = pos
	for k := 0; k < c && e < len(line); k++ {
		if k > 0 {
			if line[e] != ' ' {
				break
			}
			e++
		}
		if fl&flagQuote != 0 && e < len(line) && line[e] == '"' {
			_, _, e = quotedSpan(line, e, false)
			continue
		}
		for e < len(line) && line[e] != ' ' {
			e++
		}
	}
	return pos, e, e
}

// requestSpan delimits an unquoted %r: <BADREQ>, or up to three words.
func requestSpan(line []byte, pos, stop int) (s, e, next int) {
	rest := line[pos:]
	if bytes.HasPrefix(rest, []byte(badReq)) && (len(rest) == len(badReq) || int(rest[len(badReq)]) == stop) {
		return pos, pos + len(badReq), pos + len(badReq)
	}
	e = pos
	for words := 0; e < len(line); e++ {
		if line[e] == ' ' {
			if words++; words == 3 {
				break
			}
		}
	}
	if e > pos && line[e-1] == ' ' {
		e--
	}
	return pos, e, e
}

// quotable reports whether v prints its value in quotes with the Q flag.
func quotable(v varID) bool {
	switch v {
	case varClientIP, varFrontIP, varBackIP, varServerIP,
		varFrontend, varFrontendTLS, varBackend, varServer, varReqCook, varRespCook,
		varReq, varHTTPMethod, varHTTPURI, varHTTPPath, varHTTPPathOnly, varHTTPQuery, varHTTPVersion,
		varUniqueID, varHostname, varSSLCiph, varSSLVer:
		return true
	}
	return false
}
