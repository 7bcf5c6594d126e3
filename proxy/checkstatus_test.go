package proxy

import (
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// The srv_check_status of each outcome ("show servers state" column),
// numbered as in HAProxy: L4OK 6, L4TOUT 7, L4CON 8, L7TOUT 12, L7RSP 13,
// L7OK 14, L7STS 16.
func TestCheckStatusCodes(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	if got := l4Result(refused, 0); got.code != 8 || got.ok {
		t.Errorf("refused: code %d ok %v, want 8 false (%s)", got.code, got.ok, got.reason)
	}
	if got := l4Result(timeoutErr{}, 0); got.code != 7 {
		t.Errorf("timeout: code %d, want 7 (%s)", got.code, got.reason)
	}
	for _, c := range []struct {
		answer string
		code   int
		ok     bool
	}{
		{"HTTP/1.0 200 OK\r\n\r\n", 14, true},
		{"HTTP/1.0 503 Service Unavailable\r\n\r\n", 16, false},
		{"garbage answer\r\n\r\n", 13, false},
		{"", 12, false},
	} {
		got := httpCheckAnswer(t, c.answer)
		if got.code != c.code || got.ok != c.ok {
			t.Errorf("answer %q: code %d ok %v, want %d %v (%s)", c.answer, got.code, got.ok, c.code, c.ok, got.reason)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// httpCheckAnswer runs httpCheck against a peer that reads the request and
// writes answer, then closes.
func httpCheckAnswer(t *testing.T, answer string) checkResult {
	t.Helper()
	c, peer := net.Pipe()
	defer c.Close()
	go func() {
		defer peer.Close()
		buf := make([]byte, 512)
		_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := peer.Read(buf); err != nil {
			return
		}
		_, _ = io.WriteString(peer, answer)
	}()
	h := &health{p: &Proxy{opts: Options{Now: time.Now}}}
	return h.httpCheck(c, &config.HTTPCheck{URI: "/_health"}, time.Now(), 5*time.Second)
}
