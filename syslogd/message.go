package syslogd

import (
	"encoding/binary"
	"time"

	"github.com/haplog/haplog/formats"
)

// invalidFacility is the routing row of messages whose PRI is invalid
// (rsyslog shows their facility as "invld"). Only selectors with a "*"
// facility reach it.
const invalidFacility = formats.NumFacilities

// numRows is the number of facility rows in a routing table.
const numRows = formats.NumFacilities + 1

// defaultPRI is the priority of a message that carries no PRI at all
// (user.notice, as in rsyslog).
const defaultPRI = 13

// nilValue is what rsyslog prints for an absent RFC 5424 field.
var nilValue = []byte("-")

// Message is one received syslog message, split the way rsyslog 8 splits
// it. The byte-slice fields point into the buffer given to Parse (or into
// the parser's scratch buffer): they are valid until the next Parse with the
// same Parser, and a caller that keeps them must copy them.
type Message struct {
	Raw      []byte // the message as kept: cut, last NUL and LF dropped, control characters escaped
	PRI      int    // -1 when the PRI was invalid
	Facility int    // 0..23, or invalidFacility
	Severity int    // 0..7 (7 for an invalid PRI)
	Protocol int    // 1 for RFC 5424, else 0

	Reported  Timestamp // the sender's timestamp, or the reception time
	Generated Timestamp // the reception time
	Received  time.Time

	Hostname []byte
	Tag      []byte
	ProcID   []byte // "-" when absent
	MsgID    []byte // "-" when absent
	SD       []byte // structured data, "-" when absent
	AppName  []byte // RFC 5424 APP-NAME; nil for RFC 3164
	Msg      []byte

	FromHost []byte
	FromIP   []byte

	// vars are the $! and $. variables set statements gave the message
	// (its worker's); nil: none.
	vars *varStore
}

// Parser splits raw datagrams into Messages. It keeps a scratch buffer for
// escaped control characters, so a Parser belongs to one goroutine. The zero
// value is not usable; use NewParser.
type Parser struct {
	maxSize   int
	loc       *time.Location
	hostnames bool // parse a HOSTNAME field in RFC 3164 messages
	recv      ReceiveOptions
	prefix    byte // escape prefix ('#' by default)
	octal     bool // recv escapes control characters as prefix+octal and nothing else
	scratch   []byte
	rest      []byte    // header left to parse after Begin
	tagBuf    []byte    // composed RFC 5424 tag
	lastSec   int64     // unix second of lastTS
	lastTS    Timestamp // reception stamp of lastSec, fraction aside
	ts3164    ts3164Cache
}

// ts3164Cache remembers the last RFC 3164 timestamp parsed, as text and as
// completed Timestamp (year and zone offset inferred from the reception
// second): a sender stamps every message of a second with the same text.
type ts3164Cache struct {
	text [maxTS3164]byte
	n    int   // length of the timestamp text; 0: empty cache
	sec  int64 // reception second the completion used
	ts   Timestamp
}

// maxTS3164 is the longest RFC 3164 timestamp text the cache keeps
// ("Mmm dd yyyy hh:mm:ss.fffffffff" is 30 bytes).
const maxTS3164 = 32

// get returns the cached timestamp if b starts with the cached text
// followed by a space or nothing: parseRFC3164 reads no byte beyond that
// one, so it would return the same fields and length.
func (c *ts3164Cache) get(b []byte, sec int64) (Timestamp, int, bool) {
	n := c.n
	if n == 0 || sec != c.sec || len(b) < 14 || len(b) < n || (len(b) > n && b[n] != ' ') ||
		string(b[:n]) != string(c.text[:n]) {
		return Timestamp{}, 0, false
	}
	return c.ts, n, true
}

func (c *ts3164Cache) put(b []byte, n int, sec int64, ts *Timestamp) {
	if n > maxTS3164 {
		c.n = 0
		return
	}
	c.n = copy(c.text[:], b[:n])
	c.sec, c.ts = sec, *ts
}

