package syslogd

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	fp := fwdParams{port: "514", protocol: "udp", framing: "traditional", q: defaultQueueParams()}
	r.Template = "RSYSLOG_TraditionalForwardFormat"
	if _, ok := p.c.Templates[r.Template]; !ok {
		r.Template = p.c.DefaultTemplate
	}
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
			if fp.protocol != "tcp" {
				return p.errf(n, k, "protocol %q: only tcp is supported (udp cannot keep the queue's guarantee): %w", v, ErrUnsupported)
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
	if fp.protocol != "tcp" {
		return p.errf(n, "protocol", "omfwd over udp: %w (set protocol=\"tcp\")", ErrUnsupported)
	}
	if err := fp.q.validate(p, n); err != nil {
		return err
	}
	r.Path = "omfwd:" + r.Pos
	r.Template += lineSuffix
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
	f := &fwdOut{queueInput: queueInput{name: name, q: q}, fp: fp, log: log, stop: make(chan struct{}), done: make(chan struct{})}
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
	var recs []dq.Record
	var ids []uint64
	var bw *bufio.Writer
	addr := net.JoinHostPort(f.fp.target, f.fp.port)
	for {
		var err error
		recs, err = f.q.Read(recs[:0], 1024, f.stop)
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
				if f.fp.framing == "octet-counted" {
					bw.WriteString(strconv.Itoa(len(r.Data)))
					bw.WriteByte(' ')
					bw.Write(r.Data)
				} else {
					bw.Write(r.Data)
					bw.WriteByte('\n')
				}
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
