package proxy

import (
	"testing"
	"time"
)

// countingSession builds a session whose stream went through a backend
// and a server, as logStream sees it.
func countingSession(t testing.TB) *session {
	t.Helper()
	p := newProxyCfg(t, `defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server s1 127.0.0.1:9
`)
	fe := &frontend{p: p, cfg: p.plan().ordered[0]}
	be := p.plan().backendOf(p.plan().ordered[1])
	s := &session{p: p, fe: fe}
	s.req.method, s.req.uri, s.req.version = []byte("GET"), []byte("/"), []byte("HTTP/1.1")
	s.reqStr = "GET / HTTP/1.1"
	s.st.reset(time.Now())
	s.st.be, s.st.srv = be, be.servers[0]
	s.st.status, s.st.bytesOut = 200, 120
	return s
}

// TestCountStreamAllocs: counting a stream (frontend, backend and server
// counters) allocates nothing.
func TestCountStreamAllocs(t *testing.T) {
	s := countingSession(t)
	end := time.Now()
	if n := testing.AllocsPerRun(1000, func() {
		countRequest(s)
		countStream(s, end)
	}); n != 0 {
		t.Errorf("countRequest+countStream: %v allocs per stream, want 0", n)
	}
	c := &s.st.srv.ctr
	if c.reqTot.Load() == 0 || c.hrsp[1].Load() == 0 || c.bout.Load() == 0 {
		t.Errorf("server counters not updated: req_tot %d, 2xx %d, bout %d", c.reqTot.Load(), c.hrsp[1].Load(), c.bout.Load())
	}
}

func BenchmarkCountStream(b *testing.B) {
	s := countingSession(b)
	end := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		countRequest(s)
		countStream(s, end)
	}
}
