package formats

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func mustCompile(t testing.TB, s string) *Format {
	t.Helper()
	f, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile(%q): %v", s, err)
	}
	return f
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		format string
		pos    int
		msg    string
	}{
		{"%ci %foo", 4, "no such format variable 'foo'"},
		{"abc %", 4, "truncated line after '%'"},
		{"%{+Q", 0, "truncated line after '+Q'"},
		{"%[src", 0, "truncated line after 'src'"},
		{"x %1", 2, "unexpected variable name near '1'"},
		{"x % y", 2, "unexpected variable name near ' '"},
		{"%{+Q}", 0, "parse argument modifier without variable name near '%{+Q}'"},
		{"%{+Q} x", 0, "parse argument modifier without variable name"},
		{"%[req.hdr(host)]", 0, "unsupported sample expression 'req.hdr(host)'"},
		{"%[capture.req.hdr(x)]", 0, "unsupported sample expression"},
	}
	for _, tc := range tests {
		_, err := Compile(tc.format)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("Compile(%q) = %v, want a *FormatError", tc.format, err)
			continue
		}
		if !errors.Is(err, ErrLogFormat) {
			t.Errorf("Compile(%q): error does not wrap ErrLogFormat", tc.format)
		}
		if fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("Compile(%q) = pos %d %q, want pos %d containing %q", tc.format, fe.Pos, fe.Msg, tc.pos, tc.msg)
		}
	}
}

func TestCompileHTTPOnly(t *testing.T) {
	for format, want := range map[string]string{
		TCPLogFormat:     "",
		HTTPLogFormat:    "tr",
		CLFLogFormat:     "trg",
		"%ci %Tw/%TR %r": "TR",
		"%[src] %B":      "",
	} {
		if got := mustCompile(t, format).HTTPOnly(); got != want {
			t.Errorf("HTTPOnly(%q) = %q, want %q", format, got, want)
		}
	}
}

// specRecord is the record behind a line verified with the real HAProxy
// (spec/haproxy-logging.md §1.3):
// 127.0.0.1:53874 [21/Nov/2026:13:32:40.707] fe_http be_app/app1 0/0/0/7/7 404 500 - - ---- 1/1/0/0/0 0/0 {127.0.0.1:18080|Mozilla/5.0 (X11; Linux)} {text/html;charset=ut} "GET /index.html?x=1 HTTP/1.1"
func specRecord() *Record {
	return &Record{
		ClientAddr:  netip.MustParseAddrPort("127.0.0.1:53874"),
		AcceptTime:  time.Date(2026, 11, 21, 13, 32, 40, 707_123_000, time.UTC),
		Frontend:    "fe_http",
		Backend:     "be_app",
		Server:      "app1",
		Timers:      Timers{TR: 0, Tw: 0, Tc: 0, Tr: 7, Ta: 7, Tt: 7},
		Status:      404,
		BytesOut:    500,
		ActConn:     1,
		FeConn:      1,
		ReqHeaders:  []string{"127.0.0.1:18080", "Mozilla/5.0 (X11; Linux)"},
		RespHeaders: []string{"text/html;charset=ut"},
		Method:      "GET",
		URI:         "/index.html?x=1",
		Version:     "HTTP/1.1",
	}
}

