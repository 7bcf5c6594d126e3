package formats

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ErrTruncated is wrapped by Parse errors for a line that ends before its
// format does, as HAProxy's lines cut at the log target's `len` do. The
// Record then holds every field up to the cut, the last one possibly
// partial, so that Append followed by the same cut yields the same bytes.
var ErrTruncated = errors.New("line truncated")

// ErrSyntax is wrapped by Parse errors for a line that does not match the
// format.
var ErrSyntax = errors.New("line does not match the log format")

// ParseError reports where a line stopped matching its format: the byte
// offset in the line and the variable (e.g. "%TR") or literal being read.
type ParseError struct {
	Pos   int
	Field string
	Err   error
}

// Error renders the position, the field and the cause.
func (e *ParseError) Error() string {
	return fmt.Sprintf("log line: position %d: field %s: %v", e.Pos, e.Field, e.Err)
}

// Unwrap returns the underlying error (ErrTruncated or one wrapping
// ErrSyntax).
func (e *ParseError) Unwrap() error { return e.Err }

// ParseOptions gives Parse what a line alone does not say.
type ParseOptions struct {
	// Location is the zone of the dates printed without an offset (%t,
	// %tr); nil means UTC.
	Location *time.Location
	// ReqCaptures and RespCaptures are the numbers of request and response
	// header captures of the frontend. Only %hrl and %hsl need them (%hr
	// and %hs delimit their fields).
	ReqCaptures, RespCaptures int
}

// Parse is the inverse of Append: it fills r (after resetting it) from a
// line rendered with f. Strings in r are copies. A line cut short yields an
// error wrapping ErrTruncated with r filled up to the cut. Parse is meant
// for tests, fuzzing and tools; it allocates.
//
// Rendering loses some distinctions, which Parse resolves one way: "-" reads
// as an empty string, <NOSRV> as an empty server, <BADREQ> as an empty
// method, and a lone capture block %hr or %hs is taken as %hr.
func (f *Format) Parse(line []byte, r *Record, opt ParseOptions) error {
	*r = Record{}
	p := parser{line: line, r: r, opt: opt}
	if p.opt.Location == nil {
		p.opt.Location = time.UTC
	}
	for i := range f.nodes {
		n := &f.nodes[i]
		switch n.kind {
		case nodeSep:
			if p.pos < len(line) && line[p.pos] == ' ' {
				p.pos++
			}
		case nodeText:
			if err := p.literal(n.text); err != nil {
				return err
			}
		default:
			p.stop = stopByte(f.nodes[i+1:])
			if err := p.variable(n); err != nil {
				return &ParseError{Pos: p.pos, Field: "%" + n.text, Err: err}
			}
		}
	}
	if p.trunc {
		return &ParseError{Pos: len(line), Field: "end", Err: ErrTruncated}
	}
	if p.pos < len(line) {
		return &ParseError{Pos: p.pos, Field: "end", Err: fmt.Errorf("%w: unexpected trailing data", ErrSyntax)}
	}
	return nil
}

// stopByte is the byte that ends a variable followed by rest: the first
// byte of a literal, a space, or -1 at the end of the format.
func stopByte(rest []node) int {
	if len(rest) == 0 {
		return -1
	}
	if rest[0].kind == nodeText {
		return int(rest[0].text[0])
	}
	return ' '
}

type parser struct {
	line  []byte
	pos   int
	stop  int // see stopByte
	trunc bool
	// noCaps is set once a capture variable printed nothing although the
	// options announce captures: the line was logged without a stream.
	noCaps bool
	r      *Record
	opt    ParseOptions
}

func (p *parser) atEnd() bool { return p.pos >= len(p.line) }

func (p *parser) literal(text string) error {
	rest := p.line[p.pos:]
	if len(rest) >= len(text) {
		if string(rest[:len(text)]) != text {
			return &ParseError{Pos: p.pos, Field: fmt.Sprintf("%q", text), Err: ErrSyntax}
		}
		p.pos += len(text)
		return nil
	}
	if string(rest) == text[:len(rest)] {
		p.pos = len(p.line)
		p.trunc = true
		return nil
	}
	return &ParseError{Pos: p.pos, Field: fmt.Sprintf("%q", text), Err: ErrSyntax}
}

// token returns the bytes up to the stop byte (or a space when the variable
// ends the format and space is not allowed), and advances past them.
func (p *parser) token() []byte {
	start := p.pos
	for p.pos < len(p.line) && int(p.line[p.pos]) != p.stop {
		p.pos++
	}
	return p.line[start:p.pos]
}

