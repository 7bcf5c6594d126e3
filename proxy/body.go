package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
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
// timeouts.
type conduit struct {
	src      *reader
	dst      net.Conn
	rto, wto time.Duration
	// payload counts body bytes (de-chunked) moved.
	payload int64
	// lastWrite is set by writes that must not be merged (nothing buffered).
	fail xferErr
}

func deadline(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

func (c *conduit) write(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if err := c.dst.SetWriteDeadline(deadline(c.wto)); err != nil {
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
	if err := c.src.c.SetReadDeadline(deadline(c.rto)); err != nil {
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
		c.payload += int64(len(b))
		if !c.write(b) {
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

// line returns the next complete line (with its LF) from the source,
// reading as needed; it stays valid until the next read.
func (c *conduit) line() ([]byte, bool) {
	for {
		b := c.src.buf[c.src.r:c.src.w]
		for i, ch := range b {
			if ch == '\n' {
				return b[:i+1], true
			}
		}
		if c.src.buffered() >= 4096 {
			c.fail = xferErr{sideSrc, errBadMessage}
			return nil, false
		}
		if !c.more() {
			return nil, false
		}
	}
}

// copyChunked forwards a chunked body as is, trailers included.
func (c *conduit) copyChunked() bool {
	for {
		ln, ok := c.line()
		if !ok {
			return false
		}
		size, ok := chunkSize(ln)
		if !ok {
			c.fail = xferErr{sideSrc, errBadMessage}
			return false
		}
		c.src.consume(len(ln))
		if !c.write(ln) {
			return false
		}
		if size == 0 {
			return c.copyTrailers()
		}
		before := c.payload
		if !c.copyN(size) {
			return false
		}
		c.payload = before + size
		crlf, ok := c.line()
		if !ok {
			return false
		}
		if len(trimCRLF(crlf)) != 0 {
			c.fail = xferErr{sideSrc, errBadMessage}
			return false
		}
		c.src.consume(len(crlf))
		if !c.write(crlf) {
			return false
		}
	}
}

func (c *conduit) copyTrailers() bool {
	for {
		ln, ok := c.line()
		if !ok {
			return false
		}
		c.src.consume(len(ln))
		if !c.write(ln) {
			return false
		}
		if len(trimCRLF(ln)) == 0 {
			return true
		}
	}
}

func trimCRLF(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func chunkSize(ln []byte) (int64, bool) {
	ln = trimCRLF(ln)
	var n int64
	digits := 0
	for _, ch := range ln {
		var v byte
		switch {
		case ch >= '0' && ch <= '9':
			v = ch - '0'
		case ch >= 'a' && ch <= 'f':
			v = ch - 'a' + 10
		case ch >= 'A' && ch <= 'F':
			v = ch - 'A' + 10
		case ch == ';' || ch == ' ' || ch == '\t':
			return n, digits > 0
		default:
			return 0, false
		}
		if digits >= 15 {
			return 0, false
		}
		n = n<<4 | int64(v)
		digits++
	}
	return n, digits > 0
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