func TestAppendSpecLines(t *testing.T) {
	// Each expected line was printed by HAProxy 2.6 (spec §1.2-§1.5).
	tests := []struct {
		name, format string
		rec          func() *Record
		want         string
	}{
		{"httplog captures", HTTPLogFormat, specRecord,
			`127.0.0.1:53874 [21/Nov/2026:13:32:40.707] fe_http be_app/app1 0/0/0/7/7 404 500 - - ---- 1/1/0/0/0 0/0 {127.0.0.1:18080|Mozilla/5.0 (X11; Linux)} {text/html;charset=ut} "GET /index.html?x=1 HTTP/1.1"`},
		{"httplog redispatch", HTTPLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("127.0.0.1:58528"),
				AcceptTime: time.Date(2026, 11, 21, 13, 33, 2, 342e6, time.UTC),
				Frontend:   "fe_rd", Backend: "be_dead", Server: "d1",
				Timers:    Timers{Tc: -1, Tr: -1},
				Status:    503,
				BytesOut:  217,
				TermState: [4]byte{'S', 'C'},
				ActConn:   1, FeConn: 1, Retries: 2, Redispatched: true,
				Method: "GET", URI: "/rd", Version: "HTTP/1.1",
			}
		}, `127.0.0.1:58528 [21/Nov/2026:13:33:02.342] fe_rd be_dead/d1 0/0/-1/-1/0 503 217 - - SC-- 1/1/0/0/+2 0/0 "GET /rd HTTP/1.1"`},
		{"httplog logasap", HTTPLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("127.0.0.1:39256"),
				AcceptTime: time.Date(2026, 11, 21, 13, 33, 2, 303e6, time.UTC),
				Frontend:   "fe_asap", Backend: "be_app", Server: "app1",
				LogASAP: true, Status: 404, BytesOut: 165,
				ActConn: 1, FeConn: 1, BeConn: 1, SrvConn: 1,
				Method: "GET", URI: "/asap", Version: "HTTP/1.1",
			}
		}, `127.0.0.1:39256 [21/Nov/2026:13:33:02.303] fe_asap be_app/app1 0/0/0/0/+0 404 +165 - - ---- 1/1/1/1/0 0/0 "GET /asap HTTP/1.1"`},
		{"httplog badreq", HTTPLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("127.0.0.1:34128"),
				AcceptTime: time.Date(2026, 11, 21, 13, 33, 36, 359e6, time.UTC),
				Frontend:   "fe_timeout", Backend: "fe_timeout",
				Timers:    Timers{Ti: -1, TR: -1, Tw: -1, Tc: -1, Tr: -1, Ta: 501},
				Status:    408,
				TermState: [4]byte{'c', 'R', '-', '-'},
				ActConn:   1, FeConn: 1,
			}
		}, `127.0.0.1:34128 [21/Nov/2026:13:33:36.359] fe_timeout fe_timeout/<NOSRV> -1/-1/-1/-1/501 408 0 - - cR-- 1/1/0/0/0 0/0 "<BADREQ>"`},
		{"tcplog ipv6", TCPLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("[::1]:48716"),
				AcceptTime: time.Date(2026, 11, 21, 13, 38, 45, 269e6, time.UTC),
				Frontend:   "ft_v6", Backend: "bt_echo", Server: "echo1",
				Timers:   Timers{Tw: 1, Tc: 0, Tt: 311},
				BytesOut: 13, ActConn: 2, FeConn: 2, BeConn: 1,
			}
		}, `::1:48716 [21/Nov/2026:13:38:45.269] ft_v6 bt_echo/echo1 1/0/311 13 -- 2/2/1/0/0 0/0`},
		{"httpslog", HTTPSLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("127.0.0.1:34330"),
				AcceptTime: time.Date(2026, 11, 21, 13, 33, 36, 315e6, time.UTC),
				Frontend:   "fe_https", FrontendSSL: true, Backend: "be", Server: "app1",
				Timers: Timers{Tc: 1, Tr: 4, Ta: 5}, Status: 404, BytesOut: 500,
				ActConn: 1, FeConn: 1,
				Method: "GET", URI: "/sec", Version: "HTTP/1.1",
				SSLVersion: "TLSv1.3", SSLCipher: "TLS_AES_256_GCM_SHA384",
			}
		}, `127.0.0.1:34330 [21/Nov/2026:13:33:36.315] fe_https~ be/app1 0/0/1/4/5 404 500 - - ---- 1/1/0/0/0 0/0 "GET /sec HTTP/1.1" 0/0000000000000000/0/0/0 -/TLSv1.3/TLS_AES_256_GCM_SHA384`},
		{"clf trailing space", CLFLogFormat, func() *Record {
			return &Record{
				ClientAddr: netip.MustParseAddrPort("127.0.0.1:57982"),
				AcceptTime: time.Date(2026, 11, 21, 13, 33, 2, 196e6, time.UTC),
				Frontend:   "fe_clf", Backend: "be_app", Server: "app1",
				Timers: Timers{Tr: 1, Ta: 3},
				Status: 404, BytesOut: 500, ActConn: 1, FeConn: 1,
				ReqHeaders: []string{"clf.example", ""},
				Method:     "GET", URI: "/b?c=d", Version: "HTTP/1.1",
			}
		}, `127.0.0.1 - - [21/Nov/2026:13:33:02 +0000] "GET /b?c=d HTTP/1.1" 404 500 "" "" 57982 196 "fe_clf" "be_app" "app1" 0 0 0 1 3 ---- 1 1 0 0 0 0 0 "" "" "clf.example" "" `},
		{"default", DefaultLogFormat, func() *Record {
			return &Record{
				ClientAddr:   netip.MustParseAddrPort("127.0.0.1:47030"),
				FrontendAddr: netip.MustParseAddrPort("127.0.0.1:18090"),
				Frontend:     "fe_default",
			}
		}, `Connect from 127.0.0.1:47030 to 127.0.0.1:18090 (fe_default/HTTP)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(mustCompile(t, tc.format).Append(nil, tc.rec()))
			if got != tc.want {
				t.Errorf("\ngot  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestAppendVariables(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	r := specRecord()
	r.AcceptTime = time.Date(2026, 11, 21, 14, 39, 52, 7e6, paris) // 13:39:52 UTC
	r.Th, r.Ti, r.TR, r.Tq, r.Td, r.Tt, r.Tu = 2, 5, 3, 10, 4, 21, 16
	r.FrontendAddr = netip.MustParseAddrPort("[2001:db8::1]:443")
	r.ServerAddr = netip.MustParseAddrPort("10.0.0.2:8080")
	r.BytesIn = 89
	r.PID, r.ReqCounter, r.LogCounter = 16560, 7, 0
	r.Hostname = "vm"
	r.URI = "http://h.example/p/q?r=s"
	tests := []struct{ format, want string }{
		{"%T", "21/Nov/2026:13:39:52 +0000"},
		{"%Tl", "21/Nov/2026:14:39:52 +0100"},
		{"%t", "21/Nov/2026:14:39:52.007"},
		{"%tr", "21/Nov/2026:14:39:52.014"}, // accept + Ti + Th
		{"%trg", "21/Nov/2026:13:39:52 +0000"},
		// Epoch values from `date -u -d '2026-11-21 13:39:52' +%s` and printf %X.
		{"%Ts %ms", "1795268392 007"},
		{"%{+X}Ts %{+X}ms", "6B019F28 07"},
		{"%Th/%Ti/%TR/%Tq/%Td/%Tt/%Tu %U", "2/5/3/10/4/21/16 89"},
		{"%fi:%fp %si:%sp %bi:%bp", "2001:db8::1:443 10.0.0.2:8080 -:-"},
		{"%{+X}ci:%{+X}cp %{+X}si", "7F000001:D272 0A000002"},
		{"%{+X}fi", "20010DB8000000000000000000000001"},
		{"%{+Q}ci %{+Q}cp %{+Q}b %{+Q}CC %{+Q}ST", `"127.0.0.1" 53874 "be_app" "" 404`},
		{"%{+Q}o %ft %s %{-Q}b", `"fe_http" "app1" be_app`},
		{"%HM %HU %HP %HPO %HQ %HV", "GET http://h.example/p/q?r=s http://h.example/p/q /p/q ?r=s HTTP/1.1"},
		{"%pid %{+X}pid %rt %{+X}rt %lc %H %ID", "16560 40B0 7 0007 0 vm -"},
		{"%hrl | %hsl", "127.0.0.1:18080 Mozilla/5.0 (X11; Linux) | text/html;charset=ut"},
		{"%{+Q}hr", `"{127.0.0.1:18080|Mozilla/5.0 (X11; Linux)}"`},
		{"%{-M}ID|%{-M}sslc", "|"},
		{"%ts %tsc", "-- ----"},
		{"  %b   %s  ", "be_app app1 "},
		{"100%% %b%%x%!y", "100% be_app%x!y"},
		{"%[src]:%[dst_port] %[ssl_fc] %[ssl_fc_sni] %[capture.req.hdr(1)] %[capture.res.hdr(3)]",
			"127.0.0.1:443 0 - Mozilla/5.0 (X11; Linux) -"},
	}
	for _, tc := range tests {
		got := string(mustCompile(t, tc.format).Append(nil, r))
		if got != tc.want {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

func TestAppendEscaping(t *testing.T) {
	r := &Record{
		// Verified with HAProxy 2.6 (spec §2.4).
		ReqHeaders: []string{`a|b{c}d "e" #f é`, ""},
		Method:     "GET",
		URI:        "/a\"b#c|{}\x01\x7f",
		Version:    "HTTP/1.1",
		Backend:    `x"y\z]`,
	}
	tests := []struct{ format, want string }{
		{"%hr", `{a#7Cb#7Bc#7Dd #22e#22 #23f #C3#A9|}`},
		{"%hrl", `a#7Cb#7Bc#7Dd #22e#22 #23f #C3#A9 -`},
		{"%{+Q}hrl", `"a#7Cb#7Bc#7Dd #22e#22 #23f #C3#A9" ""`},
		{"%r", `GET /a#22b#23c|{}#01#7F HTTP/1.1`},
		{"%b %{+E}b", `x"y\z] x\"y\\z\]`},
		{"%{+E}r", `GET /a#22b#23c|{}#01#7F HTTP/1.1`},
	}
	for _, tc := range tests {
		got := string(mustCompile(t, tc.format).Append(nil, r))
		if got != tc.want {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

func TestAppendRequestLineCut(t *testing.T) {
	f := mustCompile(t, `%{+Q}r "%HU" "%HV"`)
	long := "/" + strings.Repeat("x", 2000)
	r := &Record{Method: "GET", URI: long, Version: "HTTP/1.1"}
	got := string(f.Append(nil, r))
	// %r shows the first 1023 bytes of "GET /xxx... HTTP/1.1"; %HU the
	// URI part of that cut line, and %HV finds no version: HTTP/0.9.
	uri := long[:RequestLineMax-4]
	want := `"GET ` + uri + `" "` + uri + `" "HTTP/0.9"`
	if got != want {
		t.Errorf("got %d bytes, want %d:\n%.80q...", len(got), len(want), got)
	}
}

func TestComputeTimers(t *testing.T) {
	tests := []struct {
		name string
		m    Marks
		want Timers
	}{
		// Handshake 2, idle 5, request complete at 10, queue left at 11,
		// connected at 14, response headers at 20, closed at 25.
		{"full", Marks{2, 5, 10, 11, 14, 20, 25},
			Timers{Th: 2, Ti: 5, TR: 3, Tq: 10, Tw: 1, Tc: 3, Tr: 6, Td: 5, Ta: 18, Tt: 25, Tu: 20}},
		// Denied: never queued nor connected.
		{"denied", Marks{0, 0, 1, -1, -1, -1, 1},
			Timers{Th: 0, Ti: 0, TR: 1, Tq: 1, Tw: -1, Tc: -1, Tr: -1, Td: -1, Ta: 1, Tt: 1, Tu: 1}},
		// Request timeout: nothing received.
		{"timeout", Marks{0, -1, -1, -1, -1, -1, 501},
			Timers{Th: 0, Ti: -1, TR: -1, Tq: -1, Tw: -1, Tc: -1, Tr: -1, Td: -1, Ta: 501, Tt: 501, Tu: 501}},
	}
	for _, tc := range tests {
		if got := ComputeTimers(tc.m); got != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseFields(t *testing.T) {
	// Field values read off the line by hand.
	line := `::1:44172 [21/Nov/2026:13:36:11.598] fe_web~ be_lc/<NOSRV> 0/0/-1/-1/+12 503 +113 - SRVID=a1 sC-- 1/2/3/4/+5 6/7 {127.0.0.1|Very#7COdd} {text/plain|} "GET /p?q=1 HTTP/1.1"`
	var r Record
	if err := mustCompile(t, HTTPLogFormat).Parse([]byte(line), &r, ParseOptions{}); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"client", r.ClientAddr, netip.MustParseAddrPort("[::1]:44172")},
		{"time", r.RequestTime, time.Date(2026, 11, 21, 13, 36, 11, 598e6, time.UTC)},
		{"frontend", r.Frontend, "fe_web"},
		{"ssl", r.FrontendSSL, true},
		{"backend", r.Backend, "be_lc"},
		{"server", r.Server, ""},
		{"timers", [5]int64{r.TR, r.Tw, r.Tc, r.Tr, r.Ta}, [5]int64{0, 0, -1, -1, 12}},
		{"asap", r.LogASAP, true},
		{"status", r.Status, 503},
		{"bytes", r.BytesOut, int64(113)},
		{"cookies", r.ReqCookie + "|" + r.RespCookie, "|SRVID=a1"},
		{"term", string(r.TermState[:]), "sC--"},
		{"conns", [5]int{r.ActConn, r.FeConn, r.BeConn, r.SrvConn, r.Retries}, [5]int{1, 2, 3, 4, 5}},
		{"redisp", r.Redispatched, true},
		{"queues", [2]int{r.SrvQueue, r.BackendQueue}, [2]int{6, 7}},
		{"reqhdr", strings.Join(r.ReqHeaders, ","), "127.0.0.1,Very|Odd"},
		{"resphdr", strings.Join(r.RespHeaders, ","), "text/plain,"},
		{"request", r.Method + " " + r.URI + " " + r.Version, "GET /p?q=1 HTTP/1.1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	f := mustCompile(t, TCPLogFormat)
	var r Record
	tests := []struct {
		line  string
		field string
		trunc bool
	}{
		{`127.0.0.1:1 [21/Nov/2026:13:36:38.159] ft bt/s1 1/0/304 20000 -- 2/2/0/0/0 0/0 extra`, "end", false},
		{`127.0.0.1:1 [21/Nov/2026:13:36:38.159] ft bt/s1 1/x/304 20000 -- 2/2/0/0/0 0/0`, "%Tc", false},
		{`127.0.0.1:1 [21/Nov/2026:13:36:38.159] ft bt/s1 1/0/304 20000 -- 2/2/0`, "end", true},
		{`127.0.0.1:1 {21/Nov/2026:13:36:38.159] ft bt/s1 1/0/304 20000 -- 2/2/0/0/0 0/0`, `"["`, false},
		{`127.0.0.1:1 [21/Nox/2026:13:36:38.159] ft bt/s1 1/0/304 20000 -- 2/2/0/0/0 0/0`, "%t", false},
	}
	for _, tc := range tests {
		err := f.Parse([]byte(tc.line), &r, ParseOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != tc.field || errors.Is(err, ErrTruncated) != tc.trunc {
			t.Errorf("Parse(%q) = %v, want field %s (truncated %v)", tc.line, err, tc.field, tc.trunc)
		}
	}
}

func TestAppendAllocs(t *testing.T) {
	r := specRecord()
	r.RequestTime = r.AcceptTime
	buf := make([]byte, 0, 2048)
	for _, format := range []string{HTTPLogFormat, TCPLogFormat, CLFLogFormat, HTTPSLogFormat, customLogFormat,
		"%T %Tl %trl %{+X}ci %{+Q,+E}b %[src] %[ssl_fc_err,hex] %[capture.req.hdr(0)] %HP %HQ %HV"} {
		f := mustCompile(t, format)
		if n := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], r) }); n != 0 {
			t.Errorf("Append(%q) allocates %v times per line", format, n)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct{ name, format string }{
		{"HTTPLog", HTTPLogFormat},
		{"TCPLog", TCPLogFormat},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := mustCompile(b, bc.format)
			r := specRecord()
			buf := f.Append(make([]byte, 0, 1024), r)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = f.Append(buf[:0], r)
			}
		})
	}
}

func BenchmarkCompileHTTPLog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(HTTPLogFormat); err != nil {
			b.Fatal(err)
		}
	}
}
