package proxy

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

var tcpTimers = regexp.MustCompile(` -?\d+/-?\d+/\+?\d+ `)

// TestTCPTunnelTimeoutVsHAProxy: "timeout tunnel" ends an idle TCP
// session (log "cD") long before "timeout client"/"timeout server" would,
// as with haproxy 2.6.
func TestTCPTunnelTimeoutVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	var lines [2]string
	for i, who := range []string{"haproxy", "proxy"} {
		sink := newLogSink(t)
		a := startSide(t, who, func(port int) string {
			return sink.global() + fmt.Sprintf(`defaults
    mode tcp
    log global
    option tcplog
    timeout client 20s
    timeout server 20s
    timeout connect 5s
    timeout tunnel 300ms
frontend fe
    bind 127.0.0.1:%d
    default_backend b
backend b
    server s %s
`, port, echo.Addr())
		})
		if who == "haproxy" {
			sink.next(t, `.`) // haproxyAt's probe connection
		}
		c := mustDial(t, a)
		io.WriteString(c, "ping")
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(buf); err == nil {
			t.Fatalf("%s: data after the echo", who)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: idle session closed after %v, want about 300ms", who, d)
		}
		c.Close()
		// tcplog's timers Tw/Tc/Tt are masked like the date.
		lines[i] = tcpTimers.ReplaceAllString(maskText(payload(sink.next(t, `fe b/s`))), " T3 ")
	}
	if lines[0] != lines[1] {
		t.Errorf("log lines differ\n got  %s\n want %s", lines[1], lines[0])
	}
}
