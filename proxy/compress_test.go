package proxy

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// queryBackend serves HTTP/1 requests with answer's reply to each (its
// query parsed), until the client closes or answer says last.
func queryBackend(t *testing.T, answer func(req *http.Request, q url.Values) (resp []byte, last bool)) int {
	t.Helper()
	addr := testkit.Serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			q, _ := url.ParseQuery(req.URL.RawQuery)
			resp, last := answer(req, q)
			if _, err := c.Write(resp); err != nil || last {
				return
			}
		}
	})
	return addr.Port
}

// bodyBackend answers with the status, headers and body its query asks:
// st=200, h=Name:%20value (repeatable), n=<body bytes>, chunked=1.
func bodyBackend(t *testing.T) int {
	t.Helper()
	return queryBackend(t, func(req *http.Request, q url.Values) ([]byte, bool) {
		n, _ := strconv.Atoi(q.Get("n"))
		body := bytes.Repeat([]byte("hello compressible world "), n/25+1)[:n]
		var b bytes.Buffer
		fmt.Fprintf(&b, "HTTP/1.1 %s OK\r\n", q.Get("st"))
		for _, h := range q["h"] {
			b.WriteString(h + "\r\n")
		}
		if q.Get("chunked") == "1" {
			b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
			for len(body) > 0 {
				k := min(len(body), 700)
				fmt.Fprintf(&b, "%x\r\n%s\r\n", k, body[:k])
				body = body[k:]
			}
			b.WriteString("0\r\n\r\n")
		} else {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
			if req.Method != "HEAD" {
				b.Write(body)
			}
		}
		return b.Bytes(), false
	})
}

// exchange sends one request and returns the status line, the header
// lines (lower-cased names, in order) and the decoded body.
func rawExchange(t *testing.T, addr, req string) (string, []string, string) {
	t.Helper()
	c := mustDial(t, addr)
	defer c.Close()
	io.WriteString(c, req)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(req)[0]})
	if err != nil {
		t.Fatalf("%s: %v", addr, err)
	}
	defer resp.Body.Close()
	var hdrs []string
	// Re-read the raw header order is not kept by net/http: rebuild from
	// the canonical map, sorted by name, plus the framing it consumed.
	for k, vs := range resp.Header {
		for _, v := range vs {
			hdrs = append(hdrs, strings.ToLower(k)+": "+v)
		}
	}
	if len(resp.TransferEncoding) > 0 {
		hdrs = append(hdrs, "transfer-encoding: "+strings.Join(resp.TransferEncoding, ","))
	}
	if resp.ContentLength >= 0 && len(resp.TransferEncoding) == 0 && resp.Header.Get("Content-Length") == "" {
		hdrs = append(hdrs, "content-length: "+strconv.FormatInt(resp.ContentLength, 10))
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: body: %v", addr, err)
	}
	var r io.Reader = bytes.NewReader(raw)
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		if r, err = gzip.NewReader(r); err != nil {
			t.Fatalf("gzip: %v", err)
		}
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(raw))
		}
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: decoding %s: %v", addr, resp.Header.Get("Content-Encoding"), err)
	}
	sortStrings(hdrs)
	return resp.Status, hdrs, string(body)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestCompressionVsHAProxy sends the same requests through haproxy 2.6
