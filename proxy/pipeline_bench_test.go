package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// benchOrigin answers every request on every connection with a fixed
// 200 response carrying a 2-byte body, at the cost of one line scan.
func benchOrigin(b testing.TB) string {
	b.Helper()
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
	return testkit.Serve(b, func(c net.Conn) {
		br := bufio.NewReader(c)
		for skipHead(br) {
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
	}).String()
}

// skipHead reads a bodyless request or response head.
func skipHead(br *bufio.Reader) bool {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(line) <= 2 {
			return true
		}
	}
}

// readBenchResponse reads one response head and its Content-Length body,
// without allocating (so that allocation counts see only the proxy).
func readBenchResponse(br *bufio.Reader) error {
	n := 0
	const cl = "content-length:"
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > len(cl) && bytes.EqualFold(line[:len(cl)], []byte(cl)) {
			n = 0
			for _, c := range bytes.TrimSpace(line[len(cl):]) {
				if c < '0' || c > '9' {
					return fmt.Errorf("bad content-length line %q", line)
				}
				n = n*10 + int(c-'0')
			}
		}
	}
	_, err := br.Discard(n)
	return err
}

func benchProxyConfig(b testing.TB, mode string) *Proxy {
	origin := benchOrigin(b)
	sink := drainUDP(b)
	go drain(sink)
	text := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.LocalAddr().(*net.UDPAddr).Port) + " local0\n" +
		"defaults\n    mode http\n    log global\n    option httplog\n    " + mode + "\n" +
		"    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:0\n    http-request set-header X-Bench %[src]\n    default_backend be\n" +
		"backend be\n    server s1 " + origin + "\n"
	return runProxy(b, text)
}

// keepAliveReq is the request of the keep-alive benchmark and test.
var keepAliveReq = []byte("GET /bench?x=1 HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")

// keepAliveClient starts the benchmark's proxy in keep-alive mode and
// connects to it (closed with the test).
func keepAliveClient(t testing.TB) (*Proxy, net.Conn, *bufio.Reader) {
	p := benchProxyConfig(t, "option http-keep-alive")
	c := mustDial(t, addr(t, p, "fe", false))
	t.Cleanup(func() { c.Close() })
	return p, c, bufio.NewReader(c)
}

// BenchmarkProxyRequestKeepAlive measures one request through the whole
// request path (read, rules, backend choice, forward, respond, log line
// over UDP) on a keep-alive client connection and a kept server
// connection.
func BenchmarkProxyRequestKeepAlive(b *testing.B) {
	_, c, br := keepAliveClient(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(keepAliveReq)))
	for b.Loop() {
		if _, err := c.Write(keepAliveReq); err != nil {
			b.Fatal(err)
		}
		if err := readBenchResponse(br); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyRequestClose measures a request on a fresh client
// connection each time (accept, connect and close included).
func BenchmarkProxyRequestClose(b *testing.B) {
	p := benchProxyConfig(b, "option httpclose")
	a := addr(b, p, "fe", false)
	req := []byte("GET /bench?x=1 HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		c, err := net.Dial("tcp", a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if err := readBenchResponse(bufio.NewReader(c)); err != nil && err != io.EOF {
			b.Fatal(err)
		}
		c.Close()
	}
}

// TestKeepAliveRequestAllocs pins the whole request path of a keep-alive
// request (read, rules with a rendered set-header, backend choice, reuse
// of the kept server connection, forward, respond, log line over UDP) at
// zero allocations. AllocsPerRun counts the whole process: the client
// loop, the origin and the log drain allocate nothing per request either.
func TestKeepAliveRequestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p, c, br := keepAliveClient(t)
	var rtErr error
	roundTrip := func() {
		if _, err := c.Write(keepAliveReq); err != nil {
			rtErr = err
		} else if err := readBenchResponse(br); err != nil {
			rtErr = err
		}
	}
	for range 50 { // warm up: buffers, pools, grown slices
		roundTrip()
	}
	n := testing.AllocsPerRun(500, roundTrip)
	if rtErr != nil {
		t.Fatal(rtErr)
	}
	if n != 0 {
		t.Errorf("%.2f allocations per keep-alive request, want 0", n)
	}
	if got := p.Stats().LogsSent.Load(); got < 550 {
		t.Errorf("%d log lines sent for 551 requests", got)
	}
}
