package proxy

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestRefusedHeadHalfCloseVsHAProxy (issue 10 §2): a client that sends a
// head haproxy refuses, or closes its side (shutdown(SHUT_WR)) before its
// head is whole, gets the same answer (haproxy's 400 page, which it can
// still read) and the same log line (status, bytes, termination state)
// as from haproxy 2.6.12.
func TestRefusedHeadHalfCloseVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	}).String()
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\ndefaults\n    mode http\n    log global\n" +
		"    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %U %ts %r\"\n    default_backend be\n" +
		"backend be\n    server s1 ORIGIN\n"
	r := sideBySide(t, cfg, func(int) string { return origin })
	r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
	var many strings.Builder
	for range 110 {
		many.WriteString("x: y\r\n")
	}
	for _, c := range []struct{ name, req string }{
		{"bad-name", "GET / HTTP/1.1\r\nHost: x\r\nb@d: 1\r\n\r\n"},
		{"bad-target", "GET /a\x7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"bad-version", "GET / HTTP/1.x\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"too-many", "GET / HTTP/1.1\r\nHost: x\r\n" + many.String() + "\r\n"},
		{"too-big", "GET / HTTP/1.1\r\nHost: x\r\nA: " + strings.Repeat("a", 17000) + "\r\n\r\n"},
		{"te-cl", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{"partial", "GET / HTTP/1.1\r\nHost: x\r\n"},
		{"partial-line", "GET / HT"},
		{"empty", ""},
	} {
		for _, half := range []bool{false, true} {
			name := c.name
			if half {
				name += "-halfclose"
			} else if c.name == "empty" {
				continue // waits for timeout client
			}
			t.Run(name, func(t *testing.T) {
				var got, lines [2]string
				for who := range 2 {
					conn := r.dial(t, who)
					conn.SetDeadline(time.Now().Add(10 * time.Second))
					io.WriteString(conn, c.req)
					if half || strings.HasPrefix(c.name, "partial") {
						conn.(*net.TCPConn).CloseWrite()
					}
					b, _ := io.ReadAll(conn)
					conn.Close()
					got[who] = string(b)
					lines[who] = payload(r.sink[who].next(t, "."))
				}
				if half && lines[1] == strings.Replace(lines[0], " CR ", " PR ", 1) {
					// haproxy logs a refused head PR--, or CR-- when the
					// client's end of file reached it in the same read
					// (a race on its side, seen in about 1 run in 5).
					lines[0] = lines[1]
				}
				if lines[0] != lines[1] {
					t.Errorf("log line %q, haproxy %q", lines[1], lines[0])
				}
				if got[0] != got[1] {
					t.Errorf("answer %q, haproxy %q", got[1], got[0])
				}
			})
		}
	}
}
