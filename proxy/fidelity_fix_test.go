package proxy

// Regression tests for the differences the differential harness (fidelity/,
// issue 5) found between haproxy 2.6.12 and the proxy. Every expected value
// is what HAProxy logged in the harness run (quoted in each test).

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// fixConfig returns an http configuration logging to sink, with the
// origins a1 and a2 (testbackend) and extra sections appended.
func fixConfig(t testing.TB, sink *logSink, extra string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var addrs []string
	for _, name := range []string{"a1", "a2"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go (&testbackend.HTTP{Name: name}).Serve(ctx, l)
		addrs = append(addrs, l.Addr().String())
	}
	return "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    option httplog\n" +
		"    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n    timeout queue 5s\n" +
		"frontend fe\n    bind 127.0.0.1:0\n" +
		"    capture response header Content-Type len 32\n    capture response header Server len 24\n" +
		"    use_backend be_stats if { path_beg /admin/stats }\n" +
		"    use_backend be_ck if { path_beg /ck/ }\n" +
		"    use_backend be_pl if { path_beg /pl/ }\n" +
		"    default_backend be_rr\n" +
		"backend be_rr\n    balance roundrobin\n" +
		"    server a1 " + addrs[0] + "\n    server a2 " + addrs[1] + "\n" +
		"backend be_ck\n    balance roundrobin\n    cookie SRVID insert indirect nocache\n" +
		"    server a1 " + addrs[0] + " cookie a1\n    server a2 " + addrs[1] + " cookie a2\n" +
		"backend be_pl\n    option prefer-last-server\n" +
		"    server a1 " + addrs[0] + "\n    server a2 " + addrs[1] + "\n" +
		"backend be_stats\n    stats enable\n    stats uri /admin/stats\n" + extra
}

// Bug 4: HAProxy logs "{text/html|}" for the stats page with
// "capture response header Content-Type" and "... Server".
func TestFixStatsPageCapture(t *testing.T) {
	sink := newLogSink(t)
	p := runProxy(t, fixConfig(t, sink, ""))
	out := roundTrip(t, addr(t, p, "fe", false), get("/admin/stats"))
	if !strings.HasPrefix(out, "HTTP/1.1 200") {
		t.Fatalf("stats page: %q", out)
	}
	line := payload(sink.next(t, `/admin/stats`))
	if !strings.Contains(line, " be_stats/<STATS> ") || !strings.Contains(line, " {text/html|} ") {
		t.Errorf("want be_stats/<STATS> and {text/html|} as HAProxy logs: %s", line)
	}
}

// Bug 2: with "cookie SRVID insert", HAProxy logs PHNN for an invalid
// status line and SHNN when the server closes without answering.
func TestFixCookieCharsWithoutResponse(t *testing.T) {
	sink := newLogSink(t)
	p := runProxy(t, fixConfig(t, sink, ""))
	for _, c := range []struct{ q, term string }{{"bad=1", "PHNN"}, {"bad=2", "SHNN"}} {
		roundTrip(t, addr(t, p, "fe", false), get("/ck/r?"+c.q))
		line := payload(sink.next(t, `/ck/r\?`+c.q))
		if !strings.Contains(line, " 502 ") || !strings.Contains(line, " "+c.term+" ") {
			t.Errorf("%s: want 502 %s as HAProxy logs: %s", c.q, c.term, line)
		}
	}
}

// keepAliveServers sends the requests on one keep-alive connection and
// returns the %b/%s of each logged line.
func keepAliveServers(t *testing.T, sink *logSink, address string, reqs []string) []string {
	t.Helper()
	c := mustDial(t, address)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var got []string
	for i, r := range reqs {
		io.WriteString(c, r)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		line := payload(sink.next(t, `/ka`+strconv.Itoa(i)+` HTTP/1.1"`))
		f := strings.Fields(line)
		if len(f) < 4 {
			t.Fatalf("short line %q", line)
		}
		got = append(got, f[3])
	}
	return got
}

