package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// headerBackend answers every request with the status and extra header
// lines given in its query: /?st=200&h=Cache-Control:%20private.
func headerBackend(t *testing.T) int {
	t.Helper()
	return queryBackend(t, func(_ *http.Request, q url.Values) ([]byte, bool) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "HTTP/1.1 %s X\r\nContent-Length: 0\r\nConnection: close\r\n", q.Get("st"))
		for _, h := range q["h"] {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n")
		return b.Bytes(), true
	})
}

// rawRequest sends one request and returns the response head, lower-cased.
func rawRequest(t *testing.T, addr, req string) string {
	t.Helper()
	c := mustDial(t, addr)
	defer c.Close()
	io.WriteString(c, req)
	br := bufio.NewReader(c)
	var head strings.Builder
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: reading response: %v", addr, err)
		}
		if l == "\r\n" {
			break
		}
		head.WriteString(strings.ToLower(l))
	}
	return head.String()
}

// TestCookieNocacheVsHAProxy: "cookie ... insert nocache" adds
// "cache-control: private" exactly where HAProxy 2.6 does (cacheable
// statuses and methods, response cache headers), compared side by side.
func TestCookieNocacheVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	be := headerBackend(t)
	cfg := func(port int) string {
		return httpDefaults + fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    cookie SRVID insert indirect nocache
    server a1 127.0.0.1:%d cookie a1
`, port, be)
	}
	haddr, oaddr := runPair(t, cfg)

	for _, tc := range []struct{ method, query, reqHdrs string }{
		{"GET", "st=200", ""},
		{"GET", "st=200&h=Cache-Control:%20private", ""},
		{"GET", "st=200&h=Cache-Control:%20no-cache", ""},
		{"GET", "st=200&h=Cache-Control:%20no-store", ""},
		{"GET", "st=200&h=Cache-Control:%20public", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=0", ""},
		{"GET", "st=200&h=Cache-Control:%20s-maxage=0", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=200&h=Cache-Control:%20s-maxage=60", ""},
		{"GET", "st=200&h=Cache-Control:%20no-cache=%22set-cookie%22", ""},
		{"GET", "st=200&h=Cache-Control:%20public,%20private", ""},
		{"GET", "st=200&h=Pragma:%20no-cache", ""},
		{"GET", "st=200&h=Expires:%200", ""},
		{"GET", "st=200&h=Vary:%20*", ""},
		{"GET", "st=200&h=Last-Modified:%20Mon,%2001%20Jan%202024%2000:00:00%20GMT", ""},
		{"GET", "st=200&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Vary:%20accept-encoding", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20private", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20no-cache", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20no-store", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20max-age=0", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20no-cache=%22set-cookie%22", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Pragma:%20no-cache", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Vary:%20*", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Vary:%20accept-encoding", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cache-Control:%20public", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60,%20no-cache", ""},
		{"GET", "st=200&h=Cache-Control:%20no-cache,%20max-age=60", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", "Cache-Control: no-cache\r\n"},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", "Pragma: no-cache\r\n"},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", "Authorization: Basic eDp5\r\n"},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", "Cache-Control: no-store\r\n"},
		{"GET", "st=200&h=Cache-Control:%20max-age=60", "Cookie: SRVID=zz\r\n"},
		{"POST", "st=200&h=Cache-Control:%20max-age=60", "Content-Length: 0\r\n"},
		{"HEAD", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"PUT", "st=200&h=Cache-Control:%20max-age=60", "Content-Length: 0\r\n"},
		{"DELETE", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"OPTIONS", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"PATCH", "st=200&h=Cache-Control:%20max-age=60", "Content-Length: 0\r\n"},
		{"TRACE", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"FOO", "st=200&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=200&h=Cache-Control:%20PRIVATE&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=60&h=Cookie:%20SRVID=a1", "Cookie: SRVID=a1\r\n"},
		{"GET", "st=200&h=Cache-Control:%20private=%22x%22&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age=abc", ""},
		{"GET", "st=200&h=Cache-Control:%20Max-Age=60", ""},
		{"GET", "st=200&h=Cache-Control:%20NO-CACHE&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Cache-Control:%20MAX-AGE=0&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Pragma:%20NO-CACHE&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Pragma:%20no-cache,%20x&h=ETag:%20%22x%22", ""},
		{"GET", "st=200&h=Cache-Control:%20S-MAXAGE=1", ""},
		{"GET", "st=200&h=Cache-Control:%20max-age", ""},
		{"GET", "st=200&h=Cache-Control:%20%20no-store%20&h=ETag:%20%22x%22", ""},
		{"GET", "st=201&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=203&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=204&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=206&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=300&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=301&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=302&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=304&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=307&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=308&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=400&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=404&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=405&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=410&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=414&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=500&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=501&h=Cache-Control:%20max-age=60", ""},
		{"GET", "st=503&h=Cache-Control:%20max-age=60", ""},
	} {
		req := fmt.Sprintf("%s /?%s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n", tc.method, tc.query, tc.reqHdrs)
		want := rawRequest(t, haddr, req)
		got := rawRequest(t, oaddr, req)
		wantCC := strings.Count(want, "cache-control: private") > strings.Count(tc.query, "private")
		gotCC := strings.Count(got, "cache-control: private") > strings.Count(tc.query, "private")
		wantCk := strings.Contains(want, "set-cookie: srvid=a1")
		gotCk := strings.Contains(got, "set-cookie: srvid=a1")
		t.Logf("%s %s %q: haproxy cache-control:private=%v set-cookie=%v", tc.method, tc.query, tc.reqHdrs, wantCC, wantCk)
		if gotCC != wantCC || gotCk != wantCk {
			t.Errorf("%s %s %q: cache-control:private %v set-cookie %v, haproxy %v %v\n got:\n%s want:\n%s",
				tc.method, tc.query, tc.reqHdrs, gotCC, gotCk, wantCC, wantCk, got, want)
		}
	}
}
