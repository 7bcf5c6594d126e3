package proxy

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// stopConfig has the kinds of proxies whose stop notices could differ: an
// HTTP frontend and its backend, a TCP listen section, a backend nothing
// uses, a disabled frontend, a proxy with "no log" and one with its own
// log line at another facility.
const stopConfig = sinkHTTPPreamble + `frontend fe
    bind 127.0.0.1:P1
    http-request return status 200 if { path /ok }
    default_backend be
backend be
    server s1 127.0.0.1:DEAD
listen lst
    mode tcp
    bind 127.0.0.1:P2
    server l1 127.0.0.1:DEAD
backend unused
    server u1 127.0.0.1:DEAD
frontend off
    disabled
    bind 127.0.0.1:P3
    default_backend be
frontend quiet
    no log
    bind 127.0.0.1:P4
    default_backend be
frontend own
    log 127.0.0.1:SINK local3
    bind 127.0.0.1:P5
    default_backend be
`

// TestStopNoticesVsHAProxy soft-stops haproxy 2.6.12 (SIGUSR1) and the
// proxy (SoftStop) on the same configuration after the same request, and
// compares the set of notices each sends (priority and text, in any
// order).
func TestStopNoticesVsHAProxy(t *testing.T) {
	dead := testkit.FreePort(t)
	cfg := func(sink int) (string, int) {
		s := strings.ReplaceAll(stopConfig, "SINK", strconv.Itoa(sink))
		s = strings.ReplaceAll(s, "DEAD", strconv.Itoa(dead))
		var p1 int
		for _, k := range []string{"P1", "P2", "P3", "P4", "P5"} {
			port := testkit.FreePort(t)
			if k == "P1" {
				p1 = port
			}
			s = strings.ReplaceAll(s, "127.0.0.1:"+k+"\n", "127.0.0.1:"+strconv.Itoa(port)+"\n")
		}
		return s, p1
	}

	hsink := newLogSink(t)
	htext, hport := cfg(hsink.port())
	hp := testkit.StartHAProxy(t, htext)
	hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", hport))
	stopRequest(t, hport)
	hp.Cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-hp.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("haproxy did not stop")
	}
	want := stopNotices(t, hsink)

	osink := newLogSink(t)
	otext, oport := cfg(osink.port())
	p := newProxyCfg(t, otext)
	if err := p.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(context.Background()) }()
	testkit.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", oport)) // a connection, as haproxy's
	stopRequest(t, oport)
	p.SoftStop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("proxy did not stop")
	}
	got := stopNotices(t, osink)
	if len(want) == 0 {
		t.Fatal("haproxy sent no notice")
	}
	t.Logf("haproxy:\n%s", strings.Join(want, "\n"))
	testkit.EqualLines(t, "stop notices", []byte(strings.Join(got, "\n")), []byte(strings.Join(want, "\n")))
}

func stopRequest(t *testing.T, port int) {
	t.Helper()
	resp := roundTrip(t, fmt.Sprintf("127.0.0.1:%d", port), "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 200") {
		t.Fatalf("response %q", resp)
	}
}

// stopNotices returns, sorted, the "<PRI>text" of every datagram that is
// not an access log line, once a marker sent after the program stopped
// has come through (datagrams on the loopback arrive in order).
func stopNotices(t *testing.T, s *logSink) []string {
	t.Helper()
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.port()))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("MARKER"))
	c.Close()
	var out []string
	for {
		select {
		case d := <-s.lines:
			if d == "MARKER" {
				sort.Strings(out)
				return out
			}
			if strings.Contains(d, "GET /ok") || strings.Contains(d, "]: Connect from ") {
				continue
			}
			pri := d[:strings.IndexByte(d, '>')+1]
			out = append(out, pri+payload(d))
		case <-time.After(10 * time.Second):
			t.Fatal("marker not received")
		}
	}
}
