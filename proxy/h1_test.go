package proxy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestParseRequest(t *testing.T) {
	f := func(in string, ok bool, method, uri, version string, cl int64, chunked, close bool) {
		t.Helper()
		var h head
		_, err := h.parseRequest([]byte(in))
		if (err == nil) != ok {
			t.Fatalf("parseRequest(%q) error = %v, want ok=%v", in, err, ok)
		}
		if !ok {
			return
		}
		if string(h.method) != method || string(h.uri) != uri || string(h.version) != version ||
			h.contentLength != cl || h.chunked != chunked || h.connClose != close {
			t.Errorf("parseRequest(%q) = %q %q %q cl=%d chunked=%v close=%v", in, h.method, h.uri, h.version, h.contentLength, h.chunked, h.connClose)
		}
	}
	f("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, "GET", "/", "HTTP/1.1", -1, false, false)
	f("POST /p?q=1 HTTP/1.0\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", true, "POST", "/p?q=1", "HTTP/1.0", 5, false, true)
	f("PUT /u HTTP/1.1\nTransfer-Encoding: chunked\nContent-Length: 3\n\n", true, "PUT", "/u", "HTTP/1.1", -1, true, false)
	f("GET /\r\n\r\n", false, "", "", "", 0, false, false) // HTTP/0.9
	// haproxy 2.6.12 forwards any HTTP/<digit>.<digit> (measured: 0.9, 1.2, 2.0, 9.9).
	f("GET / HTTP/2.0\r\n\r\n", true, "GET", "/", "HTTP/2.0", -1, false, false)
	f("GET / HTTP/9.9\r\n\r\n", true, "GET", "/", "HTTP/9.9", -1, false, false)
	f("GET / HTTP/0.9\r\n\r\n", true, "GET", "/", "HTTP/0.9", -1, false, false)
	f("GET / HTTP/1.x\r\n\r\n", false, "", "", "", 0, false, false)
	f("GET / HTTPS/1.1\r\n\r\n", false, "", "", "", 0, false, false)
	f("GE(T / HTTP/1.1\r\n\r\n", false, "", "", "", 0, false, false)                 // bad method
	f("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", false, "", "", "", 0, false, false) // space in name
	f("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", false, "", "", "", 0, false, false)
	f("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, "", "", "", 0, false, false)
	// obs-fold is unfolded, as HAProxy does (testdata/h1: hdr-obs-fold).
	f("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", true, "GET", "/", "HTTP/1.1", -1, false, false)
	f("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", true, "POST", "/", "HTTP/1.1", -1, true, false)
}

func TestParseResponseHTX(t *testing.T) {
	// HAProxy logged %B = 87 for this 84-byte response carrying 1 byte of
	// body (conformance capture): 21 + 13 for the start line, 52 for the
	// headers, 1 for the body.
	var h head
	resp := "HTTP/1.1 200 OK\r\nServer: corpus-a1\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n"
	if _, err := h.parseResponse([]byte(resp)); err != nil {
		t.Fatal(err)
	}
	if got := htxStartLine(len(h.version), len(h.code), len(h.reason)) + h.htxHdrs + 1; got != 87 {
		t.Errorf("HTX size = %d, want 87", got)
	}
	if !h.connKA || h.status != 200 || h.contentLength != 1 {
		t.Errorf("parsed %+v", h)
	}
}

func TestErrorReplies(t *testing.T) {
	// %B values HAProxy 2.6 logged for its own pages (conformance capture).
	for code, want := range map[int]int64{403: 192, 503: 217, 504: 198} {
		if got := errorReply(code).htx; got != want {
			t.Errorf("errorReply(%d).htx = %d, want %d", code, got, want)
		}
	}
}

func FuzzParseHead(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"))
	f.Add([]byte("POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close, keep-alive\r\n\r\n"))
	files, _ := filepath.Glob("testdata/haproxy-*.cfg")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 512)])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h head
		if _, err := h.parseRequest(b); err == nil {
			if len(h.method) == 0 || len(h.uri) == 0 || len(h.version) != 8 {
				t.Fatalf("accepted request with empty parts: %q", b)
			}
			if bytes.ContainsAny(h.uri, " \r\n") {
				t.Fatalf("URI with blanks: %q", h.uri)
			}
		}
		if _, err := h.parseResponse(b); err == nil && (h.status < 100 || h.status > 999) {
			t.Fatalf("status %d accepted", h.status)
		}
	})
}

// BenchmarkHeadParseRequest measures the proxy's request head parsing
// (proxy/h1 plus the copy into the session's head) on a browser-like
// request.
func BenchmarkHeadParseRequest(b *testing.B) {
	req := []byte("GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
		"Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n" +
		"Cookie: SRVID=s1; session=abcdef0123456789\r\nConnection: keep-alive\r\n\r\n")
	var h head
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if _, err := h.parseRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
