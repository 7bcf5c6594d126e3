package syslogd

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/haplog/haplog/internal/dq"
)

// fwdParams are the parameters of action(type="omfwd"), rsyslog's names.
type fwdParams struct {
	target   string
	port     string
	protocol string
	framing  string // traditional (LF) or octet-counted
	q        queueParams
}

// omfwdAction parses action(type="omfwd" ...) into r; called from
// cfgParser.action.
func (p *cfgParser) omfwdAction(r *Rule, params map[string]string, n int) error {
	fp := p.fwdDefaults(r)
	for k, v := range params {
		if ok, err := p.queueParam(&fp.q, k, v, n); err != nil {
			return err
		} else if ok {
			continue
		}
		switch k {
		case "type":
		case "target":
			fp.target = v
		case "port":
			if x, err := strconv.Atoi(v); err != nil || x <= 0 || x > 65535 {
				return p.errf(n, k, "%q: want a port number", v)
			}
			fp.port = v
		case "protocol":
			fp.protocol = strings.ToLower(v)
			if fp.protocol != "tcp" && fp.protocol != "udp" {
				return p.errf(n, k, "protocol %q: want udp or tcp", v)
			}
		case "tcp_framing":
			switch f := strings.ToLower(v); f {
			case "traditional", "octet-counted":
				fp.framing = f
			default:
				return p.errf(n, k, "%q: want traditional or octet-counted", v)
			}
		case "template":
			r.Template = v
		default:
			return p.errf(n, k, "omfwd parameter %q: %w", k, ErrUnsupported)
		}
	}
	if fp.target == "" {
		return p.errf(n, "target", "omfwd action without target")
	}
	return p.fwdOutput(r, fp, n)
}

// fwdDefaults returns omfwd's defaults (UDP to port 514, traditional
// framing, a direct queue) and sets r's template to omfwd's default,
// RSYSLOG_TraditionalForwardFormat.
func (p *cfgParser) fwdDefaults(r *Rule) fwdParams {
	r.Template = "RSYSLOG_TraditionalForwardFormat"
	if _, ok := p.c.Templates[r.Template]; !ok {
		r.Template = p.c.DefaultTemplate
	}
	return fwdParams{port: "514", protocol: "udp", framing: "traditional", q: defaultQueueParams()}
}

// legacyForward parses the legacy forwarding action of a selector line:
// "@host" (UDP) or "@@host" (TCP), then optionally "(o)" (octet-counted
// framing, TCP only), ":port" and ";template", the host an IPv6 address
// in brackets or a name or IPv4 address. The legacy $ActionQueue...
// directives are not read: such an action has a memory queue.
func (p *cfgParser) legacyForward(r *Rule, act string, n int) error {
	fp := p.fwdDefaults(r)
	rest := act[1:]
	if strings.HasPrefix(rest, "@") {
		fp.protocol, rest = "tcp", rest[1:]
	}
	if strings.HasPrefix(rest, "(") {
		opts, after, ok := strings.Cut(rest[1:], ")")
		if !ok {
			return p.errf(n, "action", "%q: unterminated option list", act)
		}
		for _, o := range strings.Split(opts, ",") {
			switch o = strings.TrimSpace(o); {
			case o == "o" && fp.protocol == "tcp":
				fp.framing = "octet-counted"
			case o == "z0" || o == "":
			default:
				return p.errf(n, "action", "%q: forwarding option %q: %w", act, o, ErrUnsupported)
			}
		}
		rest = after
	}
	rest, tmpl, hasTmpl := strings.Cut(rest, ";")
	if hasTmpl {
		if tmpl = strings.TrimSpace(tmpl); tmpl == "" {
			return p.errf(n, "template", "%q: empty template name", act)
		}
		r.Template = tmpl
	}
	rest = strings.TrimSpace(rest)
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		h, after, ok := strings.Cut(rest[1:], "]")
		if !ok {
			return p.errf(n, "action", "%q: unterminated [address]", act)
		}
		host, port = h, after
		if port != "" && port[0] != ':' {
			return p.errf(n, "action", "%q: want :port after ]", act)
		}
	} else if i := strings.IndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i:]
	}
	if port != "" {
		port = port[1:]
		if x, err := strconv.Atoi(port); err != nil || x <= 0 || x > 65535 {
			return p.errf(n, "port", "%q: want a port number", port)
		}
		fp.port = port
	}
	if host == "" || strings.ContainsAny(host, " \t") {
		return p.errf(n, "target", "%q: want @host[:port] or @@host[:port]", act)
	}
	fp.target = host
	return p.fwdOutput(r, fp, n)
}