// ParserOptions configure a Parser.
type ParserOptions struct {
	// MaxMessageSize cuts longer messages (rsyslog's maxMessageSize).
	// Zero means 8096.
	MaxMessageSize int
	// Location is the zone of RFC 3164 timestamps and of reception time
	// stamps. Nil means time.Local.
	Location *time.Location
	// NoHostname disables hostname detection in RFC 3164 messages, as
	// rsyslog does for the local log socket.
	NoHostname bool
	// Receive is what is done to a message on reception.
	Receive ReceiveOptions
}

// ReceiveOptions are rsyslog's global settings of what its parser does to
// a message on reception, before reading the PRI (rsyslog's SanitizeMsg).
// The zero value is rsyslog's default: one trailing NUL, then one trailing
// LF dropped; every other byte below 0x20 written as '#' and three octal
// digits.
//
// Whatever the options, one trailing NUL is dropped and a NUL elsewhere is
// escaped (even with NoEscapeControl), and an escaped message is cut at
// the maximum message size. Bytes from 0x7f on are kept unless Escape8Bit.
type ReceiveOptions struct {
	// KeepTrailingLF keeps a trailing LF ($DropTrailingLFOnReception
	// off, parser.dropTrailingLFOnReception="off").
	KeepTrailingLF bool
	// NoEscapeControl keeps control characters other than NUL
	// ($EscapeControlCharactersOnReceive off,
	// parser.escapeControlCharactersOnReceive="off"). As in rsyslog, those
	// from the byte before the first character that has to be escaped
	// anyway (a NUL, or a byte from 0x80 with Escape8Bit) on are dropped
	// instead, TAB included unless NoEscapeTab.
	NoEscapeControl bool
	// EscapePrefix starts an octal escape ($ControlCharacterEscapePrefix,
	// parser.controlCharacterEscapePrefix). Zero means '#'.
	EscapePrefix byte
	// NoEscapeTab keeps TAB characters
	// (parser.escapeControlCharacterTab="off", $EscapeControlCharacterTab
	// off).
	NoEscapeTab bool
	// CStyle escapes as C does (\0 \a \b \e \f \n \r \t \v, else
	// \xHH), ignoring EscapePrefix
	// (parser.escapeControlCharactersCStyle="on").
	CStyle bool
	// Escape8Bit escapes bytes from 0x80 too, as control characters
	// ($Escape8BitCharactersOnReceive on,
	// parser.escape8BitCharactersOnReceive="on").
	Escape8Bit bool
	// SpaceLF replaces LF characters by spaces ($SpaceLFOnReceive on,
	// parser.spaceLFOnReceive="on"). rsyslog 8.2302 then keeps the other
	// control characters as they are, NUL included, except the last byte
	// of the message and, with Escape8Bit, those from the byte before the
	// first byte from 0x80 on; syslogd does the same.
	SpaceLF bool
}

// DefaultMaxMessageSize is rsyslog's default maxMessageSize.
const DefaultMaxMessageSize = 8096

// NewParser returns a Parser.
func NewParser(o ParserOptions) *Parser {
	p := &Parser{maxSize: o.MaxMessageSize, loc: o.Location, hostnames: !o.NoHostname, recv: o.Receive}
	if p.maxSize <= 0 {
		p.maxSize = DefaultMaxMessageSize
	}
	if p.loc == nil {
		p.loc = time.Local
	}
	p.prefix = o.Receive.EscapePrefix
	if p.prefix == 0 {
		p.prefix = '#'
	}
	r := o.Receive
	p.octal = !r.NoEscapeControl && !r.NoEscapeTab && !r.CStyle && !r.Escape8Bit && !r.SpaceLF
	// An escaped message is cut at maxSize.
	p.scratch = make([]byte, 0, p.maxSize)
	return p
}

