package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestIdleServerCloseResetVsHAProxy: when a client ends its keep-alive
// connection, the server connection it kept idle (its response read whole)
// is closed with an RST by haproxy 2.6.12 (SO_LINGER 0, no TIME_WAIT on
// the proxy's side), and by the proxy. "http-reuse never" keeps haproxy
// from parking the connection in its idle pool instead (which it closes
// the same way, later); the proxy has no such pool. A server connection closed in the
// middle of a response still ends with a FIN: the "until-close" case,
// whose body ends when the server closes, is there to show both kinds.
func TestIdleServerCloseResetVsHAProxy(t *testing.T) {
	ends := make(chan string, 8)
	origin := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		var uri string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				ends <- "no request: " + err.Error()
				return
			}
			if uri == "" {
				uri = strings.Fields(line + " x")[1]
			}
			if line == "\r\n" {
				break
			}
		}
		if uri == "/until-close" {
			// No length: the body ends at the server's close.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok")
			c.(*net.TCPConn).CloseWrite()
		} else {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		_, err := br.ReadByte()
		switch {
		case errors.Is(err, syscall.ECONNRESET):
			ends <- "reset"
		case errors.Is(err, io.EOF):
			ends <- "fin"
		default:
			ends <- "other: " + err.Error()
		}
	}).String()
	cfg := sideConfig + "frontend fe\n    bind 127.0.0.1:BINDPORT\n    default_backend be\n" +
		"backend be\n    http-reuse never\n    server s1 ORIGIN\n"
	r := sideBySide(t, cfg, func(int) string { return origin })
	for _, uri := range []string{"/idle", "/until-close"} {
		t.Run(uri[1:], func(t *testing.T) {
			var got [2]string
			for who := range 2 {
				c := r.dial(t, who)
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(c, "GET "+uri+" HTTP/1.1\r\nHost: x\r\n\r\n")
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("side %d: %v", who, err)
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || string(body) != "ok" {
					t.Fatalf("side %d: body %q, %v", who, body, err)
				}
				c.Close()
				select {
				case got[who] = <-ends:
				case <-time.After(10 * time.Second):
					t.Fatalf("side %d: the server connection did not end", who)
				}
			}
			if got[0] != got[1] {
				t.Errorf("server connection ended with %s, haproxy %s", got[1], got[0])
			}
		})
	}
}