// fwdOutput validates fp's queue and registers the Sink of the omfwd rule
// r (an action() or a legacy @/@@ selector).
func (p *cfgParser) fwdOutput(r *Rule, fp fwdParams, n int) error {
	if err := fp.q.validate(p, n); err != nil {
		return err
	}
	r.Path = "omfwd:" + r.Pos
	if fp.protocol != "udp" {
		// A datagram is the rendering as it is; a TCP message is
		// framed, one final line feed of the rendering dropped.
		r.Template += lineSuffix
	}
	if p.c.outputs == nil {
		p.c.outputs = map[string]func(*Server) (Sink, error){}
	}
	name := fp.q.name
	if name == "" {
		name = "omfwd-" + r.Pos
	}
	p.c.outputs[r.Path] = func(s *Server) (Sink, error) { return newFwdOut(name, fp, s.log) }
	return nil
}

// fwdOut is the Sink of an omfwd action: lines go into the action queue; a
// sender writes them to one TCP connection (RFC 6587 framing) and removes
// them from the queue once the write returned; on a connection error it
// reconnects (every action.resumeInterval, at most 1 s) and sends again
// what was not written.
type fwdOut struct {
	queueInput
	fp   fwdParams
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}

	sent, failed, suspends atomic.Uint64
	connMu                 sync.Mutex
	conn                   net.Conn
}

func newFwdOut(name string, fp fwdParams, log *slog.Logger) (*fwdOut, error) {
	q, err := fp.q.open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if log == nil {
		log = slog.Default()
	}
	f := &fwdOut{queueInput: queueInput{name: name, q: q, keepLF: fp.protocol == "udp"}, fp: fp, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	registerAction(f)
	go f.sender()
	return f, nil
}

func (f *fwdOut) retry() time.Duration {
	if f.fp.q.resumeInterval < time.Second {
		return max(f.fp.q.resumeInterval, 50*time.Millisecond)
	}
	return time.Second
}

func (f *fwdOut) sender() {
	defer close(f.done)
	if f.fp.protocol == "udp" {
		f.udpSender()
		return
	}
	var recs []dq.Record
	var buf []byte
	var ids []uint64
	var bw *bufio.Writer
	addr := net.JoinHostPort(f.fp.target, f.fp.port)
	for {
		var err error
		recs, buf, err = f.q.ReadCopy(recs[:0], buf[:0], 1024, f.stop)
		if err != nil {
			f.closeConn()
			return
		}
		for {
			if bw == nil {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					f.suspends.Add(1)
					select {
					case <-f.stop:
						return
					case <-time.After(f.retry()):
					}
					continue
				}
				f.connMu.Lock()
				f.conn = c
				f.connMu.Unlock()
				bw = bufio.NewWriterSize(c, 64<<10)
			}
			if f.peerClosed() {
				// The receiver closed: writing now would succeed
				// and be lost (rsyslog's omfwd checks the same way).
				f.closeConn()
				bw = nil
				continue
			}
			ids = ids[:0]
			for _, r := range recs {
				writeFrame(bw, r.Data, f.fp.framing == "octet-counted")
				ids = append(ids, r.ID)
			}
			if err := bw.Flush(); err != nil {
				f.failed.Add(1)
				f.log.Warn("omfwd: connection lost, resending", "action", f.name, "err", err)
				f.closeConn()
				bw = nil
				continue // same batch, new connection
			}
			f.sent.Add(uint64(len(ids)))
			_ = f.q.Ack(ids...)
			break
		}
	}
}

