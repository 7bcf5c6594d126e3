package proxy

import (
	"bytes"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"

	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/proxy/h1"
)

// HTTP response compression ("compression algo/type"), as HAProxy 2.6's
// compression filter does it, with klauspost/compress in place of libslz
// (the compressed bytes differ, the decoded body and the headers do not):
//
//   - the algorithm is chosen from the request's Accept-Encoding values:
//     the first value with the highest q (q=0 never) whose token is one
//     the backend (else the frontend) lists, "*" meaning the last listed;
//     "identity", when listed, is taken when nothing else is;
//     old "Mozilla/4" user agents (but MSIE 6 SV1 and MSIE >= 7) get none;
//   - the response is compressed only when request and response are
//     HTTP/1.1, the method is not HEAD, the status is 200 to 203, its
//     length is known and not zero (Content-Length > 0, or chunked), it has no
//     Content-Encoding, no "Cache-Control: no-transform", at most one
//     valid ETag, a Content-Type that is not multipart and starts with
//     one of the "compression type" values when some are listed (no
//     Content-Type then means no compression);
//   - Content-Length is removed, "transfer-encoding: chunked" added
//     unless the server already chunked, a strong ETag made weak, then
//     "vary: Accept-Encoding" and "content-encoding: <algo>" (none for
//     identity) appended;
//   - the body is compressed at level 1 (tune.comp.maxlevel's default)
//     and sent chunked; %B still counts what the server sent.
//
// Measured side by side with haproxy 2.6.12 in TestCompressionVsHAProxy.

// compression is the encoder chosen for one response.
type compression struct {
	algo string // identity, gzip, deflate, raw-deflate
}

// uaName is the Accept-Encoding token of an algorithm.
func uaName(algo string) string {
	if algo == "raw-deflate" {
		return "deflate"
	}
	return algo
}

// compConfig returns the algorithms and types in force for be: each
// from the backend when it sets them, else from the frontend.
func compConfig(s *session, be *backend) (algos, types []string) {
	bc, fc := be.cfg.Compression, s.fe.cfg.Compression
	switch {
	case bc != nil && len(bc.Algos) > 0:
		algos = bc.Algos
	case fc != nil:
		algos = fc.Algos
	}
	switch {
	case bc != nil && len(bc.Types) > 0:
		types = bc.Types
	case fc != nil:
		types = fc.Types
	}
	return algos, types
}

// selectAlgo applies the request side: Accept-Encoding and User-Agent.
func selectAlgo(s *session, algos []string) string {
	if ua := s.req.lookupFirst("user-agent"); len(ua) >= 9 && string(ua[:9]) == "Mozilla/4" &&
		(len(ua) < 31 || string(ua[25:30]) != "MSIE " || ua[30] < '6' ||
			(ua[30] == '6' && (len(ua) < 54 || string(ua[51:54]) != "SV1"))) {
		return ""
	}
	best, bestQ := "", 0
	for i := range s.req.hdrs {
		hd := &s.req.hdrs[i]
		if hd.del || !h1.EqualFold(hd.name, "accept-encoding") {
			continue
		}
		for v := hd.value; len(v) > 0; {
			var el []byte
			el, v = nextListElem(v)
			if len(el) == 0 {
				continue
			}
			tok := 0
			for tok < len(el) && h1.IsToken(el[tok]) {
				tok++
			}
			q := qValue(el[tok:])
			if q <= bestQ {
				continue
			}
			// HAProxy keeps the algorithms in reverse order of
			// declaration: "*" takes the last one declared.
			for k := len(algos) - 1; k >= 0; k-- {
				if a := algos[k]; el[0] == '*' || h1.EqualFold(el[:tok], uaName(a)) {
					best, bestQ = a, q
					break
				}
			}
		}
	}
	if best == "" {
		// Identity needs no Accept-Encoding: chosen whenever listed.
		for _, a := range algos {
			if a == "identity" {
				return a
			}
		}
	}
	return best
}

// qValue returns the q parameter of ";q=0.5"-style attributes in
// thousandths (1000 when absent).
func qValue(attrs []byte) int {
	for len(attrs) > 0 {
		attrs = bytes.TrimLeft(attrs, " \t")
		if len(attrs) == 0 || attrs[0] != ';' {
			return 1000
		}
		attrs = bytes.TrimLeft(attrs[1:], " \t")
		if len(attrs) >= 2 && attrs[0] == 'q' && attrs[1] == '=' {
			return parseQ(attrs[2:])
		}
		if j := bytes.IndexByte(attrs, ';'); j >= 0 {
			attrs = attrs[j:]
		} else {
			return 1000
		}
	}
	return 1000
}

