package proxy

import (
	"bytes"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

// Issue 10 §2: the last log differences with HAProxy 2.6.12. Each test
// runs the installed haproxy and the proxy on the same configuration and
// the same client behaviour and compares what HAProxy is the reference
// for: the log line, the bytes on the wire, the way a connection ends.

// sideBySide runs the real haproxy and the proxy on cfg, where LOGPORT,
// BINDPORT and ORIGIN are replaced (ORIGIN by origin(who)), and returns
// the address of each frontend "fe" and the log sink of each.
type sideRun struct {
	addr [2]string // haproxy, proxy
	sink [2]*logSink
}

func sideBySide(t *testing.T, cfg string, origin func(who int) string) *sideRun {
	t.Helper()
	haproxyBin(t)
	r := &sideRun{}
	for who := 0; who < 2; who++ {
		r.sink[who] = newLogSink(t)
		port := 0
		if who == 0 {
			port = testkit.FreePort(t)
		}
		o := ""
		if origin != nil {
			o = origin(who)
		}
		text := strings.NewReplacer("LOGPORT", strconv.Itoa(r.sink[who].port()),
			"BINDPORT", strconv.Itoa(port), "ORIGIN", o).Replace(cfg)
		if who == 0 {
			r.addr[0] = haproxyAt(t, text, port)
		} else {
			r.addr[1] = addr(t, runProxy(t, text), "fe", false)
		}
	}
	return r
}

// answerOf sends req on a new connection to who (0 haproxy, 1 the
// proxy) and returns all it answers until it closes (an error when it
// has not within wait).
func (r *sideRun) answerOf(t testing.TB, who int, req string, wait time.Duration) (string, error) {
	t.Helper()
	conn := r.dial(t, who)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wait))
	io.WriteString(conn, req)
	b, err := io.ReadAll(conn)
	return string(b), err
}

// dial connects to the frontend of who (0 haproxy, 1 the proxy).
func (r *sideRun) dial(t testing.TB, who int) net.Conn {
	t.Helper()
	return mustDial(t, r.addr[who])
}

// headOrigin is an origin that signals on got once it holds a request
// head and want more bytes after it, then reads until the proxy closes.
func headOrigin(t *testing.T, want int) (string, chan struct{}) {
	t.Helper()
	got := make(chan struct{}, 4)
	addr := testkit.Serve(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		var buf []byte
		tmp := make([]byte, 4096)
		signalled := false
		for {
			n, err := c.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if i := bytes.Index(buf, []byte("\r\n\r\n")); !signalled && i >= 0 && len(buf)-i-4 >= want {
				signalled = true
				got <- struct{}{}
			}
			if err != nil {
				return
			}
		}
	})
	return addr.String(), got
}

// httpLogPreamble is the global and defaults sections shared by the
// side-by-side HTTP configurations (logs to LOGPORT, option httplog).
const httpLogPreamble = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 1s
`

// toOrigin is a frontend on BINDPORT whose backend has the one server
// ORIGIN.
const toOrigin = `frontend fe
    bind 127.0.0.1:BINDPORT
    default_backend be
backend be
    server s1 ORIGIN
