package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// mustDial connects to address over TCP (within 5s), failing the test if
// it cannot.
func mustDial(t testing.TB, address string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", address, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// logSink collects the datagrams sent to a UDP port.
type logSink struct {
	conn  net.PacketConn
	lines chan string
}

func newLogSink(t testing.TB) *logSink {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &logSink{conn: c, lines: make(chan string, 10000)}
	go func() {
		buf := make([]byte, 70000)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				close(s.lines)
				return
			}
			s.lines <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { c.Close() })
	return s
}

func (s *logSink) port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

// global is a global section that logs to s (facility local0).
func (s *logSink) global() string {
	return "global\n    log 127.0.0.1:" + strconv.Itoa(s.port()) + " local0\n"
}

// payload strips the syslog header "<PRI>Mmm dd hh:mm:ss tag[pid]: " and
// the final newline.
func payload(dgram string) string {
	if i := strings.Index(dgram, "]: "); i >= 0 {
		dgram = dgram[i+3:]
	}
	return strings.TrimSuffix(dgram, "\n")
}

// next returns the next datagram whose payload matches re, failing after
// the deadline.
func (s *logSink) next(t testing.TB, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		select {
		case d, ok := <-s.lines:
			if !ok {
				t.Fatalf("log sink closed while waiting for %q", re)
			}
			if rx.MatchString(payload(d)) {
				return d
			}
		case <-timer.C:
			t.Fatalf("no log line matching %q", re)
		}
	}
}

// backends runs the test origins of the conformance scenarios and returns
// a port map for config rewriting: corpus port -> real port.
func startBackends(t testing.TB, ctx context.Context) map[int]int {
	t.Helper()
	ports := map[int]int{}
	listen := func(corpus int) net.Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[corpus] = l.Addr().(*net.TCPAddr).Port
		return l
	}
	for i, name := range []string{"a1", "a2", "a3", "slow1", "q1"} {
		h := &testbackend.HTTP{Name: name}
		go h.Serve(ctx, listen(20001+i))
	}
	for i, m := range []testbackend.TCPMode{testbackend.Echo, testbackend.Banner, testbackend.Silent, testbackend.Echo, testbackend.Close} {
		tb := &testbackend.TCP{Mode: m}
		go tb.Serve(ctx, listen(20010+i))
	}
	ports[20009] = testkit.RefusedPort(t) // bound, not listening: refused
	return ports
}

// rewriteConfig points a conformance config at the test backends, binds
// its frontends on ephemeral ports and sends its logs to sinkPort.
func rewriteConfig(t testing.TB, path string, ports map[int]int, sinkPort int) string {
	return rewriteConfigBind(t, path, ports, sinkPort, func(int) int { return 0 })
}

// rewriteConfigBind is rewriteConfig with bind ports chosen by bind (from
// the corpus port).
func rewriteConfigBind(t testing.TB, path string, ports map[int]int, sinkPort int, bind func(int) int) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	bindRe := regexp.MustCompile(`^(\s*bind\s+\S+):(\d+)$`)
	srvRe := regexp.MustCompile(`127\.0\.0\.1:(200\d\d)\b`)
	for sc.Scan() {
		ln := sc.Text()
		switch {
		case strings.Contains(ln, "log 127.0.0.1:20500"), strings.Contains(ln, "stats socket"):
			continue
		case strings.Contains(ln, "log 127.0.0.1:20501"):
			ln = strings.Replace(ln, "20501", strconv.Itoa(sinkPort), 1)
		case bindRe.MatchString(ln):
			m := bindRe.FindStringSubmatch(ln)
			orig, _ := strconv.Atoi(m[2])
			ln = m[1] + ":" + strconv.Itoa(bind(orig))
		default:
			ln = srvRe.ReplaceAllStringFunc(ln, func(m string) string {
				p, _ := strconv.Atoi(m[len("127.0.0.1:"):])
				if rp, ok := ports[p]; ok {
					return "127.0.0.1:" + strconv.Itoa(rp)
				}
				return m
			})
		}
		out = append(out, ln)
	}
	return strings.Join(out, "\n") + "\n"
}

// runProxy parses text, starts the proxy and stops it at cleanup.
func runProxy(t testing.TB, text string) *Proxy {
	t.Helper()
	p := newProxyCfg(t, text)
	if err := p.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("proxy did not stop")
		}
	})
	return p
}

// addr returns the frontend's first address of the given family.
func addr(t testing.TB, p *Proxy, fe string, v6 bool) string {
	t.Helper()
	for _, a := range p.Addrs(fe) {
		ta := a.(*net.TCPAddr)
		if (ta.IP.To4() == nil) == v6 {
			return a.String()
		}
	}
	t.Fatalf("frontend %s has no %v address", fe, v6)
	return ""
}

func readRefs(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, ln := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(ln, "\t")
		refs[k] = v
	}
	return refs
}

