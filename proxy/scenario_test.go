package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

func netipPortless(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr(), 0) }

func haveIPv6() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// roundTrip sends raw bytes and reads until the server closes.
func roundTrip(t testing.TB, address, req string) string {
	t.Helper()
	c := mustDial(t, address)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return string(out)
}

func get(path string, hdrs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\n", path)
	for _, h := range hdrs {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.String()
}

func (p *Proxy) backendByName(name string) *backend {
	for _, b := range p.plan().backends {
		if b != nil && b.cfg.Name == name {
			return b
		}
	}
	return nil
}

// startScenario runs the proxy on the conformance configuration
// testdata/haproxy-KIND.cfg with the test backends and a log sink, and
// reads HAProxy's lines for it (testdata/ref-KIND.txt). Where the machine
// has no IPv6, noV6 is replaced by withoutV6 in the configuration first;
// v6 says which.
func startScenario(t *testing.T, kind, noV6, withoutV6 string) (p *Proxy, sink *logSink, refs map[string]string, v6 bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ports := startBackends(t, ctx)
	sink = newLogSink(t)
	text := rewriteConfig(t, "testdata/haproxy-"+kind+".cfg", ports, sink.port())
	if v6 = haveIPv6(); !v6 {
		text = strings.Replace(text, noV6, withoutV6, 1)
	}
	return runProxy(t, text), sink, readRefs(t, "testdata/ref-"+kind+".txt"), v6
}

// TestHTTPScenarios replays, against the conformance http config, the
// requests behind a set of lines HAProxy 2.6 logged, and compares the
// proxy's lines with HAProxy's field by field.
func TestHTTPScenarios(t *testing.T) {
	p, sink, refs, v6 := startScenario(t, "http", "bind [::1]:0\n", "")
	web := addr(t, p, "fe_web", false)
	plain := addr(t, p, "fe_plain", false)
	caps := [2]int{2, 2}
	quiet := func() { testkit.Eventually(t, "no open connection", func() bool { return p.actconn.Load() == 0 }) }
	check := func(name, re string, m mask) {
		t.Helper()
		got := payload(sink.next(t, re))
		c := caps
		if strings.HasPrefix(got, "stats") || strings.Contains(got, " fe_plain ") {
			c = [2]int{}
		}
		sameShape(t, formats.HTTPLogFormat, c, got, refs[name], m)
	}

	// The health check marks be_down/d1 DOWN first (inter 500, fall 1).
	down := sink.next(t, `^Server be_down/d1 is DOWN`)
	if want := `Server be_down/d1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: `; !strings.Contains(down, want) {
		t.Errorf("DOWN line = %q, want it to contain %q", down, want)
	}
	if !strings.HasPrefix(down, "<129>") {
		t.Errorf("DOWN line level: %q, want <129> (local0.alert)", down[:6])
	}
	nosrv := sink.next(t, `has no server available`)
	if payload(nosrv) != "backend be_down has no server available!" || !strings.HasPrefix(nosrv, "<128>") {
		t.Errorf("no-server line = %q", nosrv)
	}

	quiet()
	roundTrip(t, web, "POST /unicode/%C3%A9t%C3%A9?st=200&sz=0&q=foo&page=24 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"+strings.Repeat("p", 100))
	check("normal_rr", `"POST /unicode`, mask{})

	quiet()
	roundTrip(t, web, "GET /cart?st=500&sz=0 HTTP/1.0\r\nHost: h10.example.com\r\nUser-Agent: ancient/0.9\r\n\r\n")
	check("http10", `/cart\?st=500`, mask{})

	quiet()
	roundTrip(t, web, get("/filler?sz=1")) // be_rr/a3: round robin goes back to a1 next
	sink.next(t, `/filler`)
	if v6 {
		quiet()
		roundTrip(t, addr(t, p, "fe_web", true), get("/login?st=200&sz=1", "Host: static.example.net", "User-Agent: Go-http-client/1.1"))
		check("v6", `^::1:\d+ .*/login`, mask{})
	}

	quiet()
	roundTrip(t, web, get("/lc/api/v1/users?st=404&sz=250000&arr[]=1&arr[]=2&empty=&flag", "Host: api.example.com", "Cookie: SRVID=a2"))
	check("lc_404", `/lc/api/v1/users`, mask{})

	quiet() // haproxy's line says 1/1: the previous connection is gone
	resp := roundTrip(t, web, get("/down/1?st=200", "Host: api.example.com", "User-Agent: Wget/1.21.3"))
	if !strings.HasPrefix(resp, "HTTP/1.1 503 Service Unavailable\r\n") {
		t.Errorf("down: response %q", resp)
	}
	check("down", `/down/1`, mask{})

	quiet()
	roundTrip(t, web, get("/dead/1?st=200", "User-Agent: curl/7.88.1"))
	check("dead", `/dead/1`, mask{})

	quiet()
	resp = roundTrip(t, web, get("/slow/t7?st=200&d=1500", "Host: 127.0.0.1", "User-Agent: kube-probe/1.28"))
	if !strings.HasPrefix(resp, "HTTP/1.1 504 Gateway Time-out\r\n") {
		t.Errorf("slow: response %q", resp)
	}
	check("slow", `/slow/t7`, mask{})

	quiet()
	c := mustDial(t, web)
	io.WriteString(c, "GET /partial HT")
	c.Close()
	check("client_abort", `CR-- `, mask{counters: true})

	quiet()
	resp = roundTrip(t, web, "")
	if !strings.HasPrefix(resp, "HTTP/1.1 408 Request Time-out\r\n") {
		t.Errorf("request timeout: response %q", resp)
	}
	check("request_timeout", `cR-- `, mask{})

	quiet()
	resp = roundTrip(t, plain, "GARBAGE\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 400 Bad request\r\n") {
		t.Errorf("badreq: response %q", resp)
	}
	check("badreq", `PR-- .*BADREQ`, mask{})

	quiet()
	roundTrip(t, web, get("/forbidden/3", "Host: EXAMPLE.COM:8080", `User-Agent: Very|Odd {UA} with "quotes" and | pipes`))
	check("deny", `/forbidden/3`, mask{})

	quiet()
	roundTrip(t, web, get("/old/page3", "Host: static.example.net", "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"))
	check("redirect", `/old/page3`, mask{})

	// Queueing: q1 has maxconn 1; the second request waits for the first.
	q1 := p.backendByName("be_queue").servers[0]
	first := make(chan string, 1)
	quiet()
	go func() {
		first <- roundTrip(t, web, get("/q/abort0-0?st=200&d=400", "Host: aborter", "User-Agent: aborter/1.0"))
	}()
	testkit.Eventually(t, "q1 busy", func() bool { return q1.cur.Load() == 1 })
	roundTrip(t, web, get("/q/abort0-1?st=200&d=400", "Host: aborter", "User-Agent: aborter/1.0"))
	<-first
	check("queue", `/q/abort0-1`, mask{counters: true})

	quiet()
	roundTrip(t, addr(t, p, "stats", false), get("/;csv"))
	check("stats", `^\S+ \S+ stats stats/<STATS>`, mask{bytes: true})

	// Client reset while the server prepares its answer: CD--.
	slow1 := p.backendByName("be_slow").servers[0]
	quiet()
	rc := mustDial(t, web)
	io.WriteString(rc, get("/slow/rst0?st=200&d=700", "Host: aborter", "User-Agent: aborter/1.0"))
	testkit.Eventually(t, "slow1 busy", func() bool { return slow1.cur.Load() == 1 })
	rc.(*net.TCPConn).SetLinger(0)
	rc.Close()
	check("server_abort", `/slow/rst0`, mask{counters: true, bytes: true})
}

// TestHTTPKeepAlive checks that every request of a keep-alive connection
// is logged with its own request date and idle time.
func TestHTTPKeepAlive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ports := startBackends(t, ctx)
	sink := newLogSink(t)
	p := runProxy(t, rewriteConfig(t, "testdata/haproxy-http.cfg", ports, sink.port()))
	c := mustDial(t, addr(t, p, "fe_plain", false))
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i := range 3 {
		fmt.Fprintf(c, "GET /ka%d?sz=5 HTTP/1.1\r\nHost: x\r\n\r\n", i)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(body) != "01234" {
			t.Fatalf("request %d: %d %q %v", i, resp.StatusCode, body, err)
		}
		line := payload(sink.next(t, fmt.Sprintf(`/ka%d\?`, i)))
		var r formats.Record
		f, _ := formats.Compile(formats.HTTPLogFormat)
		if err := f.Parse([]byte(line), &r, formats.ParseOptions{}); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if r.Status != 200 || r.Server == "" || r.TermState != [4]byte{'-', '-', 'N', 'I'} || r.TR < 0 || r.Tr < 0 {
			t.Errorf("request %d: unexpected line %s", i, line)
		}
		// 86 bytes of HTX start line and headers + 5 of body, as HAProxy counts.
		if r.BytesOut != 91 {
			t.Errorf("request %d: %%B = %d, want 91: %s", i, r.BytesOut, line)
		}
	}
}