`

const midBodyConfig = httpLogPreamble + toOrigin

// TestDifferentialClientAbortMidBody: a client that closes (FIN, or RST)
// or stops sending in the middle of a POST body whose head and first
// bytes reached the server. HAProxy 2.6.12 logs a close as the client's
// abort during the data phase (-1, 0, CD--); a stall is not ended by
// timeout client: it waits for the server's answer (here 504 sH-- at
// timeout server).
func TestDifferentialClientAbortMidBody(t *testing.T) {
	const (
		clLen   = "POST /mid HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"
		chunked = "POST /mid HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789"
	)
	for _, c := range []struct {
		name, req  string
		rst, stall bool
	}{
		{"fin", clLen, false, false},
		{"rst", clLen, true, false},
		{"chunked-fin", chunked, false, false},
		{"stall", clLen, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got [2]chan struct{}
			cfg := midBodyConfig
			if c.stall {
				cfg = strings.NewReplacer("timeout client 5s", "timeout client 200ms",
					"timeout server 5s", "timeout server 1s").Replace(cfg)
			}
			r := sideBySide(t, cfg, func(who int) string {
				a, ch := headOrigin(t, 10)
				got[who] = ch
				return a
			})
			var lines [2]string
			for who := 0; who < 2; who++ {
				conn := r.dial(t, who)
				io.WriteString(conn, c.req)
				select {
				case <-got[who]:
				case <-time.After(10 * time.Second):
					t.Fatal("the request head never reached the origin")
				}
				if c.stall {
					// wait for the proxy's answer or close
					conn.SetReadDeadline(time.Now().Add(10 * time.Second))
					io.Copy(io.Discard, conn)
				}
				if c.rst {
					conn.(*net.TCPConn).SetLinger(0)
				}
				conn.Close()
				lines[who] = payload(r.sink[who].next(t, `/mid`))
			}
			t.Logf("\nhaproxy: %s\n  proxy: %s", lines[0], lines[1])
			sameShape(t, formats.HTTPLogFormat, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}

const redirectConfig = httpLogPreamble + `frontend fe
    bind 127.0.0.1:BINDPORT
    http-request redirect location /new if { path_beg /loc }
    http-request redirect prefix /pfx code 301 if { path_beg /prefix }
    http-request redirect scheme https code 308 if { path_beg /scheme }
    http-request redirect location http://example.com/x code 303 if { path_beg /abs }
    http-request redirect prefix https://example.org code 307 if { path_beg /p307 }
    default_backend be
backend be
    server s1 127.0.0.1:9
`

// TestDifferentialRedirect: the bytes of a redirect answer and its log
// line (%B counts what HAProxy counts), on a closing, a keep-alive and an
// HTTP/1.0 request.
func TestDifferentialRedirect(t *testing.T) {
	r := sideBySide(t, redirectConfig, nil)
	for _, c := range []struct{ name, req, re string }{
		{"location", "GET /loc?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", `/loc`},
		{"prefix", "GET /prefix/x?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", `/prefix`},
		{"scheme", "GET /scheme/y HTTP/1.1\r\nHost: h.example\r\nConnection: close\r\n\r\n", `/scheme`},
		{"abs-303", "GET /abs HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", `/abs`},
		{"prefix-307", "GET /p307/z HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", `/p307`},
		{"keep-alive", "GET /loc/ka HTTP/1.1\r\nHost: h\r\n\r\n", `/loc/ka`},
		{"http10", "GET /loc/10 HTTP/1.0\r\n\r\n", `/loc/10`},
		{"scheme-nohost", "GET /scheme/nohost HTTP/1.0\r\n\r\n", `/scheme/nohost`},
		{"scheme-ka", "GET /scheme/ka HTTP/1.1\r\nHost: k:8080\r\n\r\n", `/scheme/ka`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var raw, lines [2]string
			for who := 0; who < 2; who++ {
				conn := r.dial(t, who)
				io.WriteString(conn, c.req)
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				var buf []byte
				tmp := make([]byte, 4096)
				for {
					n, err := conn.Read(tmp)
					buf = append(buf, tmp[:n]...)
					if err != nil || ((c.name == "keep-alive" || c.name == "scheme-ka") && bytes.Contains(buf, []byte("\r\n\r\n"))) {
						break
					}
				}
				conn.Close()
				raw[who] = string(buf)
				lines[who] = payload(r.sink[who].next(t, c.re))
			}
			if raw[0] != raw[1] {
				t.Errorf("response differs from HAProxy's\n got: %q\nwant: %q", raw[1], raw[0])
			}
			sameShape(t, formats.HTTPLogFormat, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}

const legacyConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode MODE
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 1s
` + toOrigin

