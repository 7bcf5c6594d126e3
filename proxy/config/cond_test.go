package config

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// fakeReq implements Sampler over plain fields.
type fakeReq struct {
	method, path, url, sni string
	hdr                    http.Header
	src                    netip.Addr
	dstPort                int64
	ssl                    bool
	nbsrv                  map[*Proxy]int64
}

func (r *fakeReq) SampleString(f *Fetch) (string, bool) {
	switch f.Kind {
	case FetchPath:
		return r.path, true
	case FetchURL:
		return r.url, true
	case FetchMethod:
		return r.method, true
	case FetchSSLFcSNI:
		return r.sni, r.sni != ""
	case FetchQuery:
		_, q, ok := strings.Cut(r.url, "?")
		return q, ok
	}
	return "", false
}

func (r *fakeReq) SampleHeader(f *Fetch) []string { return r.hdr[f.HeaderKey] }

func (r *fakeReq) SampleAddr(f *Fetch) (netip.Addr, bool) { return r.src, f.Kind == FetchSrc }

func (r *fakeReq) SampleInt(f *Fetch) (int64, bool) {
	switch f.Kind {
	case FetchDstPort:
		return r.dstPort, true
	case FetchSSLFc:
		if r.ssl {
			return 1, true
		}
		return 0, true
	case FetchNbSrv:
		return r.nbsrv[f.Backend], true
	}
	return 0, false
}

const condCfg = `
defaults
    mode http
    timeout client 1s
    timeout connect 1s
    timeout server 1s
frontend f
    bind 127.0.0.1:18094
    acl api path_beg -i /API/ /v2/
    acl static path_end .css .js
    acl static path_reg ^/img/[0-9]+\.png$
    acl bot hdr_sub(user-agent) -i bot crawler
    acl host_ex hdr(host) -i www.example.com
    acl host_dom hdr_dom(host) example.org
    acl internal src 10.0.0.0/8 ::1 192.168.1.0/255.255.255.0
    acl tls ssl_fc
    acl port80 dst_port 80 8000:8099
    acl dir path_dir admin
    acl meth method GET HEAD
    acl few nbsrv(b) lt 2
    acl many_cookies hdr_cnt(cookie) gt 1
    http-request deny if api !internal
    http-request deny if static || bot
    http-request deny if host_ex tls port80
    http-request deny unless meth
    http-request deny if { path -m len 0:3 } || { query -m found }
    http-request deny if dir host_dom
    http-request deny if few
    http-request deny if many_cookies
    http-request deny if TRUE !FALSE LOCALHOST
    default_backend b
backend b
    server s 127.0.0.1:1
`

