package testbackend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTP is a scriptable HTTP/1.x origin server (see the package doc).
type HTTP struct {
	// Name is used in the Server header ("corpus-<Name>") and the cookie.
	Name string
	// Delay is the default delay before answering when d= is absent.
	Delay time.Duration
	// OnRequest, when set, is called with the request target (path and
	// query) once a request has been read, before the delay: tests use it
	// to know that a request reached the origin. It may be called from
	// several goroutines at once and must not be changed after Serve.
	OnRequest func(target string)

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

var reasons = map[int]string{200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
	302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
	403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
	500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

const bodyPattern = "0123456789abcdef"

// Serve accepts connections on l until ctx is done or l fails, then closes
// every open connection and waits for their goroutines.
func (h *HTTP) Serve(ctx context.Context, l net.Listener) error {
	return serve(ctx, l, &h.mu, &h.conns, &h.wg, func(c net.Conn) { h.handleConn(ctx, c) })
}

// serve is the accept loop shared by the HTTP and TCP servers.
func serve(ctx context.Context, l net.Listener, mu *sync.Mutex, conns *map[net.Conn]struct{}, wg *sync.WaitGroup, handle func(net.Conn)) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer func() {
		mu.Lock()
		for c := range *conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		mu.Lock()
		if *conns == nil {
			*conns = make(map[net.Conn]struct{})
		}
		(*conns)[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(*conns, c)
				mu.Unlock()
				c.Close()
			}()
			handle(c)
		}()
	}
}

type request struct {
	method, target string
	contentLength  int64
	chunked        bool
	close          bool
}

func (h *HTTP) handleConn(ctx context.Context, c net.Conn) {
	br := bufio.NewReaderSize(c, 16384)
	bw := bufio.NewWriterSize(c, 32768)
	for {
		req, err := readRequest(br)
		if err != nil {
			return
		}
		if !drainBody(br, req) {
			return
		}
		if h.OnRequest != nil {
			h.OnRequest(req.target)
		}
		if !h.answer(ctx, bw, req) || req.close {
			return
		}
	}
}

func readRequest(br *bufio.Reader) (*request, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(line))
	if len(f) != 3 {
		return nil, errors.New("bad request line")
	}
	req := &request{method: f[0], target: f[1], close: f[2] == "HTTP/1.0"}
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return req, nil
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch strings.ToLower(string(name)) {
		case "content-length":
			req.contentLength, _ = strconv.ParseInt(string(value), 10, 64)
		case "transfer-encoding":
			req.chunked = bytes.EqualFold(value, []byte("chunked"))
		case "connection":
			v := strings.ToLower(string(value))
			if strings.Contains(v, "close") {
				req.close = true
			} else if strings.Contains(v, "keep-alive") {
				req.close = false
			}
		}
	}
}

func drainBody(br *bufio.Reader, req *request) bool {
	if req.chunked {
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return false
			}
			s := strings.TrimSpace(string(line))
			if i := strings.IndexByte(s, ';'); i >= 0 {
				s = s[:i]
			}
			n, err := strconv.ParseInt(s, 16, 64)
			if err != nil {
				return false
			}
			if n == 0 {
				for { // trailers
					line, err = br.ReadSlice('\n')
					if err != nil {
						return false
					}
					if len(bytes.TrimRight(line, "\r\n")) == 0 {
						return true
					}
				}
			}
			if _, err := br.Discard(int(n) + 2); err != nil {
				return false
			}
		}
	}
	if req.contentLength > 0 {
		_, err := io.CopyN(io.Discard, br, req.contentLength)
		return err == nil
	}
	return true
}

func queryParam(target, key string) (string, bool) {
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return "", false
	}
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}

func intParam(target, key string, def int) (int, bool) {
	v, ok := queryParam(target, key)
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// answer writes the response; it reports false when the connection must be
// closed (also when ctx ends during the delay, so that Serve returns
// without waiting for delays to run out).
func (h *HTTP) answer(ctx context.Context, bw *bufio.Writer, req *request) bool {
	st, ok1 := intParam(req.target, "st", 200)
	sz, ok2 := intParam(req.target, "sz", 100)
	d, ok3 := intParam(req.target, "d", int(h.Delay/time.Millisecond))
	if !ok1 || !ok2 || !ok3 {
		st, sz, d = 400, 10, 0
	}
	if d > 0 {
		t := time.NewTimer(time.Duration(d) * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	switch bad, _ := queryParam(req.target, "bad"); bad {
	case "1":
		bw.WriteString("HTTP/1.1 abc Broken\r\nContent-Length: 0\r\n\r\n")
		bw.Flush()
		return false
	case "2":
		return false
	case "3":
		bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
		bw.WriteString(strings.Repeat("x", 1000))
		bw.Flush()
		return false
	}
	reason, ok := reasons[st]
	if !ok {
		reason = "Status"
	}
	bw.WriteString("HTTP/1.1 ")
	bw.WriteString(strconv.Itoa(st))
	bw.WriteString(" ")
	bw.WriteString(reason)
	bw.WriteString("\r\n")
	if v, _ := queryParam(req.target, "srv"); v != "0" {
		bw.WriteString("Server: corpus-" + h.Name + "\r\n")
	}
	ct, ok := queryParam(req.target, "ct")
	if !ok {
		ct = "text/plain"
	}
	bw.WriteString("Content-Type: " + ct + "\r\n")
	if st == 301 || st == 302 {
		bw.WriteString("Location: http://127.0.0.1/redirected/" + h.Name + "\r\n")
	}
	if v, _ := queryParam(req.target, "ck"); v == "1" {
		bw.WriteString("Set-Cookie: SRVID=" + h.Name + "; path=/\r\n")
	}
	noBody := st == 204 || st == 304
	body := 0
	if !noBody {
		if req.method != "HEAD" {
			body = sz
		}
		bw.WriteString("Content-Length: " + strconv.Itoa(sz) + "\r\n")
	}
	closeConn := false
	if v, _ := queryParam(req.target, "close"); v == "1" {
		bw.WriteString("Connection: close\r\n")
		closeConn = true
	}
	bw.WriteString("\r\n")
	for body > 0 {
		n := min(body, len(bodyPattern))
		bw.WriteString(bodyPattern[:n])
		body -= n
	}
	if bw.Flush() != nil {
		return false
	}
	return !closeConn
}