// Parse fills m from the datagram b received at now from a sender whose
// name and address are fromHost and fromIP. It never allocates; m's fields
// point into b, fromHost, fromIP and the parser's scratch buffer. It returns
// false for an empty datagram, which rsyslog drops (one that is empty once
// its trailing NUL and LF are dropped is kept, as in rsyslog).
func (p *Parser) Parse(m *Message, b []byte, now time.Time, fromHost, fromIP []byte) bool {
	if !p.Begin(m, b, now, fromHost, fromIP) {
		return false
	}
	p.Header(m)
	return true
}

// Begin is the first half of Parse: it cuts the message, escapes it and
// reads the PRI, enough to route it. Header completes the parse.
func (p *Parser) Begin(m *Message, b []byte, now time.Time, fromHost, fromIP []byte) bool {
	if len(b) == 0 {
		return false
	}
	if len(b) > p.maxSize {
		b = b[:p.maxSize]
	}
	if c := b[len(b)-1]; c == '\n' {
		if !p.recv.KeepTrailingLF {
			b = b[:len(b)-1]
		}
	} else if c == 0 {
		b = p.trimNUL(b)
	}
	b = p.escape(b)
	vars := m.vars
	*m = Message{Raw: b, Received: now, FromHost: fromHost, FromIP: fromIP,
		Hostname: fromHost, ProcID: nilValue, MsgID: nilValue, SD: nilValue}
	m.vars = vars
	m.Generated = p.generated(now)
	m.Reported = m.Generated
	rest, ok := p.parsePRI(m, b)
	if !ok {
		m.Msg = b
		m.Tag = b[:0]
		p.rest = nil
		return true
	}
	p.rest = rest
	return true
}

// trimNUL drops the trailing NUL of b, then a trailing LF unless the
// options keep it, as rsyslog does.
func (p *Parser) trimNUL(b []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\n' && !p.recv.KeepTrailingLF {
		b = b[:len(b)-1]
	}
	return b
}

// Header parses the RFC 5424 or RFC 3164 header of the message Begin
// started.
func (p *Parser) Header(m *Message) {
	rest := p.rest
	if rest == nil {
		return
	}
	p.rest = nil
	if !p.hostnames {
		p.parseLocal(m, rest)
		return
	}
	if len(rest) >= 2 && rest[0] == '1' && rest[1] == ' ' {
		p.parse5424(m, rest[2:])
		return
	}
	p.parse3164(m, rest)
}

// parseLocal is imuxsock's own parser for the local log socket (its
// useSpecialParser, on by default), as rsyslogd 8.2302 does it: an RFC
// 3164 timestamp is skipped (the reception time stands for it:
// useSysTimeStamp), there is no hostname (the local one is used), the tag
// runs up to the first space (a colon does not end it), and the message
// is the rest, from that space on. RFC 5424 is not recognised.
func (p *Parser) parseLocal(m *Message, b []byte) {
	if _, n, ok := parseRFC3164(b); ok {
		b = skipSpace1(b[n:])
	}
	i := 0
	for i < len(b) && i < maxTagSize && b[i] != ' ' {
		i++
	}
	m.Tag = b[:i]
	m.Msg = b[i:]
	if pid := tagProcID(m.Tag); pid != nil {
		m.ProcID = pid
	}
}

// generated returns the reception stamp of now, computing the calendar
// fields once per second.
func (p *Parser) generated(now time.Time) Timestamp {
	sec := now.Unix()
	if sec != p.lastSec || p.lastTS.Year == 0 {
		p.lastTS = timestampFromTime(now, p.loc, 6)
		p.lastSec = sec
	}
	ts := p.lastTS
	ts.Frac = now.Nanosecond() / 1000
	return ts
}

// escape does what rsyslog's SanitizeMsg does to a message once its
// trailing NUL and LF are dropped: by default, control characters (below
// 0x20) become the prefix ('#') and three octal digits. It returns b
// itself when there is nothing to change, else the parser's scratch
// buffer.
func (p *Parser) escape(b []byte) []byte {
	if !p.octal {
		return p.sanitize(b)
	}
	if i := firstControl(b); i < len(b) {
		return p.escapeOctal(b, i)
	}
	return b
}

