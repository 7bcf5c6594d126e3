package proxy

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
)

const statsAuthConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 1s
listen fe
    bind 127.0.0.1:BINDPORT
    stats enable
    stats uri /st
    stats auth admin:pw
    stats admin if TRUE
`

// TestDifferentialStatsUnauthorized (issue 10 §2): requests to the stats
// page without valid credentials get haproxy 2.6.12's exact answer (the
// 401 page, WWW-Authenticate, connection: close where it adds one, the
// connection closed after it) and the same log line (its status, bytes
// and termination state).
func TestDifferentialStatsUnauthorized(t *testing.T) {
	r := sideBySide(t, statsAuthConfig, nil)
	for _, c := range []struct{ name, req string }{
		{"get-keepalive", "GET /st HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"get-close", "GET /st;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"http10", "GET /st HTTP/1.0\r\n\r\n"},
		{"wrong-password", "GET /st HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46eHg=\r\n\r\n"},
		{"not-basic", "GET /st HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer YWRtaW46cHc=\r\n\r\n"},
		{"head", "HEAD /st HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"post-form", "POST /st HTTP/1.1\r\nHost: x\r\nContent-Length: 25\r\n\r\ns=s1&action=maint&b=%232"},
		{"post-partial", "POST /st HTTP/1.1\r\nHost: x\r\nContent-Length: 25\r\n\r\ns=s1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var raw, lines [2]string
			for who := 0; who < 2; who++ {
				conn, err := net.Dial("tcp", r.addr[who])
				if err != nil {
					t.Fatal(err)
				}
				io.WriteString(conn, c.req)
				// Both close the connection after the 401: reading
				// to EOF ends well before the deadline.
				conn.SetReadDeadline(time.Now().Add(4 * time.Second))
				b, err := io.ReadAll(conn)
				conn.Close()
				if err != nil {
					t.Errorf("%s: connection not closed after the 401: %v", []string{"haproxy", "proxy"}[who], err)
				}
				raw[who] = string(b)
				lines[who] = payload(r.sink[who].next(t, `/st`))
			}
			if raw[0] != raw[1] {
				t.Errorf("response differs from HAProxy's\n got: %q\nwant: %q", raw[1], raw[0])
			}
			sameShape(t, formats.HTTPLogFormat, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}