func TestCondEval(t *testing.T) {
	cfg, err := ParseReader("cond.cfg", strings.NewReader(condCfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	fe, be := cfg.Frontends[0], cfg.Backends[0]
	rule := func(i int) *Cond { return fe.HTTPRequestRules[i].Cond }
	base := func() *fakeReq {
		return &fakeReq{method: "GET", path: "/index.html", url: "/index.html", hdr: http.Header{},
			src: netip.MustParseAddr("203.0.113.9"), dstPort: 443, nbsrv: map[*Proxy]int64{be: 1}}
	}
	cases := []struct {
		name string
		rule int
		mod  func(r *fakeReq)
		want bool
	}{
		{"api from outside", 0, func(r *fakeReq) { r.path = "/api/x" }, true},
		{"api case-insensitive", 0, func(r *fakeReq) { r.path = "/Api/x" }, true},
		{"api from inside", 0, func(r *fakeReq) { r.path = "/api/x"; r.src = netip.MustParseAddr("10.1.2.3") }, false},
		{"api from v4-mapped inside", 0, func(r *fakeReq) { r.path = "/v2/"; r.src = netip.MustParseAddr("::ffff:192.168.1.7") }, false},
		{"not api", 0, func(r *fakeReq) { r.path = "/apix" }, false},
		{"static css", 1, func(r *fakeReq) { r.path = "/a.css" }, true},
		{"static regex", 1, func(r *fakeReq) { r.path = "/img/42.png" }, true},
		{"static regex no match", 1, func(r *fakeReq) { r.path = "/img/x.png" }, false},
		{"bot in comma list", 1, func(r *fakeReq) { r.hdr.Set("User-Agent", "Mozilla, GoogleBOT") }, true},
		{"no bot", 1, func(r *fakeReq) { r.hdr.Set("User-Agent", "curl") }, false},
		{"and all true", 2, func(r *fakeReq) { r.hdr.Set("Host", "WWW.example.com"); r.ssl = true; r.dstPort = 8080 }, true},
		{"and one false", 2, func(r *fakeReq) { r.hdr.Set("Host", "www.example.com"); r.ssl = true; r.dstPort = 8100 }, false},
		{"unless GET", 3, nil, false},
		{"unless POST", 3, func(r *fakeReq) { r.method = "POST" }, true},
		{"len 0:3", 4, func(r *fakeReq) { r.path = "/ab" }, true},
		{"query found", 4, func(r *fakeReq) { r.url = "/x?y" }, true},
		{"neither", 4, nil, false},
		{"dir and dom", 5, func(r *fakeReq) { r.path = "/x/admin/y"; r.hdr.Set("Host", "www.example.org") }, true},
		{"dir substring only", 5, func(r *fakeReq) { r.path = "/x/administrator"; r.hdr.Set("Host", "example.org") }, false},
		{"dom substring only", 5, func(r *fakeReq) { r.path = "/admin"; r.hdr.Set("Host", "myexample.org") }, false},
		{"nbsrv lt 2", 6, nil, true},
		{"nbsrv 2", 6, func(r *fakeReq) { r.nbsrv[be] = 2 }, false},
		{"hdr_cnt", 7, func(r *fakeReq) { r.hdr.Add("Cookie", "a=1"); r.hdr.Add("Cookie", "b=2") }, true},
		{"hdr_cnt one", 7, func(r *fakeReq) { r.hdr.Add("Cookie", "a=1") }, false},
		{"predefined", 8, func(r *fakeReq) { r.src = netip.MustParseAddr("127.0.0.5") }, true},
		{"predefined not local", 8, nil, false},
	}
	for _, c := range cases {
		r := base()
		if c.mod != nil {
			c.mod(r)
		}
		if got := rule(c.rule).Eval(r); got != c.want {
			t.Errorf("%s: rule %d (%s) = %v, want %v", c.name, c.rule, rule(c.rule).Text, got, c.want)
		}
	}
}

func TestCondEvalNoAlloc(t *testing.T) {
	cfg, err := ParseReader("cond.cfg", strings.NewReader(condCfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeReq{method: "GET", path: "/img/12.png", url: "/img/12.png?x", hdr: http.Header{
		"User-Agent": {"Mozilla/5.0, crawler"}, "Host": {"www.example.org"}, "Cookie": {"a=1", "b=2"}},
		src: netip.MustParseAddr("10.0.0.1"), dstPort: 80, ssl: true, nbsrv: map[*Proxy]int64{}}
	rules := cfg.Frontends[0].HTTPRequestRules
	n := testing.AllocsPerRun(200, func() {
		for _, rule := range rules {
			rule.Cond.Eval(r)
		}
	})
	if n != 0 {
		t.Errorf("Eval allocates %v times per run", n)
	}
}

func BenchmarkCondEval(b *testing.B) {
	cfg, err := ParseReader("cond.cfg", strings.NewReader(condCfg), nil)
	if err != nil {
		b.Fatal(err)
	}
	r := &fakeReq{method: "GET", path: "/static/app/main.js", url: "/static/app/main.js", hdr: http.Header{
		"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"}, "Host": {"www.example.com"}},
		src: netip.MustParseAddr("203.0.113.9"), dstPort: 443, nbsrv: map[*Proxy]int64{}}
	rules := cfg.Frontends[0].HTTPRequestRules
	b.ReportAllocs()
	for b.Loop() {
		for _, rule := range rules {
			rule.Cond.Eval(r)
		}
	}
}
