package h1

import "bytes"

// Limits bound what a message may contain. Each comes from the
// configuration (HAProxy's tune.* settings); [LimitsFor] derives them.
type Limits struct {
	// MaxHead is the largest head, counted as HAProxy 2.6 stores it in
	// its HTX buffer ([Message.HTXSize]): tune.bufsize minus
	// tune.maxrewrite minus the 48-byte HTX header (16384-1024-48 by
	// default). Measured on 2.6.12 for requests and responses with
	// bufsize 4096 and 16384 and maxrewrite 0, 1024 and 2048 (capped at
	// bufsize/2): one byte more is a 400 (request) or a 502 (response).
	MaxHead int
	// MaxRaw bounds the bytes a head takes on the wire: HAProxy's input
	// buffer refuses an incomplete head once it holds tune.bufsize-64
	// bytes (measured with bufsize 4096, 8192 and 16384, whatever
	// maxrewrite).
	MaxRaw int
	// MaxHeaders is tune.http.maxhdr (101): a head carries at most
	// MaxHeaders-1 fields, as in HAProxy, whose list keeps one slot for
	// its end marker (measured: 100 fields rejected with the default).
	MaxHeaders int
	// MaxNameLen is the longest header field name (255 in HAProxy 2.6,
	// measured: 256 rejected).
	MaxNameLen int
	// MaxChunkLine bounds a chunk size line with its extensions and a
	// trailer line (tune.bufsize minus tune.maxrewrite).
	MaxChunkLine int
}

// HAProxy 2.6's defaults for tune.bufsize, tune.maxrewrite and
// tune.http.maxhdr.
const (
	DefaultBufSize    = 16384
	DefaultMaxRewrite = 1024
	DefaultMaxHeaders = 101
)

// htxHeader is the size of HAProxy's HTX buffer header (struct htx),
// taken from every buffer before blocks are stored.
const htxHeader = 48

// DefaultLimits are HAProxy 2.6's defaults.
func DefaultLimits() Limits {
	return LimitsFor(DefaultBufSize, DefaultMaxRewrite, DefaultMaxHeaders)
}

// LimitsFor returns the limits for tune.bufsize, tune.maxrewrite and
// tune.http.maxhdr. A bufsize or maxhdr of 0 or less, or a negative
// maxrewrite, keeps the default; maxrewrite is capped at bufsize/2 as
// HAProxy does.
func LimitsFor(bufsize, maxrewrite, maxhdr int) Limits {
	if bufsize <= 0 {
		bufsize = DefaultBufSize
	}
	if maxrewrite < 0 {
		maxrewrite = DefaultMaxRewrite
	}
	maxrewrite = min(maxrewrite, bufsize/2)
	if maxhdr <= 0 {
		maxhdr = DefaultMaxHeaders
	}
	return Limits{
		MaxHead:      bufsize - maxrewrite - htxHeader,
		MaxRaw:       bufsize - 64,
		MaxHeaders:   maxhdr,
		MaxNameLen:   255,
		MaxChunkLine: bufsize - maxrewrite,
	}
}

// HTXSize is the room the parsed head takes in HAProxy 2.6's HTX
// buffer: an 8-byte block descriptor for the start line, each forwarded
// field and the end of headers; the start line's 20-byte structure and
// its three parts; each field's name and (trimmed) value; one byte for
// the end of headers.
func (m *Message) HTXSize() int {
	// A request has Method and Target, a response Code and Reason.
	n := 8 + 20 + len(m.Method) + len(m.Target) + len(m.Code) + len(m.Reason) + len(m.Version) + 8 + 1
	for i := range m.Headers {
		if h := &m.Headers[i]; !h.Skip {
			n += 8 + len(h.Name) + len(h.Value)
		}
	}
	return n
}

// Header is one header field. Name and Value point into the parsed
// buffer.
type Header struct {
	Name, Value []byte
	// Skip marks a field not forwarded: Content-Length beside
	// Transfer-Encoding, a duplicate identical Host or Content-Length, a
	// Connection header left empty once close/keep-alive are removed.
	Skip bool
}

// Message is a parsed request or response head.
type Message struct {
	// Request line.
	Method, Target, Version []byte
	// Status line.
	Status       int
	Code, Reason []byte
	Headers      []Header
	// ContentLength is -1 when absent (or ignored because of
	// Transfer-Encoding).
	ContentLength int64
	Chunked       bool
	// ConnClose and ConnKeepAlive are the tokens of Connection.
	ConnClose, ConnKeepAlive bool
	// ConnUpgrade is set when Connection lists "upgrade"; Upgrade is the
	// Upgrade header's value.
	ConnUpgrade bool
	Upgrade     []byte
	// MustClose is set when the connection must be closed after this
	// exchange (Content-Length and Transfer-Encoding both present, as
	// HAProxy does).
	MustClose bool
	// Host is the Host header value (nil when absent).
	Host []byte
}

