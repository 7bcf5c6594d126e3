package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy/h1"
)

// tuneCase is one exchange of TestTuneDifferential: a request sent on a
// connection of its own (incomplete when open is set: the connection
// ends there), and the response the backend
// gives (a 200 when empty).
type tuneCase struct {
	name string
	req  []byte
	open bool
	resp []byte
}

// tuneBackend records the head of each request it receives by its
// target and answers with the response of the case named by the target.
type tuneBackend struct {
	addr  *net.TCPAddr
	resps map[string][]byte
	mu    sync.Mutex
	got   map[string]string
}

func newTuneBackend(t *testing.T, cases []tuneCase) *tuneBackend {
	t.Helper()
	b := &tuneBackend{resps: map[string][]byte{}, got: map[string]string{}}
	for _, c := range cases {
		b.resps["/"+c.name] = c.resp
	}
	b.addr = testkit.Serve(t, b.conn)
	return b
}

func (b *tuneBackend) conn(c net.Conn) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(c, 1<<17)
	head, ok := readRawHead(br)
	if !ok {
		return
	}
	target := strings.Fields(head)[1]
	b.mu.Lock()
	b.got[target] = head
	b.mu.Unlock()
	resp := b.resps[target]
	if resp == nil {
		resp = []byte("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
	}
	c.Write(resp)
}

// tuneResult is what one implementation did with a case.
type tuneResult struct {
	status, log, backend string
}

// runTuneCases runs the cases one after the other against the proxy at
// addr, waiting for each one's log line.
func runTuneCases(t *testing.T, addr string, sink *logSink, be *tuneBackend, cases []tuneCase) []tuneResult {
	t.Helper()
	var out []tuneResult
	for _, tc := range cases {
		c := mustDial(t, addr)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(tc.req); err != nil {
			t.Fatal(err)
		}
		// The connection stays open (a half-close turns haproxy's PR--
		// into CR-- on a refused head): read one response.
		status := "no response"
		if r, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			io.Copy(io.Discard, r.Body)
			status = r.Proto + " " + r.Status
		}
		c.Close()
		line := maskText(payload(sink.next(t, ".")))
		be.mu.Lock()
		got := be.got["/"+tc.name]
		be.mu.Unlock()
		out = append(out, tuneResult{status: status, log: line, backend: got})
	}
	return out
}

