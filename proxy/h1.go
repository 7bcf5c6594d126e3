package proxy

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/proxy/h1"
)

// tune is a plan's tune.bufsize, tune.maxrewrite and tune.http.maxhdr,
// provisioned once: the HTTP/1 parsing limits and the pool of
// connection buffers of that size. A request or response head must fit
// in a buffer.
type tune struct {
	lim h1.Limits
	// fileLim parses errorfiles as proxy/config checked them at load:
	// the whole buffer, no room kept for rewrites.
	fileLim h1.Limits
	size    int
	bufs    *sync.Pool
}

// defaultTune is HAProxy's defaults, for what runs without a plan.
var defaultTune = newTune(config.Tune{BufSize: h1.DefaultBufSize, MaxRewrite: h1.DefaultMaxRewrite, MaxHdr: h1.DefaultMaxHeaders})

// bufPools holds one buffer pool per buffer size, shared by the plans
// (a reload with the same tune.bufsize keeps the buffers).
var bufPools sync.Map // int -> *sync.Pool

func newTune(t config.Tune) *tune {
	size := t.BufSize
	p, ok := bufPools.Load(size)
	if !ok {
		p, _ = bufPools.LoadOrStore(size, &sync.Pool{New: func() any { b := make([]byte, size); return &b }})
	}
	return &tune{lim: h1.LimitsFor(size, t.MaxRewrite, t.MaxHdr), fileLim: h1.LimitsFor(size, 0, t.MaxHdr),
		size: size, bufs: p.(*sync.Pool)}
}

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
	// fills counts the reads from the connection (fill).
	fills int
	// bp is the pooled buffer buf came from (put back by release).
	bp *[]byte
	// t is the plan's tune the buffer's size and pool come from.
	t *tune
}

// reset points rd, new or released, at c with an empty buffer of t's
// size taken from its pool (none allocated when one is free).
func (rd *reader) reset(c net.Conn, t *tune) *reader {
	if rd.bp != nil && rd.t != t {
		rd.release()
	}
	if rd.bp == nil {
		rd.bp = t.bufs.Get().(*[]byte)
	}
	*rd = reader{c: c, buf: (*rd.bp)[:t.size], bp: rd.bp, t: t}
	return rd
}

// release returns the buffer to the pool; rd must not be used afterwards
// (until reset).
func (rd *reader) release() {
	if rd == nil || rd.bp == nil {
		return
	}
	bp, pool := rd.bp, rd.t.bufs
	*rd = reader{}
	pool.Put(bp)
}

func (rd *reader) buffered() int { return rd.w - rd.r }

// fill reads once from the connection into the free space, compacting
// first when needed.
func (rd *reader) fill() (int, error) {
	if rd.r > 0 && (rd.w == len(rd.buf) || rd.r == rd.w) {
		copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.w -= rd.r
		rd.r = 0
	}
	if rd.w == len(rd.buf) {
		return 0, errHeadTooLarge
	}
	n, err := rd.c.Read(rd.buf[rd.w:])
	rd.fills++
	rd.w += n
	return n, err
}

func (rd *reader) consume(n int) {
	rd.r += n
	if rd.r == rd.w {
		rd.r, rd.w = 0, 0
	}
}