// escapeOctal escapes the control characters of b, the first of which is
// at i, as the prefix and three octal digits. As rsyslog, it copies the
// bytes before the one before i as they are, and cuts the result when it
// reaches the maximum size less 3.
func (p *Parser) escapeOctal(b []byte, i int) []byte {
	start := max(i-1, 0)
	limit := min(4*len(b), p.maxSize) - 3
	s := append(p.scratch[:0], b[:start]...)
	pre := p.prefix
	for i = start; i < len(b) && len(s) < limit; i++ {
		c := b[i]
		if c >= 0x20 {
			s = append(s, c)
			continue
		}
		s = append(s, pre, '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
	}
	p.scratch = s
	return s
}

// sanitize is escape for options other than the default ones; it follows
// rsyslog 8.2302's SanitizeMsg step by step, oddities included. A first
// pass looks for a byte that needs escaping, turning LFs into spaces on
// the way with SpaceLF (which makes it go on to the end rather than stop
// at the first control character). Then the bytes before the one before
// where it stopped are copied as they are (LFs turned into spaces), and
// each following byte is escaped, dropped or copied until the result
// reaches the maximum size less 3.
func (p *Parser) sanitize(b []byte) []byte {
	o := &p.recv
	need, stop, lf := false, len(b), false
	for i, c := range b {
		if c < 0x20 {
			if o.SpaceLF && c == '\n' {
				lf = true
			} else if c == 0 || !o.NoEscapeControl {
				need = true
				if !o.SpaceLF {
					stop = i
					break
				}
			}
		} else if c >= 0x80 && o.Escape8Bit {
			need, stop = true, i
			break
		}
	}
	if !need && !lf {
		return b
	}
	s := p.scratch[:0]
	if !need {
		s = appendSpaceLF(s, b)
		p.scratch = s
		return s
	}
	start := max(stop-1, 0)
	if o.SpaceLF {
		s = appendSpaceLF(s, b[:start])
	} else {
		s = append(s, b[:start]...)
	}
	limit := min(4*len(b), p.maxSize) - 3
	for i := start; i < len(b) && len(s) < limit; i++ {
		c := b[i]
		if c == '\n' && o.SpaceLF && i < stop {
			c = ' '
		}
		switch {
		case c < 0x20 && (c != '\t' || !o.NoEscapeTab):
			if c == 0 || !o.NoEscapeControl {
				s = p.appendEscape(s, c)
			}
		case c >= 0x80 && o.Escape8Bit:
			s = p.appendEscape(s, c)
		default:
			s = append(s, c)
		}
	}
	p.scratch = s
	return s
}

// appendSpaceLF appends b with its LFs turned into spaces.
func appendSpaceLF(s, b []byte) []byte {
	for _, c := range b {
		if c == '\n' {
			c = ' '
		}
		s = append(s, c)
	}
	return s
}

// appendEscape appends the escape of c: C style (\n, \xE9...), or the
// prefix and three octal digits.
func (p *Parser) appendEscape(s []byte, c byte) []byte {
	if !p.recv.CStyle {
		return append(s, p.prefix, '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
	}
	var e byte
	switch c {
	case 0:
		e = '0'
	case '\a':
		e = 'a'
	case '\b':
		e = 'b'
	case 0x1b:
		e = 'e'
	case '\f':
		e = 'f'
	case '\n':
		e = 'n'
	case '\r':
		e = 'r'
	case '\t':
		e = 't'
	case '\v':
		e = 'v'
	default:
		const hex = "0123456789ABCDEF"
		return append(s, '\\', 'x', hex[c>>4], hex[c&15])
	}
	return append(s, '\\', e)
}

// firstControl returns the index of the first byte below 0x20, or len(b).
// It tests sixteen, then eight bytes at a time.
func firstControl(b []byte) int {
	const lo, hi = 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+16 <= len(b); i += 16 {
		x := binary.LittleEndian.Uint64(b[i:])
		y := binary.LittleEndian.Uint64(b[i+8:])
		if ((x-lo)&^x|(y-lo)&^y)&hi != 0 {
			break
		}
	}
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-lo)&^x&hi != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return i
		}
	}
	return i
}

