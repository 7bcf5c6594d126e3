package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

// httpDefaults is a defaults section in mode http, with 5s timeouts and
// no logging.
const httpDefaults = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
`

// haproxyAt runs the real haproxy on text, whose frontend listens on
// 127.0.0.1:port, and returns that address once it accepts connections.
func haproxyAt(t testing.TB, text string, port int) string {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	testkit.StartHAProxy(t, text).WaitDial(t, "tcp", addr)
	return addr
}

// startOn runs who ("haproxy", or else the proxy) on text for the rest
// of the test, without waiting for it to listen.
func startOn(t testing.TB, who, text string) {
	t.Helper()
	if who == "haproxy" {
		testkit.StartHAProxy(t, text)
	} else {
		runProxy(t, text)
	}
}

// startSide runs who ("haproxy", or else the proxy) on cfg(port), port
// being a free one for haproxy and 0 for the proxy, and returns the
// address of its frontend "fe" once it accepts connections.
func startSide(t testing.TB, who string, cfg func(port int) string) string {
	t.Helper()
	if who == "haproxy" {
		hp := testkit.FreePort(t)
		return haproxyAt(t, cfg(hp), hp)
	}
	return addr(t, runProxy(t, cfg(0)), "fe", false)
}

// runPair runs haproxy and the proxy on cfg as startSide does and returns
// the address of each one's frontend "fe".
func runPair(t testing.TB, cfg func(port int) string) (haddr, oaddr string) {
	t.Helper()
	return startSide(t, "haproxy", cfg), startSide(t, "proxy", cfg)
}

// TestDifferentialHTTP runs the real HAProxy 2.6 and the proxy on the same
// configuration and backends, sends each the same requests, and compares
// their log lines field by field (client ports, dates and timer values
// masked). It needs /usr/sbin/haproxy and skips without it; set
// HAPLOG_HAPROXY to use another binary.
func TestDifferentialHTTP(t *testing.T) {
	haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ports := startBackends(t, ctx)
	sinkH, sinkP := newLogSink(t), newLogSink(t)
	hports := map[int]int{}
	text := rewriteConfigBind(t, "testdata/haproxy-http.cfg", ports, sinkH.port(), func(orig int) int {
		if hports[orig] == 0 {
			hports[orig] = testkit.FreePort(t)
		}
		return hports[orig]
	})
	text = strings.Replace(text, "    bind [::1]:"+strconv.Itoa(hports[20100])+"\n", "", 1)
	hweb := haproxyAt(t, text, hports[20100])
	p := runProxy(t, strings.Replace(rewriteConfig(t, "testdata/haproxy-http.cfg", ports, sinkP.port()), "    bind [::1]:0\n", "", 1))
	sinkH.next(t, `^Server be_down/d1 is DOWN`)
	sinkP.next(t, `^Server be_down/d1 is DOWN`)

	steps := []struct {
		name, fe, req, re string
		m                 mask
	}{
		{"rr-first", "fe_web", get("/a?st=200&sz=10", "Host: h", "User-Agent: ua"), `/a\?`, mask{}},
		{"rr-second", "fe_web", get("/b?st=404&sz=1000&ck=1", "Host: h"), `/b\?`, mask{}},
		{"rr-cookie", "fe_web", get("/c?st=200", "Cookie: SRVID=a1"), `/c\?`, mask{}},
		{"rr-bad-cookie", "fe_web", get("/d?st=200", "Cookie: SRVID=zz"), `/d\?`, mask{}},
		{"head", "fe_web", "HEAD /e?sz=5000 HTTP/1.1\r\nConnection: close\r\n\r\n", `/e\?`, mask{}},
		{"http10", "fe_web", "GET /f?st=302&sz=17 HTTP/1.0\r\nHost: old\r\n\r\n", `/f\?`, mask{}},
		{"leastconn", "fe_web", get("/lc/g?st=503&sz=1500"), `/lc/g`, mask{}},
		{"captures-escape", "fe_web", get("/h", "Host: "+strings.Repeat("x", 40), `User-Agent: a|b{c}d "e" #f`), `/h `, mask{}},
		{"deny", "fe_web", get("/forbidden/x"), `/forbidden/x`, mask{}},
		{"redirect", "fe_web", get("/old/y"), `/old/y`, mask{}},
		{"return", "fe_web", get("/health"), `/health`, mask{}},
		{"nosrv", "fe_web", get("/down/z"), `/down/z`, mask{}},
		{"dead", "fe_web", get("/dead/z"), `/dead/z`, mask{}},
		{"server-timeout", "fe_plain", get("/slow/t?d=1500"), `/slow/t`, mask{}},
		{"badreq", "fe_plain", "GET\r\n\r\n", `BADREQ`, mask{}},
		{"partial", "fe_plain", "GET / HTTP/1.1\r\nHost", `BADREQ`, mask{}},
		{"chunked-post", "fe_plain", "POST /i?sz=3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n", `/i\?`, mask{}},
		{"long-uri", "fe_plain", get("/long/" + strings.Repeat("q", 1200) + "?st=200"), `/long/`, mask{}},
	}
	paddr := func(fe string) string { return addr(t, p, fe, false) }
	haddr := map[string]string{"fe_web": hweb, "fe_plain": "127.0.0.1:" + strconv.Itoa(hports[20101])}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			send := func(address string) {
				c := mustDial(t, address)
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.Write([]byte(st.req))
				if strings.HasSuffix(st.req, "Host") {
					return // partial request: close at once
				}
				buf := make([]byte, 65536)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}
			send(haddr[st.fe])
			want := payload(sinkH.next(t, st.re))
			if st.name == "server-timeout" && !strings.Contains(want, " 504 ") {
				// Seen once with every test package running at once:
				// HAProxy, starved of CPU, took the late answer (200,
				// Tr 948 ms for a 1.5 s delay: it corrects what looks
				// like a clock jump). A reference run that contradicts
				// its own "timeout server 1s" is run again.
				t.Logf("HAProxy logged %q despite its server timeout; running the request again", want)
				send(haddr[st.fe])
				want = payload(sinkH.next(t, st.re))
			}
			send(paddr(st.fe))
			got := payload(sinkP.next(t, st.re))
			caps := [2]int{2, 2}
			if st.fe != "fe_web" {
				caps = [2]int{}
			}
			m := st.m
			m.acfc = true
			sameShape(t, formats.HTTPLogFormat, caps, got, want, m)
		})
	}
}

