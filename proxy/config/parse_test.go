package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
)

func mustParse(t *testing.T, files ...string) *Config {
	t.Helper()
	cfg, err := Options{Env: lookupTestEnv}.Parse(files...)
	if err != nil {
		t.Fatalf("Parse(%v): %v", files, err)
	}
	return cfg
}

func proxyNamed(t *testing.T, list []*Proxy, name string) *Proxy {
	t.Helper()
	for _, px := range list {
		if px.Name == name {
			return px
		}
	}
	t.Fatalf("no proxy %q", name)
	return nil
}

// The conformance configurations pass "haproxy -c" without any warning;
// so must they here.
func TestConformanceConfigsClean(t *testing.T) {
	files, _ := filepath.Glob("testdata/conformance/*.cfg")
	if len(files) != 5 {
		t.Fatalf("want 5 conformance configs, found %d", len(files))
	}
	for _, f := range files {
		cfg := mustParse(t, f)
		if len(cfg.Warnings) > 0 {
			t.Errorf("%s: warnings %v", f, cfg.Warnings)
		}
	}
}

func TestModelHTTPConformance(t *testing.T) {
	cfg := mustParse(t, "testdata/conformance/haproxy-http.cfg")
	g := cfg.Global
	if len(g.Logs) != 2 || g.Logs[1].Addr.HostPort() != "127.0.0.1:20501" || g.Logs[1].Facility != formats.Local0 ||
		g.Logs[1].Format != "local" || g.Logs[1].Len != 1024 || g.Logs[1].MaxLevel != formats.Debug {
		t.Errorf("global logs %+v", g.Logs)
	}
	if g.MaxConn != 1000 || g.NbThread != 2 || len(g.StatsSockets) != 1 {
		t.Errorf("global %+v", g)
	}
	ss := g.StatsSockets[0]
	if ss.Addr.Network != "unix" || ss.Addr.Path != "/tmp/corpus-work/run/http/admin.sock" || ss.Mode != 0o600 || ss.Level != "admin" {
		t.Errorf("stats socket %+v", ss)
	}
	if len(cfg.Frontends) != 3 || len(cfg.Backends) != 9 || len(cfg.Proxies) != 11 {
		t.Errorf("%d frontends, %d backends, %d proxies", len(cfg.Frontends), len(cfg.Backends), len(cfg.Proxies))
	}
	fe := proxyNamed(t, cfg.Frontends, "fe_web")
	if fe.Mode != ModeHTTP || fe.LogStyle != LogHTTP || fe.LogFormat != HTTPLogFormat || len(fe.Logs) != 2 {
		t.Errorf("fe_web mode/log: %v %v %q %d", fe.Mode, fe.LogStyle, fe.LogFormat, len(fe.Logs))
	}
	if len(fe.Binds) != 2 || fe.Binds[1].Addr.Host != "::1" || fe.Binds[1].Addr.Port != 20100 {
		t.Errorf("binds %+v", fe.Binds)
	}
	wantT := Timeouts{Client: 3 * time.Second, Server: 3 * time.Second, Connect: time.Second, Queue: 5 * time.Second,
		HTTPRequest: 2 * time.Second, HTTPKeepAlive: time.Second}
	if fe.Timeouts != wantT || fe.Retries != 2 {
		t.Errorf("timeouts %+v retries %d", fe.Timeouts, fe.Retries)
	}
	c := fe.Captures
	if c.Cookie == nil || c.Cookie.Name != "SRVID" || c.Cookie.Len != 32 || len(c.Request) != 2 || c.Request[1] != (HeaderCapture{Name: "User-Agent", Len: 64}) ||
		len(c.Response) != 2 || c.Response[1] != (HeaderCapture{Name: "Server", Len: 24}) {
		t.Errorf("captures %+v", c)
	}
	if len(fe.HTTPRequestRules) != 3 {
		t.Fatalf("%d http-request rules", len(fe.HTTPRequestRules))
	}
	deny, redir, ret := fe.HTTPRequestRules[0], fe.HTTPRequestRules[1], fe.HTTPRequestRules[2]
	if deny.Action != ActDeny || deny.Status != 403 || deny.Cond == nil || deny.Cond.Or[0][0].ACL.Matchers[0].Strs[0] != "/forbidden" {
		t.Errorf("deny %+v", deny)
	}
	if redir.Action != ActRedirect || redir.Redirect != RedirectLocation || redir.Location != "/new-page" || redir.Status != 302 {
		t.Errorf("redirect %+v", redir)
	}
	if ret.Action != ActReturn || ret.Status != 200 || ret.ContentType != "text/plain" || string(ret.Body) != "ok" {
		t.Errorf("return %+v", ret)
	}
	if len(fe.UseBackends) != 7 || fe.UseBackends[0].Backend != proxyNamed(t, cfg.Backends, "be_lc") {
		t.Errorf("use_backend %+v", fe.UseBackends)
	}
	if fe.DefaultBackend != proxyNamed(t, cfg.Backends, "be_rr") {
		t.Errorf("default backend %v", fe.DefaultBackend)
	}
	plain := proxyNamed(t, cfg.Frontends, "fe_plain")
	if !plain.DontLogNull || plain.Timeouts.Client != time.Second {
		t.Errorf("fe_plain %+v", plain)
	}
	stats := proxyNamed(t, cfg.Frontends, "stats")
	if stats.Cap != CapFrontend|CapBackend || stats.DefaultBackend != stats || stats.Stats == nil ||
		stats.Stats.URI != "/" || stats.Stats.Refresh != 30*time.Second {
		t.Errorf("listen stats %+v", stats)
	}
	rr := proxyNamed(t, cfg.Backends, "be_rr")
	if rr.Cookie == nil || rr.Cookie.Name != "SRVID" || rr.Cookie.Mode != CookieInsert || !rr.Cookie.Indirect || !rr.Cookie.NoCache {
		t.Errorf("cookie %+v", rr.Cookie)
	}
	if len(rr.Servers) != 3 || rr.Servers[2].Cookie != "a3" || rr.Servers[2].ID != 3 || rr.Servers[0].Weight != 1 {
		t.Errorf("servers %+v", rr.Servers)
	}
	down := proxyNamed(t, cfg.Backends, "be_down").Servers[0]
	if !down.Check || down.Inter != 500*time.Millisecond || down.FastInter != 500*time.Millisecond || down.Rise != 1 || down.Fall != 1 {
		t.Errorf("be_down server %+v", down)
	}
	if q := proxyNamed(t, cfg.Backends, "be_queue").Servers[0]; q.MaxConn != 1 || q.Rise != 2 || q.Fall != 3 || q.Inter != 2*time.Second {
		t.Errorf("be_queue server %+v", q)
	}
	if !proxyNamed(t, cfg.Backends, "be_abort").AbortOnClose || proxyNamed(t, cfg.Backends, "be_lc").Balance != BalanceLeastConn {
		t.Error("be_abort / be_lc options")
	}
}

