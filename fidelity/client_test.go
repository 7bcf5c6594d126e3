package fidelity

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// client drives traffic against one side. Every connection has a
// deadline; errors are expected (aborts, refusals) and only noted.
type client struct {
	side *side
	mu   sync.Mutex
	errs []string
}

const ioTimeout = 10 * time.Second

func (c *client) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *client) addr(fe string) string {
	p, ok := c.side.ports[fe]
	if !ok {
		c.note("no port for %s", fe)
		return "127.0.0.1:1"
	}
	if strings.HasSuffix(fe, "6") && c.side.v6[fe] {
		return "[::1]:" + strconv.Itoa(p)
	}
	return "127.0.0.1:" + strconv.Itoa(p)
}

func (c *client) dial(fe string) net.Conn {
	conn, err := net.DialTimeout("tcp", c.addr(fe), ioTimeout)
	if err != nil {
		c.note("dial %s: %v", fe, err)
		return nil
	}
	conn.SetDeadline(time.Now().Add(ioTimeout))
	return conn
}

// req builds an HTTP/1.1 request with the given header lines and
// "Connection: close".
func req(method, path string, hdrs ...string) string {
	return ka(method, path, append(hdrs, "Connection: close")...)
}

func get(path string, hdrs ...string) string { return req("GET", path, hdrs...) }

// raw sends data and reads until the peer closes (or the deadline).
func (c *client) raw(fe, data string) string { return c.rawThen(fe, data, func() {}) }

// rawThen is raw calling sent once the data is written.
func (c *client) rawThen(fe, data string, sent func()) string {
	defer sent()
	conn := c.dial(fe)
	if conn == nil {
		return ""
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, data); err != nil {
		c.note("write %s: %v", fe, err)
	}
	sent()
	out, _ := io.ReadAll(conn)
	return string(out)
}

// closeAfter sends data, waits d (the client's scripted behaviour, not a
// synchronisation) and closes; with rst the close sends a RST.
func (c *client) closeAfter(fe, data string, d time.Duration, rst bool) {
	c.closeAfterThen(fe, data, d, rst, func() {})
}

// closeAfterThen is closeAfter calling sent once the data is written.
func (c *client) closeAfterThen(fe, data string, d time.Duration, rst bool, sent func()) {
	defer sent()
	conn := c.dial(fe)
	if conn == nil {
		return
	}
	if data != "" {
		io.WriteString(conn, data)
	}
	sent()
	time.Sleep(d)
	if rst {
		conn.(*net.TCPConn).SetLinger(0)
	}
	conn.Close()
}

// readSome sends data, reads n bytes of the answer, then closes (with a
// RST when rst is set).
func (c *client) readSome(fe, data string, n int, rst bool) {
	conn := c.dial(fe)
	if conn == nil {
		return
	}
	io.WriteString(conn, data)
	io.ReadFull(conn, make([]byte, n))
	if rst {
		conn.(*net.TCPConn).SetLinger(0)
	}
	conn.Close()
}

// keepAlive sends the raw requests one after the other on one connection,
// reading each response, then closes.
func (c *client) keepAlive(fe string, reqs ...string) {
	conn := c.dial(fe)
	if conn == nil {
		return
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for _, r := range reqs {
		if _, err := io.WriteString(conn, r); err != nil {
			c.note("keep-alive write: %v", err)
			return
		}
		method, _, _ := strings.Cut(r, " ")
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			c.note("keep-alive read: %v", err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// ka builds a keep-alive HTTP/1.1 request (no Connection header).
func ka(method, path string, hdrs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, path)
	for _, h := range hdrs {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// slowReader asks for a big body with a tiny receive buffer, does not read
// it and waits until the proxy gives up (or hold passes).
func (c *client) slowReader(fe, data string, hold time.Duration) {
	d := net.Dialer{Timeout: ioTimeout}
	conn, err := d.Dial("tcp", c.addr(fe))
	if err != nil {
		c.note("dial %s: %v", fe, err)
		return
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(conn, data)
	time.Sleep(hold)
}

// tcpEcho sends data, reads until want bytes came back or the peer closed,
// then closes.
func (c *client) tcpEcho(fe, data string, want int) string {
	conn := c.dial(fe)
	if conn == nil {
		return ""
	}
	defer conn.Close()
	io.WriteString(conn, data)
	buf := make([]byte, 0, want)
	tmp := make([]byte, 65536)
	for len(buf) < want {
		n, err := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			break
		}
	}
	return string(buf)
}

// holdUntilClosed sends data and reads until the proxy closes the
// connection (a timeout on its side), bounded by the deadline.
func (c *client) holdUntilClosed(fe, data string) {
	conn := c.dial(fe)
	if conn == nil {
		return
	}
	defer conn.Close()
	if data != "" {
		io.WriteString(conn, data)
	}
	io.Copy(io.Discard, conn)
}

// parallel runs fns at once and waits for all of them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// staggered runs fns in order: each one is started once the previous one
// has sent its request (it calls sent; extra calls are harmless) and d
// more has passed, so that arrival order, hence queue positions, is
// reproducible. It waits for all of them.
func staggered(d time.Duration, fns ...func(sent func())) {
	var wg sync.WaitGroup
	for i, f := range fns {
		if i > 0 {
			time.Sleep(d)
		}
		ch := make(chan struct{})
		var once sync.Once
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(func() { once.Do(func() { close(ch) }) })
		}()
		<-ch
	}
	wg.Wait()
}
