package proxy

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/haplog/haplog/formats"
)

// session is one client connection and the streams (requests) it carries.
// The stages of the request path (see doc.go) are functions over it; the
// request in progress is its embedded txn.
type session struct {
	p  *Proxy
	pl *plan // taken at accept: the frontend's
	fe *frontend
	// c is the client connection (a *tls.Conn after a TLS handshake); raw
	// is the accepted socket, which other goroutines may close or wake.
	c      net.Conn
	raw    net.Conn
	lis    *listenerMeta
	tls    tlsState
	rd     *reader
	client netip.AddrPort
	local  netip.AddrPort
	accept time.Time
	// ended is the end instant of the last stream logged (logStream):
	// the start of the next stream of a keep-alive connection.
	ended time.Time
	// idle is 1 while waiting for the next request of a keep-alive
	// connection (SoftStop may then close it).
	idle atomic.Int32

	// Server side, kept across requests of a keep-alive connection.
	srvMu   sync.Mutex
	srvConn net.Conn
	srvRd   *reader // nil or &srvRdBuf
	// cliRd and srvRdBuf are the storage behind rd and srvRd: reused
	// with the session, their buffers pooled between connections.
	cliRd, srvRdBuf reader
	srvFor          *server
	// srvIdle is set while the kept server connection sits between two
	// requests, its last response read whole; closing it then resets it
	// (closeServer).
	srvIdle bool
	// cliRC and srvRC give the plain TCP client and server sockets to
	// conduit.write's non-blocking first attempt (nil for TLS and other
	// connections); rw is its scratch, kept with the session.
	cliRC, srvRC syscall.RawConn
	rw           *rawWrite
	// killed is set when on-marked-down/up closed the server side
	// (termination cause 'D'); see extcheck_shutdown.go.
	killed atomic.Bool

	txn
}

