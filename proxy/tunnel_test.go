package proxy

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

const tunnelConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    timeout tunnel 700ms
frontend fe
    bind 127.0.0.1:BINDPORT
    default_backend be
backend be
    server s1 ORIGIN
`

// tunnelOrigin answers an upgrade request 101 and a CONNECT 200, each
// followed at once by "HELLO", then echoes what it reads until "BYE"
// (then it closes) or the peer closes; anything else gets a 200 "ok".
// It records every request head it receives, in order.
type tunnelOrigin struct {
	mu    sync.Mutex
	heads []string
}

func (o *tunnelOrigin) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var buf []byte
	tmp := make([]byte, 4096)
	i := -1
	for i < 0 {
		n, err := c.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if i = bytes.Index(buf, []byte("\r\n\r\n")); i < 0 && err != nil {
			return
		}
	}
	head, rest := string(buf[:i+4]), buf[i+4:]
	o.mu.Lock()
	o.heads = append(o.heads, head)
	o.mu.Unlock()
	switch {
	case strings.HasPrefix(head, "CONNECT "):
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\nHELLO")
	case strings.Contains(strings.ToLower(head), "\r\nupgrade:"):
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nHELLO")
	default:
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return
	}
	for {
		if len(rest) > 0 {
			if bytes.Contains(rest, []byte("BYE")) {
				return
			}
			c.Write(rest)
		}
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		rest = tmp[:n]
	}
}

func (o *tunnelOrigin) last() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.heads) == 0 {
		return ""
	}
	return o.heads[len(o.heads)-1]
}

const wsRequest = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

const connectRequest = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"

// TestTunnelVsHAProxy (issue 10): WebSocket upgrades and CONNECT in HTTP
// mode, relayed as haproxy 2.6.12 relays them: the same bytes reach the
// client and the server, the tunnel carries data both ways (including
// bytes sent right after the heads), ends when a side closes or after
// "timeout tunnel" of silence, and the log line matches HAProxy's (status
// 101 or 200, %B = head + relayed bytes, termination state, which timers
// are set).
func TestTunnelVsHAProxy(t *testing.T) {
	origin := &tunnelOrigin{}
	oaddr := testkit.Serve(t, origin.serve).String()
	r := sideBySide(t, tunnelConfig, func(int) string { return oaddr })
	for _, c := range []struct {
		name, req string
		// after the response head: send, read back want bytes
		send string
		want int
		// end: "client" closes, "server" is told BYE and closes,
		// "idle" waits for timeout tunnel
		end string
	}{
		{"ws-client-closes", wsRequest, "ping", len("HELLOping"), "client"},
		{"ws-server-closes", wsRequest, "ping", len("HELLOping"), "server"},
		{"ws-idle-timeout", wsRequest, "ping", len("HELLOping"), "idle"},
		{"ws-early-data", wsRequest + "early", "ping", len("HELLOearlyping"), "client"},
		{"connect-client-closes", connectRequest, "ping", len("HELLOping"), "client"},
		{"connect-server-closes", connectRequest, "ping", len("HELLOping"), "server"},
		{"connect-idle-timeout", connectRequest, "", len("HELLO"), "idle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got, heads, lines [2]string
			var idle [2]time.Duration
			for who := 0; who < 2; who++ {
				conn, err := net.Dial("tcp", r.addr[who])
				if err != nil {
					t.Fatal(err)
				}
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(conn, c.req)
				var buf []byte
				tmp := make([]byte, 4096)
				readBody := func(n int) {
					for {
						i := bytes.Index(buf, []byte("\r\n\r\n"))
						if i >= 0 && len(buf)-i-4 >= n {
							return
						}
						m, err := conn.Read(tmp)
						buf = append(buf, tmp[:m]...)
						if err != nil {
							t.Fatalf("%s: %v after %q", []string{"haproxy", "proxy"}[who], err, buf)
						}
					}
				}
				readBody(len("HELLO"))
				io.WriteString(conn, c.send)
				readBody(c.want)
				switch c.end {
				case "client":
					conn.Close()
				case "server":
					io.WriteString(conn, "BYE")
					if _, err := io.ReadAll(conn); err != nil {
						t.Errorf("%s: tunnel not closed after the server's close: %v", []string{"haproxy", "proxy"}[who], err)
					}
					conn.Close()
				case "idle":
					start := time.Now()
					if _, err := io.ReadAll(conn); err != nil {
						t.Errorf("%s: tunnel not closed after timeout tunnel: %v", []string{"haproxy", "proxy"}[who], err)
					}
					idle[who] = time.Since(start)
					conn.Close()
				}
				got[who] = string(buf)
				lines[who] = payload(r.sink[who].next(t, `"(GET /ws|CONNECT)`))
				heads[who] = origin.last()
			}
			if got[0] != got[1] {
				t.Errorf("client received\n got %q\nwant %q", got[1], got[0])
			}
			if heads[0] != heads[1] {
				t.Errorf("server received\n got %q\nwant %q", heads[1], heads[0])
			}
			if c.end == "idle" && (idle[1] < 500*time.Millisecond || idle[1] > 3*time.Second) {
				t.Errorf("idle tunnel closed after %v (haproxy: %v), want about 700ms", idle[1], idle[0])
			}
			sameShape(t, formats.HTTPLogFormat, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}
