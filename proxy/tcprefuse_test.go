package proxy

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// tcpRefuseConfig: a tcp-mode frontend whose only server refuses (a port
// nothing listens on).
const tcpRefuseConfig = `defaults
    mode tcp
    timeout client 3s
    timeout server 3s
    timeout connect 1s
    retries 0
frontend fe
    bind 127.0.0.1:BINDPORT
    default_backend be
backend be
    server s1 127.0.0.1:DEADPORT
`

// TestTCPRefuseCloseVsHAProxy: when the server refuses, haproxy 2.6.12
// closes the client's connection with a FIN (the client reads EOF), even
// when the client had sent data the proxy never forwarded; the proxy must
// close it the same way, not with an RST.
func TestTCPRefuseCloseVsHAProxy(t *testing.T) {
	dead := testkit.RefusedPort(t)
	hb, ob := testkit.FreePort(t), testkit.FreePort(t)
	cfg := func(b int) string {
		s := strings.ReplaceAll(tcpRefuseConfig, "BINDPORT", strconv.Itoa(b))
		return strings.ReplaceAll(s, "DEADPORT", strconv.Itoa(dead))
	}
	hp := testkit.StartHAProxy(t, cfg(hb))
	hp.WaitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", hb))
	runProxy(t, cfg(ob))
	for _, data := range []string{"", "hello\n", strings.Repeat("x", 5000)} {
		want := tcpRefuseEnd(t, hb, data)
		got := tcpRefuseEnd(t, ob, data)
		if got != want {
			t.Errorf("client sent %d bytes: connection ended by %s, haproxy: %s", len(data), got, want)
		}
	}
}

// tcpRefuseEnd connects, sends data and reports how the connection ended
// as the client sees it: "EOF" (FIN) or "RST".
func tcpRefuseEnd(t *testing.T, port int, data string) string {
	t.Helper()
	c := mustDial(t, fmt.Sprintf("127.0.0.1:%d", port))
	defer c.Close()
	if data != "" {
		if _, err := c.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			return "EOF"
		case errors.Is(err, syscall.ECONNRESET):
			return "RST"
		default:
			t.Fatalf("port %d: %v", port, err)
		}
	}
}