func (m *Message) reset() {
	hdrs := m.Headers[:0]
	*m = Message{Headers: hdrs, ContentLength: -1}
}

// HTTP11 reports whether the version is HTTP/1.1 or later.
func (m *Message) HTTP11() bool {
	v := m.Version
	return len(v) == 8 && (v[5] > '1' || v[5] == '1' && v[7] >= '1')
}

// Lookup returns the value of the last forwarded field named name (lower
// case), or nil.
func (m *Message) Lookup(name string) []byte {
	var v []byte
	for i := range m.Headers {
		if !m.Headers[i].Skip && EqualFold(m.Headers[i].Name, name) {
			v = m.Headers[i].Value
		}
	}
	return v
}

// tchar: RFC 9110 token characters.
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

// IsToken reports whether c is an RFC 9110 tchar.
func IsToken(c byte) bool { return tchar[c] }

// EqualFold compares b with the lower-case ASCII string s, ignoring case.
func EqualFold(b []byte, s string) bool {
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

// headEnd finds the end of the head in b: the index just past the empty
// line, or -1. Bare CRs are left to the line parser.
func headEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

// line splits off the first line of b (ended by LF, an optional CR
// before it removed); a CR anywhere else is an error.
func line(b []byte) (ln, rest []byte, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, nil, ErrIncomplete
	}
	ln = b[:i]
	if len(ln) > 0 && ln[len(ln)-1] == '\r' {
		ln = ln[:len(ln)-1]
	}
	if bytes.IndexByte(ln, '\r') >= 0 {
		return nil, nil, fail(BadLineEnding)
	}
	return ln, b[i+1:], nil
}

// skipEmptyLines skips the CRLFs HAProxy ignores before a start line.
func skipEmptyLines(b []byte) int {
	n := 0
	for n < len(b) {
		switch {
		case b[n] == '\n':
			n++
		case b[n] == '\r' && n+1 < len(b) && b[n+1] == '\n':
			n += 2
		default:
			return n
		}
	}
	return n
}

// checkPartial rejects an incomplete head early when what is there is
// already invalid: a bare CR, or a head over the limit.
func checkPartial(b []byte, lim *Limits) error {
	for i, c := range b {
		if c == '\r' && i+1 < len(b) && b[i+1] != '\n' {
			return fail(BadLineEnding)
		}
	}
	if len(b) >= lim.MaxRaw {
		return fail(HeadTooLarge)
	}
	return ErrIncomplete
}

func isSP(c byte) bool { return c == ' ' || c == '\t' }

func validVersion(v []byte) bool {
	return len(v) == 8 && string(v[:5]) == "HTTP/" && v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' && v[7] <= '9'
}

// ParseRequest parses the request head at the start of b into m. It
// returns the number of bytes of b the head takes (empty lines before the
// request line included), ErrIncomplete when b ends before the head does,
// or an *Error. b is modified in place where HAProxy normalises (see the
// package doc).
func ParseRequest(b []byte, m *Message, lim *Limits) (int, error) {
	return m.parse(b, lim, false)
}

// parse parses a request head, or with resp a response head, as
// ParseRequest and ParseResponse say.
func (m *Message) parse(b []byte, lim *Limits, resp bool) (int, error) {
	m.reset()
	skip := skipEmptyLines(b)
	end := headEnd(b[skip:])
	if end < 0 {
		return 0, checkPartial(b[skip:], lim)
	}
	if end >= lim.MaxRaw {
		return 0, fail(HeadTooLarge)
	}
	ln, rest, err := line(b[skip : skip+end])
	if err != nil {
		return 0, err
	}
	if resp {
		err = m.statusLine(ln)
	} else {
		err = m.requestLine(ln)
	}
	if err != nil {
		return 0, err
	}
	if err := m.fields(rest, lim, resp); err != nil {
		return 0, err
	}
	if !resp {
		if err := m.checkRequest(); err != nil {
			return 0, err
		}
	}
	if m.HTXSize() > lim.MaxHead {
		return 0, fail(HeadTooLarge)
	}
	return skip + end, nil
}