// mask selects what a comparison ignores beyond ports, dates and timer
// values.
type mask struct {
	counters bool // ac/fc/bc/sc (concurrency of the capture differs)
	acfc     bool // ac/fc only (the other process may not have closed the previous connection yet)
	bytes    bool
	queue    bool // sq/bq
	cipher   bool // %sslc (crypto/tls and OpenSSL pick different TLS 1.3 suites)
}

// sameShape compares two log lines (payloads) rendered with format: every
// field must be equal except the client port, the dates and the timer
// values, of which only "-1 or not" is compared.
func sameShape(t testing.TB, format string, caps [2]int, got, want string, m mask) {
	t.Helper()
	f, err := formats.Compile(format)
	if err != nil {
		t.Fatal(err)
	}
	opt := formats.ParseOptions{ReqCaptures: caps[0], RespCaptures: caps[1]}
	var g, w formats.Record
	gerr, werr := f.Parse([]byte(got), &g, opt), f.Parse([]byte(want), &w, opt)
	if errors.Is(gerr, formats.ErrTruncated) && errors.Is(werr, formats.ErrTruncated) {
		// Both cut at the length limit: compare what is left, masked.
		mg, mw := maskConns(maskText(got), m), maskConns(maskText(want), m)
		n := min(len(mg), len(mw))
		if n < len(mg)-16 || n < len(mw)-16 || mg[:n] != mw[:n] {
			t.Errorf("truncated lines differ\n got: %s\nwant: %s", got, want)
		}
		return
	}
	if err := gerr; err != nil {
		t.Fatalf("proxy line does not parse: %v\n%s", err, got)
	}
	if err := werr; err != nil {
		t.Fatalf("reference line does not parse: %v\n%s", err, want)
	}
	for _, r := range []*formats.Record{&g, &w} {
		r.ClientAddr = netipPortless(r.ClientAddr)
		r.AcceptTime, r.RequestTime = time.Time{}, time.Time{}
		r.Timers = timerClass(r.Timers)
		if m.counters {
			r.ActConn, r.FeConn, r.BeConn, r.SrvConn = 0, 0, 0, 0
		}
		if m.acfc {
			r.ActConn, r.FeConn = 0, 0
		}
		if m.bytes {
			r.BytesOut = 0
		}
		if m.queue {
			r.SrvQueue, r.BackendQueue = 0, 0
		}
		if m.cipher {
			r.SSLCipher = ""
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("log line differs from HAProxy's\n got: %s\nwant: %s\n got record: %+v\nwant record: %+v", got, want, g, w)
	}
}

var (
	portDateRe = regexp.MustCompile(`^(\S+):\d+ \[[^]]*\]`)
	timersRe   = regexp.MustCompile(`-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+ `)
)

// maskText hides the client port, the date and the timers (the first
// group of five numbers) of a raw line.
func maskText(s string) string {
	s = portDateRe.ReplaceAllString(s, "$1:P [D]")
	if loc := timersRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]] + "T " + s[loc[1]:]
	}
	return s
}

// connsRe finds the connection counters (ac/fc/bc/sc/rc) in a line masked
// by maskText: the first group of five numbers left once the timers are.
var connsRe = regexp.MustCompile(` (\d+)/(\d+)/(\d+)/(\d+)/(\+?\d+) `)

// maskConns hides in a line masked by maskText the counters that m
// ignores: ac/fc for m.acfc, ac/fc/bc/sc for m.counters.
func maskConns(s string, m mask) string {
	repl := " $1/$2/$3/$4/$5 "
	switch {
	case m.counters:
		repl = " A/F/B/S/$5 "
	case m.acfc:
		repl = " A/F/$3/$4/$5 "
	default:
		return s
	}
	loc := connsRe.FindStringIndex(s)
	if loc == nil {
		return s
	}
	return s[:loc[0]] + connsRe.ReplaceAllString(s[loc[0]:loc[1]], repl) + s[loc[1]:]
}

func timerClass(tm formats.Timers) formats.Timers {
	c := func(v int64) int64 {
		if v < 0 {
			return -1
		}
		return 0
	}
	return formats.Timers{Th: c(tm.Th), Ti: c(tm.Ti), TR: c(tm.TR), Tq: c(tm.Tq), Tw: c(tm.Tw), Tc: c(tm.Tc),
		Tr: c(tm.Tr), Td: c(tm.Td), Ta: c(tm.Ta), Tt: c(tm.Tt), Tu: c(tm.Tu)}
}

func TestMaskConns(t *testing.T) {
	line := maskText(`127.0.0.1:33076 [05/Dec/2026:13:14:13.637] fe_plain be_rr/a2 0/0/0/0/0 200 188 - - --NI 2/2/1/1/0 0/0 "GET /long/qq`)
	for _, c := range []struct {
		m    mask
		want string
	}{
		{mask{}, " --NI 2/2/1/1/0 0/0 "},
		{mask{acfc: true}, " --NI A/F/1/1/0 0/0 "},
		{mask{counters: true}, " --NI A/F/B/S/0 0/0 "},
	} {
		if got := maskConns(line, c.m); !strings.Contains(got, c.want) {
			t.Errorf("maskConns(%+v) = %q, want it to contain %q", c.m, got, c.want)
		}
	}
}