// parseQ reads "1", "1.000", "0.5" ... as thousandths.
func parseQ(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	q := 0
	switch b[0] {
	case '1':
		q = 1000
	case '0':
	default:
		return 0
	}
	if len(b) > 1 && b[1] == '.' && q == 0 {
		mul := 100
		for _, c := range b[2:] {
			if c < '0' || c > '9' || mul == 0 {
				break
			}
			q += int(c-'0') * mul
			mul /= 10
		}
	}
	return q
}

// lookupFirst returns the first value of a header (nil when absent).
func (h *head) lookupFirst(name string) []byte {
	for i := range h.hdrs {
		if !h.hdrs[i].del && h1.EqualFold(h.hdrs[i].name, name) {
			return h.hdrs[i].value
		}
	}
	return nil
}

// startCompression decides whether the response in s.resp is
// compressed; when it is, it rewrites the response headers (Content-Length
// removed, ETag made weak) and returns the encoder, else nil.
func startCompression(s *session, be *backend, noBody bool) *compression {
	if be.cfg.Mode != config.ModeHTTP && s.fe.cfg.Mode != config.ModeHTTP {
		return nil
	}
	algos, types := compConfig(s, be)
	if len(algos) == 0 {
		return nil
	}
	h := &s.resp
	if !s.req.http11() || !h.http11() || noBody || string(s.req.method) == "HEAD" {
		return nil
	}
	if h.status < 200 || h.status > 203 || (!h.chunked && h.contentLength <= 0) {
		return nil
	}
	algo := selectAlgo(s, algos)
	if algo == "" {
		return nil
	}
	etags := 0
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.del || hd.skip {
			continue
		}
		switch {
		case h1.EqualFold(hd.name, "content-encoding"):
			return nil
		case h1.EqualFold(hd.name, "cache-control"):
			for _, el := range bytes.Split(hd.value, []byte(",")) {
				if h1.EqualFold(bytes.Trim(el, " \t"), "no-transform") {
					return nil
				}
			}
		case h1.EqualFold(hd.name, "etag"):
			if etags++; etags > 1 || !validETag(hd.value) {
				return nil
			}
		}
	}
	ct := h.lookupFirst("content-type")
	if ct == nil && hasHeader(s, h, "content-type") {
		ct = []byte{}
	}
	if ct != nil {
		if len(ct) >= 9 && h1.EqualFold(ct[:9], "multipart") {
			return nil
		}
		if len(types) > 0 {
			ok := false
			for _, t := range types {
				if len(ct) >= len(t) && h1.EqualFold(ct[:len(t)], t) {
					ok = true
					break
				}
			}
			if !ok {
				return nil
			}
		}
	} else if len(types) > 0 {
		return nil
	}
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.del || hd.skip {
			continue
		}
		switch {
		case h1.EqualFold(hd.name, "content-length"):
			hd.skip = true
		case h1.EqualFold(hd.name, "etag") && len(hd.value) > 0 && hd.value[0] == '"':
			hd.value = append([]byte("W/"), hd.value...)
		}
	}
	return &compression{algo: algo}
}

func hasHeader(s *session, h *head, name string) bool {
	for i := range h.hdrs {
		if !h.hdrs[i].del && h1.EqualFold(h.hdrs[i].name, name) {
			return true
		}
	}
	return false
}

// validETag accepts "x" and W/"x".
func validETag(v []byte) bool {
	v = bytes.Trim(v, " \t")
	if len(v) >= 2 && v[0] == 'W' && v[1] == '/' {
		v = v[2:]
	}
	return len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"'
}

// appendHeaders appends the headers compression adds, after the others.
func (z *compression) appendHeaders(w []byte, serverChunked bool) []byte {
	if !serverChunked {
		w = append(w, "transfer-encoding: chunked\r\n"...)
	}
	w = append(w, "vary: Accept-Encoding\r\n"...)
	if z.algo != "identity" {
		w = append(w, "content-encoding: "...)
		w = append(w, uaName(z.algo)...)
		w = append(w, "\r\n"...)
	}
	return w
}

