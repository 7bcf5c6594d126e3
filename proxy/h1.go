package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// bufSize is the size of a connection's input buffer, HAProxy's default
// tune.bufsize. A request or response head must fit in it.
const bufSize = 16384

// maxHead is the largest accepted message head (bufsize - maxrewrite).
const maxHead = bufSize - 1024

var (
	errHeadTooLarge = errors.New("message head too large")
	errBadMessage   = errors.New("invalid HTTP message")
)

// reader is a connection's input buffer. Parsed heads point into buf and
// stay valid until the next fill or consume.
type reader struct {
	c    net.Conn
	buf  []byte
	r, w int
	// scan is where the next search for the end of the head resumes.
	scan int
}

// readerBufs recycles connection buffers between sessions.
var readerBufs = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

func newReader(c net.Conn) *reader {
	return &reader{c: c, buf: *readerBufs.Get().(*[]byte)}
}

// release returns the buffer to the pool; rd must not be used afterwards.
func (rd *reader) release() {
	if rd == nil || rd.buf == nil {
		return
	}
	b := rd.buf[:bufSize]
	rd.buf = nil
	readerBufs.Put(&b)
}

func (rd *reader) buffered() int { return rd.w - rd.r }

// fill reads once from the connection into the free space, compacting
// first when needed.
func (rd *reader) fill() (int, error) {
	if rd.r > 0 && (rd.w == len(rd.buf) || rd.r == rd.w) {
		copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.w -= rd.r
		rd.scan -= rd.r
		rd.r = 0
		if rd.scan < 0 {
			rd.scan = 0
		}
	}
	if rd.w == len(rd.buf) {
		return 0, errHeadTooLarge
	}
	n, err := rd.c.Read(rd.buf[rd.w:])
	rd.w += n
	return n, err
}

func (rd *reader) consume(n int) {
	rd.r += n
	if rd.scan < rd.r {
		rd.scan = rd.r
	}
	if rd.r == rd.w {
		rd.r, rd.w, rd.scan = 0, 0, 0
	}
}

// headEnd returns the length of a complete head at the start of the
// buffered data (including the empty line), or 0.
func (rd *reader) headEnd() int {
	start := max(rd.scan-3, rd.r)
	b := rd.buf[:rd.w]
	for i := start; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2 - rd.r
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3 - rd.r
		}
	}
	rd.scan = len(b)
	return 0
}

// readHead reads until a whole head is buffered and returns its length.
// firstByte is called once when the first byte of the head arrives.
func (rd *reader) readHead(deadline time.Time, firstByte func()) (int, error) {
	if rd.buffered() > 0 && firstByte != nil {
		firstByte()
		firstByte = nil
	}
	for {
		if rd.buffered() > 0 {
			if n := rd.headEnd(); n > 0 {
				if n > maxHead {
					return 0, errHeadTooLarge
				}
				return n, nil
			}
			if rd.buffered() > maxHead {
				return 0, errHeadTooLarge
			}
		}
		if err := rd.c.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
		n, err := rd.fill()
		if n > 0 && firstByte != nil {
			firstByte()
			firstByte = nil
		}
		if err != nil && !(n > 0 && err == io.EOF) {
			if n > 0 {
				continue
			}
			return 0, err
		}
	}
}

// header is one header field; name and value point into the head.
type header struct {
	name, value []byte
	// skip is set for headers the proxy removes when forwarding; del for
	// headers removed by a rule (invisible to later fetches too).
	skip, del bool
}

// head is a parsed request or response head.
type head struct {
	method, uri, version []byte // request line
	status               int    // response
	code, reason         []byte
	hdrs                 []header
	contentLength        int64 // -1 when absent
	chunked              bool
	connClose, connKA    bool
	// htxHdrs is the HTX size of the headers (sum of name+value lengths,
	// without Connection), as HAProxy counts them in %B.
	htxHdrs int
}

func (h *head) reset() {
	h.method, h.uri, h.version = nil, nil, nil
	h.status, h.code, h.reason = 0, nil, nil
	h.hdrs = h.hdrs[:0]
	h.contentLength = -1
	h.chunked, h.connClose, h.connKA = false, false, false
	h.htxHdrs = 0
}

// http11 reports whether the version is HTTP/1.1 or later.
func (h *head) http11() bool {
	return len(h.version) == 8 && (h.version[5] > '1' || h.version[5] == '1' && h.version[7] >= '1')
}