// tcpExchange connects, sends data, reads want bytes (or until close when
// want < 0) and closes.
func tcpExchange(t testing.TB, address, data string, want int) int {
	t.Helper()
	c := mustDial(t, address)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, data)
	if want < 0 {
		n, _ := io.Copy(io.Discard, c)
		return int(n)
	}
	buf := make([]byte, want)
	n, err := io.ReadFull(c, buf)
	if err != nil {
		t.Fatalf("read %d/%d bytes: %v", n, want, err)
	}
	return n
}

// TestTCPScenarios replays the tcp conformance scenarios and compares the
// proxy's tcplog lines with HAProxy's.
func TestTCPScenarios(t *testing.T) {
	p, sink, refs, v6 := startScenario(t, "tcp", "frontend ft_v6\n    bind [::1]:0\n", "frontend ft_v6\n")
	fe := func(name string) string { return addr(t, p, name, false) }
	quiet := func() { testkit.Eventually(t, "no open connection", func() bool { return p.actconn.Load() == 0 }) }
	check := func(name, re string, m mask) {
		t.Helper()
		sameShape(t, formats.TCPLogFormat, [2]int{}, payload(sink.next(t, re)), refs[name], m)
	}
	sink.next(t, `^Server bt_down/down1 is DOWN, reason: Layer4 connection problem`)
	sink.next(t, `^backend bt_down has no server available!$`)

	quiet()
	tcpExchange(t, fe("ft_echo"), strings.Repeat("e", 20000), 20000)
	check("echo", ` ft_echo `, mask{})

	quiet()
	tcpExchange(t, fe("ft_dead"), "data", -1)
	check("dead", ` ft_dead `, mask{})

	quiet()
	tcpExchange(t, fe("ft_down"), "data", -1)
	check("down", ` ft_down `, mask{})

	quiet()
	tcpExchange(t, fe("ft_silent"), "no answer expected", -1)
	check("silent", ` ft_silent `, mask{})

	quiet()
	silent1 := p.backendByName("bt_silent").servers[0]
	c := mustDial(t, fe("ft_silent"))
	io.WriteString(c, "reset me")
	testkit.Eventually(t, "silent1 busy", func() bool { return silent1.cur.Load() == 1 })
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	check("rst", ` ft_silent `, mask{counters: true})

	quiet()
	echoq := p.backendByName("bt_queue").servers[0]
	c1 := mustDial(t, fe("ft_queue"))
	io.WriteString(c1, "queued 0")
	testkit.Eventually(t, "echoq busy", func() bool { return echoq.cur.Load() == 1 })
	second := make(chan int, 1)
	go func() { second <- tcpExchange(t, fe("ft_queue"), "queued 1", 8) }()
	testkit.Eventually(t, "second connection queued", func() bool { return echoq.be.queueLen() == 1 })
	io.ReadFull(c1, make([]byte, 8))
	c1.Close()
	<-second
	// Both lines may come in either order (the second exchange can end
	// before the first stream is logged): the first one is known by its
	// client port.
	first := "127.0.0.1:" + strconv.Itoa(c1.LocalAddr().(*net.TCPAddr).Port) + " "
	queued := payload(sink.next(t, ` ft_queue `))
	if strings.HasPrefix(queued, first) {
		queued = payload(sink.next(t, ` ft_queue `))
	} else {
		sink.next(t, `^`+regexp.QuoteMeta(first)+`.* ft_queue `)
	}
	sameShape(t, formats.TCPLogFormat, [2]int{}, queued, refs["queue"], mask{counters: true})

	if v6 {
		quiet()
		tcpExchange(t, addr(t, p, "ft_v6", true), "hello over v6", 13)
		check("v6", ` ft_v6 `, mask{})
	}

	quiet()
	tcpExchange(t, fe("lt_banner"), "HELO corpus\r\n", 36)
	check("banner", ` lt_banner `, mask{})
}