func (m *Message) requestLine(ln []byte) error {
	i := 0
	for i < len(ln) && tchar[ln[i]] {
		i++
	}
	if i == 0 {
		return fail(BadMethod)
	}
	if i == len(ln) || !isSP(ln[i]) {
		return fail(BadMethod)
	}
	m.Method = ln[:i]
	for i < len(ln) && isSP(ln[i]) {
		i++
	}
	t := i
	for i < len(ln) && !isSP(ln[i]) {
		c := ln[i]
		if c <= 0x20 || c >= 0x7f || c == '#' {
			return fail(BadTarget)
		}
		i++
	}
	m.Target = ln[t:i]
	if len(m.Target) == 0 {
		return fail(BadTarget)
	}
	if i == len(ln) {
		return fail(BadVersion) // HTTP/0.9 request line
	}
	for i < len(ln) && isSP(ln[i]) {
		i++
	}
	m.Version = ln[i:]
	if !validVersion(m.Version) {
		return fail(BadVersion)
	}
	return nil
}

// ParseResponse parses the response head at the start of b into m, as
// ParseRequest does. Its errors are all answered 502 by the proxy.
func ParseResponse(b []byte, m *Message, lim *Limits) (int, error) {
	return m.parse(b, lim, true)
}

func (m *Message) statusLine(ln []byte) error {
	if len(ln) < 9 || !validVersion(ln[:8]) {
		return fail(BadVersion)
	}
	if !isSP(ln[8]) {
		return fail(BadVersion)
	}
	m.Version = ln[:8]
	i := 8
	for i < len(ln) && isSP(ln[i]) {
		i++
	}
	c := i
	st := 0
	for i < len(ln) && ln[i] >= '0' && ln[i] <= '9' {
		st = st*10 + int(ln[i]-'0')
		i++
	}
	// Stricter than HAProxy 2.6.12, which forwards "20", "2000" and
	// "099": exactly three digits, 100 or more.
	if i-c != 3 || st < 100 {
		return fail(BadStatus)
	}
	m.Code, m.Status = ln[c:i], st
	if i < len(ln) {
		if !isSP(ln[i]) {
			return fail(BadStatus)
		}
		for i < len(ln) && isSP(ln[i]) {
			i++
		}
		m.Reason = ln[i:]
		for _, ch := range m.Reason {
			if ch < 0x20 && ch != '\t' || ch == 0x7f {
				return fail(BadStatus)
			}
		}
	}
	return nil
}

// fields parses the header fields of a head (b ends with the empty line).
func (m *Message) fields(b []byte, lim *Limits, resp bool) error {
	var cl, te int // indexes+1 of the first Content-Length / Transfer-Encoding
	var tes teState
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return ErrIncomplete // cannot happen: b ends with the empty line
		}
		// Unfold obs-fold: a following line starting with SP/HTAB
		// continues this one; HAProxy turns the CR and LF into spaces.
		for i+1 < len(b) && isSP(b[i+1]) {
			if i > 0 && b[i-1] == '\r' {
				b[i-1] = ' '
			}
			b[i] = ' '
			j := bytes.IndexByte(b[i+1:], '\n')
			if j < 0 {
				return ErrIncomplete
			}
			i += 1 + j
		}
		ln := b[:i]
		b = b[i+1:]
		if len(ln) > 0 && ln[len(ln)-1] == '\r' {
			ln = ln[:len(ln)-1]
		}
		if len(ln) == 0 {
			break
		}
		if len(m.Headers) == 0 && isSP(ln[0]) {
			return fail(BadHeaderName) // whitespace after the start line
		}
		n := 0
		for n < len(ln) && tchar[ln[n]] {
			n++
		}
		if n == 0 || n == len(ln) || ln[n] != ':' {
			if n < len(ln) && ln[n] == '\r' {
				return fail(BadLineEnding)
			}
			return fail(BadHeaderName)
		}
		if n > lim.MaxNameLen {
			return fail(NameTooLong)
		}
		v := ln[n+1:]
		for _, c := range v {
			switch c {
			case 0:
				// Rejected since the 2.6.x backport of
				// 0d76a284b (2.6.12 forwarded it).
				return fail(BadHeaderValue)
			case '\r':
				return fail(BadLineEnding)
			}
		}
		for len(v) > 0 && isSP(v[0]) {
			v = v[1:]
		}
		for len(v) > 0 && isSP(v[len(v)-1]) {
			v = v[:len(v)-1]
		}
		if len(m.Headers)+1 >= lim.MaxHeaders {
			return fail(TooManyHeaders)
		}
		m.Headers = append(m.Headers, Header{Name: ln[:n], Value: v})
		h := &m.Headers[len(m.Headers)-1]
		name := h.Name
		switch {
		case EqualFold(name, "content-length"):
			n, val, ok := parseContentLength(h.Value)
			if !ok {
				return fail(BadContentLength)
			}
			h.Value = val
			if cl > 0 {
				if n != m.ContentLength {
					return fail(BadContentLength)
				}
				h.Skip = true
			} else {
				cl = len(m.Headers)
				m.ContentLength = n
			}
		case EqualFold(name, "transfer-encoding"):
			if resp && te > 0 {
				return fail(BadTransferEncoding) // two fields
			}
			if err := tes.add(h.Value, resp); err != nil {
				return err
			}
			if te == 0 {
				te = len(m.Headers)
			}
		case EqualFold(name, "connection"):
			h.Value = m.connection(h.Value)
			h.Skip = len(h.Value) == 0
		case EqualFold(name, "upgrade"):
			m.Upgrade = h.Value
		case !resp && EqualFold(name, "host"):
			if m.Host != nil {
				if !bytes.EqualFold(m.Host, h.Value) {
					return fail(BadHost)
				}
				h.Skip = true
			} else {
				m.Host = h.Value
			}
		}
	}
	if te > 0 {
		if err := tes.done(); err != nil {
			return err
		}
		m.Chunked = true
		if cl > 0 {
			m.MustClose = true
			for i := range m.Headers {
				if EqualFold(m.Headers[i].Name, "content-length") {
					m.Headers[i].Skip = true
				}
			}
		}
		m.ContentLength = -1
	}
	return nil
}

