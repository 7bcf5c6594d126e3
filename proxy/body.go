package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/haplog/haplog/proxy/h1"
)

// side tells which end of a transfer failed.
type side uint8

const (
	sideNone side = iota
	sideSrc
	sideDst
)

// xferErr is a failed transfer: which side and why.
type xferErr struct {
	side side
	err  error
}

func (e *xferErr) timeout() bool { return isTimeout(e.err) }

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	// A dial that runs out of time returns the net package's own timeout
	// error, which is not os.ErrDeadlineExceeded: HAProxy logs it as a
	// connect timeout (sC), not a refusal (SC).
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// conduit moves bytes from a reader to a connection with per-operation
// timeouts. An HTTP session's transfers use its txn.xfer (session.conduit):
// one at a time, and no allocation per request.
type conduit struct {
	src      *reader
	dst      net.Conn
	rto, wto time.Duration
	// now is the proxy's clock (Proxy.now), for the deadlines.
	now func() time.Time
	// payload counts the body as HAProxy 2.6's HTX holds it (chunkHTX;
	// %U and %B count it).
	payload int64
	fail    xferErr
	// vec and chunkHdr are writev's scratch: a chunk's header, data and
	// CRLF go out in one system call without allocating.
	vec      [3][]byte
	bufs     net.Buffers
	chunkHdr [32]byte
	// rc is dst's socket when write may first try a non-blocking send
	// (rw its scratch); nil otherwise.
	rc syscall.RawConn
	rw *rawWrite
}

// conduit returns the session's transfer state set up for one transfer
// from src to dst.
func (s *session) conduit(src *reader, dst net.Conn, rto, wto time.Duration) *conduit {
	c := &s.xfer
	*c = conduit{src: src, dst: dst, rto: rto, wto: wto, now: s.p.opts.Now}
	switch {
	case s.cliRC != nil && dst == s.raw && s.c == s.raw: // not under TLS
		c.rc = s.cliRC
	case s.srvRC != nil && dst == s.srvConn:
		c.rc = s.srvRC
	}
	if c.rc != nil {
		if s.rw == nil {
			s.rw = newRawWrite()
		}
		c.rw = s.rw
	}
	return c
}

// deadline is the instant d from now on the proxy's clock (zero when d
// is not positive: no deadline).
func deadline(now func() time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now().Add(d)
}

func (c *conduit) write(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if c.rc != nil {
		// The write deadline matters only to a write that has to wait:
		// what the socket takes at once goes without re-arming it (two
		// clock readings and a timer update per write); the rest, and
		// any error, take the path below, which sets it first.
		if b = b[c.rw.send(c.rc, b):]; len(b) == 0 {
			return true
		}
	}
	if err := c.dst.SetWriteDeadline(deadline(c.now, c.wto)); err != nil {
		c.fail = xferErr{sideDst, err}
		return false
	}
	if _, err := c.dst.Write(b); err != nil {
		c.fail = xferErr{sideDst, err}
		return false
	}
	return true
}

