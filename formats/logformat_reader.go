package formats

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

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
	f    *Format
	prog []step // the format compiled into a flat program, one step per node
	ends []int  // ends[u]: the steps ReadSlots runs for upto = u
	// vars[k]: slot k's step and the literals and separators before it
	// (prog[vars[k-1].at+1 : vars[k].at]), matched at once when they fit
	// in 8 bytes and the line has every optional space
	vars   []varStep
	tail   int // prog[tail:] is the literals after the last variable
	names  []string
	first  [numVars]int16 // first slot of each variable, -1 if absent
	nslots int
	caps   [2]int // request/response captures for %hrl/%hsl; -1 unknown
}

// opcode is what one step of a Reader's program does.
type opcode uint8

const (
	opSep      opcode = iota // skip one space if any
	opText                   // match a literal
	opAddr                   // an IP address (before a ':' when stop is ':')
	opFixed                  // a fixed-width value (n bytes)
	opCapBlock               // %hr/%hs: {...} or nothing
	opCapList                // %hrl/%hsl
	opReq                    // an unquoted %r
	opPort                   // a port: a number, or a value up to stop ('-')
	opNum                    // a number (hex when n = 1)
	opQuoted                 // "..." (backslash escapes when n = 1)
	opScan                   // up to stop (the end of the line when stop < 0)
)

// step is one instruction of a Reader's program: decided once per format
// from the variable and its flags, so that reading a line is a loop over a
// switch on a small opcode.
type step struct {
	op   opcode
	fl   uint8  // the variable's flags
	stop int16  // stop byte (see stopByte), -1 at the end of the format
	slot int16  // slot of a variable, -1 for literals and separators
	n    int16  // opFixed: width; opNum: hex; opQuoted: escapes; opCapList: captures
	text string // opText: the literal
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
	r.prog = make([]step, len(f.nodes))
	for i := range f.nodes {
		n := &f.nodes[i]
		st := step{stop: int16(stopByte(f.nodes[i+1:])), slot: -1, fl: n.flags}
		switch n.kind {
		case nodeSep:
			st.op = opSep
		case nodeText:
			st.op, st.text = opText, n.text
		default:
			st.slot = int16(r.nslots)
			if r.first[n.v] < 0 {
				r.first[n.v] = int16(r.nslots)
			}
			r.names = append(r.names, varName(n))
			r.nslots++
			r.ends = append(r.ends, i)
			st.op, st.n = r.opOf(n)
		}
		r.prog[i] = st
	}
	r.ends = append(r.ends, len(f.nodes))
	from := 0
	for _, at := range r.ends[:r.nslots] {
		r.vars = append(r.vars, newVarStep(r.prog[from:at], r.prog[at], from, at))
		from = at + 1
	}
	r.tail = from
	return r
}

// varStep is one variable's step with the literals before it.
type varStep struct {
	pre    uint64 // the literals' bytes (separators as a space), little endian
	mask   uint64 // the bytes of pre that count (0: no literal, or longer than 8)
	from   int32  // prog[from:at] is the literals and separators
	at     int32  // prog[at] is the variable's step
	preLen int32
	op     opcode // prog[at]'s op, n and stop, at hand
	n      int16
	stop   int16
	pat    uint64 // stop in every byte (opScan)
}

func newVarStep(lits []step, st step, from, at int) varStep {
	v := varStep{from: int32(from), at: int32(at), op: st.op, n: st.n, stop: st.stop,
		pat: 0x0101010101010101 * uint64(byte(st.stop))}
	var b []byte
	for _, st := range lits {
		if st.op == opSep {
			b = append(b, ' ')
		} else {
			b = append(b, st.text...)
		}
	}
	if len(b) == 0 || len(b) > 8 {
		return v
	}
	for i, c := range b {
		v.pre |= uint64(c) << (8 * i)
		v.mask |= 0xff << (8 * i)
	}
	v.preLen = int32(len(b))
	return v
}

