package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func newServerTemplate() *Server {
	return &Server{Weight: 1, Inter: 2 * time.Second, Rise: 2, Fall: 3}
}

// serverIgnored are server parameters accepted and ignored with a warning;
// the value says whether they take an argument.
var serverIgnored = map[string]bool{
	"pool-max-conn": true, "pool-purge-delay": true, "pool-low-conn": true, "max-reuse": true,
	"tcp-ut": true, "no-send-proxy": false, "non-stick": false, "stick": false,
	"no-tfo": false, "no-agent-check": false,
}

// serverUnsupported are server parameters HAProxy honours and this
// implementation cannot: refused rather than ignored. The value says
// whether they take an argument.
var serverUnsupported = map[string]bool{
	"check-send-proxy": false, "crl-file": true, "check-alpn": true, "npn": true,
	"on-error": true, "error-limit": true, "observe": true, "resolvers": true,
	"resolve-prefer": true, "resolve-net": true, "resolve-opts": true, "init-addr": true,
	"proto": true, "namespace": true, "tfo": false, "agent-check": false,
	"agent-port": true, "agent-inter": true, "agent-addr": true, "agent-send": true,
	"ws": true, "log-proto": true, "send-proxy-v2": false, "send-proxy-v2-ssl": false,
	"send-proxy-v2-ssl-cn": false, "allow-0rtt": false, "sigalgs": true, "client-sigalgs": true,
}

func (p *parser) kwDefaultServer(px *Proxy, w []string) {
	st := p.state[px]
	if st.defaultServer == nil {
		st.defaultServer = newServerTemplate()
		st.defaultServer.TLSOptions = p.cfg.Global.SSLDefaultServer
	}
	if err := p.serverParams(st.defaultServer, w[1:], px.Name); err != nil {
		p.alertErr(p.line, ErrSyntax, "'default-server' : %v", err)
	}
}

func (p *parser) kwServer(px *Proxy, w []string) {
	if len(w) < 3 {
		p.alertf(p.line, "'server' expects <name> and <addr>[:<port>] as arguments.")
		return
	}
	s := newServerTemplate()
	s.TLSOptions = p.cfg.Global.SSLDefaultServer
	if st := p.state[px]; st.defaultServer != nil {
		*s = *st.defaultServer
	}
	s.Name, s.File, s.Line = w[1], p.file, p.line
	addr, err := expandAddrVars(w[2], p.env)
	if err == nil {
		s.Addr, err = parseAddr(addr, false, true)
	}
	if err == nil && (s.Addr.Network == "fd" || strings.HasPrefix(s.Addr.Network, "udp")) {
		err = fmt.Errorf("unsupported address family for a server '%s'", addr)
	}
	if err != nil {
		p.alertErr(p.line, ErrSyntax, "'server %s/%s' : %v", px.Name, w[1], err)
		return
	}
	err = p.serverParams(s, w[3:], px.Name)
	if err == nil && s.SSL {
		var warn string
		if warn, err = s.TLSOptions.resolve(); warn != "" {
			p.warnf(p.line, "'server %s/%s' : %s.", px.Name, s.Name, warn)
		}
	}
	if err != nil {
		p.add(Alertf("", 0, "[%s:%d] : 'server %s/%s' : %v.", p.file, p.line, px.Name, s.Name, err), causeOf(err, ErrSyntax))
		return
	}
	for _, o := range px.Servers {
		if o.Name == s.Name {
			p.deferred = append(p.deferred, Alertf(p.file, p.line,
				"backend '%s', another server named '%s' was already defined at line %d, please use distinct names.", px.Name, s.Name, o.Line))
		}
	}
	s.ID = len(px.Servers) + 1
	px.Servers = append(px.Servers, s)
}

