package proxy

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbackend"
)

// Client aborts while the server has not answered yet. Measured on
// haproxy 2.6.12: a client that closes (FIN) or resets (RST) after
// sending a complete request does not abort the stream, with or without
// "option abortonclose", and neither does one waiting in the queue: the
// stream waits for the server, logs "----" after a close and "CD--" after
// a reset (the response cannot be delivered). The proxy must do the same;
// TestDifferentialClientAbort compares both on the same cases.

const abortConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
    option httplog
    timeout client 3s
    timeout server 3s
    timeout connect 1s
    timeout queue 3s
frontend fe
    bind 127.0.0.1:BINDPORT
    use_backend be_abort if { path_beg /abort }
    use_backend be_q if { path_beg /q }
    default_backend be
backend be
    server a1 127.0.0.1:ORIGIN
backend be_abort
    option abortonclose
    server a1 127.0.0.1:ORIGIN
backend be_q
    option abortonclose
    server a1 127.0.0.1:ORIGIN maxconn 1
`

// abortClient sends a request and then closes (rst: resets) after wait.
func abortClient(t testing.TB, address, path string, rst bool, wait time.Duration) {
	c, err := net.Dial("tcp", address)
	if err != nil {
		t.Error(err)
		return
	}
	c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(wait) // the abort happens while the server is still working
	if rst {
		c.(*net.TCPConn).SetLinger(0)
	}
	c.Close()
}

var abortCases = []struct {
	path  string
	rst   bool
	wait  time.Duration
	bytes bool // mask %B
}{
	{"/plain-close?d=600", false, 150 * time.Millisecond, false},
	{"/plain-rst?d=600", true, 150 * time.Millisecond, false},
	{"/abort-close?d=600", false, 150 * time.Millisecond, false},
	{"/abort-rst?d=600", true, 150 * time.Millisecond, false},
	{"/q1?d=600", false, 900 * time.Millisecond, false},
	{"/q2-close?d=600", false, 150 * time.Millisecond, false},
}

func runAbortCases(t testing.TB, address string) {
	var wg sync.WaitGroup
	for i, c := range abortCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			abortClient(t, address, c.path, c.rst, c.wait)
		}()
		if i == 4 {
			time.Sleep(50 * time.Millisecond) // q1 takes the only slot before q2 queues
		}
	}
	wg.Wait()
}

func TestDifferentialClientAbort(t *testing.T) {
	bin := haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.HTTP{Name: "a1"}).Serve(ctx, l)
	origin := l.Addr().(*net.TCPAddr).Port
	text := func(logPort, bind int) string {
		return strings.NewReplacer("LOGPORT", strconv.Itoa(logPort), "BINDPORT", strconv.Itoa(bind),
			"ORIGIN", strconv.Itoa(origin)).Replace(abortConfig)
	}
	sinkH, sinkP := newLogSink(t), newLogSink(t)
	hport := freePort(t, "tcp4")
	startHAProxy(t, ctx, bin, text(sinkH.port(), hport))
	p := runProxy(t, text(sinkP.port(), 0))
	ha := "127.0.0.1:" + strconv.Itoa(hport)
	waitFor(t, "haproxy listening", func() bool {
		c, err := net.Dial("tcp", ha)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); runAbortCases(t, ha) }()
	go func() { defer wg.Done(); runAbortCases(t, addr(t, p, "fe", false)) }()
	wg.Wait()
	hl, pl := collectLines(t, sinkH, len(abortCases)), collectLines(t, sinkP, len(abortCases))
	for _, c := range abortCases {
		name, _, _ := strings.Cut(c.path, "?")
		want, got := hl[c.path], pl[c.path]
		if want == "" || got == "" {
			t.Errorf("%s: no line (haproxy %q, proxy %q)", name, want, got)
			continue
		}
		t.Logf("%s\n haproxy: %s\n   proxy: %s", name, want, got)
		sameShape(t, formats.HTTPLogFormat, [2]int{}, got, want, mask{counters: true, bytes: c.bytes, queue: true})
	}
}

// collectLines reads n traffic lines and indexes their payloads by URI.
func collectLines(t testing.TB, sink *logSink, n int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for len(out) < n {
		d := payload(sink.next(t, `"GET `))
		_, rest, _ := strings.Cut(d, `"GET `)
		uri, _, _ := strings.Cut(rest, " ")
		out[uri] = d
	}
	return out
}