// opOf returns the step that delimits the variable n (see Read's rules).
func (r *Reader) opOf(n *node) (opcode, int16) {
	fl := n.flags
	switch n.v {
	case varClientIP, varFrontIP, varBackIP, varServerIP, smpSrc, smpDst:
		if fl&(flagHex|flagQuote) == 0 {
			return opAddr, 0
		}
	case varDate, varReqDate:
		return opFixed, 24
	case varDateGMT, varDateLocal, varReqDateGMT, varReqDateLocl:
		return opFixed, 26
	case varTermSt:
		return opFixed, 2
	case varTermStCk:
		return opFixed, 4
	case varHdrReq, varHdrResp:
		return opCapBlock, 0
	case varHdrReqList:
		return opCapList, int16(r.caps[0])
	case varHdrRespList:
		return opCapList, int16(r.caps[1])
	case varReq:
		if fl&flagQuote == 0 {
			return opReq, 0
		}
	}
	hex := int16(0)
	if fl&flagHex != 0 {
		hex = 1
	}
	switch n.v {
	case varClientPort, varFrontPort, varBackPort, varServerPort:
		return opPort, hex
	case varTh, varTi, varTR, varTq, varTw, varTc, varTr, varTd, varTa, varTt, varTu,
		varStatus, varBytesOut, varBytesIn, varActConn, varFeConn, varBeConn, varSrvConn,
		varRetries, varSrvQ, varBackQ:
		return opNum, hex
	}
	if fl&flagQuote != 0 && quotable(n.v) {
		esc := int16(0)
		if fl&flagEscape != 0 {
			esc = 1
		}
		return opQuoted, esc
	}
	return opScan, 0
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

// Tight reports whether the values Read finds for slot never hold a byte
// <= ' ' (a space or a control character), by the way it delimits them:
// numbers and addresses, which end at the first byte that cannot be part
// of them.
func (r *Reader) Tight(slot int) bool {
	if slot < 0 || slot >= r.nslots {
		return false
	}
	switch r.vars[slot].op {
	case opNum, opAddr:
		return true
	}
	return false
}

// Joined reports whether the format puts the variables of slots k and k+1
// one right after the other with exactly the literal lit between them, both
// read as numbers. Then, in a line Read matches in full (ok and not cut),
// the value of slot k+1 starts len(lit) bytes after the end of slot k's,
// the bytes between being lit: a caller can take that without checking.
func (r *Reader) Joined(k int, lit string) bool {
	if k < 0 || k+1 >= r.nslots || r.vars[k].op != opNum || r.vars[k+1].op != opNum {
		return false
	}
	v := r.vars[k+1]
	lits := r.prog[v.from:v.at]
	return len(lits) == 1 && lits[0].op == opText && lits[0].text == lit
}

// Decimal reports whether slot is read as a number written in decimal
// (not %X): a value that starts with a digit is then the run of digits
// from there.
func (r *Reader) Decimal(slot int) bool {
	return slot >= 0 && slot < r.nslots && r.vars[slot].op == opNum && r.vars[slot].n == 0
}

// SepsAfter reports whether the format has only separators (optional
// spaces) after slot, up to the next variable or its end: a line read up
// to slot (ReadSlots with upto = slot+1) matches whatever follows it.
func (r *Reader) SepsAfter(slot int) bool {
	if slot < 0 || slot >= r.nslots {
		return false
	}
	to := len(r.prog)
	if slot+1 < r.nslots {
		to = int(r.vars[slot+1].at)
	}
	for _, st := range r.prog[r.vars[slot].at+1 : to] {
		if st.op != opSep {
			return false
		}
	}
	return true
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
	u := min(max(upto, 0), r.nslots)
	pos := 0
	vars := r.vars[:u]
	for k := range vars {
		v := &vars[k]
		// the literals before the variable: at once when the line holds
		// them with every optional space and a byte after them (the usual
		// case), else one by one
		if v.mask != 0 && pos+8 < len(line) && (binary.LittleEndian.Uint64(line[pos:pos+8])^v.pre)&v.mask == 0 {
			pos += int(v.preLen) // at most 8: pos < len(line)
		} else {
			if v.at > v.from {
				var done bool
				if pos, ok, done = r.literals(line, pos, int(v.from), int(v.at)); done {
					absent(sp[k:])
					return pos, ok, ok
				}
			}
			if pos >= len(line) {
				sp[k] = Span{-1, -1}
				if v.op == opCapBlock || v.op == opCapList {
					continue // they may print nothing
				}
				absent(sp[k+1:])
				return pos, true, true
			}
		}
		// the usual values end where the next part starts (e, always
		// >= pos): stored at the end of the switch; the others (a
		// number with a sign or in hex, quoted strings, captures...)
		// continue the loop themselves
		var e int
		switch c := line[pos]; {
		case v.op == opNum && c-'0' < 10 && v.n == 0: // the most frequent, delimited here
			// a decimal number with no sign: numberEnd's digits
			for e = pos + 1; e < len(line) && line[e]-'0' < 10; e++ {
			}
		case v.op == opScan:
			// most values end within 8 bytes: those searched here in a
			// register (see indexFrom), the others by indexFrom after them
			if v.stop >= 0 && pos+8 <= len(line) {
				x := binary.LittleEndian.Uint64(line[pos:pos+8]) ^ v.pat
				if t := (x - 0x0101010101010101) &^ x & 0x8080808080808080; t != 0 {
					e = pos + bits.TrailingZeros64(t)/8
				} else {
					e = indexFrom(line, pos+8, byte(v.stop))
				}
			} else {
				e = scanTo(line, pos, int(v.stop))
			}
		case v.op == opFixed:
			e = min(pos+int(v.n), len(line))
		case v.op == opAddr && v.stop != ':':
			// an address not followed by a port (see step.value)
			for e = pos; e < len(line) && isAddrByte(line[e]); e++ {
			}
		default:
			var s, next int
			if v.op == opNum {
				next = numberEnd(line, pos, v.n != 0)
				s, e = pos, next
			} else {
				s, e, next = r.prog[v.at].value(line, pos)
			}
			if next < 0 {
				absent(sp[k:])
				return pos, false, false
			}
			sp[k] = Span{int32(s), int32(e)}
			if s < 0 {
				sp[k] = Span{-1, -1}
			}
			pos = next
			continue
		}
		sp[k] = Span{int32(pos), int32(e)}
		pos = e
	}
	absent(sp[u:])
	// the literals up to the next variable (not read), or to the end
	from, to := r.tail, len(r.prog)
	if u < r.nslots {
		from, to = int(r.vars[u].from), int(r.vars[u].at)
	}
	pos, ok, done := r.literals(line, pos, from, to)
	if done {
		return pos, ok, ok
	}
	return pos, true, false
}

func absent(sp []Span) {
	for i := range sp {
		sp[i] = Span{-1, -1}
	}
}

// literals matches the literals and separators prog[from:to] at pos. done
// is set when the line ends in them (ok: cut short, else not matching).
func (r *Reader) literals(line []byte, pos, from, to int) (_ int, ok, done bool) {
	for i := from; i < to; i++ {
		st := &r.prog[i]
		if st.op == opSep {
			if pos < len(line) && line[pos] == ' ' {
				pos++
			}
			continue
		}
		t := st.text
		rest := line[pos:]
		if len(t) <= 2 && len(rest) >= 2 {
			// the usual literals (" ", "/", " [", "\" \""...) compared
			// without calling memequal
			if rest[0] != t[0] || len(t) == 2 && rest[1] != t[1] {
				return pos, false, true
			}
			pos += len(t)
			continue
		}
		if len(rest) < len(t) {
			if string(rest) == t[:len(rest)] {
				return len(line), true, true
			}
			return pos, false, true
		}
		if string(rest[:len(t)]) != t {
			return pos, false, true
		}
		pos += len(t)
	}
	return pos, true, false
}

// value delimits the variable of st at line[pos:] (not at the end of
// line; opNum and opScan are delimited by ReadSlots itself). It returns the value's bounds (s < 0: printed nothing) and the
// offset after it, or next < 0 when the line cannot hold it.
func (st *step) value(line []byte, pos int) (s, e, next int) {
	switch st.op {
	case opQuoted:
		if line[pos] != '"' {
			return -1, -1, -1
		}
		return quotedSpan(line, pos, st.n != 0)
	case opAddr:
		e := pos
		for e < len(line) && isAddrByte(line[e]) {
			e++
		}
		if st.stop == ':' {
			for e > pos && line[e-1] != ':' {
				e--
			}
			if e > pos {
				e--
			}
		}
		return pos, e, e
	case opFixed:
		return fixed(line, pos, int(st.n))
	case opCapBlock:
		return captureBlockSpan(line, pos, st.fl)
	case opCapList:
		return captureListSpan(line, pos, st.fl, int(st.n))
	case opReq:
		return requestSpan(line, pos, int(st.stop))
	case opPort:
		if line[pos] == '-' || st.fl&flagQuote != 0 && line[pos] == '"' {
			e = scanTo(line, pos, int(st.stop))
			return pos, e, e
		}
		e = numberEnd(line, pos, st.n != 0)
		if e < 0 {
			return -1, -1, -1
		}
		return pos, e, e
	}
	return -1, -1, -1
}

// scanTo returns the offset of the first stop byte from line[pos], or
// len(line) when there is none or stop < 0.
func scanTo(line []byte, pos, stop int) int {
	if stop < 0 {
		return len(line)
	}
	return indexFrom(line, pos, byte(stop))
}

// indexFrom returns the offset of the first c from line[pos], or
// len(line). Values are short: the first 64 bytes are searched 8 at a
// time in registers (no call), the rest by IndexByte.
func indexFrom(line []byte, pos int, c byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	pat := ones * uint64(c)
	end := min(pos+64, len(line))
	for ; pos+8 <= end; pos += 8 {
		// the bytes equal to c are the zero bytes of x; the lowest set
		// bit of t is in the first of them (a borrow marks only bytes
		// above a zero one)
		x := binary.LittleEndian.Uint64(line[pos:]) ^ pat
		if t := (x - ones) &^ x & highs; t != 0 {
			return pos + bits.TrailingZeros64(t)/8
		}
	}
	for ; pos < end; pos++ {
		if line[pos] == c {
			return pos
		}
	}
	if end == len(line) {
		return end
	}
	if i := bytes.IndexByte(line[end:], c); i >= 0 {
		return end + i
	}
	return len(line)
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
	if !esc {
		e = indexFrom(line, s, '"')
		return s, e, min(e+1, len(line))
	}
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
func captureListSpan(line []byte, pos int, fl uint8, c int) (s, e, next int) {
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
