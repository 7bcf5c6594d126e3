package proxy

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// sideConfig opens the configurations of this file's side-by-side tests:
// logs to the sink, http mode, short timeouts and a 100ms keep-alive so
// that a kept connection ends soon after its last answer.
const sideConfig = "global\n    log 127.0.0.1:LOGPORT local0\ndefaults\n    mode http\n    log global\n" +
	"    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n    timeout http-keep-alive 100ms\n"

// TestErrorFileVsHAProxy: an errorfile is chosen (the backend's, else the
// frontend's), sent, and logged as haproxy 2.6.12 does: its head
// normalised (header names in lower case, its Connection header
// replaced), the connection kept or closed as its head says, %B counted
// as haproxy's HTX holds it, and the status logged the error's, not the
// file's. Two requests are sent at once; a kept connection answers both.
func TestErrorFileVsHAProxy(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"close10":  "HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>sorry</h1></body></html>\n",
		"lf":       "HTTP/1.1 503 Busy\nX-Mixed-Case: Yes\nContent-Length: 5\n\nbusy\n",
		"nolength": "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n",
		"found":    "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
		"length10": "HTTP/1.0 503 X\r\nContent-Length: 3\r\n\r\nabc",
		"close11":  "HTTP/1.1 403 No\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
		"empty":    "",
		"noreason": "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n",
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	head := sideConfig + "frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %r\"\n"
	files["builtin"] = "" // no errorfile line: haproxy's own pages
	for name := range files {
		path := filepath.Join(dir, name)
		for _, sit := range []struct{ name, cfg string }{
			{"backend-no-server", "    default_backend be\nbackend be\n    errorfile 503 " + path + "\n"},
			{"server-refuses", "    default_backend be\nbackend be\n    retries 0\n    server s1 127.0.0.1:1\n    errorfile 503 " + path + "\n"},
			{"frontend-file", "    errorfile 503 " + path + "\n    default_backend be\nbackend be\n"},
			{"backend-over-frontend", "    errorfile 503 /dev/null\n    default_backend be\nbackend be\n    errorfile 503 " + path + "\n"},
			{"no-backend", "    errorfile 503 " + path + "\n"},
			{"deny", "    errorfile 403 " + path + "\n    http-request deny\n    default_backend be\nbackend be\n"},
			{"deny-in-backend", "    default_backend be\nbackend be\n    errorfile 403 " + path + "\n    http-request deny\n"},
		} {
			if name != "lf" && name != "builtin" && sit.name != "backend-no-server" && sit.name != "deny" {
				continue // every situation for two files, two for the others
			}
			t.Run(name+"/"+sit.name, func(t *testing.T) {
				cfg := head + sit.cfg
				if name == "builtin" {
					cfg = strings.ReplaceAll(cfg, "    errorfile 503 "+path+"\n", "")
					cfg = strings.ReplaceAll(cfg, "    errorfile 403 "+path+"\n", "")
				}
				r := sideBySide(t, cfg, nil)
				r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
				sameAnswers(t, r, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
			})
		}
	}
}

// TestErrorLocVsHAProxy: errorloc, errorloc302 and errorloc303 answer
// the error with haproxy 2.6.12's redirect, logged as it logs it.
func TestErrorLocVsHAProxy(t *testing.T) {
	for _, kw := range []string{"errorloc 503 http://err.example/x?y=1", "errorloc302 503 /sorry", "errorloc303 403 /denied"} {
		t.Run(strings.Fields(kw)[0], func(t *testing.T) {
			cfg := sideConfig +
				"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %r\"\n    default_backend be\n" +
				"backend be\n    " + kw + "\n    http-request deny if { path /deny }\n"
			r := sideBySide(t, cfg, nil)
			r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
			sameAnswers(t, r, "GET /deny HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
		})
	}
}

// TestServerErrorKeepAliveVsHAProxy: after a 502 (a server that answers
// garbage, or a response denied by http-response deny) or a 504, a
// client that keeps its connection keeps it, as with haproxy 2.6.12; two
// requests sent at once are both answered.
func TestServerErrorKeepAliveVsHAProxy(t *testing.T) {
	garbage := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 4096))
		io.WriteString(c, "garbage\r\n\r\n")
	}).String()
	silent := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c)
	}).String()
	ok := testkit.Serve(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 4096))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	}).String()
	for _, c := range []struct{ name, origin, extra string }{
		{"502-garbage", garbage, ""},
		{"504-timeout", silent, ""},
		{"502-denied", ok, "    http-response deny\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := strings.Replace(sideConfig, "timeout server 5s", "timeout server 300ms", 1) +
				"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %r\"\n    default_backend be\n" +
				"backend be\n" + c.extra + "    server s1 ORIGIN\n"
			r := sideBySide(t, cfg, func(int) string { return c.origin })
			r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
			sameAnswers(t, r, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
		})
	}
}