// more reads more data into the source buffer.
func (c *conduit) more() bool {
	if err := c.src.c.SetReadDeadline(deadline(c.now, c.rto)); err != nil {
		c.fail = xferErr{sideSrc, err}
		return false
	}
	n, err := c.src.fill()
	if n > 0 {
		return true
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	c.fail = xferErr{sideSrc, err}
	return false
}

// copyN forwards exactly n bytes.
func (c *conduit) copyN(n int64) bool {
	return c.readN(n, c.forward)
}

// forward counts and writes one piece of the payload.
func (c *conduit) forward(b []byte) bool {
	c.payload += int64(len(b))
	return c.write(b)
}

// readN passes exactly n body bytes to fn.
func (c *conduit) readN(n int64, fn func([]byte) bool) bool {
	for n > 0 {
		if c.src.buffered() == 0 && !c.more() {
			return false
		}
		b := c.src.buf[c.src.r:c.src.w]
		if int64(len(b)) > n {
			b = b[:n]
		}
		c.src.consume(len(b))
		n -= int64(len(b))
		if !fn(b) {
			return false
		}
	}
	return true
}

// copyEOF forwards until the source closes. A clean EOF is success.
func (c *conduit) copyEOF() bool {
	for {
		if c.src.buffered() == 0 {
			if !c.more() {
				if errors.Is(c.fail.err, io.EOF) {
					c.fail = xferErr{}
					return true
				}
				return false
			}
		}
		b := c.src.buf[c.src.r:c.src.w]
		c.src.consume(len(b))
		c.payload += int64(len(b))
		if !c.write(b) {
			return false
		}
	}
}

// copyChunked forwards a chunked body, validated and re-framed by
// proxy/h1's decoder as HAProxy does: one chunk per piece of data read,
// extensions dropped, trailer names in lower case.
func (c *conduit) copyChunked() bool {
	var d h1.ChunkDecoder
	d.Reset(&c.src.t.lim)
	if err := probeChunks(d, c.src.buf[c.src.r:c.src.w]); err != nil {
		c.fail = xferErr{sideSrc, err}
		return false
	}
	for {
		ev, p, ok := c.nextChunkEvent(&d, true)
		if !ok {
			return false
		}
		c.payload += chunkHTX(ev, p)
		switch ev {
		case h1.Data:
			ok = c.writev(h1.AppendChunkHeader(c.chunkHdr[:0], len(p)), p, crlf)
		case h1.LastChunk:
			ok = c.write(h1.AppendLastChunk(c.chunkHdr[:0]))
		case h1.Trailer:
			ok = c.writeTrailer(p)
		case h1.End:
			return c.write(crlf)
		}
		if !ok {
			return false
		}
	}
}

// chunkHTX is what a chunked body's event p counts in HAProxy 2.6's HTX
// (and so in %U and %B): the data, each trailer's name and value, and 1
// for the end-of-trailers block.
func chunkHTX(ev h1.ChunkEvent, p []byte) int64 {
	switch ev {
	case h1.Data:
		return int64(len(p))
	case h1.Trailer:
		name, value := h1.TrailerField(p)
		return int64(len(name) + len(value))
	case h1.End:
		return 1
	}
	return 0
}

// nextChunkEvent reads from the source until d yields an event other than
// NeedMore. With probe, data that arrives is checked whole by probeChunks
// before any of it is decoded. On failure it sets c.fail (unless more
// did) and reports false.
func (c *conduit) nextChunkEvent(d *h1.ChunkDecoder, probe bool) (h1.ChunkEvent, []byte, bool) {
	for {
		n, ev, p, err := d.Next(c.src.buf[c.src.r:c.src.w])
		if err != nil {
			c.fail = xferErr{sideSrc, err}
			return ev, nil, false
		}
		c.src.consume(n)
		if ev != h1.NeedMore {
			return ev, p, true
		}
		if n > 0 {
			continue
		}
		if c.src.buffered() >= len(c.src.buf) {
			c.fail = xferErr{sideSrc, errBadMessage}
			return ev, nil, false
		}
		if !c.more() {
			return ev, nil, false
		}
		if probe {
			if err := probeChunks(*d, c.src.buf[c.src.r:c.src.w]); err != nil {
				c.fail = xferErr{sideSrc, err}
				return ev, nil, false
			}
		}
	}
}

var crlf = []byte("\r\n")

// probeChunks runs a copy of the decoder over the buffered data: a
// framing error anywhere in what has arrived fails the transfer before
// any of it is forwarded, as HAProxy parses what it holds before sending.
func probeChunks(d h1.ChunkDecoder, b []byte) error {
	for !d.Done() {
		n, ev, _, err := d.Next(b)
		if err != nil {
			return err
		}
		b = b[n:]
		if n == 0 && ev == h1.NeedMore {
			return nil
		}
	}
	return nil
}

// writev writes the pieces of one chunk in one system call.
func (c *conduit) writev(a, b, d []byte) bool {
	if err := c.dst.SetWriteDeadline(deadline(c.now, c.wto)); err != nil {
		c.fail = xferErr{sideDst, err}
		return false
	}
	c.vec = [3][]byte{a, b, d}
	c.bufs = c.vec[:]
	_, err := c.bufs.WriteTo(c.dst)
	c.vec = [3][]byte{}
	if err != nil {
		c.fail = xferErr{sideDst, err}
		return false
	}
	return true
}

// writeTrailer writes one trailer field (p points into the source
// buffer, already consumed but not yet overwritten).
func (c *conduit) writeTrailer(p []byte) bool {
	var tmp [256]byte
	return c.write(h1.AppendTrailer(tmp[:0], p))
}

// copyBody forwards the body announced by h.
func (c *conduit) copyBody(h *head, noBody bool) bool {
	switch {
	case noBody:
		return true
	case h.chunked:
		return c.copyChunked()
	case h.contentLength >= 0:
		return c.copyN(h.contentLength)
	}
	return c.copyEOF()
}