// tuneHead is a request (or, with resp, a response) head of exactly size
// bytes: the start line, n fields "x000: y" and a field "f" filling the
// rest.
func tuneHead(name string, resp bool, n, size int) []byte {
	var b bytes.Buffer
	if resp {
		b.WriteString("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n")
	} else {
		b.WriteString("GET /" + name + " HTTP/1.1\r\nhost: a\r\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "x%03d: y\r\n", i)
	}
	b.WriteString("f: " + strings.Repeat("z", max(0, size-b.Len()-len("f: \r\n\r\n"))) + "\r\n\r\n")
	return b.Bytes()
}

// aroundLimit returns heads of the shape of tuneHead whose size as
// HAProxy stores them is one byte under, at and one byte over lim's head
// limit (by our own count: which of them pass is what is compared).
func aroundLimit(name string, resp bool, n int, lim h1.Limits) [][]byte {
	var m h1.Message
	base := tuneHead(name, resp, n, 0)
	var err error
	if resp {
		_, err = h1.ParseResponse(append([]byte(nil), base...), &m, &lim)
	} else {
		_, err = h1.ParseRequest(append([]byte(nil), base...), &m, &lim)
	}
	if err != nil {
		panic(err)
	}
	at := len(base) + lim.MaxHead - m.HTXSize()
	return [][]byte{tuneHead(name, resp, n, at-1), tuneHead(name, resp, n, at), tuneHead(name, resp, n, at+1)}
}

// tuneCases builds the cases for a configuration with these limits.
func tuneCases(bufsize, maxrewrite, maxhdr int) []tuneCase {
	lim := h1.LimitsFor(bufsize, maxrewrite, maxhdr)
	var cases []tuneCase
	add := func(c tuneCase) {
		c.name = fmt.Sprintf("c%02d", len(cases))
		cases = append(cases, c)
	}
	// Header counts around tune.http.maxhdr, in requests and responses.
	for n := maxhdr - 3; n <= maxhdr; n++ {
		add(tuneCase{req: tuneHead(fmt.Sprintf("c%02d", len(cases)), false, n-2, 0)})
	}
	for n := maxhdr - 2; n <= maxhdr; n++ {
		add(tuneCase{req: tuneHead(fmt.Sprintf("c%02d", len(cases)), false, 0, 0), resp: tuneHead("", true, n-2, 0)})
	}
	// Head sizes around the limit: few and many fields, requests and
	// responses.
	for _, n := range []int{0, maxhdr / 2} {
		for i := range 3 {
			name := fmt.Sprintf("c%02d", len(cases))
			add(tuneCase{req: aroundLimit(name, false, n, lim)[i]})
		}
		for i := range 3 {
			name := fmt.Sprintf("c%02d", len(cases))
			add(tuneCase{req: tuneHead(name, false, 0, 0), resp: aroundLimit("", true, n, lim)[i]})
		}
	}
	// An incomplete head just under and at the input buffer's limit.
	for _, size := range []int{lim.MaxRaw - 1, lim.MaxRaw} {
		name := fmt.Sprintf("c%02d", len(cases))
		req := tuneHead(name, false, 0, size+4)
		add(tuneCase{req: req[:size], open: true})
	}
	return cases
}

// TestTuneDifferential runs requests and responses around the limits of
// tune.bufsize, tune.maxrewrite and tune.http.maxhdr through haproxy
// 2.6.12 and the proxy with the same configuration, and compares the
// status each client gets, the head the backend receives and the log
// line.
func TestTuneDifferential(t *testing.T) {
	haproxyBin(t)
	for _, tc := range []struct {
		global                      string
		bufsize, maxrewrite, maxhdr int
	}{
		{"    tune.bufsize 4096\n    tune.http.maxhdr 10\n", 4096, 1024, 10},
		{"    tune.bufsize 4096\n    tune.maxrewrite 100\n    tune.http.maxhdr 20\n", 4096, 100, 20},
		{"    tune.bufsize 6000\n    tune.maxrewrite 5000\n", 6000, 3000, 101},
		{"", 16384, 1024, 101},
	} {
		t.Run(fmt.Sprintf("%d-%d-%d", tc.bufsize, tc.maxrewrite, tc.maxhdr), func(t *testing.T) {
			cases := tuneCases(tc.bufsize, tc.maxrewrite, tc.maxhdr)
			run := func(ours bool) []tuneResult {
				sink := newLogSink(t)
				be := newTuneBackend(t, cases)
				port := testkit.FreePort(t)
				text := fmt.Sprintf("global\n    log 127.0.0.1:%d local0\n%sdefaults\n    mode http\n    log global\n    option httplog\n"+
					"    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n    timeout http-request 500ms\n"+
					"frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\nbackend be\n    server s1 %s\n",
					sink.port(), tc.global, port, be.addr)
				a := fmt.Sprintf("127.0.0.1:%d", port)
				if ours {
					runProxy(t, text)
				} else {
					testkit.StartHAProxy(t, text).WaitDial(t, "tcp", a)
					sink.next(t, ".") // the probe's connection
				}
				return runTuneCases(t, a, sink, be, cases)
			}
			want, got := run(false), run(true)
			passed, refused := 0, 0
			for i, c := range cases {
				w, g := want[i], got[i]
				if strings.Contains(w.status, " 200 ") {
					passed++
				} else {
					refused++
				}
				w.log, g.log = maskConns(w.log, mask{acfc: true}), maskConns(g.log, mask{acfc: true})
				if w != g {
					t.Errorf("case %s (%d-byte request, %d-byte response):\n haproxy %q\n          log %q\n          backend %q\n ours    %q\n          log %q\n          backend %q",
						c.name, len(c.req), len(c.resp), w.status, w.log, w.backend, g.status, g.log, g.backend)
				}
			}
			// The cases straddle the limits: haproxy passes some and refuses some.
			if passed == 0 || refused < 5 {
				t.Errorf("haproxy passed %d cases and refused %d: the cases do not straddle the limits", passed, refused)
			}
		})
	}
}
