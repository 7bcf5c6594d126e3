package proxy

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/h1corpus"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy/h1"
)

var h1Record = flag.Bool("h1.record", false, "record haproxy's verdicts on the HTTP/1 corpus into testdata/h1/"+h1corpus.VerdictsFile)

// h1DiffConfig is the configuration both proxies run for the corpus: one
// frontend, one server (the recording backend), the client's address in
// x-forwarded-for so the backend knows which case a request belongs to,
// and short timeouts so incomplete messages end quickly.
func h1DiffConfig(sinkPort, bindPort, backendPort int) string {
	return fmt.Sprintf(`global
    log 127.0.0.1:%d local0
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 1s
    timeout server 5s
    timeout http-request 1s
    timeout http-keep-alive 300ms
frontend fe
    bind 127.0.0.1:%d
    option forwardfor
    default_backend be
backend be
    server s1 127.0.0.1:%d
`, sinkPort, bindPort, backendPort)
}

// caseIP is the source address the client of case i binds, so that the
// backend (through x-forwarded-for) and the log line name the case.
func caseIP(i int) net.IP { return net.IPv4(127, 1, byte(i/250), byte(i%250+1)) }

// recorder is the backend: it records every request it receives, keyed
// by x-forwarded-for, answers request cases with a small 200 and response
// cases with the case's raw bytes.
type recorder struct {
	cases []h1corpus.Case
	mu    sync.Mutex
	got   map[int]*h1corpus.Verdict
}

func (r *recorder) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go r.conn(c)
	}
}

var xffRe = regexp.MustCompile(`(?im)^x-forwarded-for: *127\.1\.(\d+)\.(\d+)\r?\n`)

func (r *recorder) conn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		h, ok := readRawHead(br)
		if !ok {
			return
		}
		m := xffRe.FindStringSubmatchIndex(h)
		if m == nil {
			return
		}
		hi, _ := strconv.Atoi(h[m[2]:m[3]])
		lo, _ := strconv.Atoi(h[m[4]:m[5]])
		idx := hi*250 + lo - 1
		if idx < 0 || idx >= len(r.cases) {
			return
		}
		h = h[:m[0]] + h[m[1]:]
		r.mu.Lock()
		v := r.got[idx]
		v.Heads = append(v.Heads, h) // seen by split cases before the body
		v.Bodies = append(v.Bodies, "")
		k := len(v.Bodies) - 1
		r.mu.Unlock()
		body, ok := readRecordedBody(br, h)
		r.mu.Lock()
		v.Bodies[k] = body
		r.mu.Unlock()
		if !ok {
			return
		}
		if r.cases[idx].Response {
			c.Write(r.cases[idx].Raw)
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"); err != nil {
			return
		}
	}
}

// readRawHead reads a message head as received, up to and with the
// empty line (false on an error or past 1 MiB).
func readRawHead(br *bufio.Reader) (string, bool) {
	var head bytes.Buffer
	for {
		ln, err := br.ReadSlice('\n')
		head.Write(ln)
		if err != nil {
			return "", false
		}
		if len(ln) <= 2 && strings.TrimRight(string(ln), "\r\n") == "" {
			return head.String(), true
		}
		if head.Len() > 1<<20 {
			return "", false
		}
	}
}

