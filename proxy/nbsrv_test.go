package proxy

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// nbsrvConfig answers from the nbsrv fetch alone (no server is ever
// connected): 200 when the named backend has at least N usable servers,
// 503 otherwise. bdown's servers are all in maintenance (disabled), bup
// has two usable ones, bmix one usable and one disabled, and the listen
// section lst is its own backend (nbsrv without an argument).
const nbsrvConfig = `defaults
    mode http
    timeout client 3s
    timeout server 3s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:BINDPORT
    http-request return status 200 if { path /up2 } { nbsrv(bup) ge 2 }
    http-request return status 200 if { path /down } { nbsrv(bdown) eq 0 }
    http-request return status 200 if { path /mix } { nbsrv(bmix) eq 1 }
    http-request return status 200 if { path /mix2 } { nbsrv(bmix) ge 2 }
    http-request return status 503
backend bup
    server u1 127.0.0.1:1
    server u2 127.0.0.1:2
backend bdown
    server d1 127.0.0.1:3 disabled
backend bmix
    server m1 127.0.0.1:4
    server m2 127.0.0.1:5 disabled
listen lst
    bind 127.0.0.1:LSTPORT
    http-request return status 200 if { path /self } { nbsrv ge 1 }
    http-request return status 503
    server l1 127.0.0.1:6
`

// TestNbsrvVsHAProxy runs the same configuration in haproxy 2.6.12 and
// in the proxy and compares the status of each request: the nbsrv fetch
// (resolved to its backend when the plan is built) counts usable servers
// as haproxy does.
func TestNbsrvVsHAProxy(t *testing.T) {
	hb, hl, ob, ol := testkit.FreePort(t), testkit.FreePort(t), testkit.FreePort(t), testkit.FreePort(t)
	cfg := func(b, l int) string {
		s := strings.ReplaceAll(nbsrvConfig, "BINDPORT", strconv.Itoa(b))
		return strings.ReplaceAll(s, "LSTPORT", strconv.Itoa(l))
	}
	hp := testkit.StartHAProxy(t, cfg(hb, hl))
	hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", hb))
	hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", hl))
	runProxy(t, cfg(ob, ol))
	cases := []struct {
		port func(fe, lst int) int
		path string
	}{
		{func(fe, _ int) int { return fe }, "/up2"},
		{func(fe, _ int) int { return fe }, "/down"},
		{func(fe, _ int) int { return fe }, "/mix"},
		{func(fe, _ int) int { return fe }, "/mix2"},
		{func(_, l int) int { return l }, "/self"},
	}
	ok := 0
	for _, c := range cases {
		want := nbsrvStatus(t, c.port(hb, hl), c.path)
		got := nbsrvStatus(t, c.port(ob, ol), c.path)
		if got != want {
			t.Errorf("%s: status %d, haproxy %d", c.path, got, want)
		}
		if want == 200 {
			ok++
		}
	}
	if ok == 0 || ok == len(cases) {
		t.Errorf("haproxy answered 200 to %d of %d requests: the cases do not tell the fetch from a constant", ok, len(cases))
	}
}

func nbsrvStatus(t *testing.T, port int, path string) int {
	t.Helper()
	c := mustDial(t, fmt.Sprintf("127.0.0.1:%d", port))
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
