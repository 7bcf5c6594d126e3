package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// uniqueIDConfig: fe adds the unique ID to the request (unique-id-header)
// and logs it; fe2 has no header, so the ID is made when the line is
// logged, and answers itself.
const uniqueIDConfig = sinkHTTPPreamble + `frontend fe
    bind 127.0.0.1:P1
    unique-id-format %{+X}o\ %ci_%fp_%HM_%HU
    unique-id-header X-Unique-ID
    log-format "%ID %ST %r"
    default_backend be
frontend fe2
    bind 127.0.0.1:P2
    unique-id-format id-%ci:%fp-%{+Q}r
    log-format "%ID %ST %r"
    http-request return status 200
backend be
    server s1 ORIGIN
`

// TestUniqueIDVsHAProxy: the same requests through haproxy 2.6.12 and the
// proxy give the same unique-id header at the server and the same %ID in
// the log lines (the bind port masked, in decimal and in hex). %rt is
// left out: haproxy's count includes or not the probe connections of
// WaitDial depending on timing.
func TestUniqueIDVsHAProxy(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hdr="+strings.Join(r.Header.Values("X-Unique-ID"), ",")+";")
	}))
	defer origin.Close()
	run := func(who string) []string {
		sink, p1, p2 := runTwoFrontends(t, who, uniqueIDConfig, "ORIGIN", origin.Listener.Addr().String())
		mask := strings.NewReplacer(strconv.Itoa(p1), "P1", fmt.Sprintf("%X", p1), "P1", strconv.Itoa(p2), "P2")
		var out []string
		c := mustDial(t, fmt.Sprintf("127.0.0.1:%d", p1))
		br := bufio.NewReader(c)
		for i := range 2 { // two requests on one connection
			fmt.Fprintf(c, "GET /a%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out = append(out, "body "+mask.Replace(string(body)))
			out = append(out, "log "+mask.Replace(payload(sink.next(t, fmt.Sprintf(`/a%d `, i)))))
		}
		c.Close()
		resp := roundTrip(t, fmt.Sprintf("127.0.0.1:%d", p2), "GET /b?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		out = append(out, "status "+resp[:strings.Index(resp, "\r\n")])
		out = append(out, "log "+mask.Replace(payload(sink.next(t, `/b\?x=1 `))))
		return out
	}
	want := run("haproxy")
	got := run("proxy")
	t.Logf("haproxy:\n%s", strings.Join(want, "\n"))
	testkit.EqualLines(t, "unique IDs", []byte(strings.Join(got, "\n")), []byte(strings.Join(want, "\n")))
}
