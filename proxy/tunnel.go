package proxy

import (
	"net"

	"github.com/haplog/haplog/proxy/h1"
)

// HTTP tunnels: a WebSocket (or any Upgrade) answered 101 Switching
// Protocols, and a CONNECT answered 2xx, turn the HTTP/1 connection into
// a two-way byte relay, as HAProxy 2.6 does in HTTP mode. The response
// head is forwarded first (with the server's Connection header, which
// HAProxy keeps for a 101), then the bytes that already sit in either
// buffer, then whatever each side sends until both have closed, one side
// aborted or the tunnel stayed idle for "timeout tunnel" (the client and
// server timeouts when it is not set). The log line has the response's
// status, %B counts the head and every byte relayed to the client, Tt
// the whole life of the tunnel, and its termination state reads "----"
// when the peers closed, "cD" / "sD" on a timeout, "CD" / "SD" on an
// abort (compared with haproxy 2.6.12 in tunnel_test.go).

// upgradeTunnel reports whether the response switches the connection to
// a tunnel: a 101 (the parser only accepts one to a request that asked
// for an upgrade, with a valid Sec-WebSocket-Key for WebSocket) or a 2xx
// to CONNECT. For a 101 the server's Connection header is forwarded and
// counted in %B, as HAProxy does.
func upgradeTunnel(s *session) bool {
	h := &s.resp
	switch {
	case h.status == 101:
	case h.status/100 == 2 && string(s.req.method) == "CONNECT":
		return true
	default:
		return false
	}
	for i := range h.msg.Headers {
		f := &h.msg.Headers[i]
		if i < len(h.hdrs) && h.hdrs[i].skip && !f.Skip && h1.EqualFold(f.Name, "connection") {
			h.hdrs[i].skip = false
			h.htxHdrs += len(f.Name) + len(f.Value)
		}
	}
	return true
}

// relayTunnel sends the response head to the client, then relays bytes
// both ways until the tunnel ends, and logs. The connection is not kept.
func relayTunnel(s *session, be *backend, head []byte) bool {
	st := &s.st
	c := s.conduit(s.srvRd, s.c, 0, s.fe.cfg.Timeouts.Client)
	if !c.write(head) {
		st.term.set(causeClientAbort, phaseData)
	} else {
		t := tunnel{now: s.p.opts.Now, cto: s.fe.cfg.Timeouts.Client, sto: be.cfg.Timeouts.Server,
			cli: pending(s.c, s.rd), srv: pending(s.srvConn, s.srvRd)}
		if tt := be.cfg.Timeouts.Tunnel; tt > 0 {
			t.cto, t.sto = tt, tt
		}
		t.run()
		st.bytesOut += t.down.Load()
		st.bytesUp += t.up.Load()
		if t.cause != 0 {
			st.term.set(t.cause, t.phase)
		}
		if s.killed.Load() {
			st.term.set(causeDown, phaseNone)
		}
	}
	s.closeServer()
	st.finish()
	logStream(s, s.p.now())
	return false
}

// pending returns c reading first the bytes rd already holds (sent right
// after the head that opened the tunnel).
func pending(c net.Conn, rd *reader) net.Conn {
	if rd == nil || rd.buffered() == 0 {
		return c
	}
	b := append([]byte(nil), rd.buf[rd.r:rd.w]...)
	rd.consume(len(b))
	return &prefixConn{Conn: c, pre: b}
}

// prefixConn is a connection whose first reads return pre.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// CloseWrite half-closes the underlying connection when it can (the
// tunnel forwards a FIN this way).
func (p *prefixConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