// parseContentLength parses a Content-Length value: 1*DIGIT, or a list of
// identical values; it returns the value with leading zeros and the list
// removed (HAProxy's normalised form).
func parseContentLength(v []byte) (int64, []byte, bool) {
	var first int64 = -1
	var out []byte
	for len(v) > 0 || first < 0 {
		i := bytes.IndexByte(v, ',')
		var e []byte
		if i < 0 {
			e, v = v, nil
		} else {
			e, v = v[:i], v[i+1:]
			if len(v) == 0 {
				return 0, nil, false // "5,"
			}
		}
		for len(e) > 0 && isSP(e[0]) {
			e = e[1:]
		}
		for len(e) > 0 && isSP(e[len(e)-1]) {
			e = e[:len(e)-1]
		}
		if len(e) == 0 {
			return 0, nil, false
		}
		var n int64
		for _, c := range e {
			if c < '0' || c > '9' {
				return 0, nil, false
			}
			if n > (1<<63-1-int64(c-'0'))/10 {
				return 0, nil, false
			}
			n = n*10 + int64(c-'0')
		}
		if first >= 0 && n != first {
			return 0, nil, false
		}
		if first < 0 {
			for len(e) > 1 && e[0] == '0' {
				e = e[1:]
			}
			first, out = n, e
		}
	}
	return first, out, true
}

// teState follows the codings of every Transfer-Encoding field.
type teState struct {
	lastChunked, other bool
}

// transferEncoding checks one Transfer-Encoding value: no empty element
// (4a2dd6f37, b8b010276, 428451fe9, backported to 2.6), chunked at most
// once and only as the last coding; a response takes nothing but
// chunked.
func (st *teState) add(v []byte, resp bool) error {
	if len(v) == 0 {
		return fail(BadTransferEncoding)
	}
	for {
		i := bytes.IndexByte(v, ',')
		var e []byte
		last := i < 0
		if last {
			e = v
		} else {
			e, v = v[:i], v[i+1:]
		}
		for len(e) > 0 && isSP(e[0]) {
			e = e[1:]
		}
		for len(e) > 0 && isSP(e[len(e)-1]) {
			e = e[:len(e)-1]
		}
		switch {
		case len(e) == 0:
			return fail(BadTransferEncoding) // ",chunked", "chunked,"
		case EqualFold(e, "chunked"):
			if st.lastChunked {
				return fail(BadTransferEncoding) // chunked twice
			}
			st.lastChunked = true
		case st.lastChunked || resp:
			return fail(BadTransferEncoding) // chunked not last
		default:
			st.other = true
		}
		if last {
			return nil
		}
	}
}

// done checks the codings once every field is read: chunked must be the
// final coding; in a request any other coding before it is answered 422,
// as HAProxy's H1 mux does.
func (st *teState) done() error {
	if !st.lastChunked {
		return fail(BadTransferEncoding)
	}
	if st.other {
		return fail(UnsupportedCoding)
	}
	return nil
}