// TestTCPConnectionRulesVsHAProxy: "tcp-request connection" rules run on
// each connection as it is accepted, the first whose condition holds
// deciding: a refused connection is reset (haproxy closes it without
// linger, so the reset may even reach the connect) and gets no answer and
// no log line, an
// accepted one is served, an ACL of a request fetch never matches there
// (so "unless" it refuses). Connections come from three loopback
// addresses; answers and log lines are compared with haproxy's.
func TestTCPConnectionRulesVsHAProxy(t *testing.T) {
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\n" + httpDefaults + "    log global\n    option httplog\n    option dontlognull\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    acl p path /x\n" +
		"    tcp-request connection accept if { src 127.0.0.3 }\n" +
		"    tcp-request connection reject if { src 127.0.0.2 } || { src 127.0.0.3 }\n" +
		"    tcp-request connection reject if p\n" +
		"    tcp-request connection reject unless { src 127.0.0.0/8 } || { src 127.0.0.4 }\n" +
		"    tcp-request connection reject unless p || { src_port 1:65535 }\n" +
		"    http-request return status 200 content-type text/plain string ok\n"
	r := sideBySide(t, cfg, nil)
	var got [2]string
	for who := range 2 {
		var sum []string
		for _, src := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.1"} {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", r.addr[who])
			if errors.Is(err, syscall.ECONNRESET) {
				sum = append(sum, src+": refused")
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
			b, _ := io.ReadAll(c)
			c.Close()
			status, _, _ := strings.Cut(string(b), "\r\n")
			if len(b) == 0 {
				status = "refused" // reset, whether at the write or the read
			}
			sum = append(sum, src+": "+status)
		}
		// Nothing sent: the close itself is a reset (no linger), not a FIN.
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", r.addr[who])
		if err == nil {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadAll(c)
			c.Close()
		}
		sum = append(sum, fmt.Sprintf("idle refused: reset=%v", errors.Is(err, syscall.ECONNRESET)))
		for range 2 {
			f := strings.Fields(payload(r.sink[who].next(t, `"GET`)))
			sum = append(sum, "log "+strings.Join([]string{f[0][:strings.IndexByte(f[0], ':')], f[2], f[3], f[5], f[9]}, " "))
		}
		got[who] = strings.Join(sum, " | ")
	}
	if !strings.HasPrefix(got[0], "127.0.0.2: refused | 127.0.0.3: HTTP/1.1 200") || !strings.Contains(got[0], "reset=true") {
		t.Fatalf("haproxy did not refuse 127.0.0.2 and serve 127.0.0.3: %s", got[0])
	}
	if got[0] != got[1] {
		t.Errorf("ours:\n %s\nhaproxy:\n %s", got[1], got[0])
	}
}