// Bug 1: HAProxy balances every request of a keep-alive connection
// (be_rr/a1 then be_rr/a2), unless cookie persistence pins it.
func TestFixKeepAliveRebalanced(t *testing.T) {
	sink := newLogSink(t)
	p := runProxy(t, fixConfig(t, sink, ""))
	address := addr(t, p, "fe", false)
	got := keepAliveServers(t, sink, address, []string{
		"GET /ka0 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ka1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ka2 HTTP/1.1\r\nHost: x\r\n\r\n",
	})
	if want := []string{"be_rr/a1", "be_rr/a2", "be_rr/a1"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("roundrobin on one connection: got %v, want %v", got, want)
	}
	// The persistence cookie designates a2 for every request.
	got = keepAliveServers(t, sink, address, []string{
		"GET /ck/ka0 HTTP/1.1\r\nHost: x\r\nCookie: SRVID=a2\r\n\r\n",
		"GET /ck/ka1 HTTP/1.1\r\nHost: x\r\nCookie: SRVID=a2\r\n\r\n",
	})
	if want := []string{"be_ck/a2", "be_ck/a2"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cookie persistence on one connection: got %v, want %v", got, want)
	}
	// haproxy 2.6.12 alternates with "option prefer-last-server" too
	// (measured: bp/a1, bp/a2, bp/a1 on one connection).
	got = keepAliveServers(t, sink, address, []string{
		"GET /pl/ka0 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /pl/ka1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /pl/ka2 HTTP/1.1\r\nHost: x\r\n\r\n",
	})
	if want := []string{"be_pl/a1", "be_pl/a2", "be_pl/a1"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("prefer-last-server on one connection: got %v, want %v", got, want)
	}
}

// holdOrigin is an HTTP origin that answers each request only when the
// test releases it, so that queue states are set up without timing.
type holdOrigin struct {
	arrived chan string
	protos  chan string // the version of each request line received
	release chan struct{}
}

func startHoldOrigin(t testing.TB) (*holdOrigin, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &holdOrigin{arrived: make(chan string, 16), protos: make(chan string, 16), release: make(chan struct{}, 16)}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); close(o.release); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				o.arrived <- req.URL.Path
				o.protos <- req.Proto
				<-o.release
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			}()
		}
	}()
	return o, l.Addr().String()
}