// connection records the close/keep-alive/upgrade tokens of a Connection
// value and returns the value without close and keep-alive (which the
// proxy sets itself), compacted in place ("," between the tokens left);
// a value without them is returned unchanged.
func (m *Message) connection(v []byte) []byte {
	drop := false
	for rest := v; len(rest) > 0; {
		var e []byte
		e, rest = nextElement(rest)
		switch {
		case EqualFold(e, "close"):
			m.ConnClose, drop = true, true
		case EqualFold(e, "keep-alive"):
			m.ConnKeepAlive, drop = true, true
		case EqualFold(e, "upgrade"):
			m.ConnUpgrade = true
		}
	}
	if !drop {
		return v
	}
	out := v[:0]
	for len(v) > 0 {
		var e []byte
		e, v = nextElement(v)
		if len(e) == 0 || EqualFold(e, "close") || EqualFold(e, "keep-alive") {
			continue
		}
		if len(out) > 0 {
			out = append(out, ',')
		}
		// In place: out never reaches past the separator before e.
		out = append(out, e...)
	}
	return out
}

// nextElement splits the first element off a comma-separated list, OWS
// removed.
func nextElement(v []byte) (e, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		e, rest = v[:i], v[i+1:]
	} else {
		e = v
	}
	for len(e) > 0 && isSP(e[0]) {
		e = e[1:]
	}
	for len(e) > 0 && isSP(e[len(e)-1]) {
		e = e[:len(e)-1]
	}
	return e, rest
}

// CheckResponseTo applies the rules that tie a response to its request:
// a 101 only answers a request that asked for an upgrade.
func (m *Message) CheckResponseTo(req *Message) error {
	if m.Status == 101 && !(req.ConnUpgrade && len(req.Upgrade) > 0) {
		return fail(UnexpectedUpgrade)
	}
	return nil
}

// checkRequest applies the rules that need the whole request head.
func (m *Message) checkRequest() error {
	if string(m.Method) == "PRI" && string(m.Target) == "*" && string(m.Version) == "HTTP/2.0" {
		return fail(H2Preface)
	}
	if !m.HTTP11() && (m.Chunked || m.ContentLength > 0) {
		switch string(m.Method) {
		case "GET", "HEAD", "DELETE":
			return fail(BodyNotAllowed)
		}
	}
	if m.ConnUpgrade && EqualFold(m.Upgrade, "websocket") && m.Lookup("sec-websocket-key") == nil {
		return fail(WebSocketNoKey)
	}
	if string(m.Method) == "CONNECT" {
		return m.checkConnect()
	}
	if m.Target[0] == '/' || m.Target[0] == '*' {
		return nil
	}
	return m.absoluteForm()
}

func (m *Message) checkConnect() error {
	t := m.Target
	if t[0] == '/' || bytes.Contains(t, []byte("://")) {
		return fail(BadTarget) // d3d9d83f0: no scheme
	}
	h, port, ok := bytes.Cut(t, []byte(":"))
	if !ok || len(port) == 0 || len(h) == 0 {
		return fail(BadTarget)
	}
	if m.Host != nil && !bytes.EqualFold(m.Host, t) {
		return fail(HostMismatch)
	}
	// HAProxy forwards "Host: a" for "CONNECT a:443" with "Host: a:443"
	// (measured on 2.6.12): the default https port is dropped.
	if bytes.HasSuffix(m.Host, []byte(":443")) {
		m.setHost(m.Host[:len(m.Host)-4])
	}
	return nil
}

// absoluteForm checks the authority of an absolute-form target against
// Host and removes a default port (":80" for http, ":443" for https) from
// both, as HAProxy's scheme-based normalisation does.
func (m *Message) absoluteForm() error {
	t := m.Target
	i := bytes.Index(t, []byte("://"))
	if i <= 0 {
		return nil // not absolute-form: forwarded as received
	}
	scheme := t[:i]
	as := i + 3
	ae := as
	for ae < len(t) && t[ae] != '/' && t[ae] != '?' {
		ae++
	}
	auth := t[as:ae]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	if len(auth) == 0 {
		return nil
	}
	def := ""
	switch {
	case EqualFold(scheme, "http"):
		def = ":80"
	case EqualFold(scheme, "https"):
		def = ":443"
	}
	if def != "" && bytes.HasSuffix(auth, []byte(def)) {
		n := len(def)
		copy(t[ae-n:], t[ae:])
		m.Target = t[:len(t)-n]
		auth = auth[:len(auth)-n]
	}
	host := m.Host
	if def != "" && bytes.HasSuffix(host, []byte(def)) {
		host = host[:len(host)-len(def)]
		m.setHost(host)
	}
	if m.Host != nil && !bytes.EqualFold(host, auth) {
		return fail(HostMismatch)
	}
	return nil
}

func (m *Message) setHost(v []byte) {
	m.Host = v
	for i := range m.Headers {
		if !m.Headers[i].Skip && EqualFold(m.Headers[i].Name, "host") {
			m.Headers[i].Value = v
		}
	}
}
