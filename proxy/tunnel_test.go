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

var tunnelConfig = httpLogPreamble + "    timeout tunnel 700ms\n" + toOrigin

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
	case strings.Contains(strings.ToLower(head), "\r\nupgrade:") && !strings.HasPrefix(head, "GET /nows "):
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nHELLO")
	default: // then the next request on the connection
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		o.serve(&prefixConn{Conn: c, pre: rest})
		return
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
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
	runTunnelCases(t, tunnelConfig, 700*time.Millisecond, []tunnelCase{
		{"ws-client-closes", wsRequest, "ping", len("HELLOping"), "client"},
		{"ws-server-closes", wsRequest, "ping", len("HELLOping"), "server"},
		{"ws-idle-timeout", wsRequest, "ping", len("HELLOping"), "idle"},
		{"ws-early-data", wsRequest + "early", "ping", len("HELLOearlyping"), "client"},
		{"ws-after-keepalive", "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n" + wsRequest, "ping", len("HELLOping"), "client"},
		{"ws-refused", strings.Replace(wsRequest, "/ws", "/nows", 1), "", len("ok"), "client"},
		{"connect-client-closes", connectRequest, "ping", len("HELLOping"), "client"},
		{"connect-server-closes", connectRequest, "ping", len("HELLOping"), "server"},
		{"connect-idle-timeout", connectRequest, "", len("HELLO"), "idle"},
	})
}

// TestTunnelTimeoutsVsHAProxy: without "timeout tunnel", an idle tunnel
// ends at the client's or the server's timeout, as with haproxy 2.6.12.
func TestTunnelTimeoutsVsHAProxy(t *testing.T) {
	for _, c := range []struct{ name, client, server string }{
		{"client", "700ms", "5s"},
		{"server", "5s", "700ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := strings.NewReplacer("timeout tunnel 700ms\n", "", "timeout client 5s", "timeout client "+c.client,
				"timeout server 5s", "timeout server "+c.server).Replace(tunnelConfig)
			runTunnelCases(t, cfg, 700*time.Millisecond, []tunnelCase{
				{"ws-idle", wsRequest, "ping", len("HELLOping"), "idle"},
				{"connect-idle", connectRequest, "", len("HELLO"), "idle"},
			})
		})
	}
}

// tunnelCase is one client of runTunnelCases: it sends req, reads the
// head and "HELLO", sends send, reads until want bytes follow the last
// head, then ends: "client" closes, "server" is told BYE and closes,
// "idle" waits until the proxy closes.
type tunnelCase struct {
	name, req, send string
	want            int
	end             string
}

// tunnelBytesFormat is HAProxy's httplog format with %U (bytes read
// from the client).
const tunnelBytesFormat = formats.HTTPLogFormat + " %U"

// TestTunnelBytesVsHAProxy (issue 10 §2): %U and %B of WebSocket and
// CONNECT tunnels count the heads and the data relayed each way as
// haproxy 2.6.12 counts them, data sent with the head and a larger
// exchange included, whichever side closes.
func TestTunnelBytesVsHAProxy(t *testing.T) {
	cfg := strings.Replace(tunnelConfig, "    default_backend be\n", "    log-format \""+tunnelBytesFormat+"\"\n    default_backend be\n", 1)
	big := strings.Repeat("0123456789", 300)
	runTunnelCasesFormat(t, cfg, tunnelBytesFormat, 700*time.Millisecond, []tunnelCase{
		{"ws-client-closes", wsRequest, "ping", len("HELLOping"), "client"},
		{"ws-server-closes", wsRequest, "ping", len("HELLOping"), "server"},
		{"ws-early-data", wsRequest + "early", "ping", len("HELLOearlyping"), "client"},
		{"ws-big", wsRequest, big, len("HELLO" + big), "server"},
		{"ws-refused", strings.Replace(wsRequest, "/ws", "/nows", 1), "", len("ok"), "client"},
		{"connect-client-closes", connectRequest, "ping", len("HELLOping"), "client"},
		{"connect-big", connectRequest + "early", big, len("HELLOearly" + big), "client"},
		{"connect-idle-timeout", connectRequest, "", len("HELLO"), "idle"},
	})
}

// runTunnelCases runs each case through haproxy and the proxy on cfg
// and compares what the client and the server received and the log line
// (httplog); an idle tunnel must end after about idle.
func runTunnelCases(t *testing.T, cfg string, idle time.Duration, cases []tunnelCase) {
	runTunnelCasesFormat(t, cfg, formats.HTTPLogFormat, idle, cases)
}

// runTunnelCasesFormat is runTunnelCases for lines of the given format.
func runTunnelCasesFormat(t *testing.T, cfg, format string, idle time.Duration, cases []tunnelCase) {
	origin := &tunnelOrigin{}
	oaddr := testkit.Serve(t, origin.serve).String()
	r := sideBySide(t, cfg, func(int) string { return oaddr })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got, heads, lines [2]string
			var waited [2]time.Duration
			for who := 0; who < 2; who++ {
				conn := r.dial(t, who)
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(conn, c.req)
				var buf []byte
				tmp := make([]byte, 4096)
				readBody := func(n int) {
					for {
						i := bytes.LastIndex(buf, []byte("\r\n\r\n"))
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
				if c.send != "" {
					readBody(len("HELLO"))
					io.WriteString(conn, c.send)
				}
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
					waited[who] = time.Since(start)
					conn.Close()
				}
				got[who] = string(buf)
				lines[who] = payload(r.sink[who].next(t, `"(GET /(no)?ws|CONNECT)`))
				heads[who] = origin.last()
			}
			if got[0] != got[1] {
				t.Errorf("client received\n got %q\nwant %q", got[1], got[0])
			}
			if heads[0] != heads[1] {
				t.Errorf("server received\n got %q\nwant %q", heads[1], heads[0])
			}
			if c.end == "idle" && (waited[1] < idle*2/3 || waited[1] > idle+2*time.Second) {
				t.Errorf("idle tunnel closed after %v (haproxy: %v), want about %v", waited[1], waited[0], idle)
			}
			sameShape(t, format, [2]int{}, lines[1], lines[0], mask{acfc: true})
		})
	}
}

// TestTCPBytesVsHAProxy: in TCP mode %U is every byte read from the
// client and %B every byte sent to it, as haproxy 2.6.12 logs them.
func TestTCPBytesVsHAProxy(t *testing.T) {
	echo := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		io.WriteString(c, "HELLO")
		io.Copy(c, c)
	}).String()
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\ndefaults\n    mode tcp\n    log global\n" +
		"    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ft %b/%s %B %U %ts\"\n    default_backend be\n" +
		"backend be\n    server s1 ORIGIN\n"
	r := sideBySide(t, cfg, func(int) string { return echo })
	r.sink[0].next(t, `^fe `) // haproxy's line of the probe connection of its start
	for _, send := range []string{"", "ping", strings.Repeat("0123456789", 500)} {
		var lines [2]string
		for who := range 2 {
			c := r.dial(t, who)
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, send)
			if _, err := io.ReadFull(c, make([]byte, len("HELLO")+len(send))); err != nil {
				t.Fatal(err)
			}
			c.Close()
			lines[who] = payload(r.sink[who].next(t, `^fe `))
		}
		if lines[0] != lines[1] {
			t.Errorf("%d bytes sent: log line %q, haproxy %q", len(send), lines[1], lines[0])
		}
	}
}