// readRecordedBody reads the body of a forwarded request as framed by its
// (already normalised) head, and returns it as received on the wire.
func readRecordedBody(br *bufio.Reader, head string) (string, bool) {
	lower := strings.ToLower(head)
	if strings.Contains(lower, "\ntransfer-encoding:") {
		var body bytes.Buffer
		for {
			ln, err := br.ReadString('\n')
			body.WriteString(ln)
			if err != nil {
				return body.String(), false
			}
			size, err := strconv.ParseInt(strings.TrimRight(strings.SplitN(ln, ";", 2)[0], "\r\n"), 16, 64)
			if err != nil || size < 0 || size > 1<<20 {
				return body.String(), false
			}
			if size == 0 {
				for {
					ln, err := br.ReadString('\n')
					body.WriteString(ln)
					if err != nil {
						return body.String(), false
					}
					if ln == "\r\n" || ln == "\n" {
						return body.String(), true
					}
				}
			}
			data := make([]byte, size+2)
			n, err := io.ReadFull(br, data)
			body.Write(data[:n])
			if err != nil {
				return body.String(), false
			}
		}
	}
	if i := strings.Index(lower, "\ncontent-length:"); i >= 0 {
		v := lower[i+len("\ncontent-length:"):]
		v = strings.TrimSpace(v[:strings.IndexByte(v, '\n')])
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 1<<20 {
			return "", false
		}
		data := make([]byte, n)
		k, err := io.ReadFull(br, data)
		return string(data[:k]), err == nil
	}
	return "", true
}

// h1Run sends every corpus case, each on a fresh connection from its own
// source address, to addr and returns what happened to each.
func h1Run(t *testing.T, cases []h1corpus.Case, addr string, sink *logSink, rec *recorder) []h1corpus.Verdict {
	t.Helper()
	rec.mu.Lock()
	rec.got = map[int]*h1corpus.Verdict{}
	for i := range cases {
		rec.got[i] = &h1corpus.Verdict{}
	}
	rec.mu.Unlock()
	status := make([]int, len(cases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 24)
	for i := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status[i] = h1Send(cases[i], addr, caseIP(i), func() bool {
				rec.mu.Lock()
				defer rec.mu.Unlock()
				return len(rec.got[i].Heads) > 0
			})
		}()
	}
	wg.Wait()
	logs := h1Logs(t, sink, len(cases))
	out := make([]h1corpus.Verdict, len(cases))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := range cases {
		v := *rec.got[i]
		v.Status = status[i]
		v.Logs = logs[i]
		out[i] = v
	}
	return out
}

