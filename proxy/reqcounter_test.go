package proxy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// sinkHTTPPreamble is the global and defaults sections of the
// configurations that log to SINK in mode http.
const sinkHTTPPreamble = `global
    log 127.0.0.1:SINK local0
defaults
    mode http
    log global
    timeout client 3s
    timeout server 3s
    timeout connect 1s
`

const reqCounterConfig = sinkHTTPPreamble + `    log-format "%rt %r"
frontend f1
    bind 127.0.0.1:P1
    http-request return status 200
frontend f2
    bind 127.0.0.1:P2
    http-request return status 200
`

// TestReqCounterVsHAProxy: %rt numbers the requests of the whole process
// or of each frontend? Requests alternate between two frontends on
// haproxy 2.6.12 and on the proxy; the steps between consecutive %rt
// values are compared (the absolute values depend on when haproxy
// counted the probe connections of WaitDial).
func TestReqCounterVsHAProxy(t *testing.T) {
	run := func(who string) []int {
		sink, p1, p2 := runTwoFrontends(t, who, reqCounterConfig)
		// A first request on each frontend, not measured: haproxy
		// counts a probe connection when it gets to it, which may be
		// after a first request on the other frontend.
		for i, port := range []int{p1, p2} {
			roundTrip(t, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("GET /w%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", i))
			sink.next(t, fmt.Sprintf(` /w%d `, i))
		}
		var rt []int
		for i, port := range []int{p1, p2, p1, p2, p2, p1} {
			roundTrip(t, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("GET /r%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", i))
			line := payload(sink.next(t, fmt.Sprintf(` /r%d `, i)))
			n, err := strconv.Atoi(line[:strings.IndexByte(line, ' ')])
			if err != nil {
				t.Fatalf("%s: %q", who, line)
			}
			rt = append(rt, n)
		}
		steps := make([]int, 0, len(rt)-1)
		for i := 1; i < len(rt); i++ {
			steps = append(steps, rt[i]-rt[i-1])
		}
		return steps
	}
	want := run("haproxy")
	got := run("proxy")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%%rt steps %v, haproxy %v", got, want)
	}
}

// runTwoFrontends runs who ("haproxy", or else the proxy) on cfg with
// SINK replaced by a new log sink's port, 127.0.0.1:P1 and :P2 by free
// ports, and the old, new pairs of repl, and returns the sink and the two
// ports once both listen.
func runTwoFrontends(t *testing.T, who, cfg string, repl ...string) (sink *logSink, p1, p2 int) {
	t.Helper()
	sink = newLogSink(t)
	p1, p2 = testkit.FreePort(t), testkit.FreePort(t)
	text := strings.NewReplacer(append([]string{"SINK", strconv.Itoa(sink.port()),
		"127.0.0.1:P1", "127.0.0.1:" + strconv.Itoa(p1), "127.0.0.1:P2", "127.0.0.1:" + strconv.Itoa(p2)}, repl...)...).Replace(cfg)
	if who == "haproxy" {
		hp := testkit.StartHAProxy(t, text)
		hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", p1))
		hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", p2))
	} else {
		runProxy(t, text)
	}
	return sink, p1, p2
}