// serverParams applies server/default-server parameters.
func (p *parser) serverParams(s *Server, a []string, pxName string) error {
	for i := 0; i < len(a); i++ {
		kw := a[i]
		val := ""
		switch kw {
		case "inter", "fastinter", "downinter", "rise", "fall", "weight", "maxconn", "maxqueue",
			"cookie", "port", "addr", "slowstart", "id", "minconn",
			"verify", "verifyhost", "sni", "ca-file", "crt", "check-sni", "alpn":
			if i+1 >= len(a) {
				return fmt.Errorf("'%s' expects an argument", kw)
			}
			i++
			val = a[i]
		}
		var err error
		switch kw {
		case "on-marked-down", "on-marked-up":
			if i+1 < len(a) {
				i++
				val = a[i]
			}
			err = serverOnMarked(s, kw, val)
		case "check":
			s.Check = true
		case "no-check":
			s.Check = false
		case "backup":
			s.Backup = true
		case "no-backup":
			s.Backup = false
		case "disabled":
			s.Disabled = true
		case "enabled":
			s.Disabled = false
		case "send-proxy":
			s.SendProxy = true
		case "inter", "fastinter", "downinter", "slowstart":
			var d time.Duration
			if d, err = ParseTime(val); err == nil && d == 0 && kw != "slowstart" {
				err = fmt.Errorf("server %s has an invalid '%s' value of 0", s.Name, kw)
			}
			switch kw {
			case "inter":
				s.Inter = d
			case "fastinter":
				s.FastInter = d
			case "downinter":
				s.DownInter = d
			default:
				s.SlowStart = d
			}
		case "rise", "fall":
			var n int
			if n, err = parseUint(val); err == nil && n == 0 {
				err = fmt.Errorf("'%s' has to be > 0", kw)
			}
			if kw == "rise" {
				s.Rise = n
			} else {
				s.Fall = n
			}
		case "weight":
			s.Weight, err = parseUint(val)
			if err == nil && s.Weight > 256 {
				err = fmt.Errorf("weight of server %s is not within 0 and 256 (%d)", s.Name, s.Weight)
			}
		case "maxconn":
			s.MaxConn, err = parseUint(val)
		case "maxqueue":
			s.MaxQueue, err = parseUint(val)
		case "minconn":
			return unsupported("'minconn' is not supported by this implementation (no dynamic maxconn)")
		case "cookie":
			s.Cookie = val
		case "port":
			s.CheckPort, err = parsePort(val)
		case "addr":
			s.CheckAddr = val
		case "id":
			var n int
			if n, err = parseUint(val); err == nil && n > 0 {
				s.ID = n
			}
		case "ssl":
			s.SSL = true
		case "no-ssl":
			s.SSL = false
		case "check-ssl":
			s.CheckSSL, s.NoCheckSSL = true, false
		case "no-check-ssl":
			s.CheckSSL, s.NoCheckSSL = false, true
		case "no-verifyhost":
			s.NoVerifyHost = true
		case "verify":
			if val != "none" && val != "required" {
				err = fmt.Errorf("'verify' : unknown verify method '%s', only 'none' and 'required' are supported", val)
			}
			s.Verify = val
		case "verifyhost":
			s.VerifyHost = val
		case "sni":
			s.SNI = val
		case "check-sni":
			s.CheckSNI = val
		case "ca-file":
			s.CAFile = withBase(p.cfg.Global.CABase, val)
		case "crt":
			val = withBase(p.cfg.Global.CRTBase, val)
			if err = p.loadCrt(val); err == nil {
				s.Crt = val
			}
		case "ssl-reuse":
			s.NoSSLReuse = false
		case "no-ssl-reuse":
			s.NoSSLReuse = true
		case "alpn":
			for _, proto := range strings.Split(val, ",") {
				if proto != "http/1.1" && proto != "http/1.0" {
					return unsupported("'alpn' : protocol '%s' is not supported by this implementation (it speaks HTTP/1.x to servers)", proto)
				}
			}
			s.ALPN = val

		case "track", "redir", "source", "usesrc":
			return fmt.Errorf("'%s' is not supported by this implementation", kw)
		default:
			arg := func() (string, error) {
				if i+1 >= len(a) {
					return "", fmt.Errorf("'%s' expects an argument", kw)
				}
				i++
				return a[i], nil
			}
			err = p.otherParam(&s.TLSOptions, a, &i, arg, serverUnsupported, serverIgnored,
				"server parameter '%s' is accepted but ignored by this implementation.")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) kwCookie(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'cookie' expects <cookie_name> as argument.")
		return
	}
	c := &Cookie{Name: w[1], Mode: CookiePassive}
	a := w[2:]
	for i := 0; i < len(a); i++ {
		switch a[i] {
		case "rewrite":
			c.Mode = CookieRewrite
		case "insert":
			c.Mode = CookieInsert
		case "prefix":
			c.Mode = CookiePrefix
		case "indirect":
			c.Indirect = true
		case "nocache":
			c.NoCache = true
		case "postonly":
			c.PostOnly = true
		case "preserve", "dynamic":
			p.alertErr(p.line, ErrUnsupported, "'cookie' : '%s' is not supported by this implementation.", a[i])
			return
		case "httponly":
			c.HTTPOnly = true
		case "secure":
			c.Secure = true
		case "domain", "attr", "maxidle", "maxlife":
			if i+1 >= len(a) {
				p.alertf(p.line, "'cookie' : '%s' expects a value.", a[i])
				return
			}
			i++
			switch a[i-1] {
			case "domain":
				c.Domains = append(c.Domains, a[i])
			case "attr":
				c.Attrs = append(c.Attrs, a[i])
			default:
				p.alertErr(p.line, ErrUnsupported, "'cookie' : '%s' is not supported by this implementation (no cookie dates).", a[i-1])
				return
			}
		default:
			p.alertf(p.line, "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.")
			return
		}
	}
	px.Cookie = c
}

func (p *parser) kwHTTPCheck(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'http-check' expects 'expect', 'send', 'connect', 'disable-on-404', 'send-state' or 'comment'.")
		return
	}
	if px.HTTPCheck == nil {
		px.HTTPCheck = &HTTPCheck{Method: "OPTIONS", URI: "/", Version: "HTTP/1.0"}
	}
	hc := px.HTTPCheck
	switch w[1] {
	case "expect":
		e, err := parseExpect(w[2:])
		if err != nil {
			p.alertf(p.line, "'http-check expect' : %v", err)
			return
		}
		if hc.Expect != nil {
			p.warnf(p.line, "'http-check expect' : only the last 'http-check expect' rule is used by this implementation.")
		}
		hc.Expect = e
	case "send":
		if err := parseSend(hc, w[2:]); err != nil {
			p.alertf(p.line, "'http-check send' : %v", err)
		}
	case "comment":
		// No effect on the check.
	case "connect", "disable-on-404", "send-state", "set-var", "unset-var":
		p.alertErr(p.line, ErrUnsupported, "'http-check %s' is not supported by this implementation.", w[1])
	default:
		p.alertf(p.line, "'http-check' only supports 'expect', 'send', 'connect', 'disable-on-404', 'send-state' and 'comment' (got '%s').", w[1])
	}
}

