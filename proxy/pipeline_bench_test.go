package proxy

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// benchOrigin answers every request on every connection with a fixed
// 200 response carrying a 2-byte body, at the cost of one line scan.
func benchOrigin(b *testing.B) string {
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

// readBenchResponse reads one response head and its Content-Length body.
func readBenchResponse(br *bufio.Reader) error {
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := strings.CutPrefix(strings.ToLower(string(line)), "content-length: "); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	_, err := br.Discard(n)
	return err
}

func benchProxyConfig(b *testing.B, mode string) *Proxy {
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

// BenchmarkProxyRequestKeepAlive measures one request through the whole
// request path (read, rules, backend choice, forward, respond, log line
// over UDP) on a keep-alive client connection and a kept server
// connection.
func BenchmarkProxyRequestKeepAlive(b *testing.B) {
	p := benchProxyConfig(b, "option http-keep-alive")
	c, err := net.Dial("tcp", addr(b, p, "fe", false))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET /bench?x=1 HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
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