// txn is the request in progress (HTTP) or the connection's one stream
// (TCP): the parsed heads, the stream's instants and outcome, the log
// record, and the scratch space reused from one request to the next.
type txn struct {
	req, resp head
	wbuf      []byte
	st        stream
	rec       formats.Record
	sampleHdr []string // scratch for ACL header samples
	reqStr    string   // method + " " + uri + " " + version of the current request
	uriCur    string   // the URI after set-path ("" = unchanged)
	hbuf      []byte   // arena for header values rendered by rules
	key       balanceKey
	// xfer is the state of the transfer in progress (session.conduit).
	xfer conduit
	// reqBuf holds reqStr's bytes, reused from one request to the next.
	reqBuf []byte
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// init prepares s, new or done with a previous connection, for the
// connection c accepted at the instant at. Only the capacity of its
// scratch slices carries over.
func (s *session) init(fe *frontend, c net.Conn, at time.Time) {
	reqHdrs, respHdrs := s.req.hdrs[:0], s.resp.hdrs[:0]
	reqFields, respFields := s.req.msg.Headers[:0], s.resp.msg.Headers[:0]
	wbuf, hbuf, sampleHdr, reqBuf, rw := s.wbuf[:0], s.hbuf[:0], s.sampleHdr[:0], s.reqBuf[:0], s.rw
	respCaps, reqCaps, wk := s.st.respCaps[:0], s.st.reqCaps[:0], s.st.wake[:0]
	*s = session{p: fe.p, pl: fe.pl, fe: fe, c: c, raw: c, client: addrPort(c.RemoteAddr()), local: addrPort(c.LocalAddr()),
		accept: at, txn: txn{wbuf: wbuf, hbuf: hbuf, sampleHdr: sampleHdr, reqBuf: reqBuf}}
	s.req.hdrs, s.resp.hdrs = reqHdrs, respHdrs
	s.req.msg.Headers, s.resp.msg.Headers = reqFields, respFields
	s.req.lim, s.resp.lim = &fe.pl.tune.lim, &fe.pl.tune.lim
	s.st.respCaps, s.st.reqCaps, s.st.wake = respCaps, reqCaps, wk
	s.rw, s.cliRC = rw, rawConnOf(c)
}

func (s *session) closeServer() {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srvConn != nil {
		if tc, ok := s.srvConn.(*net.TCPConn); ok && s.srvIdle {
			// As haproxy 2.6 closes a server connection it did not shut
			// first (an idle one): with an RST (SO_LINGER 0, strace), so
			// that no TIME_WAIT socket is left on the proxy's side. The
			// TIME_WAIT sockets of close mode made every connect search
			// the ephemeral ports past them (__inet_hash_connect, 12 %
			// of the proxy's CPU in close mode, perf).
			tc.SetLinger(0)
		}
		s.srvConn.Close()
		s.srvConn, s.srvFor, s.srvRC = nil, nil, nil // srvRd is kept for reuse
	}
	s.srvIdle = false
}

// setServerIdle marks the kept server connection idle (its response read
// whole and reusable) or busy again (a request goes out on it).
func (s *session) setServerIdle(idle bool) {
	s.srvMu.Lock()
	s.srvIdle = idle && s.srvConn != nil
	s.srvMu.Unlock()
}

func (s *session) setServer(c net.Conn, srv *server) {
	s.st.srvAP = addrPort(c.RemoteAddr())
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	s.srvConn, s.srvFor, s.srvRC, s.srvIdle = c, srv, rawConnOf(c), false
	if s.srvRd == nil {
		s.srvRd = s.srvRdBuf.reset(c, s.pl.tune)
	} else {
		s.srvRd.c = c
		s.srvRd.r, s.srvRd.w = 0, 0
	}
}

// stream is one request (HTTP) or the whole connection (TCP): the instants
// it went through and what the log line reports.
type stream struct {
	// base is the stream's start: the accept instant, or the end of the
	// previous request on a keep-alive connection. Marks count from it.
	base                                      time.Time
	first, reqDone, queued, connected, header time.Time
	be                                        *backend
	srv                                       *server
	srvName                                   string // overrides srv (e.g. <STATS>)
	uniqueID                                  string // %ID once generated (uniqueID)
	status                                    int
	bytesOut                                  int64
	bytesUp                                   int64 // body or tunnel bytes read from the client (in %U)
	term                                      termState
	retries                                   int
	redispatched                              bool
	sq, bq                                    int
	reqCookie, respCookie                     string
	respCaps                                  []string
	reqCaps                                   []string
	badReq                                    bool // log <BADREQ>
	counted                                   bool // beconn was incremented
	slot                                      bool // holds a slot on srv
	srvAP                                     netip.AddrPort
	// level overrides the log level (set-log-level) when levelSet; quiet
	// suppresses the line (set-log-level silent).
	level           formats.Severity
	levelSet, quiet bool
	// hs is the TLS handshake time (Th) for the first stream of a TLS
	// connection, 0 otherwise.
	hs int64
	// wake holds the queued streams handed this stream's slot by finish;
	// wakeQueued resumes them (after the log line).
	wake []*waiter
}

func (st *stream) reset(base time.Time) {
	st.wakeQueued()
	caps := st.respCaps[:0]
	rcaps := st.reqCaps[:0]
	wk := st.wake[:0]
	*st = stream{base: base, respCaps: caps, reqCaps: rcaps, wake: wk}
	st.term = termNormal
}

// ms returns the milliseconds from the stream's start to t, -1 when t is
// zero (the event never happened).
func (st *stream) ms(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.Sub(st.base).Milliseconds()
}

func (st *stream) marks(end time.Time) formats.Marks {
	m := formats.Marks{
		Handshake: st.hs,
		Idle:      st.ms(st.first),
		Request:   st.ms(st.reqDone),
		Queue:     st.ms(st.queued),
		Connect:   st.ms(st.connected),
		Data:      st.ms(st.header),
		Close:     end.Sub(st.base).Milliseconds(),
	}
	if m.Idle >= 0 {
		m.Idle = max(m.Idle-st.hs, 0) // Ti counts from the end of the handshake
	}
	return m
}

// wakeQueued resumes the queued streams handed a slot by finish.
func (st *stream) wakeQueued() {
	wake(st.wake)
	clear(st.wake)
	st.wake = st.wake[:0]
}

// setBackend accounts the stream on b (beconn).
func (st *stream) setBackend(b *backend) {
	st.be = b
	b.beconn.Add(1)
	b.cum.Add(1)
	st.counted = true
}

// finish releases the server slot and backend count before logging, as
// HAProxy does (the stream's own connection no longer counts in %bc/%sc).
func (st *stream) finish() {
	if st.slot {
		st.wake = st.be.release(st.srv, st.wake)
		st.slot = false
	}
	if st.counted {
		st.be.beconn.Add(-1)
		st.counted = false
	}
}
