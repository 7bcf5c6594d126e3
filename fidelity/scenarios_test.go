package fidelity

import (
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbackend"
)

// Request headers the steps send (fixed, so captures are comparable).
const (
	hostWWW = "Host: www.example.com"
	uaCurl  = "User-Agent: curl/7.88.1"
	uaOdd   = `User-Agent: Very|Odd {UA} with "quotes" and | pipes #1`
)

// badRequests are garbage requests HAProxy answers with 400 <BADREQ>
// (from the capture's traffic.py).
var badRequests = []struct{ name, data string }{
	{"hello", "HELLO\r\n\r\n"},
	{"garbage", "GARBAGE GARBAGE GARBAGE\r\n\r\n"},
	{"tls-hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + strings.Repeat("\x01", 32) + "\r\n\r\n"},
	{"broken-header", "GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n"},
	{"space-in-uri", "GET /has space in it HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"bad-method", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"ctl-in-uri", "GET /\x01ctl HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"bad-content-length", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"},
	{"double-content-length", "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"},
	{"bad-version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n"}, // last: HAProxy forwards it
}

func mustFormat(src string, req, resp int) *lineFormat {
	lf, err := newLineFormat(src, req, resp)
	if err != nil {
		// The formats are constants of this file: a failure is a bug in
		// package formats, reported by the unit tests.
		return &lineFormat{src: src, vars: map[string]bool{}}
	}
	return lf
}

func scenarios() []*scenario {
	var out []*scenario
	for _, sc := range []*scenario{httpScenario(), tcpScenario(), clfScenario(), customScenario(), rfc5424Scenario(), edgeScenario()} {
		if sc != nil {
			out = append(out, sc)
		}
	}
	return out
}

// simple builds a one-line step sending one request to fe.
func simple(name, fe, data string, mask ...string) step {
	return step{name: name, fe: fe, lines: 1, mask: mask, run: func(c *client) { c.raw(fe, data) }}
}

func httpSteps(fe string) []step {
	return []step{
		simple("get-200", fe, get("/a?st=200&sz=10", hostWWW, uaCurl)),
		simple("get-404-set-cookie", fe, get("/b?st=404&sz=1000&ck=1", hostWWW, uaCurl)),
		simple("get-500", fe, get("/c?st=500&sz=17", hostWWW)),
		simple("head", fe, req("HEAD", "/e?sz=5000", hostWWW)),
		simple("post", fe, "POST /p?st=201&sz=5 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"+strings.Repeat("x", 1000)),
		simple("http10-no-host", fe, "GET /f?st=200&sz=100 HTTP/1.0\r\n\r\n"),
		simple("http10-host", fe, "GET /f2?st=302&sz=17 HTTP/1.0\r\nHost: h10.example.com\r\nUser-Agent: ancient/0.9\r\n\r\n"),
		simple("leastconn", fe, get("/lc/g?st=503&sz=1500", hostWWW)),
		simple("deny", fe, get("/forbidden/x", hostWWW)),
		simple("nosrv-down", fe, get("/down/z?st=200", hostWWW)),
		simple("server-timeout", fe, get("/slow/t?d=1500", hostWWW)),
		simple("stats-backend", fe, get("/admin/stats", hostWWW), "B"),
		simple("badreq-hello", fe, "HELLO\r\n\r\n"),
		{name: "queue", fe: fe, lines: 3, unordered: true, threshold: map[string]int64{"Tw": 100},
			run: func(c *client) {
				var fns []func(sent func())
				for i := range 3 {
					fns = append(fns, func(sent func()) {
						c.rawThen(fe, get("/q/r"+strconv.Itoa(i)+"?st=200&sz=10&d=1200", hostWWW), sent)
					})
				}
				staggered(300*time.Millisecond, fns...)
			}},
		{name: "abort-abortonclose", fe: fe, lines: 1, run: func(c *client) {
			c.closeAfter(fe, get("/abort/a?st=200&d=800", hostWWW), 200*time.Millisecond, false)
		}},
		simple("long-uri", fe, get("/long/"+strings.Repeat("q", 1100)+"?st=200", hostWWW)),
	}
}

func httpScenario() *scenario {
	httplog := mustFormat(formats.HTTPLogFormat, 2, 2)
	steps := []step{
		simple("get-200", "fe_web", get("/a?st=200&sz=10", hostWWW, uaCurl)),
		simple("get-404-set-cookie", "fe_web", get("/b?st=404&sz=1000&ck=1", hostWWW, uaCurl)),
		simple("get-500", "fe_web", get("/c?st=500&sz=17", hostWWW)),
		simple("cookie-valid", "fe_web", get("/d?st=200", hostWWW, "Cookie: SRVID=a2")),
		simple("cookie-invalid", "fe_web", get("/d2?st=200", hostWWW, "Cookie: SRVID=zz; other=1")),
		simple("head", "fe_web", req("HEAD", "/e?sz=5000", hostWWW)),
		simple("post", "fe_web", "POST /p?st=201&sz=5 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"+strings.Repeat("x", 1000)),
		simple("post-chunked", "fe_plain", "POST /i?sz=3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		simple("http10-no-host", "fe_web", "GET /f?st=200&sz=100 HTTP/1.0\r\n\r\n"),
		simple("http10-host", "fe_web", "GET /f2?st=302&sz=17 HTTP/1.0\r\nHost: h10.example.com\r\nUser-Agent: ancient/0.9\r\n\r\n"),
		simple("http10-keepalive-head", "fe_plain", "HEAD /g?st=200 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
		simple("leastconn", "fe_web", get("/lc/g?st=503&sz=1500", hostWWW)),
		simple("captures-escape", "fe_web", get("/h", "Host: "+strings.Repeat("x", 40), uaOdd)),
		simple("query-jsessionid", "fe_web", get("/search;jsessionid=ABC1?q=1&x=%3Ba;b&st=200", hostWWW)),
		simple("long-uri", "fe_web", get("/long/"+strings.Repeat("q", 1100)+"?st=200", hostWWW)),
		simple("long-uri-plain", "fe_plain", get("/long/"+strings.Repeat("z", 3000)+"?st=200&sz=10", hostWWW)),
		simple("deny", "fe_web", get("/forbidden/x", hostWWW)),
		simple("redirect", "fe_web", get("/old/y", hostWWW)),
		simple("return", "fe_web", get("/health", "Host: lb", "User-Agent: kube-probe/1.28")),
		simple("nosrv-down", "fe_web", get("/down/z?st=200", hostWWW)),
		simple("dead-server", "fe_web", get("/dead/z?st=200", hostWWW)),
		simple("server-timeout", "fe_plain", get("/slow/t?d=1500", hostWWW)),
		simple("bad-status-line", "fe_web", get("/bad/r1?bad=1", hostWWW)),
		simple("server-close", "fe_web", get("/bad/r2?bad=2", hostWWW)),
		simple("truncated-body", "fe_web", get("/bad/r3?bad=3", hostWWW)),
		{name: "empty-conn", fe: "fe_web", lines: 1, run: func(c *client) { c.closeAfter("fe_web", "", 0, false) }},
		{name: "empty-conn-dontlognull", fe: "fe_plain", lines: 0, run: func(c *client) { c.closeAfter("fe_plain", "", 0, false) }},
		{name: "partial-request-close", fe: "fe_web", lines: 1, run: func(c *client) {
			c.closeAfter("fe_web", "GET /partial HTTP/1.1\r\nHost: x\r\n", 100*time.Millisecond, false)
		}},
		{name: "http-request-timeout", fe: "fe_web", lines: 1, run: func(c *client) {
			c.holdUntilClosed("fe_web", "GET /timeout HTTP/1.1\r\nHost: x\r\n")
		}},
		{name: "abort-abortonclose", fe: "fe_web", lines: 1, run: func(c *client) {
			c.closeAfter("fe_web", get("/abort/a?st=200&d=800", hostWWW), 200*time.Millisecond, false)
		}},
		{name: "abort-no-abortonclose", fe: "fe_web", lines: 1, run: func(c *client) {
			c.closeAfter("fe_web", get("/slow/s?st=200&d=700", hostWWW), 200*time.Millisecond, false)
		}},
		{name: "abort-rst-waiting", fe: "fe_web", lines: 1, run: func(c *client) {
			c.closeAfter("fe_web", get("/slow/rst?st=200&d=700", hostWWW), 200*time.Millisecond, true)
		}},
		{name: "abort-during-data", fe: "fe_web", lines: 1, mask: []string{"B"}, run: func(c *client) {
			c.readSome("fe_web", get("/big/b?st=200&sz=8000000", hostWWW), 20000, false)
		}},
		{name: "abort-during-data-rst", fe: "fe_web", lines: 1, mask: []string{"B"}, run: func(c *client) {
			c.readSome("fe_web", get("/big/r?st=200&sz=8000000", hostWWW), 20000, true)
		}},
		{name: "client-timeout-data", fe: "fe_plain", lines: 1, mask: []string{"B"}, run: func(c *client) {
			c.slowReader("fe_plain", get("/big/slow?st=200&sz=8000000", hostWWW), 2500*time.Millisecond)
		}},
		{name: "queue", fe: "fe_web", lines: 3, unordered: true, threshold: map[string]int64{"Tw": 100},
			run: func(c *client) {
				var fns []func(sent func())
				for i := range 3 {
					fns = append(fns, func(sent func()) {
						c.rawThen("fe_web", get("/q/r"+strconv.Itoa(i)+"?st=200&sz=10&d=1200", hostWWW), sent)
					})
				}
				staggered(300*time.Millisecond, fns...)
			}},
		{name: "queue-timeout", fe: "fe_web", lines: 2, unordered: true, threshold: map[string]int64{"Tw": 100},
			run: func(c *client) {
				staggered(250*time.Millisecond,
					func(sent func()) { c.rawThen("fe_web", get("/qto/a?st=200&sz=10&d=1500", hostWWW), sent) },
					func(sent func()) { c.rawThen("fe_web", get("/qto/b?st=200&sz=10", hostWWW), sent) })
			}},
		{name: "server-up", fe: "fe_web", lines: 0, admin: []string{`^Server be_flap/f1 is UP`},
			before: func(e *env) error { return e.flap.up() }, run: func(*client) {}},
		simple("server-up-request", "fe_web", get("/flap/x?st=200&sz=10", hostWWW)),
		{name: "server-down", fe: "fe_web", lines: 0,
			admin:  []string{`^Server be_flap/f1 is DOWN`, `^backend be_flap has no server available!`},
			before: func(e *env) error { e.flap.down(); return nil }, run: func(*client) {}},
		simple("server-down-request", "fe_web", get("/flap/y?st=200&sz=10", hostWWW)),
		simple("stats-backend", "fe_web", get("/admin/stats", hostWWW), "B"),
		simple("stats-listen", "stats", get("/", "Host: stats"), "B"),
		simple("stats-listen-csv", "stats", get("/;csv", "Host: stats"), "B"),
		{name: "ipv6-client", fe: "fe_web6", lines: 1, cond: func(e *env) bool { return e.v6 },
			run: func(c *client) { c.raw("fe_web6", get("/v6?st=200&sz=10", hostWWW)) }},
	}
	// Keep-alive and the bad requests come last: a difference in server
	// choice there (keep-alive requests are balanced one by one; HTTP/9.9
	// is forwarded, not rejected) would shift the roundrobin of every
	// later step.
	steps = append(steps,
		step{name: "keep-alive", fe: "fe_web", lines: 3, run: func(c *client) {
			c.keepAlive("fe_web", ka("GET", "/k1?sz=0", hostWWW, uaCurl), ka("GET", "/k2?sz=100", hostWWW),
				ka("GET", "/lc/k3?sz=2000&st=404", hostWWW))
		}},
		step{name: "keep-alive-plain", fe: "fe_plain", lines: 2, run: func(c *client) {
			c.keepAlive("fe_plain", ka("GET", "/k4?sz=10", hostWWW), ka("POST", "/k5?sz=10", hostWWW, "Content-Length: 0"))
		}},
	)
	for _, b := range badRequests {
		steps = append(steps, simple("badreq-"+b.name, "fe_web", b.data))
	}
	return &scenario{
		name:    "http",
		tmpl:    "http.cfg.tmpl",
		loggers: map[string]framing{"main": frameLocal},
		formats: map[string]*lineFormat{"": mustFormat(formats.HTTPLogFormat, 0, 0), "fe_web": httplog, "fe_web6": httplog},
		startup: []string{`^Server be_down/d1 is DOWN`, `^backend be_down has no server available!`,
			`^Server be_flap/f1 is DOWN`, `^backend be_flap has no server available!`},
		steps: steps,
		halog: [][]string{{"-srv", "-H"}, {"-st"}, {"-tc"}},
	}
}

func tcpScenario() *scenario {
	banner := len(testbackend.BannerText)
	steps := []step{
		{name: "echo", fe: "ft_echo", lines: 1, run: func(c *client) { c.tcpEcho("ft_echo", "hello echo", 10) }},
		{name: "echo-roundrobin", fe: "ft_echo", lines: 1, run: func(c *client) { c.tcpEcho("ft_echo", "hello again", 11) }},
		{name: "echo-20k", fe: "ft_echo", lines: 1, run: func(c *client) {
			c.tcpEcho("ft_echo", strings.Repeat("0123456789", 2000), 20000)
		}},
		{name: "leastconn", fe: "ft_lc", lines: 1, run: func(c *client) { c.tcpEcho("ft_lc", "lc", 2) }},
		{name: "banner", fe: "lt_banner", lines: 1, run: func(c *client) {
			c.tcpEcho("lt_banner", "HELO corpus\r\n", banner+13)
		}},
		{name: "dead-server", fe: "ft_dead", lines: 1, run: func(c *client) { c.holdUntilClosed("ft_dead", "data") }},
		{name: "nosrv-down", fe: "ft_down", lines: 1, run: func(c *client) { c.holdUntilClosed("ft_down", "data") }},
		{name: "server-timeout", fe: "ft_silent", lines: 1, run: func(c *client) {
			c.holdUntilClosed("ft_silent", "no answer expected")
		}},
		{name: "client-timeout", fe: "ft_echo", lines: 1, run: func(c *client) {
			c.holdUntilClosed("ft_echo", "then wait")
		}},
		{name: "client-rst", fe: "ft_silent", lines: 1, run: func(c *client) {
			c.closeAfter("ft_silent", "reset me", 200*time.Millisecond, true)
		}},
		// Whether HAProxy had connected to the server when the client
		// left is a race in HAProxy itself: Tc and the state are masked.
		{name: "empty-conn", fe: "ft_echo", lines: 1, mask: []string{"Tc", "tsc"},
			run: func(c *client) { c.closeAfter("ft_echo", "", 0, false) }},
		{name: "empty-conn-dontlognull", fe: "ft_null", lines: 0, run: func(c *client) { c.closeAfter("ft_null", "", 0, false) }},
		{name: "dontlognull-data", fe: "ft_null", lines: 1, run: func(c *client) { c.tcpEcho("ft_null", strings.Repeat("x", 50), 50) }},
		{name: "server-closes", fe: "ft_close", lines: 1, run: func(c *client) { c.holdUntilClosed("ft_close", "") }},
		{name: "queue", fe: "ft_queue", lines: 3, unordered: true, threshold: map[string]int64{"Tw": 100},
			run: func(c *client) {
				var fns []func(sent func())
				for i := range 3 {
					// A holds the only slot 1200 ms; B (queued at 300 ms,
					// holds until 2100 ms) and C (queued at 600 ms, holds
					// until 3000 ms) are served in turn. Every event is
					// 300+ ms away from the next one (a loaded machine).
					hold := time.Duration(1200+600*i) * time.Millisecond
					fns = append(fns, func(sent func()) {
						c.closeAfterThen("ft_queue", "queued "+strconv.Itoa(i), hold, false, sent)
					})
				}
				staggered(300*time.Millisecond, fns...)
			}},
		{name: "ipv6-client", fe: "ft_v6", lines: 1, cond: func(e *env) bool { return e.v6 },
			run: func(c *client) { c.tcpEcho("ft_v6", "hello over v6", 13) }},
	}
	return &scenario{
		name:    "tcp",
		tmpl:    "tcp.cfg.tmpl",
		loggers: map[string]framing{"main": frameLocal},
		formats: map[string]*lineFormat{"": mustFormat(formats.TCPLogFormat, 0, 0), "fe_sync": mustFormat(formats.HTTPLogFormat, 0, 0)},
		startup: []string{`^Server bt_down/down1 is DOWN`, `^backend bt_down has no server available!`},
		steps:   steps,
		halog:   [][]string{{"-st"}, {"-tc"}}, // -srv needs HTTP lines
	}
}

// customLogFormat is the seed's log-format of conformance/configs/haproxy-custom.cfg,
// unquoted.
const customLogFormat = `%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`

func clfScenario() *scenario {
	return httpVariant("clf", "fe_clf", mustFormat(formats.CLFLogFormat, 0, 0), mustFormat(formats.CLFLogFormat, 2, 1))
}

func customScenario() *scenario {
	return httpVariant("custom", "fe_custom", mustFormat(formats.HTTPLogFormat, 0, 0), mustFormat(customLogFormat, 2, 0))
}

// httpVariant is the http steps on frontend fe (and fe+"6", its IPv6
// twin) logging with format f, other lines with def; the config is
// name.cfg.tmpl.
func httpVariant(name, fe string, def, f *lineFormat) *scenario {
	return &scenario{
		name:    name,
		tmpl:    name + ".cfg.tmpl",
		loggers: map[string]framing{"main": frameLocal},
		formats: map[string]*lineFormat{"": def, fe: f, fe + "6": f},
		startup: []string{`^Server be_down/d1 is DOWN`, `^backend be_down has no server available!`},
		steps:   httpSteps(fe),
	}
}

func rfc5424Scenario() *scenario {
	var steps []step
	for _, st := range httpSteps("fe_5424") {
		switch st.name {
		case "get-200", "get-404-set-cookie", "deny", "nosrv-down", "badreq-hello", "long-uri":
			steps = append(steps, st)
		}
	}
	steps = append(steps, simple("long-uri-3000", "fe_5424", get("/long/"+strings.Repeat("w", 3000)+"?st=200&sz=10", hostWWW)))
	return &scenario{
		name: "rfc5424",
		tmpl: "rfc5424.cfg.tmpl",
		// log-send-hostname makes the default format rfc3164.
		loggers: map[string]framing{"main": frame3164, "l5424": frame5424, "short": frameShort, "raw": frameRaw,
			"iso": frameISO, "timed": frameTimed, "priority": framePriority, "len4096": frame3164},
		formats: map[string]*lineFormat{"": mustFormat(formats.HTTPLogFormat, 0, 0), "fe_5424": mustFormat(formats.HTTPLogFormat, 2, 0)},
		startup: []string{`^Server be_down/d1 is DOWN`, `^backend be_down has no server available!`},
		steps:   steps,
		halog:   [][]string{{"-srv", "-H"}, {"-st"}, {"-tc"}},
	}
}

// edgeLogFormat is fe_edge's log-format in edge.cfg.tmpl, unquoted.
const edgeLogFormat = `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %U %tsc %ID %{+Q}r`

// edgeScenario gathers the logging cases of issue 10 §2 (each also has
// a differential test in proxy/): a client closing mid-POST (-1/0/CD--),
// unique-id-format/%ID and %U, a redirect's bytes, the stats page
// without credentials, a TCP server refusing.
func edgeScenario() *scenario {
	post := "POST /p?st=200&sz=5 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("x", 100)
	steps := []step{
		simple("get-unique-id", "fe_edge", get("/a?st=200&sz=10", hostWWW, uaCurl)),
		simple("post-unique-id", "fe_edge", "POST /p?st=201&sz=5 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"+strings.Repeat("x", 1000)),
		{name: "client-closes-mid-post", fe: "fe_edge", lines: 1, run: func(c *client) { c.closeAfter("fe_edge", post, 300*time.Millisecond, false) }},
		{name: "client-rst-mid-post", fe: "fe_edge", lines: 1, run: func(c *client) { c.closeAfter("fe_edge", post, 300*time.Millisecond, true) }},
		simple("redirect", "fe_edge", get("/old/y", hostWWW)),
		simple("redirect-http10", "fe_edge", "GET /old/z HTTP/1.0\r\n\r\n"),
		simple("stats-no-credentials", "fe_edge", get("/admin/stats", hostWWW)),
		simple("stats-bad-credentials", "fe_edge", get("/admin/stats", hostWWW, "Authorization: Basic YWRtaW46d3Jvbmc=")),
		{name: "tcp-server-refuses", fe: "ft_refuse", lines: 1, run: func(c *client) { c.holdUntilClosed("ft_refuse", "data") }},
	}
	return &scenario{
		name:    "edge",
		tmpl:    "edge.cfg.tmpl",
		loggers: map[string]framing{"main": frameLocal},
		formats: map[string]*lineFormat{"": mustFormat(formats.HTTPLogFormat, 0, 0), "fe_edge": mustFormat(edgeLogFormat, 0, 0),
			"ft_refuse": mustFormat(formats.TCPLogFormat, 0, 0)},
		steps: steps,
	}
}