// readHead reads until parse accepts a whole head at the start of the
// buffered data and returns its length; parse reports h1.ErrIncomplete
// while more is needed (and rejects a bad head as soon as it can).
// firstByte is called once when the first byte of the head arrives.
func (rd *reader) readHead(deadline time.Time, firstByte func(), parse func([]byte) (int, error)) (int, error) {
	if rd.buffered() > 0 && firstByte != nil {
		firstByte()
		firstByte = nil
	}
	for {
		if rd.buffered() > 0 {
			n, err := parse(rd.buf[rd.r:rd.w])
			if !errors.Is(err, h1.ErrIncomplete) {
				return n, err
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
	// mustClose: the client connection closes after this exchange
	// (Content-Length beside Transfer-Encoding, as HAProxy does).
	mustClose bool
	// msg is the parsed message the fields above are copied from.
	msg h1.Message
	// lim are the plan's parsing limits (set with the session; nil is
	// HAProxy's defaults).
	lim *h1.Limits
}

// limits returns the limits the head is parsed with.
func (h *head) limits() *h1.Limits {
	if h.lim == nil {
		return &defaultTune.lim
	}
	return h.lim
}

func (h *head) reset() {
	h.method, h.uri, h.version = nil, nil, nil
	h.status, h.code, h.reason = 0, nil, nil
	h.hdrs = h.hdrs[:0]
	h.contentLength = -1
	h.chunked, h.connClose, h.connKA = false, false, false
	h.htxHdrs = 0
	h.mustClose = false
}

// http11 reports whether the version is HTTP/1.1 or later.
func (h *head) http11() bool {
	return len(h.version) == 8 && (h.version[5] > '1' || h.version[5] == '1' && h.version[7] >= '1')
}

// lookup returns the last value of header name (lower case), or nil.
func (h *head) lookup(name string) []byte {
	var v []byte
	for i := range h.hdrs {
		if !h.hdrs[i].del && h1.EqualFold(h.hdrs[i].name, name) {
			v = h.hdrs[i].value
		}
	}
	return v
}

// parseRequest parses the request head at the start of b (which may
// hold more) in place with proxy/h1 and returns its length.
func (h *head) parseRequest(b []byte) (int, error) {
	h.reset()
	n, err := h1.ParseRequest(b, &h.msg, h.limits())
	if err != nil {
		return 0, err
	}
	m := &h.msg
	h.method, h.uri, h.version = m.Method, m.Target, m.Version
	h.copyFields(false)
	return n, nil
}

// parseResponse parses a response head as parseRequest does.
func (h *head) parseResponse(b []byte) (int, error) {
	h.reset()
	n, err := h1.ParseResponse(b, &h.msg, h.limits())
	if err != nil {
		return 0, err
	}
	m := &h.msg
	h.version, h.code, h.reason, h.status = m.Version, m.Code, m.Reason, m.Status
	h.copyFields(true)
	return n, nil
}

// copyFields copies the parsed fields. A response's Connection header is
// never forwarded (the proxy writes its own); a request's is when tokens
// other than close/keep-alive remain (Upgrade), as HAProxy does.
func (h *head) copyFields(resp bool) {
	m := &h.msg
	h.contentLength, h.chunked = m.ContentLength, m.Chunked
	h.connClose, h.connKA, h.mustClose = m.ConnClose, m.ConnKeepAlive, m.MustClose
	for i := range m.Headers {
		f := &m.Headers[i]
		hd := header{name: f.Name, value: f.Value, skip: f.Skip}
		conn := h1.EqualFold(f.Name, "connection")
		if conn && resp {
			hd.skip = true
		}
		if !conn && !f.Skip {
			h.htxHdrs += len(f.Name) + len(f.Value)
		}
		h.hdrs = append(h.hdrs, hd)
	}
}

// rejectReply is what HAProxy answers a request its parser refused:
// its legacy 400 (with Connection: close), or the 413 / 422 the H1 mux
// sends (measured on 2.6.12: same form, without Connection).
func rejectReply(code int) reply {
	switch code {
	case 413:
		return rawMuxReply(413, "Payload Too Large", "The request entity exceeds the maximum allowed.")
	case 422:
		return rawMuxReply(422, "Unprocessable Content", "The server cannot process the contained instructions.")
	}
	return rawErrorReply(400)
}

func rawMuxReply(code int, reason, msg string) reply {
	c := strconv.Itoa(code)
	body := "<html><body><h1>" + c + " " + reason + "</h1>\n" + msg + "\n</body></html>\n"
	raw := "HTTP/1.1 " + c + " " + reason + "\r\nContent-length: " + strconv.Itoa(len(body)) +
		"\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n" + body
	return reply{status: code, raw: []byte(raw)}
}

// checkBufferedBody validates the part of a chunked request body already
// buffered, so that a body HAProxy would refuse before forwarding
// anything (it parses what it holds before sending the head) is refused
// here before the head goes out too.
func checkBufferedBody(h *head, b []byte) error {
	if !h.chunked {
		return nil
	}
	var d h1.ChunkDecoder
	d.Reset(h.limits())
	return probeChunks(d, b)
}

// htxStartLine is HAProxy's accounting of a start line in %B: the three
// parts plus the 20-byte htx_sl structure and the end-of-headers block.
func htxStartLine(a, b, c int) int { return 21 + a + b + c }