// TestLocalReplyBodyVsHAProxy: a request answered without a server (a
// deny, a redirect, no server in the backend) whose body has arrived whole
// keeps a keep-alive connection, and %U counts its body, as haproxy
// 2.6.12 does; one whose body is larger than what has arrived gets its
// answer and the connection closes.
func TestLocalReplyBodyVsHAProxy(t *testing.T) {
	cfg := sideConfig +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %U %ts %b/%s %r\"\n" +
		"    http-request deny if { path /deny }\n    http-request redirect location /x if { path /redirect }\n" +
		"    http-request return status 200 content-type text/plain string ok if { path /return }\n" +
		"    http-request auth realm r if { path /auth }\n" +
		"    default_backend be\nbackend be\n"
	r := sideBySide(t, cfg, nil)
	r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
	next := "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
	for _, path := range []string{"/deny", "/redirect", "/return", "/auth", "/nosrv"} {
		for _, c := range []struct{ name, req string }{
			{"length", "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"},
			{"chunked", "POST " + path + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"},
			{"unsent-body", "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100)},
		} {
			t.Run(path[1:]+"-"+c.name, func(t *testing.T) {
				sameAnswers(t, r, c.req+next)
			})
		}
	}
}

// sameAnswers sends req on a new connection to haproxy and to the proxy,
// reads until each closes, and requires the same bytes and the same log
// lines (two when two answers came back).
func sameAnswers(t *testing.T, r *sideRun, req string) {
	t.Helper()
	var got, lines [2]string
	for who := range 2 {
		got[who], _ = r.answerOf(t, who, req, 10*time.Second)
		lines[who] = payload(r.sink[who].next(t, "."))
		if strings.Count(got[who], "HTTP/1.") > 1 {
			lines[who] += " | " + payload(r.sink[who].next(t, "."))
		}
	}
	if got[0] != got[1] {
		t.Errorf("answer\n %q\nhaproxy\n %q", got[1], got[0])
	}
	if lines[0] != lines[1] {
		t.Errorf("log %q, haproxy %q", lines[1], lines[0])
	}
}

// TestErrorFileBufsizeVsHAProxy: an errorfile whose head fits a larger
// tune.bufsize (haproxy loads it into a whole buffer) is sent rewritten
// as haproxy's output writes it, not raw: it is parsed with the limits it
// was checked with at load.
func TestErrorFileBufsizeVsHAProxy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.http")
	data := "HTTP/1.1 503 Big\r\nX-Big: " + strings.Repeat("b", 20000) + "\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbig"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(sideConfig, "local0\n", "local0\n    tune.bufsize 32768\n", 1) +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %r\"\n    default_backend be\n" +
		"backend be\n    errorfile 503 " + file + "\n"
	r := sideBySide(t, cfg, nil)
	r.sink[0].next(t, `<BADREQ>`) // haproxy's line of the probe connection of its start
	sameAnswers(t, r, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
}

// TestMonitorURIBodyVsHAProxy: a monitor-uri request whose body has not
// arrived whole is answered with connection: close and the connection
// ends, as haproxy 2.6.12 does (we read and dropped the whole body and
// kept the connection); one whose body has arrived keeps it. haproxy logs
// no monitor request, so answers alone are compared.
func TestMonitorURIBodyVsHAProxy(t *testing.T) {
	cfg := sideConfig +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    monitor-uri /health\n    default_backend be\nbackend be\n"
	r := sideBySide(t, cfg, nil)
	next := "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
	for _, req := range []string{"POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789" + next,
		"POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100) + next} {
		var got [2]string
		for who := range 2 {
			got[who], _ = r.answerOf(t, who, req, 10*time.Second)
		}
		if got[0] != got[1] {
			t.Errorf("answer\n %q\nhaproxy\n %q", got[1], got[0])
		}
	}
}

// TestRedirectsVsHAProxy: http-request redirect's location is a log-format
// string, the "redirect" directive's is taken as written and runs after
// the http-request rules (a frontend's before the backend is chosen, a
// backend's after its own rules); prefix and scheme redirects take the
// request's path (absolute form too), with drop-query and append-slash as
// haproxy applies them, and a prefix of "/" in the directive adds nothing.
// The answer and the log line are compared with haproxy's for each.
func TestRedirectsVsHAProxy(t *testing.T) {
	cfg := sideConfig + "frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%ST %B %ts %b/%s %Tw/%Tc %r\"\n    option dontlognull\n" +
		"    http-request redirect location /from-%ST-%HM code 301 if { path /lf }\n" +
		"    http-request redirect prefix /p drop-query if { path_beg /dq }\n" +
		"    http-request redirect prefix /p append-slash if { path_beg /as }\n" +
		"    http-request redirect scheme https if { path_beg /sch }\n" +
		"    http-request deny if { path /m }\n" +
		"    redirect location /moved if { path /m } || { path /m2 }\n" +
		"    redirect prefix / drop-query append-slash code 301 if { path_beg /old }\n" +
		"    redirect prefix /pre code 307 if { path_beg /abs }\n" +
		"    default_backend be\n" +
		"backend be\n    http-request deny deny_status 410 if { path /b2 }\n" +
		"    redirect location /be-moved if { path /b } || { path /b2 }\n"
	r := sideBySide(t, cfg, nil)
	for _, target := range []string{"/lf", "/dq/a?x=1", "/dq", "/as/a?x=1", "/as/", "/sch/a?q", "/m", "/m2",
		"/old/a?b=c", "/old", "http://a.example/abs/x?y", "http://a.example", "/b", "/b2"} {
		sameAnswers(t, r, "GET "+target+" HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n")
	}
}

// TestHTTPRequestCaptureVsHAProxy: http-request capture adds a request
// capture slot after those declared before it and fills it when the rule
// runs (after the rules before it: a header they set is seen), with
// haproxy's values: req.hdr the last comma-separated value, req.fhdr the
// last line, nothing for an absent header or a rule whose condition
// failed, everything cut to the slot's length. %hr and %hrl are compared.
func TestHTTPRequestCaptureVsHAProxy(t *testing.T) {
	cfg := sideConfig + "frontend fe\n    bind 127.0.0.1:BINDPORT\n    log-format \"%hr %hrl %r\"\n    option dontlognull\n" +
		"    capture request header Host len 10\n" +
		"    http-request capture req.hdr(X) len 20\n    http-request capture req.fhdr(X) len 20\n" +
		"    capture request header X-A len 5\n" +
		"    http-request capture hdr(Y) len 3\n    http-request capture req.hdr(Z) len 20\n" +
		"    http-request capture url len 30\n    http-request capture method len 10\n" +
		"    http-request capture query len 10\n    http-request capture src len 15\n" +
		"    http-request capture path len 20 if { path /nomatch }\n" +
		"    http-request set-header Y set-by-rule\n    http-request capture req.hdr(Y) len 20\n" +
		"    http-request return status 200\n"
	r := sideBySide(t, cfg, nil)
	for _, req := range []string{
		"GET /p/q?k=v&z HTTP/1.1\r\nHost: a.example\r\nX: a, b\r\nX: c, d\r\nY: yy\r\nX-A: aaaaaaaaa\r\nConnection: close\r\n\r\n",
		"POST /nomatch HTTP/1.1\r\nHost: h\r\nX: single\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	} {
		sameAnswers(t, r, req)
	}
}