func TestModelRFC5424Loggers(t *testing.T) {
	cfg := mustParse(t, "testdata/conformance/haproxy-rfc5424.cfg")
	g := cfg.Global
	if g.LogSendHostname != "corpus-host" {
		t.Errorf("hostname %q", g.LogSendHostname)
	}
	want := []struct {
		port   int
		format string
		fac    formats.Facility
		len    int
	}{
		{20500, "rfc3164", formats.Local0, 1024}, {20501, "rfc3164", formats.Local0, 1024},
		{20500, "rfc5424", formats.Local1, 1024}, {20502, "rfc5424", formats.Local1, 1024},
		{20503, "short", formats.Local2, 1024}, {20504, "raw", formats.Local2, 1024},
		{20505, "iso", formats.Local2, 1024}, {20506, "timed", formats.Local2, 1024},
		{20507, "priority", formats.Local2, 1024}, {20508, "rfc3164", formats.Local3, 4096},
	}
	if len(g.Logs) != len(want) {
		t.Fatalf("%d loggers", len(g.Logs))
	}
	for i, w := range want {
		l := g.Logs[i]
		if l.Addr.Port != w.port || l.Format != w.format || l.Facility != w.fac || l.Len != w.len {
			t.Errorf("logger %d: %+v, want %+v", i, l, w)
		}
	}
	last := g.Logs[9]
	if last.MaxLevel != formats.Info || last.MinLevel != formats.Notice {
		t.Errorf("levels %v %v", last.MaxLevel, last.MinLevel)
	}
	if fe := cfg.Frontends[0]; len(fe.Logs) != 10 || fe.Logs[3].Format != "rfc5424" {
		t.Errorf("frontend loggers %+v", fe.Logs)
	}
}