// h1Send sends one case and returns the status code of the first
// response received (0 when none), reading until the proxy closes.
// A split case pauses after c.Split bytes until headSeen reports the
// backend has the head (polled for at most a second: a proxy may also
// wait for more before forwarding anything).
func h1Send(c h1corpus.Case, addr string, ip net.IP, headSeen func() bool) int {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 2 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return -1
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	msg := c.Raw
	if c.Response {
		msg = []byte("GET /resp HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	if c.Split > 0 {
		conn.Write(msg[:c.Split])
		msg = msg[c.Split:]
		for end := time.Now().Add(time.Second); !headSeen() && time.Now().Before(end); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	conn.Write(msg)
	resp, _ := io.ReadAll(conn)
	if len(resp) < 12 || !bytes.HasPrefix(resp, []byte("HTTP/1.")) {
		return 0
	}
	// Skip 1xx interim responses.
	for bytes.HasPrefix(resp, []byte("HTTP/1.1 1")) && !bytes.HasPrefix(resp, []byte("HTTP/1.1 101")) {
		i := bytes.Index(resp, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		resp = resp[i+4:]
	}
	if len(resp) < 12 {
		return 0
	}
	n, _ := strconv.Atoi(string(resp[9:12]))
	return n
}

var h1LogRe = regexp.MustCompile(`^127\.1\.(\d+)\.(\d+):\d+ \[[^]]*\] \S+ \S+ \S+ (-?\d+) \S+ \S+ \S+ (\S{4}) .*?"(.*)$`)

// h1Log parses a log datagram of the run: the case it is about (from the
// client address, caseIP), below n, and what it logged.
func h1Log(d string, n int) (int, h1corpus.Log, bool) {
	m := h1LogRe.FindStringSubmatch(payload(d))
	if m == nil {
		return 0, h1corpus.Log{}, false
	}
	hi, _ := strconv.Atoi(m[1])
	lo, _ := strconv.Atoi(m[2])
	i := hi*250 + lo - 1
	if i < 0 || i >= n {
		return 0, h1corpus.Log{}, false
	}
	st, _ := strconv.Atoi(m[3])
	return i, h1corpus.Log{Status: st, Term: m[4], BadReq: strings.HasPrefix(m[5], "<BADREQ>")}, true
}

// h1Logs collects the log lines of the run, by case, polling until every
// case has at least one line or a deadline passes (a case may log nothing
// more once its connection ended, so the deadline is short).
func h1Logs(t *testing.T, sink *logSink, n int) [][]h1corpus.Log {
	t.Helper()
	out := make([][]h1corpus.Log, n)
	have := 0
	deadline := time.NewTimer(2 * time.Second)
	defer deadline.Stop()
	for have < n {
		select {
		case d := <-sink.lines:
			i, l, ok := h1Log(d, n)
			if !ok {
				continue
			}
			if len(out[i]) == 0 {
				have++
			}
			out[i] = append(out[i], l)
		case <-deadline.C:
			return out
		}
	}
	// Lines of the same connection (pipelined requests) follow quickly.
	for {
		select {
		case d := <-sink.lines:
			if i, l, ok := h1Log(d, n); ok {
				out[i] = append(out[i], l)
			}
		default:
			return out
		}
	}
}

func h1Backend(t *testing.T, cases []h1corpus.Case) (*recorder, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	rec := &recorder{cases: cases}
	go rec.serve(l)
	return rec, l.Addr().(*net.TCPAddr).Port
}

// TestH1RecordHAProxy records the real haproxy's verdicts on the corpus
// (go test ./proxy -run TestH1RecordHAProxy -h1.record).
func TestH1RecordHAProxy(t *testing.T) {
	if !*h1Record {
		t.Skip("run with -h1.record to record haproxy's verdicts")
	}
	bin := haproxyBin(t)
	cases, err := h1corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	rec, bport := h1Backend(t, cases)
	sink := newLogSink(t)
	port := testkit.FreePort(t)
	addr := haproxyAt(t, h1DiffConfig(sink.port(), port, bport), port)
	got := h1Run(t, cases, addr, sink, rec)
	var b strings.Builder
	b.WriteString("# Recorded from " + bin + " (HAProxy 2.6.12) by TestH1RecordHAProxy -h1.record; do not edit.\n")
	for i, c := range cases {
		b.WriteString(h1corpus.FormatVerdict(c.Name, got[i]) + "\n")
	}
	path := filepath.Join(h1corpus.Dir(), h1corpus.VerdictsFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d cases into %s", len(cases), path)
}

// TestH1Differential sends every corpus case through the real haproxy and
// through the proxy (same configuration, a recording backend, logs
// captured) and fails when the proxy is more permissive: it forwards a
// request haproxy did not (a rejected one, or a second smuggled one),
// forwards a different head or body, or answers success where haproxy
// did not. Rejections must carry haproxy's status and log status and
// termination state. Cases the corpus marks stricter must be rejected.
func TestH1Differential(t *testing.T) {
	haproxyBin(t)
	cases, err := h1corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	hrec, hbport := h1Backend(t, cases)
	prec, pbport := h1Backend(t, cases)
	hsink, psink := newLogSink(t), newLogSink(t)
	hport := testkit.FreePort(t)
	haddr := haproxyAt(t, h1DiffConfig(hsink.port(), hport, hbport), hport)
	p := runProxy(t, h1DiffConfig(psink.port(), 0, pbport))
	var hv, pv []h1corpus.Verdict
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); hv = h1Run(t, cases, haddr, hsink, hrec) }()
	pv = h1Run(t, cases, addr(t, p, "fe", false), psink, prec)
	wg.Wait()
	permissive, rejects, other := 0, 0, 0
	for i, c := range cases {
		perm, diffs := h1Compare(c, hv[i], pv[i])
		rej, _ := hv[i].Refused(c)
		report := t.Errorf
		switch {
		case perm:
			permissive++
		case len(diffs) > 0 && rej:
			rejects++
		case len(diffs) > 0:
			// Not a rejection by haproxy and nothing more permissive:
			// a difference in how an accepted exchange ends (tunnels,
			// timeouts), reported but not failed here.
			other++
			report = t.Logf
		}
		for _, d := range diffs {
			report("%s (cases.txt:%d): %s\n  haproxy: %s\n  proxy:   %s", c.Name, c.Line, d,
				h1corpus.FormatVerdict("", hv[i]), h1corpus.FormatVerdict("", pv[i]))
		}
	}
	t.Logf("%d cases: %d more permissive than haproxy, %d rejections answered or logged differently, %d other differences",
		len(cases), permissive, rejects, other)
}

func isSuccess(st int) bool { return st >= 200 && st < 400 }

// h1Compare lists how the proxy's handling of c differs from haproxy's;
// perm is set when one of the differences makes the proxy more permissive.
func h1Compare(c h1corpus.Case, h, p h1corpus.Verdict) (perm bool, diffs []string) {
	add := func(permissive bool, format string, args ...any) {
		perm = perm || permissive
		diffs = append(diffs, fmt.Sprintf(format, args...))
	}
	if len(p.Heads) > len(h.Heads) {
		add(true, "forwarded %d requests, haproxy %d", len(p.Heads), len(h.Heads))
	}
	for i := 0; i < len(p.Heads) && i < len(h.Heads); i++ {
		if p.Heads[i] != h.Heads[i] && !c.Normalised {
			add(true, "request %d forwarded as %q, haproxy %q", i, p.Heads[i], h.Heads[i])
		}
		pb, hb := h1Payload(p.Heads[i], p.Bodies[i]), h1Payload(h.Heads[i], h.Bodies[i])
		if c.Stricter && strings.HasPrefix(hb, strings.TrimSuffix(pb, "<truncated>")) {
			continue // we cut a body haproxy forwarded: the stricter side
		}
		if pb != hb {
			add(true, "request %d body forwarded as %q, haproxy %q", i, pb, hb)
		}
	}
	if isSuccess(p.Status) && !isSuccess(h.Status) {
		add(true, "answered %d, haproxy %d", p.Status, h.Status)
	}
	if c.Stricter && isSuccess(p.Status) {
		add(true, "the corpus says we reject (%s), we answered %d", c.Note, p.Status)
	}
	if c.Stricter || c.Normalised {
		return perm, diffs
	}
	if p.Status != h.Status {
		add(false, "status %d, haproxy %d", p.Status, h.Status)
	}
	// The log lines of rejections (and of every case whose connection
	// logs the same number of lines) must agree on status, termination
	// state and <BADREQ>.
	if len(p.Logs) != len(h.Logs) {
		add(false, "%d log lines, haproxy %d", len(p.Logs), len(h.Logs))
		return perm, diffs
	}
	for i := range p.Logs {
		if p.Logs[i] != h.Logs[i] {
			add(false, "log line %d: %v, haproxy %v", i, p.Logs[i], h.Logs[i])
		}
	}
	return perm, diffs
}

// h1Payload decodes a recorded body (de-chunked when the head says
// chunked; trailers appended lower-cased) so that bodies re-chunked
// differently compare equal.
func h1Payload(head, body string) string {
	if !strings.Contains(strings.ToLower(head), "\ntransfer-encoding: chunked") {
		return body
	}
	lim := h1.DefaultLimits()
	var d h1.ChunkDecoder
	d.Reset(&lim)
	b := []byte(body)
	var out []byte
	for !d.Done() {
		n, ev, p, err := d.Next(b)
		if err != nil {
			return string(out) + "<bad chunking: " + err.Error() + ">"
		}
		b = b[n:]
		switch ev {
		case h1.Data:
			out = append(out, p...)
		case h1.Trailer:
			out = h1.AppendTrailer(out, p)
		case h1.NeedMore:
			if n == 0 {
				return string(out) + "<truncated>"
			}
		}
	}
	return string(out)
}