// chunkWriter frames what it is given as HTTP/1.1 chunks on c.
type chunkWriter struct {
	c   *conduit
	buf []byte
	ok  bool
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 || !cw.ok {
		if !cw.ok {
			return 0, io.ErrClosedPipe
		}
		return 0, nil
	}
	cw.buf = strconv.AppendInt(cw.buf[:0], int64(len(p)), 16)
	cw.buf = append(cw.buf, "\r\n"...)
	cw.buf = append(cw.buf, p...)
	cw.buf = append(cw.buf, "\r\n"...)
	if cw.ok = cw.c.write(cw.buf); !cw.ok {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

// encoder is the part of the compressors used here.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
}

var (
	chunkBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}
	gzipPool     = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, 1); return w }}
	zlibPool     = sync.Pool{New: func() any { w, _ := zlib.NewWriterLevel(io.Discard, 1); return w }}
	flatePool    = sync.Pool{New: func() any { w, _ := flate.NewWriter(io.Discard, 1); return w }}
)

// identityEncoder passes the body through.
type identityEncoder struct{ w io.Writer }

func (e identityEncoder) Write(p []byte) (int, error) { return e.w.Write(p) }
func (identityEncoder) Flush() error                  { return nil }
func (identityEncoder) Close() error                  { return nil }

// copyBody reads the body announced by h from the server (de-chunked),
// compresses it and sends it chunked, then the last chunk (and the
// server's trailers, if any).
func (z *compression) copyBody(c *conduit, h *head) bool {
	bp := chunkBufPool.Get().(*[]byte)
	cw := &chunkWriter{c: c, ok: true, buf: (*bp)[:0]}
	defer func() {
		if cap(cw.buf) <= 256<<10 {
			*bp = cw.buf[:0]
			chunkBufPool.Put(bp)
		}
	}()
	var enc encoder
	switch z.algo {
	case "gzip":
		g := gzipPool.Get().(*gzip.Writer)
		g.Reset(cw)
		defer gzipPool.Put(g)
		enc = g
	case "deflate":
		g := zlibPool.Get().(*zlib.Writer)
		g.Reset(cw)
		defer zlibPool.Put(g)
		enc = g
	case "raw-deflate":
		g := flatePool.Get().(*flate.Writer)
		g.Reset(cw)
		defer flatePool.Put(g)
		enc = g
	default:
		enc = identityEncoder{cw}
	}
	feed := func(b []byte) bool {
		c.payload += int64(len(b))
		if _, err := enc.Write(b); err != nil {
			return false
		}
		// Send what is ready once the buffered input is used up, as the
		// filter does at the end of each input block.
		if c.src.buffered() == 0 {
			return enc.Flush() == nil
		}
		return true
	}
	var d h1.ChunkDecoder
	d.Reset(h.limits())
	if h.chunked {
		if !c.readChunked(&d, feed) {
			return false
		}
	} else if !c.readN(h.contentLength, feed) {
		return false
	}
	if enc.Close() != nil || !cw.ok {
		return false
	}
	var out [8]byte
	if !c.write(h1.AppendLastChunk(out[:0])) {
		return false
	}
	if h.chunked {
		return c.readTrailers(&d)
	}
	return c.write(crlf)
}

// readChunked passes the data of a chunked body, validated by proxy/h1's
// decoder, to fn and stops after the last-chunk line (the trailers stay
// in the source for readTrailers).
func (c *conduit) readChunked(d *h1.ChunkDecoder, fn func([]byte) bool) bool {
	for {
		ev, p, ok := c.nextChunkEvent(d, false)
		if !ok {
			return false
		}
		switch ev {
		case h1.Data:
			if !fn(p) {
				return false
			}
		case h1.LastChunk:
			return true
		default:
			c.fail = xferErr{sideSrc, errBadMessage}
			return false
		}
	}
}

// readTrailers forwards the trailers after the last chunk and the final
// empty line.
func (c *conduit) readTrailers(d *h1.ChunkDecoder) bool {
	for {
		ev, p, ok := c.nextChunkEvent(d, false)
		if !ok {
			return false
		}
		switch ev {
		case h1.Trailer:
			if !c.writeTrailer(p) {
				return false
			}
		case h1.End:
			return c.write(crlf)
		default:
			c.fail = xferErr{sideSrc, errBadMessage}
			return false
		}
	}
}