func TestModelSeed(t *testing.T) {
	cfg := mustParse(t, "testdata/seed/haproxy.cfg")
	g := cfg.Global
	if !g.Daemon || g.PidFile != "/tmp/haplog-seed.pid" || g.User != "nobody" || g.UlimitN != 10000 || !g.ExternalCheck ||
		!g.StatsSockets[0].ExposeFDListeners || g.Chroot != "/var/empty" {
		t.Errorf("global %+v", g)
	}
	fe := proxyNamed(t, cfg.Frontends, "fe_web")
	if len(fe.Binds) != 2 || !fe.Binds[1].SSL || fe.Binds[1].Crts[0] != "testdata/seed/site.pem" || fe.Binds[0].Addr.Host != "" {
		t.Errorf("binds %+v", fe.Binds)
	}
	if fe.Compression == nil || fe.Compression.Algos[0] != "gzip" {
		t.Errorf("compression %+v", fe.Compression)
	}
	badUA := fe.ACLs["bad_ua"].Matchers[0]
	if strings.Join(badUA.Strs, ",") != "sqlmap,nikto,masscan" || !badUA.IgnoreCase || badUA.Method != MatchSub || badUA.Fetch.HeaderKey != "User-Agent" {
		t.Errorf("bad_ua %+v", badUA)
	}
	if fe.LogStyle != LogCustom || fe.LogFormat != `%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc` {
		t.Errorf("log-format %q", fe.LogFormat)
	}
	if fe.MonitorURI != "/_monitor" || fe.MonitorFail.Or[0][0].ACL.Matchers[0].Fetch.Backend != proxyNamed(t, cfg.Backends, "be_app") {
		t.Errorf("monitor %+v", fe.MonitorFail)
	}
	if ef := fe.ErrorFiles[503]; !strings.HasPrefix(string(ef.Data), "HTTP/1.0 503") {
		t.Errorf("errorfile %q", ef.Data)
	}
	if fe.ForwardFor == nil || fe.ConnMode != ConnServerClose || !fe.Redispatch || !fe.DontLogNormal || fe.MaxConn != 3000 {
		t.Errorf("defaults not inherited: %+v", fe)
	}
	app := proxyNamed(t, cfg.Backends, "be_app")
	hc := app.HTTPCheck
	if app.Check != CheckHTTP || hc.Method != "HEAD" || hc.URI != "/_health" || hc.Version != "HTTP/1.1" || hc.Extra != "\r\nHost: localhost" ||
		hc.Expect.Kind != ExpectStatus || hc.Expect.Statuses[0] != [2]int{200, 200} {
		t.Errorf("httpchk %+v %+v", hc, hc.Expect)
	}
	api := proxyNamed(t, cfg.Backends, "be_api")
	if api.HTTPCheck.Expect.Kind != ExpectString || api.HTTPCheck.Expect.Value != "OK" || !api.Servers[1].Backup {
		t.Errorf("be_api %+v", api.HTTPCheck)
	}
	tcp := proxyNamed(t, cfg.Backends, "be_tcp")
	if tcp.Check != CheckExternal || tcp.ExternalCheck.Command != "/bin/true" || !tcp.TCPKA || tcp.ForwardFor != nil {
		t.Errorf("be_tcp %+v", tcp)
	}
	if len(cfg.Warnings) != 5 {
		t.Errorf("%d warnings, haproxy gives 5: %v", len(cfg.Warnings), cfg.Warnings)
	}
}