// lookup returns the last value of header name (lower case), or nil.
func (h *head) lookup(name string) []byte {
	var v []byte
	for i := range h.hdrs {
		if !h.hdrs[i].del && equalFoldASCII(h.hdrs[i].name, name) {
			v = h.hdrs[i].value
		}
	}
	return v
}

func isToken(c byte) bool {
	return c > 0x20 && c < 0x7f && bytes.IndexByte([]byte("\"(),/:;<=>?@[\\]{}"), c) < 0
}

func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, b[i+1:]
}

func validVersion(v []byte) bool {
	return len(v) == 8 && string(v[:5]) == "HTTP/" && v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' && v[7] <= '9'
}

// parseRequest parses a request head (b includes the final empty line).
func (h *head) parseRequest(b []byte) error {
	h.reset()
	line, rest := nextLine(b)
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return errBadMessage
	}
	h.method = line[:sp1]
	for _, c := range h.method {
		if !isToken(c) {
			return errBadMessage
		}
	}
	line = line[sp1+1:]
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp2 <= 0 {
		return errBadMessage // HTTP/0.9 or no URI
	}
	h.uri, h.version = line[:sp2], line[sp2+1:]
	for _, c := range h.uri {
		if c <= 0x20 || c == 0x7f {
			return errBadMessage
		}
	}
	// HAProxy 2.6 accepts any HTTP/<digit>.<digit> (HTTP/9.9 is
	// forwarded as received, measured); only the form is checked.
	if !validVersion(h.version) {
		return errBadMessage
	}
	return h.parseFields(rest)
}

// parseResponse parses a response head.
func (h *head) parseResponse(b []byte) error {
	h.reset()
	line, rest := nextLine(b)
	if len(line) < 12 || !validVersion(line[:8]) || line[8] != ' ' {
		return errBadMessage
	}
	h.version = line[:8]
	h.code = line[9:12]
	st := 0
	for _, c := range h.code {
		if c < '0' || c > '9' {
			return errBadMessage
		}
		st = st*10 + int(c-'0')
	}
	if st < 100 {
		return errBadMessage
	}
	h.status = st
	if len(line) > 12 {
		if line[12] != ' ' {
			return errBadMessage
		}
		h.reason = line[13:]
	}
	return h.parseFields(rest)
}

func (h *head) parseFields(b []byte) error {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return errBadMessage // obsolete line folding
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return errBadMessage
		}
		name := line[:colon]
		for _, c := range name {
			if !isToken(c) {
				return errBadMessage
			}
		}
		value := bytes.Trim(line[colon+1:], " \t")
		hd := header{name: name, value: value}
		switch {
		case equalFoldASCII(name, "content-length"):
			n, ok := parseContentLength(value)
			if !ok || (h.contentLength >= 0 && h.contentLength != n) {
				return errBadMessage
			}
			h.contentLength = n
		case equalFoldASCII(name, "transfer-encoding"):
			if !equalFoldASCII(lastToken(value), "chunked") {
				return errBadMessage
			}
			h.chunked = true
		case equalFoldASCII(name, "connection"):
			h.parseConnection(value)
			hd.skip = true
		}
		if !hd.skip {
			h.htxHdrs += len(name) + len(value)
		}
		h.hdrs = append(h.hdrs, hd)
	}
	if h.chunked {
		h.contentLength = -1
		for i := range h.hdrs {
			if equalFoldASCII(h.hdrs[i].name, "content-length") {
				h.hdrs[i].skip = true
			}
		}
	}
	return nil
}

func (h *head) parseConnection(v []byte) {
	for len(v) > 0 {
		var tok []byte
		tok, v, _ = bytes.Cut(v, []byte(","))
		tok = bytes.Trim(tok, " \t")
		switch {
		case equalFoldASCII(tok, "close"):
			h.connClose = true
		case equalFoldASCII(tok, "keep-alive"):
			h.connKA = true
		}
	}
}

func lastToken(v []byte) []byte {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return bytes.Trim(v, " \t")
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// equalFoldASCII compares b with the lower-case ASCII string s, ignoring
// case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// appendLower appends b in lower case.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// htxStartLine is HAProxy's accounting of a start line in %B: the three
// parts plus the 20-byte htx_sl structure and the end-of-headers block.
func htxStartLine(a, b, c int) int { return 21 + a + b + c }
