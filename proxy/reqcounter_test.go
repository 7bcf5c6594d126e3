package proxy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

const reqCounterConfig = `global
    log 127.0.0.1:SINK local0
defaults
    mode http
    log global
    timeout client 3s
    timeout server 3s
    timeout connect 1s
    log-format "%rt %r"
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
		sink := newLogSink(t)
		p1, p2 := testkit.FreePort(t), testkit.FreePort(t)
		text := strings.NewReplacer("SINK", strconv.Itoa(sink.port()),
			"127.0.0.1:P1", "127.0.0.1:"+strconv.Itoa(p1), "127.0.0.1:P2", "127.0.0.1:"+strconv.Itoa(p2)).Replace(reqCounterConfig)
		if who == "haproxy" {
			hp := testkit.StartHAProxy(t, text)
			hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", p1))
			hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", p2))
		} else {
			runProxy(t, text)
		}
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