func TestParseReaderDefaultsAndEnv(t *testing.T) {
	src := `
global
    log ${LH}:5140 local3
defaults
    mode http
    timeout client 1s
    timeout connect 1s
    timeout server 1s
    option forwardfor
    log global
frontend f
    no option forwardfor
    no log
    bind "${LH}:8080"
    default_backend b
backend b
    server s ${LH}:80
defaults
    mode tcp
backend t
    server s 127.0.0.1:1
`
	env := func(n string) (string, bool) {
		if n == "LH" {
			return "127.0.0.2", true
		}
		return "", false
	}
	cfg, err := ParseReader("inline.cfg", strings.NewReader(src), env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.Logs[0].Addr.HostPort() != "127.0.0.2:5140" {
		t.Errorf("log addr %v", cfg.Global.Logs[0].Addr)
	}
	f := cfg.Frontends[0]
	if f.ForwardFor != nil || len(f.Logs) != 0 || f.Binds[0].Addr.HostPort() != "127.0.0.2:8080" {
		t.Errorf("frontend %+v", f)
	}
	b := proxyNamed(t, cfg.Backends, "b")
	if b.ForwardFor == nil || len(b.Logs) != 1 || b.Servers[0].Addr.Host != "127.0.0.2" || b.Mode != ModeHTTP {
		t.Errorf("backend b %+v", b)
	}
	if tb := proxyNamed(t, cfg.Backends, "t"); tb.Mode != ModeTCP || tb.ForwardFor != nil || tb.Timeouts.Client != 0 {
		t.Errorf("second defaults must reset: %+v", tb)
	}
}

func TestParseErrorsLocated(t *testing.T) {
	src := "global\n    nosuch 1\nfrontend f\n    bind :80\n    lua-load x\n    http-request tarpit\n"
	_, err := ParseReader("x.cfg", strings.NewReader(src), nil)
	var es Errors
	if !errors.As(err, &es) || len(es) < 3 {
		t.Fatalf("err %v", err)
	}
	if es[0].File != "x.cfg" || es[0].Line != 2 || !errors.Is(es[0], ErrUnknownKeyword) {
		t.Errorf("first error %+v", es[0])
	}
	if es[1].Line != 5 || !errors.Is(es[1], ErrUnknownKeyword) {
		t.Errorf("lua-load in a frontend: %+v", es[1])
	}
	if es[2].Line != 6 || !errors.Is(es[2], ErrUnsupported) {
		t.Errorf("tarpit: %+v", es[2])
	}
	if !errors.Is(err, ErrUnsupported) {
		t.Error("errors.Is(err, ErrUnsupported) false on the joined error")
	}
}

func TestParseDirectory(t *testing.T) {
	cfg := mustParse(t, "testdata/dir")
	if len(cfg.Files) != 2 || !strings.HasSuffix(cfg.Files[0], "10-global.cfg") || !strings.HasSuffix(cfg.Files[1], "20-proxies.cfg") {
		t.Errorf("files %v", cfg.Files)
	}
	if fe := cfg.Frontends[0]; len(fe.Logs) != 1 || fe.Logs[0].Addr.Port != 20500 {
		t.Errorf("global log from the first file not inherited: %+v", fe.Logs)
	}
}

func TestParseTime(t *testing.T) {
	cases := map[string]time.Duration{"30s": 30 * time.Second, "500": 500 * time.Millisecond, "1m": time.Minute,
		"100us": 100 * time.Microsecond, "2h": 2 * time.Hour, "1d": 24 * time.Hour, "0": 0}
	for in, want := range cases {
		if got, err := ParseTime(in); err != nil || got != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "s", "10x", "-1", "25d"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q): no error", bad)
		}
	}
}