// and the proxy with "compression algo/type" set in the frontend and in
// a backend, and compares status, headers and decoded bodies.
func TestCompressionVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	be := bodyBackend(t)
	cfg := func(port int) string {
		return httpDefaults + fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    compression algo gzip deflate
    use_backend braw if { path_beg /raw/ }
    use_backend bid if { path_beg /id/ }
    default_backend b
backend b
    server s 127.0.0.1:%d
backend braw
    compression algo raw-deflate
    compression type text/plain application/json
    server s 127.0.0.1:%d
backend bid
    compression algo identity
    server s 127.0.0.1:%d
`, port, be, be, be)
	}
	haddr, oaddr := runPair(t, cfg)
	const ct = "&h=Content-Type:%20text/html"
	for _, tc := range []struct{ method, path, version, hdrs string }{
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: deflate\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: br\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", ""},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: *\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip;q=0.5, deflate\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip;q=0, deflate;q=0\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: deflate;q=0.5, gzip;q=0.5\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: GZIP\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: identity, gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\nUser-Agent: Mozilla/5.0\r\n"},
		{"GET", "/?st=200&n=3000" + ct, "1.0", "Accept-Encoding: gzip\r\n"},
		{"HEAD", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"POST", "/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\nContent-Length: 0\r\n"},
		{"GET", "/?st=201&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=203&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=204&n=0" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=206&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=404&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=0" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=100000&chunked=1" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=Content-Encoding:%20br", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=Cache-Control:%20public,%20no-transform", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=ETag:%20%22v1%22", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=ETag:%20W/%22v1%22", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=ETag:%20v1", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000" + ct + "&h=ETag:%20%22a%22&h=ETag:%20%22b%22", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000&h=Content-Type:%20multipart/mixed", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/?st=200&n=3000", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/raw/?st=200&n=3000&h=Content-Type:%20text/plain;%20charset=utf-8", "1.1", "Accept-Encoding: deflate\r\n"},
		{"GET", "/raw/?st=200&n=3000&h=Content-Type:%20TEXT/PLAIN", "1.1", "Accept-Encoding: deflate\r\n"},
		{"GET", "/raw/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: deflate\r\n"},
		{"GET", "/raw/?st=200&n=3000", "1.1", "Accept-Encoding: deflate\r\n"},
		{"GET", "/raw/?st=200&n=3000&h=Content-Type:%20text/plain", "1.1", "Accept-Encoding: gzip\r\n"},
		{"GET", "/id/?st=200&n=3000" + ct + "&h=ETag:%20%22v1%22", "1.1", "Accept-Encoding: identity\r\n"},
		{"GET", "/id/?st=200&n=3000" + ct, "1.1", "Accept-Encoding: gzip\r\n"},
	} {
		req := fmt.Sprintf("%s %s HTTP/%s\r\nHost: x\r\n%sConnection: close\r\n\r\n", tc.method, tc.path, tc.version, tc.hdrs)
		wantSt, wantH, wantB := rawExchange(t, haddr, req)
		gotSt, gotH, gotB := rawExchange(t, oaddr, req)
		if gotSt != wantSt || strings.Join(gotH, "|") != strings.Join(wantH, "|") || gotB != wantB {
			t.Errorf("%s %s HTTP/%s %q:\n got  %s %v body %d bytes\n want %s %v body %d bytes",
				tc.method, tc.path, tc.version, tc.hdrs, gotSt, gotH, len(gotB), wantSt, wantH, len(wantB))
		}
	}
}

// TestCompressionKeepAliveAndLog: compressed responses keep the client
// connection open (chunked), and the log line counts the bytes the server
// sent (%B), as haproxy 2.6 logs them.
func TestCompressionKeepAliveAndLog(t *testing.T) {
	testbin.Need(t, "haproxy")
	be := bodyBackend(t)
	var lines [2]string
	for i, who := range []string{"haproxy", "proxy"} {
		sink := newLogSink(t)
		a := startSide(t, who, func(port int) string {
			return sink.global() + testkit.HTTPLogDefaults + fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    compression algo gzip
    default_backend b
backend b
    server s 127.0.0.1:%d
`, port, be)
		})
		conns := regexp.MustCompile(`(\S{4}) \d+/\d+/\d+/\d+/\d+ `)
		c := mustDial(t, a)
		br := bufio.NewReader(c)
		for k := 0; k < 2; k++ {
			fmt.Fprintf(c, "GET /?st=200&n=5000&h=Content-Type:%%20text/html&k=%d HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", k)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("%s: request %d: %v", who, k, err)
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("%s: request %d: %v", who, k, err)
			}
			body, err := io.ReadAll(zr)
			resp.Body.Close()
			if err != nil || len(body) != 5000 {
				t.Fatalf("%s: request %d: %d bytes, %v", who, k, len(body), err)
			}
		}
		c.Close()
		// The connection counters are masked: haproxy may still count
		// haproxyAt's probe connection (seen: 2/2/0/0/0 vs 1/1/0/0/0).
		lines[i] = conns.ReplaceAllString(maskText(payload(sink.next(t, `k=1 HTTP`))), "$1 C ")
	}
	if lines[0] != lines[1] {
		t.Errorf("log lines differ\n got  %s\n want %s", lines[1], lines[0])
	}
}