// parsePRI reads the PRI by rsyslog's rules: "<>" is 0, leading zeros are
// accepted, no '<' at all means user.notice with the text kept; anything
// else malformed (non-digits, unterminated, above 191) makes the PRI
// invalid: facility "invld", severity debug, no header parsing.
func (p *Parser) parsePRI(m *Message, b []byte) (rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '<' {
		m.PRI, m.Facility, m.Severity = defaultPRI, defaultPRI>>3, defaultPRI&7
		return b, true
	}
	pri := 0
	i := 1
	for ; i < len(b) && b[i] != '>'; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			break
		}
		pri = pri*10 + int(c-'0')
		if pri > 191 {
			break
		}
	}
	if i >= len(b) || b[i] != '>' {
		m.PRI, m.Facility, m.Severity = -1, invalidFacility, int(formats.Debug)
		return nil, false
	}
	m.PRI, m.Facility, m.Severity = pri, pri>>3, pri&7
	return b[i+1:], true
}

// parse3164 splits an RFC 3164 header loosely, as rsyslog does: an optional
// timestamp (RFC 3164 or RFC 3339), then a word made of hostname characters
// and followed by a space is the hostname, then the tag runs up to a space
// (excluded) or a colon (included); the rest is the message.
func (p *Parser) parse3164(m *Message, b []byte) {
	if ts, n, ok := parseRFC3339(b); ok {
		m.Reported = ts
		b = skipSpace1(b[n:])
	} else if ts, n, ok := p.ts3164.get(b, m.Received.Unix()); ok {
		m.Reported = ts
		b = skipSpace1(b[n:])
	} else if ts, n, ok := parseRFC3164(b); ok {
		p.complete3164(&ts, m.Received)
		p.ts3164.put(b, n, m.Received.Unix(), &ts)
		m.Reported = ts
		b = skipSpace1(b[n:])
	} else if len(b) > 1 && b[0] == ' ' {
		if ts, n, ok := parseRFC3164(b[1:]); ok {
			p.complete3164(&ts, m.Received)
			m.Reported = ts
			b = skipSpace1(b[1+n:])
		}
	}
	if p.hostnames && len(b) > 0 {
		i := 0
		for i < len(b) && i < 255 && isHostChar(b[i]) {
			i++
		}
		switch {
		case i == len(b):
			m.Hostname = b
			b = b[i:]
		case i > 0 && b[i] == ' ':
			m.Hostname = b[:i]
			b = b[i+1:]
		}
	}
	i := 0
	for i < len(b) && i < maxTagSize && b[i] != ':' && b[i] != ' ' {
		i++
	}
	if i < len(b) && b[i] == ':' {
		i++
	}
	m.Tag = b[:i]
	m.Msg = b[i:]
	if pid := tagProcID(m.Tag); pid != nil {
		m.ProcID = pid
	}
}

// maxTagSize bounds the tag (rsyslog keeps long tags whole up to its own
// limit of 512 bytes).
const maxTagSize = 510

func skipSpace1(b []byte) []byte {
	if len(b) > 0 && b[0] == ' ' {
		return b[1:]
	}
	return b
}

func (p *Parser) complete3164(ts *Timestamp, now time.Time) {
	now = now.In(p.loc)
	if ts.Year == 0 {
		ts.Year = inferYear(ts.Month, now)
	}
	t := time.Date(ts.Year, ts.Month, ts.Day, ts.Hour, ts.Minute, ts.Second, 0, p.loc)
	_, off := t.Zone()
	ts.setOffset(off)
}

func isHostChar(c byte) bool { return hostChars[c] }

