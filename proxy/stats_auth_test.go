package proxy

import (
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
)

// statsListen is a stats page with basic auth and admin, on BINDPORT.
const statsListen = `listen fe
    bind 127.0.0.1:BINDPORT
    stats enable
    stats uri /st
    stats auth admin:pw
    stats admin if TRUE
`

var statsAuthConfig = httpLogPreamble + statsListen

// exchange sends req on a new connection to each side, reads the answer
// until the connection closes (failing after 4s) and returns both
// answers and the log line of each that matches re.
func (r *sideRun) exchange(t *testing.T, req, re string) (raw, lines [2]string) {
	t.Helper()
	for who := 0; who < 2; who++ {
		var err error
		if raw[who], err = r.answerOf(t, who, req, 4*time.Second); err != nil {
			t.Errorf("%s: connection not closed: %v", []string{"haproxy", "proxy"}[who], err)
		}
		lines[who] = payload(r.sink[who].next(t, re))
	}
	return raw, lines
}

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
			// Both close the connection after the 401.
			raw, lines := r.exchange(t, c.req, `/st`)
			if raw[0] != raw[1] {
				t.Errorf("response differs from HAProxy's\n got: %q\nwant: %q", raw[1], raw[0])
			}
			sameShape(t, formats.HTTPLogFormat, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}
