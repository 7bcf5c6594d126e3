package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestDefaultsRulesVsHAProxy: the http-request and http-response rules of
// a named defaults section run, before the proxy's own, in the frontend
// that uses it, as with haproxy 2.6.12 (a deny, a header the origin sees
// set by both in order, a response header).
func TestDefaultsRulesVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		body := fmt.Sprint(req.Header.Values("X-Order"))
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}).String()
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\n" +
		"defaults d\n    mode http\n    log global\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"    timeout http-keep-alive 100ms\n    http-request deny if { path /deny }\n" +
		"    http-request add-header X-Order defaults\n    http-response set-header X-From-Defaults yes\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %r\"\n" +
		"    http-request add-header X-Order frontend\n    default_backend be\n" +
		"defaults e\n    mode http\n    log global\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
		"backend be\n    server s1 ORIGIN\n"
	r := sideBySide(t, cfg, func(int) string { return origin })
	r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
	sameAnswers(t, r, "GET /deny HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
}