// quoted reads `"..."` (the closing quote may be cut off) and returns the
// content.
func (p *parser) quoted(esc bool) ([]byte, error) {
	if p.atEnd() {
		p.trunc = true
		return nil, nil
	}
	if p.line[p.pos] != '"' {
		return nil, fmt.Errorf("%w: expected '\"'", ErrSyntax)
	}
	p.pos++
	start := p.pos
	for p.pos < len(p.line) && p.line[p.pos] != '"' {
		if esc && p.line[p.pos] == '\\' {
			p.pos++
		}
		p.pos++
	}
	if p.pos >= len(p.line) {
		p.pos = len(p.line)
		p.trunc = true
		return p.line[start:], nil
	}
	p.pos++
	return p.line[start : p.pos-1], nil
}

// str reads a string variable: quoted with Q, else up to the stop byte.
// Only the request-line variables may print an empty unquoted value.
func (p *parser) str(fl uint8, allowEmpty bool) ([]byte, error) {
	if fl&flagQuote != 0 {
		return p.quoted(fl&flagEscape != 0)
	}
	if p.atEnd() {
		p.trunc = true
		return nil, nil
	}
	b := p.token()
	if len(b) == 0 && !allowEmpty {
		return nil, fmt.Errorf("%w: empty value", ErrSyntax)
	}
	return b, nil
}

// text reads a plain string variable ("-" means empty).
func (p *parser) text(fl uint8) (string, error) {
	b, err := p.str(fl, false)
	if err != nil {
		return "", err
	}
	if fl&flagQuote == 0 && string(b) == "-" {
		return "", nil
	}
	if fl&flagEscape != 0 {
		return unescape(b), nil
	}
	return string(b), nil
}

// Unescape resolves backslash escapes: a backslash makes the next byte
// plain, whatever it is (a final lone backslash stays). That is what the
// E flag of HAProxy's log-format arguments and rsyslog 8.2302's property
// filter values do. A string without a backslash is returned as is.
func Unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return unescape(s)
}

func unescape[T ~string | ~[]byte](b T) string {
	var s strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			i++
		}
		s.WriteByte(b[i])
	}
	return s.String()
}

// decode undoes '#XX' encoding (and the E flag's backslashes).
func decode(b []byte, fl uint8) string {
	var s strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '#' && i+2 < len(b) {
			if v, ok := unhex2(b[i+1], b[i+2]); ok {
				s.WriteByte(v)
				i += 2
				continue
			}
		}
		if c == '\\' && fl&flagEscape != 0 && i+1 < len(b) {
			i++
			c = b[i]
		}
		s.WriteByte(c)
	}
	return s.String()
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// number reads an optionally '+'-prefixed signed decimal (or hexadecimal
// with hex) integer.
func (p *parser) number(hex bool) (v int64, plus bool, err error) {
	if p.atEnd() {
		p.trunc = true
		return 0, false, nil
	}
	if p.line[p.pos] == '+' {
		plus = true
		p.pos++
	}
	neg := false
	if !hex && p.pos < len(p.line) && p.line[p.pos] == '-' {
		neg = true
		p.pos++
	}
	start := p.pos
	for p.pos < len(p.line) {
		c := p.line[p.pos]
		var d byte
		var ok bool
		if hex {
			d, ok = unhex(c)
		} else {
			d, ok = c-'0', c >= '0' && c <= '9'
		}
		if !ok || p.pos-start >= 19 {
			break
		}
		if hex {
			v = v<<4 | int64(d)
		} else {
			v = v*10 + int64(d)
		}
		p.pos++
	}
	if p.pos == start {
		if p.atEnd() {
			p.trunc = true
			return 0, plus, nil
		}
		return 0, false, fmt.Errorf("%w: expected a number", ErrSyntax)
	}
	if neg {
		v = -v
	}
	return v, plus, nil
}

func (p *parser) integer(fl uint8) (int64, error) {
	v, plus, err := p.number(fl&flagHex != 0)
	if plus && err == nil {
		err = fmt.Errorf("%w: unexpected '+'", ErrSyntax)
	}
	return v, err
}