func TestParseAddr(t *testing.T) {
	cases := []struct {
		in   string
		want Addr
	}{
		{"*:80", Addr{Network: "tcp", Port: 80}},
		{":80", Addr{Network: "tcp", Port: 80}},
		{"127.0.0.1:8080-8090", Addr{Network: "tcp", Host: "127.0.0.1", Port: 8080, PortEnd: 8090}},
		{"[::1]:443", Addr{Network: "tcp", Host: "::1", Port: 443}},
		{":::443", Addr{Network: "tcp", Host: "::", Port: 443}},
		{"ipv6@:80", Addr{Network: "tcp6", Port: 80}},
		{"/run/x.sock", Addr{Network: "unix", Path: "/run/x.sock"}},
		{"unix@x.sock", Addr{Network: "unix", Path: "x.sock"}},
		{"fd@3", Addr{Network: "fd", FD: 3}},
	}
	for _, c := range cases {
		got, err := parseAddr(c.in, true, false)
		if err != nil || got != c.want {
			t.Errorf("parseAddr(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"127.0.0.1", "1.2.3.4:99999", "[::1", "foo@x:1", "ipv4@::1:80"} {
		if _, err := parseAddr(bad, true, false); err == nil {
			t.Errorf("parseAddr(%q): no error", bad)
		}
	}
}

// TestProxyIDs: automatic proxy ids as haproxy 2.6.12 gives them (read
// from its ;csv iid column on these configs): in declaration order, one
// per proxy, a proxy with an explicit "id" counted too, and the GLOBAL
// proxy of the first "stats socket" taking one (two sockets: still one).
func TestProxyIDs(t *testing.T) {
	const proxies = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
listen st
    bind 127.0.0.1:18999
    stats enable
backend be
    id 7
    server s1 127.0.0.1:1
backend be2
    server s1 127.0.0.1:1
`
	dir := t.TempDir()
	for _, c := range []struct {
		global string
		want   [3]int // st, be, be2
	}{
		{"", [3]int{1, 7, 3}},
		{"global\n    stats socket " + dir + "/a.sock level admin\n", [3]int{2, 7, 4}},
		{"global\n    stats socket " + dir + "/a.sock level admin\n    stats socket " + dir + "/b.sock level admin\n", [3]int{2, 7, 4}},
	} {
		path := filepath.Join(dir, "p.cfg")
		if err := os.WriteFile(path, []byte(c.global+proxies), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := mustParse(t, path)
		for i, name := range []string{"st", "be", "be2"} {
			if got := proxyNamed(t, cfg.Proxies, name).ID; got != c.want[i] {
				t.Errorf("%q: %s id %d, haproxy %d", c.global, name, got, c.want[i])
			}
		}
	}
}

// "user"/"group" (global and on a stats socket) take a name from the
// passwd and group databases, "uid"/"gid" (stats socket) a number.
func TestUserGroupIDs(t *testing.T) {
	src := "global\n    user root\n    group root\n" +
		"    stats socket /tmp/a.sock uid 12 gid 34\n" +
		"    stats socket /tmp/b.sock user root group root\n"
	cfg, err := ParseReader("ids.cfg", strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Global
	if g.User != "root" || g.Group != "root" || g.UID != 0 || g.GID != 0 {
		t.Errorf("global user/group %q %q %d %d", g.User, g.Group, g.UID, g.GID)
	}
	if len(g.StatsSockets) != 2 {
		t.Fatalf("%d stats sockets", len(g.StatsSockets))
	}
	if s := g.StatsSockets[0]; s.UID != 12 || s.GID != 34 || s.User != "12" || s.Group != "34" {
		t.Errorf("uid/gid socket %+v", s)
	}
	if s := g.StatsSockets[1]; s.UID != 0 || s.GID != 0 || s.User != "root" || s.Group != "root" {
		t.Errorf("user/group socket %+v", s)
	}
	for bad, want := range map[string]string{
		// haproxy 2.6.12 -c (testdata/check/unknown-owner.golden)
		"user haplog-no-such-user":   "cannot find user id for 'haplog-no-such-user' (0:Success)",
		"group haplog-no-such-group": "cannot find group id for 'haplog-no-such-group' (0:Success)",
		// (haproxy says "unknown user name"/"unknown group name")
		"stats socket /tmp/c.sock user haplog-no-such-user":   "haplog-no-such-user",
		"stats socket /tmp/c.sock group haplog-no-such-group": "haplog-no-such-group",
	} {
		_, err := ParseReader("bad.cfg", strings.NewReader("global\n    "+bad+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", bad, err, want)
		}
	}
}

// unsetenv hides the variables it lists, resetenv all but those it lists
// (HAProxy's management guide); an unset variable expands to nothing.
func TestUnsetenvResetenv(t *testing.T) {
	env := func(n string) (string, bool) {
		switch n {
		case "A":
			return "1", true
		case "B":
			return "2", true
		}
		return "", false
	}
	for _, tc := range []struct{ directive, pidfile string }{
		{"", "/p-1-2"},
		{"unsetenv A", "/p--2"},
		{"unsetenv A B", "/p--"},
		{"resetenv A", "/p-1-"},
		{"resetenv", "/p--"},
	} {
		src := "global\n    " + tc.directive + "\n    pidfile \"/p-${A}-${B}\"\n"
		cfg, err := ParseReader("env.cfg", strings.NewReader(src), env)
		if err != nil {
			t.Fatalf("%q: %v", tc.directive, err)
		}
		if cfg.Global.PidFile != tc.pidfile {
			t.Errorf("%q: pidfile %q, want %q", tc.directive, cfg.Global.PidFile, tc.pidfile)
		}
	}
}

// A bind or server parameter accepted and ignored takes its argument, if
// it has one, and the parameters after it still apply; without the
// argument the line is refused.
func TestIgnoredParamsTakeTheirArgument(t *testing.T) {
	src := "frontend f\n    bind 127.0.0.1:8080 mss 1400 name web\n" +
		"backend b\n    server s 127.0.0.1:80 pool-max-conn 5 weight 7 non-stick maxconn 9\n"
	cfg, err := ParseReader("ign.cfg", strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := cfg.Frontends[0].Binds[0]; b.Name != "web" {
		t.Errorf("bind name %q after 'mss 1400', want web", b.Name)
	}
	if s := cfg.Backends[0].Servers[0]; s.Weight != 7 || s.MaxConn != 9 {
		t.Errorf("server weight %d maxconn %d after 'pool-max-conn 5', want 7 and 9", s.Weight, s.MaxConn)
	}
	var names []string
	for _, w := range cfg.Warnings {
		for _, kw := range []string{"'mss'", "'pool-max-conn'", "'non-stick'"} {
			if strings.Contains(w.Error(), kw) {
				names = append(names, kw)
			}
		}
	}
	if len(names) != 3 {
		t.Errorf("warnings name %v, want mss, pool-max-conn and non-stick: %v", names, cfg.Warnings)
	}
	for bad, kw := range map[string]string{
		"frontend f\n    bind 127.0.0.1:8080 mss\n":            "'mss'",
		"backend b\n    server s 127.0.0.1:80 pool-max-conn\n": "'pool-max-conn'",
	} {
		_, err := ParseReader("bad.cfg", strings.NewReader(bad), nil)
		if err == nil || !strings.Contains(err.Error(), "bad.cfg:2") || !strings.Contains(err.Error(), kw) {
			t.Errorf("%q: err %v, want one at bad.cfg:2 naming %s", bad, err, kw)
		}
	}
}

// http-request set-header/add-header take a name and a value, del-header a
// name, set-path and set-log-level one value: another count is refused
// ("expects exactly", as haproxy -c says).
func TestHTTPRuleArgCounts(t *testing.T) {
	const fe = "defaults\n    mode http\nfrontend f\n    bind 127.0.0.1:8080\n"
	const head = fe + "    http-request "
	good := []struct {
		rule        string
		name, value string
	}{
		{"set-header X-A 1", "X-A", "1"},
		{"add-header X-B 2", "X-B", "2"},
		{"del-header X-C", "X-C", ""},
		{"set-path /p", "", "/p"},
		{"set-log-level silent", "", "silent"},
		{"set-log-level info", "", "info"},
	}
	src := fe
	for _, g := range good {
		src += "    http-request " + g.rule + "\n"
	}
	cfg, err := ParseReader("r.cfg", strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	rules := cfg.Frontends[0].HTTPRequestRules
	if len(rules) != len(good) {
		t.Fatalf("%d rules, want %d", len(rules), len(good))
	}
	for i, g := range good {
		if rules[i].Name != g.name || rules[i].Value != g.value {
			t.Errorf("%q: name %q value %q, want %q %q", g.rule, rules[i].Name, rules[i].Value, g.name, g.value)
		}
	}
	// Too few arguments: "expects exactly" (haproxy -c too); one too many
	// or a bad level: an error (haproxy -c: it wants if/unless).
	for rule, want := range map[string]string{
		"set-header X-A": "expects exactly", "add-header X-A": "expects exactly", "del-header": "expects at least",
		"set-path": "expects exactly", "set-log-level": "expects exactly",
		"set-header X-A 1 2": "", "del-header X-A X-B": "", "set-path /a /b": "", "set-log-level info err": "",
		"set-log-level nosuch": "",
	} {
		_, err := ParseReader("r.cfg", strings.NewReader(head+rule+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want one saying %q", rule, err, want)
		}
	}
}

// Each "balance" algorithm sets its value and prints back as its keyword;
// only "uri" takes arguments.
func TestBalanceKeywords(t *testing.T) {
	algos := []struct {
		kw   string
		want Balance
	}{
		{"roundrobin", BalanceRoundRobin}, {"static-rr", BalanceStaticRR}, {"leastconn", BalanceLeastConn},
		{"first", BalanceFirst}, {"source", BalanceSource}, {"uri whole", BalanceURI},
	}
	src := "defaults\n    mode http\n"
	for i, a := range algos {
		src += "backend b" + string(rune('0'+i)) + "\n    balance " + a.kw + "\n"
	}
	cfg, err := ParseReader("b.cfg", strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range algos {
		b := cfg.Backends[i].Balance
		if b != a.want || b.String() != strings.Fields(a.kw)[0] {
			t.Errorf("balance %s: %d %q, want %d", a.kw, b, b, a.want)
		}
	}
	for _, bad := range []string{"leastconn whole", "hash", "nosuch"} {
		if _, err := ParseReader("b.cfg", strings.NewReader("backend b\n    balance "+bad+"\n"), nil); err == nil {
			t.Errorf("balance %s: no error", bad)
		}
	}
}