func (o *holdOrigin) waitArrival(t testing.TB, path string) {
	t.Helper()
	select {
	case got := <-o.arrived:
		if got != path {
			t.Fatalf("origin got %s first, want %s", got, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never reached the origin", path)
	}
}

// Bug 3: with "maxconn 1" and two queued requests, HAProxy logs the
// stream that frees the slot as 3/3/2/0/0 and the next one as 2/2/1/0/0:
// the dequeued stream does not count in %sc yet.
func TestFixQueueSrvConn(t *testing.T) {
	sink := newLogSink(t)
	o, oaddr := startHoldOrigin(t)
	p := runProxy(t, fixConfig(t, sink, "backend be_q\n    server q1 "+oaddr+" maxconn 1\n")+
		"frontend fq\n    bind 127.0.0.1:0\n    default_backend be_q\n")
	address := addr(t, p, "fq", false)
	be := p.backendByName("be_q")
	done := make(chan struct{}, 3)
	send := func(path string) {
		go func() {
			defer func() { done <- struct{}{} }()
			c, err := net.Dial("tcp", address)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, get(path))
			io.Copy(io.Discard, c)
		}()
	}
	send("/q0")
	o.waitArrival(t, "/q0")
	send("/q1")
	testkit.Eventually(t, "q1 queued", func() bool { return be.queueLen() == 1 })
	send("/q2")
	testkit.Eventually(t, "q2 queued", func() bool { return be.queueLen() == 2 })
	want := []string{"3/3/2/0/0", "2/2/1/0/0", "1/1/0/0/0"}
	for i, w := range want {
		if i > 0 {
			o.waitArrival(t, "/q"+strconv.Itoa(i))
		}
		o.release <- struct{}{}
		line := payload(sink.next(t, fmt.Sprintf(`"GET /q%d `, i)))
		if !strings.Contains(line, " "+w+" ") {
			t.Errorf("request %d: want %s as HAProxy logs: %s", i, w, line)
		}
	}
	for range 3 {
		<-done
	}
}

// Bug 5: haproxy 2.6.12 forwards "GET / HTTP/9.9" (200, logged with its
// version) instead of answering 400.
func TestFixAnyHTTPVersion(t *testing.T) {
	sink := newLogSink(t)
	o, oaddr := startHoldOrigin(t)
	o.release <- struct{}{}
	p := runProxy(t, fixConfig(t, sink, "backend be_v\n    server v1 "+oaddr+"\n")+
		"frontend fv\n    bind 127.0.0.1:0\n    default_backend be_v\n")
	out := roundTrip(t, addr(t, p, "fv", false), "GET /v99 HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 200") {
		t.Errorf("HTTP/9.9: got %q, want a 200 from the server", out)
	}
	o.waitArrival(t, "/v99")
	// HAProxy sent "GET /v9.9 HTTP/1.1" to its server (measured).
	if proto := <-o.protos; proto != "HTTP/1.1" {
		t.Errorf("server got %s, want HTTP/1.1 as HAProxy sends", proto)
	}
	line := payload(sink.next(t, `HTTP/9.9"$|BADREQ`))
	if !strings.Contains(line, ` 200 `) || !strings.Contains(line, ` "GET /v99 HTTP/9.9"`) {
		t.Errorf("want a 200 line with \"GET /v99 HTTP/9.9\": %s", line)
	}
}

// Bug 6: after 2 requests to a "listen" with "stats uri /", HAProxy logs
// "Proxy stats stopped (cumulated conns: FE: 2, BE: 0).".
func TestFixListenStatsBackendCount(t *testing.T) {
	sink := newLogSink(t)
	p := runProxy(t, fixConfig(t, sink, "listen stats\n    bind 127.0.0.1:0\n    stats enable\n    stats uri /\n"))
	for range 2 {
		if out := roundTrip(t, addr(t, p, "stats", false), get("/")); !strings.HasPrefix(out, "HTTP/1.1 200") {
			t.Fatalf("stats page: %q", out)
		}
		sink.next(t, `stats stats/<STATS> `)
	}
	p.SoftStop()
	line := payload(sink.next(t, `^Proxy stats stopped`))
	if want := "Proxy stats stopped (cumulated conns: FE: 2, BE: 0)."; line != want {
		t.Errorf("got %q, want %q", line, want)
	}
}

// stuckConn is a client connection whose reads block until the tunnel
// aborts (SetDeadline), so the server side's timeout always fires first.
type stuckConn struct {
	net.Conn
	once sync.Once
	wake chan struct{}
}

func (c *stuckConn) Read([]byte) (int, error) {
	<-c.wake
	return 0, os.ErrDeadlineExceeded
}
func (c *stuckConn) SetDeadline(time.Time) error {
	c.once.Do(func() { close(c.wake) })
	return nil
}
func (c *stuckConn) SetReadDeadline(time.Time) error  { return nil }
func (c *stuckConn) SetWriteDeadline(time.Time) error { return nil }

// Bug 7: with "timeout client" equal to "timeout server" on an idle tcp
// session, HAProxy always logs cD, even when the server side's timer is
// the one that fires first here.
func TestFixTCPEqualTimeouts(t *testing.T) {
	cliA, cliB := net.Pipe()
	srvA, srvB := net.Pipe()
	defer cliB.Close()
	defer srvB.Close()
	cli := &stuckConn{Conn: cliA, wake: make(chan struct{})}
	tn := tunnel{now: time.Now, cli: cli, srv: srvA, cto: 50 * time.Millisecond, sto: 50 * time.Millisecond}
	tn.run()
	if tn.cause != causeClientTimeout || tn.phase != phaseData {
		t.Errorf("equal timeouts: term %c%c, want \"cD\" as HAProxy logs", tn.cause, tn.phase)
	}
	// A shorter server timeout is the server's (sD).
	cli2A, cli2B := net.Pipe()
	srv2A, srv2B := net.Pipe()
	defer cli2B.Close()
	defer srv2B.Close()
	cli2 := &stuckConn{Conn: cli2A, wake: make(chan struct{})}
	tn2 := tunnel{now: time.Now, cli: cli2, srv: srv2A, cto: time.Hour, sto: 50 * time.Millisecond}
	tn2.run()
	if tn2.cause != causeServerTimeout || tn2.phase != phaseData {
		t.Errorf("server timeout first: term %c%c, want \"sD\"", tn2.cause, tn2.phase)
	}
}
