package syslogd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// Framing is the TCP framing of a connection (RFC 6587).
type Framing uint8

// Framings.
const (
	FramingUnknown      Framing = iota
	FramingOctetCounted         // "LEN SP MSG", detected by a leading digit
	FramingLF                   // messages terminated by LF (non-transparent)
)

// ErrFrame is wrapped by framing errors; the connection is then closed.
var ErrFrame = errors.New("bad frame")

// maxFrameDigits bounds the MSG-LEN field of an octet-counted frame.
const maxFrameDigits = 9

// FrameReader splits a TCP stream into syslog messages. The framing is
// detected from the first byte of the stream: a digit means octet counting,
// anything else LF framing. Messages longer than max are cut to max bytes
// (the rest of the frame is skipped).
type FrameReader struct {
	r       *bufio.Reader
	max     int
	framing Framing
	buf     []byte
}

// NewFrameReader returns a FrameReader over r.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	return &FrameReader{r: bufio.NewReaderSize(r, 64<<10), max: max, buf: make([]byte, 0, max)}
}

// Framing returns the framing detected so far.
func (f *FrameReader) Framing() Framing { return f.framing }

// Next returns the next message. The slice is valid until the next call.
// It returns io.EOF at a clean end of stream.
func (f *FrameReader) Next() ([]byte, error) {
	if f.framing == FramingUnknown {
		c, err := f.r.ReadByte()
		if err != nil {
			return nil, err
		}
		_ = f.r.UnreadByte()
		f.framing = FramingLF
		if c >= '0' && c <= '9' {
			f.framing = FramingOctetCounted
		}
	}
	if f.framing == FramingOctetCounted {
		return f.nextCounted()
	}
	return f.nextLF()
}

func (f *FrameReader) nextCounted() ([]byte, error) {
	n, digits := 0, 0
	for {
		c, err := f.r.ReadByte()
		if err != nil {
			if err == io.EOF && digits > 0 {
				return nil, fmt.Errorf("octet count: %w", io.ErrUnexpectedEOF)
			}
			return nil, err
		}
		if c == ' ' && digits > 0 {
			break
		}
		if c < '0' || c > '9' || digits >= maxFrameDigits {
			return nil, fmt.Errorf("octet count: unexpected byte %q after %d digits: %w", c, digits, ErrFrame)
		}
		n = n*10 + int(c-'0')
		digits++
	}
	keep := min(n, f.max)
	f.buf = f.buf[:keep]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		return nil, fmt.Errorf("frame of %d bytes: %w", n, noEOF(err))
	}
	if _, err := f.r.Discard(n - keep); err != nil {
		return nil, fmt.Errorf("frame of %d bytes: %w", n, noEOF(err))
	}
	return f.buf, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (f *FrameReader) nextLF() ([]byte, error) {
	f.buf = f.buf[:0]
	for {
		chunk, err := f.r.ReadSlice('\n')
		room := f.max - len(f.buf)
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			chunk = chunk[:len(chunk)-1]
			f.buf = append(f.buf, chunk[:min(room, len(chunk))]...)
			return f.buf, nil
		}
		f.buf = append(f.buf, chunk[:min(room, len(chunk))]...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(f.buf) > 0:
			return f.buf, nil // last message without LF
		case err != nil:
			return nil, err
		}
	}
}

// acceptTCP serves the connections of a TCP listener. A sender that
// $AllowedSender does not permit is closed at once, as by rsyslogd's imtcp.
func (s *Server) acceptTCP(ctx context.Context, ln *listener) {
	l, key := ln.tcp, ln.key()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.stats.readErrors.Add(1)
			s.log.Error("accept", "err", err)
			continue
		}
		cfg := s.snap.Load().cfg
		if ap, err := netipAddrPort(c.RemoteAddr()); err == nil && !allowed(cfg.allowTCP, ap) {
			s.stats.denied.Add(1)
			s.log.Warn("tcp connection refused: sender not permitted by $AllowedSender", "peer", c.RemoteAddr().String())
			_ = c.Close()
			continue
		}
		s.connMu.Lock()
		if ctx.Err() != nil {
			s.connMu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.tcpConns.Add(1)
		s.connMu.Unlock()
		s.stats.tcpConns.Add(1)
		go s.serveTCP(c, key)
	}
}

func (s *Server) serveTCP(c net.Conn, key string) {
	defer s.tcpConns.Done()
	defer func() {
		s.connMu.Lock()
		delete(s.conns, c)
		s.connMu.Unlock()
		_ = c.Close()
	}()
	w := s.newWorker(false)
	w.key = key // the routing table of the input's ruleset
	var h sender
	if ap, err := netipAddrPort(c.RemoteAddr()); err == nil {
		h = w.sender(ap)
	}
	fr := NewFrameReader(c, w.p.maxSize)
	for {
		msg, err := fr.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !isTimeout(err) && !errors.Is(err, net.ErrClosed) {
				s.stats.tcpErrors.Add(1)
				s.log.Warn("tcp connection closed", "peer", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		w.handle(msg, h)
	}
}