// TestDifferentialLegacyConnectLine: without option httplog/tcplog
// HAProxy logs "Connect from" per connection; an HTTP connection that
// sends nothing makes no stream in haproxy 2.6 and so no line, a TCP one
// does.
func TestDifferentialLegacyConnectLine(t *testing.T) {
	for _, mode := range []string{"http", "tcp"} {
		t.Run(mode, func(t *testing.T) {
			origin, _ := headOrigin(t, 0)
			r := sideBySide(t, strings.Replace(legacyConfig, "MODE", mode, 1), func(int) string { return origin })
			var logged [2]bool // a line for the empty connection
			// connected matches the line of the connection c.
			connected := func(c net.Conn) *regexp.Regexp {
				return regexp.MustCompile(`^Connect from 127\.0\.0\.1:` + strconv.Itoa(c.LocalAddr().(*net.TCPAddr).Port) + ` `)
			}
			for who := 0; who < 2; who++ {
				empty := r.dial(t, who)
				emptyRe := connected(empty)
				// Closed once the last connection's line is in: accepted
				// by then. Closed earlier, its FIN could reach haproxy
				// before its accept under load, and haproxy then logs
				// nothing for it.
				defer empty.Close()
				timeout := time.After(10 * time.Second)
				// readUntil reads lines up to the one of c (noting one
				// for the empty connection) and closes c.
				readUntil := func(c net.Conn, what string) {
					re := connected(c)
					for seen := false; !seen; {
						select {
						case d := <-r.sink[who].lines:
							logged[who] = logged[who] || emptyRe.MatchString(payload(d))
							seen = re.MatchString(payload(d))
						case <-timeout:
							t.Fatal("no line for the " + what)
						}
					}
					c.Close()
				}
				c := r.dial(t, who)
				io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				// Lines up to the request's (the empty connection was
				// accepted first) and whatever is already there after it.
				readUntil(c, "request")
				// A last connection marks the end: a line for the empty
				// one may come after the request's (haproxy's threads, or
				// the datagrams' order), not after this one's.
				m := r.dial(t, who)
				io.WriteString(m, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				readUntil(m, "last connection")
				empty.Close()
			}
			if logged[0] != logged[1] {
				t.Errorf("a line for a connection that sent nothing: haproxy %v, proxy %v", logged[0], logged[1])
			}
			t.Logf("haproxy logs the empty connection: %v", logged[0])
		})
	}
}

const tcpRefusedConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode tcp
    log global
    option tcplog
    retries 1
    timeout client 5s
    timeout server 5s
    timeout connect 1s
` + toOrigin

// TestDifferentialTCPRefused: in mode tcp, when the server refuses the
// connection, the client's connection is closed the way haproxy 2.6.12
// closes it (what the client reads: EOF for a FIN, an error for a reset),
// whether the client sent data or not (retries 1: its data has arrived
// when the connection is closed), and the line is the same.
func TestDifferentialTCPRefused(t *testing.T) {
	deadAddr := "127.0.0.1:" + strconv.Itoa(testkit.RefusedPort(t))
	r := sideBySide(t, tcpRefusedConfig, func(int) string { return deadAddr })
	for _, data := range []string{"", "hello\n"} {
		name := "silent"
		if data != "" {
			name = "data"
		}
		t.Run(name, func(t *testing.T) {
			var ends, lines [2]string
			for who := 0; who < 2; who++ {
				c := r.dial(t, who)
				if data != "" {
					io.WriteString(c, data)
				}
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := c.Read(make([]byte, 100))
				switch {
				case n > 0:
					ends[who] = "data"
				case err == io.EOF:
					ends[who] = "FIN"
				default:
					ends[who] = "error " + err.Error()
				}
				port := c.LocalAddr().(*net.TCPAddr).Port
				c.Close()
				// By client port: haproxy also logs sideBySide's probe.
				lines[who] = payload(r.sink[who].next(t, `^127\.0\.0\.1:`+strconv.Itoa(port)+` `))
			}
			if ends[0] != ends[1] {
				t.Errorf("client connection ended by %s, haproxy's by %s", ends[1], ends[0])
			}
			if m := func(l string) string { return tcpTimers.ReplaceAllString(maskText(l), " T3 ") }; m(lines[0]) != m(lines[1]) {
				t.Errorf("log line differs\n got: %s\nwant: %s", lines[1], lines[0])
			}
			t.Logf("haproxy: %s; %s", ends[0], lines[0])
		})
	}
}
