package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
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

// arrivals records which request targets reached an origin (its
// OnRequest hook), so that clients act once their request is known to be
// at the server instead of after a guessed delay.
type arrivals struct {
	mu   sync.Mutex
	seen map[string]chan struct{}
}

func (a *arrivals) ch(target string) chan struct{} {
	if a.seen == nil {
		a.seen = map[string]chan struct{}{}
	}
	c, ok := a.seen[target]
	if !ok {
		c = make(chan struct{})
		a.seen[target] = c
	}
	return c
}

// arrived is the origin's OnRequest hook.
func (a *arrivals) arrived(target string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.ch(target)
	select {
	case <-c: // already seen (q2 reaches the origin after its client left)
	default:
		close(c)
	}
}

// wait blocks until target reached the origin; it reports false (and
// fails the test) after 10 s.
func (a *arrivals) wait(t testing.TB, target string) bool {
	a.mu.Lock()
	c := a.ch(target)
	a.mu.Unlock()
	select {
	case <-c:
		return true
	case <-time.After(10 * time.Second):
		t.Errorf("%s never reached the origin", target)
		return false
	}
}

// When an abort client closes its connection.
const (
	closeAtArrival   = iota // as soon as the origin has the request (it answers after d ms)
	closeAfterResp          // after reading the whole response
	closeWhileQueued        // 150 ms after sending, while queued behind q1
)

var abortCases = []struct {
	path       string
	rst        bool // reset instead of FIN
	when       int
	startAfter string // a target that must reach the origin before this client starts
	bytes      bool   // mask %B
}{
	{"/plain-close?d=1000", false, closeAtArrival, "", false},
	{"/plain-rst?d=1000", true, closeAtArrival, "", false},
	{"/abort-close?d=1000", false, closeAtArrival, "", false},
	{"/abort-rst?d=1000", true, closeAtArrival, "", false},
	// q1 holds be_q's only slot for 1.5 s; q2 queues behind it and its
	// client leaves while it waits.
	{"/q1?d=1500", false, closeAfterResp, "", false},
	{"/q2-close?d=100", false, closeWhileQueued, "/q1?d=1500", false},
}

// abortClient sends a request for path and closes (rst: resets) the
// connection at the moment given by when.
func abortClient(t testing.TB, address, path string, rst bool, when int, a *arrivals) {
	c, err := net.Dial("tcp", address)
	if err != nil {
		t.Error(err)
		return
	}
	defer func() {
		if rst {
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	}()
	if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Error(err)
		return
	}
	switch when {
	case closeAtArrival:
		a.wait(t, path)
	case closeAfterResp:
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	case closeWhileQueued:
		// No event marks "queued" on both HAProxy and the proxy; q1 holds
		// the slot for 1.5 s after its arrival, far beyond this wait.
		time.Sleep(150 * time.Millisecond)
	}
}

func runAbortCases(t testing.TB, address string, a *arrivals) {
	var wg sync.WaitGroup
	for _, c := range abortCases {
		if c.startAfter != "" && !a.wait(t, c.startAfter) {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			abortClient(t, address, c.path, c.rst, c.when, a)
		}()
	}
	wg.Wait()
}

// startAbortOrigin starts an origin for one side of the comparison and
// returns its port and the arrivals it records.
func startAbortOrigin(t testing.TB, ctx context.Context) (int, *arrivals) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &arrivals{}
	go (&testbackend.HTTP{Name: "a1", OnRequest: a.arrived}).Serve(ctx, l)
	return l.Addr().(*net.TCPAddr).Port, a
}

func TestDifferentialClientAbort(t *testing.T) {
	haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	originH, arrH := startAbortOrigin(t, ctx)
	originP, arrP := startAbortOrigin(t, ctx)
	text := func(logPort, bind, origin int) string {
		return strings.NewReplacer("LOGPORT", strconv.Itoa(logPort), "BINDPORT", strconv.Itoa(bind),
			"ORIGIN", strconv.Itoa(origin)).Replace(abortConfig)
	}
	sinkH, sinkP := newLogSink(t), newLogSink(t)
	hport := testkit.FreePort(t)
	ha := haproxyAt(t, text(sinkH.port(), hport, originH), hport)
	p := runProxy(t, text(sinkP.port(), 0, originP))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); runAbortCases(t, ha, arrH) }()
	go func() { defer wg.Done(); runAbortCases(t, addr(t, p, "fe", false), arrP) }()
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