// hostChars marks the bytes rsyslog accepts in an RFC 3164 hostname:
// letters, digits, '.', '_' and '-'.
var hostChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
	}
	return t
}()

// tagProcID returns the text between '[' and ']' in a tag, or nil.
func tagProcID(tag []byte) []byte {
	for i, c := range tag {
		if c == '[' {
			for j := i + 1; j < len(tag); j++ {
				if tag[j] == ']' {
					return tag[i+1 : j]
				}
			}
			return nil
		}
	}
	return nil
}

// programName returns the tag up to its first ':', '[' or '/'.
func programName(tag []byte) []byte {
	for i, c := range tag {
		if c == ':' || c == '[' || c == '/' {
			return tag[:i]
		}
	}
	return tag
}

// parse5424 splits the header of an RFC 5424 message (b starts after
// "<PRI>1 "). A bad timestamp leaves the rest as the message, with the
// sender as hostname and an empty tag, as rsyslog does.
func (p *Parser) parse5424(m *Message, b []byte) {
	m.Protocol = 1
	m.Tag = b[:0]
	if len(b) > 0 && b[0] == '-' && (len(b) == 1 || b[1] == ' ') {
		b = skipSpace1(b[1:])
	} else if ts, n, ok := parseRFC3339(b); ok {
		m.Reported = ts
		b = skipSpace1(b[n:])
	} else {
		m.Msg = b
		m.AppName = b[:0]
		return
	}
	// A header cut short leaves the missing fields empty (and APP-NAME
	// "-"), as rsyslog does.
	var host, app, procid, msgid []byte
	host, b = field5424(b)
	app, b = field5424(b)
	procid, b = field5424(b)
	msgid, b = field5424(b)
	if host != nil {
		m.Hostname = host
	}
	if app == nil {
		app = nilValue
	}
	m.AppName = app
	m.Tag = app
	if procid == nil {
		procid = b[:0]
	}
	m.ProcID = procid
	if !(len(procid) == 1 && procid[0] == '-') {
		// rsyslog's tag of an RFC 5424 message is APP-NAME[PROCID].
		p.tagBuf = append(append(append(append(p.tagBuf[:0], app...), '['), procid...), ']')
		m.Tag = p.tagBuf
	}
	if msgid == nil {
		msgid = b[:0]
	}
	m.MsgID = msgid
	if len(b) == 0 {
		m.SD = b
	}
	p.sd5424(m, b)
}

// field5424 returns the next space-terminated header field and the rest.
func field5424(b []byte) (field, rest []byte) {
	if len(b) == 0 {
		return nil, b
	}
	for i, c := range b {
		if c == ' ' {
			return b[:i], b[i+1:]
		}
	}
	return b, b[len(b):]
}

// sd5424 reads STRUCTURED-DATA and MSG.
func (p *Parser) sd5424(m *Message, b []byte) {
	m.Msg = b[:0]
	if len(b) == 0 {
		return
	}
	if b[0] == '-' {
		m.Msg = skipSpace1(b[1:])
		return
	}
	if b[0] != '[' {
		m.Msg = b
		return
	}
	n, ok := sdLen(b)
	if !ok {
		// rsyslog keeps all but the last byte of an unterminated
		// STRUCTURED-DATA as SD and the last byte as MSG.
		m.SD = b[:len(b)-1]
		m.Msg = b[len(b)-1:]
		return
	}
	m.SD = b[:n]
	m.Msg = skipSpace1(b[n:])
}

// sdLen returns the length of the SD-ELEMENTs at the start of b.
func sdLen(b []byte) (int, bool) {
	i := 0
	for i < len(b) && b[i] == '[' {
		i++
		inQuote := false
		for ; i < len(b); i++ {
			c := b[i]
			if inQuote {
				if c == '\\' {
					i++
				} else if c == '"' {
					inQuote = false
				}
				continue
			}
			if c == '"' {
				inQuote = true
			} else if c == ']' {
				break
			}
		}
		if i >= len(b) {
			return 0, false
		}
		i++
	}
	return i, true
}