func parseExpect(a []string) (*Expect, error) {
	e := &Expect{}
	if len(a) > 0 && a[0] == "!" {
		e.Negate, a = true, a[1:]
	}
	// Optional rule parameters before the match keyword are not supported.
	if len(a) != 2 {
		return nil, fmt.Errorf("expects [!] <match> <pattern> (match: status, rstatus, string, rstring)")
	}
	e.Value = a[1]
	var err error
	switch a[0] {
	case "status":
		e.Kind = ExpectStatus
		for _, part := range strings.Split(a[1], ",") {
			lo, hi, ok := strings.Cut(part, "-")
			if !ok {
				hi = lo
			}
			x, err1 := strconv.Atoi(lo)
			y, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || x < 100 || y > 999 || y < x {
				return nil, fmt.Errorf("invalid status code range '%s'", part)
			}
			e.Statuses = append(e.Statuses, [2]int{x, y})
		}
	case "string":
		e.Kind = ExpectString
	case "rstatus", "rstring":
		e.Kind = ExpectRStatus
		if a[0] == "rstring" {
			e.Kind = ExpectRString
		}
		if e.Regexp, err = regexp.Compile(a[1]); err != nil {
			return nil, fmt.Errorf("invalid regex '%s': %w", a[1], err)
		}
	default:
		return nil, fmt.Errorf("'%s' is not supported by this implementation (supported: status, rstatus, string, rstring)", a[0])
	}
	return e, nil
}

func parseSend(hc *HTTPCheck, a []string) error {
	for i := 0; i < len(a); i++ {
		need := 1
		if a[i] == "hdr" {
			need = 2
		}
		if i+need >= len(a) {
			return fmt.Errorf("'%s' expects %d argument(s)", a[i], need)
		}
		switch a[i] {
		case "meth":
			hc.Method = a[i+1]
		case "uri":
			hc.URI = a[i+1]
		case "ver":
			hc.Version = a[i+1]
		case "hdr":
			hc.Headers = append(hc.Headers, Header{Name: a[i+1], Value: a[i+2]})
		case "body":
			hc.Body = a[i+1]
		default:
			return fmt.Errorf("unexpected keyword '%s' (supported: meth, uri, ver, hdr, body)", a[i])
		}
		i += need
	}
	return nil
}