// addr reads an IP address (for %ci and the like) into ap, keeping its port.
func (p *parser) addr(ap *netip.AddrPort, fl uint8) error {
	var b []byte
	var err error
	switch {
	case fl&flagHex != 0:
		b = p.token()
		var raw [16]byte
		if len(b) != 8 && len(b) != 32 {
			return fmt.Errorf("%w: bad hexadecimal address", ErrSyntax)
		}
		for i := 0; i+1 < len(b); i += 2 {
			v, ok := unhex2(b[i], b[i+1])
			if !ok {
				return fmt.Errorf("%w: bad hexadecimal address", ErrSyntax)
			}
			raw[i/2] = v
		}
		a := netip.AddrFrom16(raw)
		if len(b) == 8 {
			a = netip.AddrFrom4([4]byte(raw[:4]))
		}
		*ap = netip.AddrPortFrom(a, ap.Port())
		return nil
	case fl&flagQuote != 0:
		if b, err = p.quoted(false); err != nil {
			return err
		}
	default:
		start := p.pos
		for p.pos < len(p.line) && isAddrByte(p.line[p.pos]) {
			p.pos++
		}
		if p.stop == ':' {
			for p.pos > start && p.line[p.pos-1] != ':' {
				p.pos--
			}
			if p.pos > start {
				p.pos--
			}
		}
		b = p.line[start:p.pos]
	}
	if len(b) == 0 && p.atEnd() {
		p.trunc = true
		return nil
	}
	if len(b) == 0 || string(b) == "-" {
		*ap = netip.AddrPortFrom(netip.Addr{}, ap.Port())
		return nil
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		if p.atEnd() {
			p.trunc = true
			return nil
		}
		return fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	*ap = netip.AddrPortFrom(a, ap.Port())
	return nil
}

// isAddrByte reports whether c can be part of an address as the log shows
// it: a digit, ':', '.', a hex letter or '-'. A table: addresses are read
// on every line.
func isAddrByte(c byte) bool { return addrBytes[c] }

var addrBytes = func() (t [256]bool) {
	for _, c := range []byte("0123456789:.abcdefABCDEF-") {
		t[c] = true
	}
	return t
}()

func (p *parser) port(ap *netip.AddrPort, fl uint8) error {
	if p.pos < len(p.line) && p.line[p.pos] == '-' || fl&flagQuote != 0 && p.pos < len(p.line) && p.line[p.pos] == '"' {
		_, err := p.text(fl)
		return err
	}
	v, err := p.integer(fl)
	if err != nil {
		return err
	}
	if v < 0 || v > 65535 {
		return fmt.Errorf("%w: port out of range", ErrSyntax)
	}
	*ap = netip.AddrPortFrom(ap.Addr(), uint16(v))
	return nil
}

// date reads a fixed-width date: "dd/Mon/yyyy:HH:MM:SS" followed by
// ".mmm" (withMs) or " +hhmm".
func (p *parser) date(withMs bool) (time.Time, error) {
	n := 26
	if withMs {
		n = 24
	}
	rest := p.line[p.pos:]
	if len(rest) < n {
		p.pos = len(p.line)
		p.trunc = true
		return time.Time{}, nil
	}
	b := rest[:n]
	p.pos += n
	day, ok1 := digits(b[0:2])
	mon := monthIndex(b[3:6])
	year, ok2 := digits(b[7:11])
	hh, ok3 := digits(b[12:14])
	mm, ok4 := digits(b[15:17])
	ss, ok5 := digits(b[18:20])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mon < 0 || b[2] != '/' || b[6] != '/' ||
		b[11] != ':' || b[14] != ':' || b[17] != ':' ||
		day < 1 || day > daysIn(mon, year) || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, fmt.Errorf("%w: bad date %q", ErrSyntax, b)
	}
	loc := p.opt.Location
	ns := 0
	if withMs {
		ms, ok := digits(b[21:24])
		if b[20] != '.' || !ok {
			return time.Time{}, fmt.Errorf("%w: bad date %q", ErrSyntax, b)
		}
		ns = ms * 1e6
	} else {
		oh, ok1 := digits(b[22:24])
		om, ok2 := digits(b[24:26])
		if b[20] != ' ' || (b[21] != '+' && b[21] != '-') || !ok1 || !ok2 {
			return time.Time{}, fmt.Errorf("%w: bad date %q", ErrSyntax, b)
		}
		off := oh*3600 + om*60
		if b[21] == '-' {
			off = -off
		}
		if off == 0 {
			loc = time.UTC
		} else {
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(year, time.Month(mon+1), day, hh, mm, ss, ns, loc), nil
}

func daysIn(mon, year int) int {
	return time.Date(year, time.Month(mon+2), 0, 0, 0, 0, 0, time.UTC).Day()
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// monthIndex returns the month (0-11) named by b ("Jan"...), or -1: the
// name packed by month3 and switched on (a few comparisons instead of up
// to 12; month names are read on every line of a syslog file).
func monthIndex(b []byte) int {
	if len(b) != 3 {
		return -1
	}
	switch month3(b[0], b[1], b[2]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return 0
	case 'F'<<16 | 'e'<<8 | 'b':
		return 1
	case 'M'<<16 | 'a'<<8 | 'r':
		return 2
	case 'A'<<16 | 'p'<<8 | 'r':
		return 3
	case 'M'<<16 | 'a'<<8 | 'y':
		return 4
	case 'J'<<16 | 'u'<<8 | 'n':
		return 5
	case 'J'<<16 | 'u'<<8 | 'l':
		return 6
	case 'A'<<16 | 'u'<<8 | 'g':
		return 7
	case 'S'<<16 | 'e'<<8 | 'p':
		return 8
	case 'O'<<16 | 'c'<<8 | 't':
		return 9
	case 'N'<<16 | 'o'<<8 | 'v':
		return 10
	case 'D'<<16 | 'e'<<8 | 'c':
		return 11
	}
	return -1
}

func month3(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }
