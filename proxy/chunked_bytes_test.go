package proxy

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestChunkedBytesVsHAProxy (issue 10 §2): %U of a request whose body is
// chunked, or sent with Content-Length, and %B of a chunked response
// count what haproxy 2.6.12 counts: the de-chunked data, each trailer's
// name and value, and one byte for the end of the trailers (its HTX EOT
// block).
func TestChunkedBytesVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		var buf []byte
		tmp := make([]byte, 4096)
		for {
			if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
				head := strings.ToLower(string(buf[:i]))
				body := buf[i+4:]
				if !strings.Contains(head, "transfer-encoding") && !strings.Contains(head, "content-length") ||
					strings.Contains(head, "content-length: 5") && len(body) >= 5 ||
					bytes.HasSuffix(body, []byte("\r\n\r\n")) && bytes.Contains(body, []byte("0\r\n")) {
					break
				}
			}
			n, err := c.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if err != nil {
				return
			}
		}
		switch {
		case bytes.Contains(buf, []byte(" /chunked ")):
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n")
		case bytes.Contains(buf, []byte(" /trailer ")):
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum:  12 \r\nX-Other: a\r\n\r\n")
		default:
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	}).String()
	const format = "%ST %U %B %ts"
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\ndefaults\n    mode http\n    log global\n" +
		"    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"" + format + " %HM\"\n    default_backend be\n" +
		"backend be\n    server s1 ORIGIN\n"
	r := sideBySide(t, cfg, func(int) string { return origin })
	head := "POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, c := range []struct{ name, req string }{
		{"one-chunk", head + "5\r\nhello\r\n0\r\n\r\n"},
		{"two-chunks", head + "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"},
		{"big-chunk", head + "1f4\r\n" + strings.Repeat("x", 500) + "\r\n0\r\n\r\n"},
		{"leading-zeros", head + "0005\r\nhello\r\n0\r\n\r\n"},
		{"extension", head + "5;name=value\r\nhello\r\n0\r\n\r\n"},
		{"trailer", head + "5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"},
		{"empty", head + "0\r\n\r\n"},
		{"two-trailers", head + "5\r\nhello\r\n0\r\nX-Sum: 1\r\nx-b:\t \r\n\r\n"},
		{"content-length", "POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"},
		{"response-chunked", "POST /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"},
		{"response-trailers", "POST /trailer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var lines [2]string
			for who := range 2 {
				if _, err := r.answerOf(t, who, c.req, 10*time.Second); err != nil {
					t.Fatalf("%s: %v", []string{"haproxy", "proxy"}[who], err)
				}
				lines[who] = payload(r.sink[who].next(t, ` POST$`))
			}
			if lines[0] != lines[1] {
				t.Errorf("log line %q, haproxy %q", lines[1], lines[0])
			}
		})
	}
}