// writeFrame writes one message to bw, octet-counted ("<length> <msg>")
// or followed by a line feed, without allocating: the length is
// formatted into bw's free space, not by strconv.Itoa. A write error
// stays in bw for its next Flush.
func writeFrame(bw *bufio.Writer, msg []byte, octet bool) {
	if octet {
		if bw.Available() < 20 { // room for any length
			_ = bw.Flush()
		}
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(msg)), 10))
		bw.WriteByte(' ')
		bw.Write(msg)
		return
	}
	bw.Write(msg)
	bw.WriteByte('\n')
}

// udpSender sends each record as one datagram from an unconnected socket
// (sendto), as rsyslog's omfwd does, without a line feed. UDP has no
// acknowledgement: a record leaves the queue once sendto accepted it, so
// what the network or the receiver drops after that is lost, queue or
// no queue (rsyslog's guarantee is the same). A sendto error keeps the
// record and those after it, and sends them again after the retry
// interval, with the target resolved again; a record too long for a
// datagram (EMSGSIZE) is dropped and counted failed.
func (f *fwdOut) udpSender() {
	var recs []dq.Record
	var buf []byte
	var conn *net.UDPConn
	var dst netip.AddrPort
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	addr := net.JoinHostPort(f.fp.target, f.fp.port)
	for {
		var err error
		recs, buf, err = f.q.ReadCopy(recs[:0], buf[:0], 1024, f.stop)
		if err != nil {
			return
		}
		for i := 0; i < len(recs); {
			if conn == nil {
				conn, dst, err = openUDPTarget(addr)
			}
			if err == nil {
				_, err = conn.WriteToUDPAddrPort(recs[i].Data, dst)
				if errors.Is(err, syscall.EMSGSIZE) {
					f.failed.Add(1)
					f.log.Warn("omfwd: message too long for a datagram, dropped", "action", f.name, "bytes", len(recs[i].Data))
					_ = f.q.AckOne(recs[i].ID)
					i++
					continue
				}
			}
			if err != nil {
				f.failed.Add(1)
				f.suspends.Add(1)
				f.log.Warn("omfwd: udp send failed, retrying", "action", f.name, "err", err)
				if conn != nil {
					conn.Close()
					conn = nil
				}
				select {
				case <-f.stop:
					return
				case <-time.After(f.retry()):
				}
				continue
			}
			f.sent.Add(1)
			_ = f.q.AckOne(recs[i].ID)
			i++
		}
	}
}

// openUDPTarget resolves addr and opens an unconnected socket of its family.
func openUDPTarget(addr string) (*net.UDPConn, netip.AddrPort, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	dst := ua.AddrPort()
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	network := "udp4"
	if dst.Addr().Is6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("omfwd: %w", err)
	}
	return c, dst, nil
}

// peerClosed reports whether the receiver closed the connection.
func (f *fwdOut) peerClosed() bool {
	f.connMu.Lock()
	c := f.conn
	f.connMu.Unlock()
	if c == nil {
		return true
	}
	return peerGone(c)
}

func (f *fwdOut) closeConn() {
	f.connMu.Lock()
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
	f.connMu.Unlock()
}

func (f *fwdOut) Flush() error  { return nil }
func (f *fwdOut) Reopen() error { return nil }

func (f *fwdOut) Close() error {
	unregisterAction(f)
	close(f.stop)
	f.closeConn()
	<-f.done
	return f.q.Close()
}

func (f *fwdOut) actionStats() actionStats {
	qs := f.q.Stats()
	return actionStats{name: f.name, kind: "omfwd", enqueued: qs.Enqueued, sent: f.sent.Load(),
		failed: f.failed.Load() + f.enqDrop.Load(), suspended: f.suspends.Load(), size: qs.Size, diskBytes: qs.DiskBytes}
}
