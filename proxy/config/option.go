package config

import "strings"

// opt describes an "option" keyword.
type opt struct {
	where uint8
	// fn applies the option (neg: "no option"); args follow the name.
	fn func(p *parser, px *Proxy, neg bool, args []string)
}

func boolOpt(where uint8, field func(*Proxy) *bool) opt {
	return opt{where, func(p *parser, px *Proxy, neg bool, _ []string) { *field(px) = !neg }}
}

// ignoredOpt is accepted with a warning saying it has no effect here.
func ignoredOpt(where uint8) opt {
	return opt{where, func(p *parser, _ *Proxy, neg bool, _ []string) {
		if !neg {
			p.warnf(p.line, "'option %s' is accepted but ignored by this implementation.", p.optName)
		}
	}}
}

// fallbackCheckOpt: protocol-specific health checks are refused (a plain
// TCP connect check would mark servers up that HAProxy marks down).
func fallbackCheckOpt() opt {
	return opt{inDB, func(p *parser, px *Proxy, neg bool, _ []string) {
		if neg {
			return
		}
		p.alertErr(p.line, ErrUnsupported, "'option %s' is not supported by this implementation (a TCP connect check is not the same check).", p.optName)
	}}
}

// removedOpt is an option haproxy 2.6 refuses, with its words: "not
// supported any more since HAProxy " then why, in "option" and "no
// option" alike.
func removedOpt(why string) opt {
	return opt{inDFBL, func(p *parser, _ *Proxy, _ bool, _ []string) {
		p.add(Alertf("", 0, "parsing [%s:%d]: option '%s' is not supported any more since HAProxy %s", p.file, p.line, p.optName, why), ErrSyntax)
	}}
}

var options = map[string]opt{
	"httplog":             {inDF | inB, (*parser).optHTTPLog},
	"tcplog":              {inDF | inB, (*parser).optHTTPLog},
	"httpslog":            {inDF | inB, (*parser).optHTTPLog},
	"dontlognull":         boolOpt(inDF, func(px *Proxy) *bool { return &px.DontLogNull }),
	"dontlog-normal":      boolOpt(inDF, func(px *Proxy) *bool { return &px.DontLogNormal }),
	"log-separate-errors": boolOpt(inDF, func(px *Proxy) *bool { return &px.LogSeparateErrors }),
	"logasap":             boolOpt(inDF, func(px *Proxy) *bool { return &px.LogASAP }),
	"log-health-checks":   boolOpt(inDB, func(px *Proxy) *bool { return &px.LogHealthChecks }),
	"redispatch":          {inDB, (*parser).optRedispatch},
	"abortonclose":        boolOpt(inDB, func(px *Proxy) *bool { return &px.AbortOnClose }),
	"allbackups":          boolOpt(inDB, func(px *Proxy) *bool { return &px.AllBackups }),
	"tcpka":               boolOpt(inDFBL, func(px *Proxy) *bool { return &px.TCPKA }),
	"clitcpka":            boolOpt(inDF, func(px *Proxy) *bool { return &px.CliTCPKA }),
	"srvtcpka":            boolOpt(inDB, func(px *Proxy) *bool { return &px.SrvTCPKA }),
	"forwardfor":          {inDFBL, (*parser).optForwardFor},
	"http-server-close":   {inDFBL, connOpt(ConnServerClose)},
	"httpclose":           {inDFBL, connOpt(ConnClose)},
	"forceclose":          removedOpt("2.0, please just remove it, or use 'option httpclose' if absolutely needed."),
	"http-tunnel":         removedOpt("2.1, please just remove it, it shouldn't be needed."),
	"http_proxy": removedOpt("2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. " +
		"It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', " +
		"and even 'http-request do-resolve' if DNS resolution is desired."),
	"http-keep-alive": {inDFBL, connOpt(ConnKeepAlive)},
	"httpchk":         {inDB, (*parser).optHTTPChk},
	"external-check":  {inDB, (*parser).optExternalCheck},
	"tcp-check":       fallbackCheckOpt(),
	"ssl-hello-chk":   fallbackCheckOpt(),
	"mysql-check":     fallbackCheckOpt(),
	"pgsql-check":     fallbackCheckOpt(),
	"redis-check":     fallbackCheckOpt(),
	"smtpchk":         fallbackCheckOpt(),
	"ldap-check":      fallbackCheckOpt(),
	"spop-check":      fallbackCheckOpt(),

	"http-pretend-keepalive":       ignoredOpt(inDFBL),
	"http-no-delay":                ignoredOpt(inDFBL),
	"http-buffer-request":          ignoredOpt(inDFBL),
	"http-ignore-probes":           {inDF, (*parser).optUnsupported},
	"http-use-proxy-header":        ignoredOpt(inDF),
	"http-restrict-req-hdr-names":  {inDFBL, (*parser).optUnsupported},
	"accept-invalid-http-request":  {inDF, (*parser).optUnsupported},
	"accept-invalid-http-response": {inDB, (*parser).optUnsupported},
	"h1-case-adjust-bogus-client":  {inDF, (*parser).optUnsupported},
	"h1-case-adjust-bogus-server":  {inDB, (*parser).optUnsupported},
	"disable-h2-upgrade":           ignoredOpt(inDF),
	"splice-auto":                  ignoredOpt(inDFBL),
	"splice-request":               ignoredOpt(inDFBL),
	"splice-response":              ignoredOpt(inDFBL),
	"tcp-smart-accept":             ignoredOpt(inDF),
	"tcp-smart-connect":            ignoredOpt(inDB),
	"socket-stats":                 ignoredOpt(inDF),
	"independent-streams":          ignoredOpt(inDFBL),
	"nolinger":                     ignoredOpt(inDFBL),
	"contstats":                    ignoredOpt(inDF),
	"prefer-last-server":           ignoredOpt(inDB),
	"persist":                      {inDB, (*parser).optUnsupported},
	"checkcache":                   {inDB, (*parser).optUnsupported},
	"idle-close-on-response":       ignoredOpt(inDF),
	"log-health-checks-legacy":     ignoredOpt(inDB),
	"http-drop-request-trailers":   {inDB, (*parser).optUnsupported},
	"http-drop-response-trailers":  {inDF, (*parser).optUnsupported},
	"originalto":                   {inDFBL, (*parser).optUnsupported},
	"transparent":                  {inDB, (*parser).optUnsupported},
	"spop-check-legacy":            ignoredOpt(inDB),
}

// connOpt sets the HTTP connection mode (last one wins).
func connOpt(m ConnMode) func(*parser, *Proxy, bool, []string) {
	return func(p *parser, px *Proxy, neg bool, _ []string) {
		if !neg {
			px.ConnMode = m
		} else if px.ConnMode == m {
			px.ConnMode = ConnKeepAlive
		}
	}
}

func (p *parser) kwOption(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'option' expects an option name.")
		return
	}
	p.option(px, w[1:], false)
}

// option applies "option <name> args..." (a is name + args).
func (p *parser) option(px *Proxy, a []string, neg bool) {
	o, ok := options[a[0]]
	if !ok {
		p.alertErr(p.line, ErrUnknownKeyword, "unknown option '%s'.", a[0])
		return
	}
	p.optName = a[0]
	if !p.allowed(px, kw{where: o.where}, "option", a[0]) {
		return
	}
	if neg && len(a) > 1 {
		p.alertf(p.line, "'no option %s' does not expect arguments.", a[0])
		return
	}
	o.fn(p, px, neg, a[1:])
}

func (p *parser) optUnsupported(px *Proxy, neg bool, _ []string) {
	if !neg {
		p.alertErr(p.line, ErrUnsupported, "'option %s' is not supported by this implementation.", p.optName)
	}
}

func (p *parser) optHTTPLog(px *Proxy, neg bool, a []string) {
	if px.Cap&CapFrontend == 0 {
		p.warnf(p.line, "backend '%s' : 'option %s' directive is ignored in backends.", px.Name, p.optName)
		return
	}
	if neg {
		px.LogStyle, px.LogFormat = LogDefault, ""
		return
	}
	switch p.optName {
	case "tcplog":
		px.LogStyle = LogTCP
	case "httpslog":
		px.LogStyle = LogHTTPS
	default:
		px.LogStyle = LogHTTP
		if len(a) > 0 {
			if a[0] != "clf" {
				p.alertf(p.line, "'option httplog' only supports optional argument 'clf'.")
				return
			}
			px.LogStyle = LogCLF
		}
	}
	px.LogFormat = ""
	if p.state[px] != nil {
		p.state[px].logFormatLine = p.line
	}
}

func (p *parser) optRedispatch(px *Proxy, neg bool, a []string) {
	px.Redispatch = !neg
	if len(a) > 0 && a[0] != "1" && a[0] != "-1" {
		p.warnf(p.line, "'option redispatch %s' : the interval is ignored by this implementation (redispatch on the last retry).", a[0])
	}
}

func (p *parser) optForwardFor(px *Proxy, neg bool, a []string) {
	if neg {
		px.ForwardFor = nil
		return
	}
	ff := &ForwardFor{Header: "X-Forwarded-For"}
	for i := 0; i < len(a); i++ {
		switch a[i] {
		case "except", "header":
			if i+1 >= len(a) {
				p.alertf(p.line, "'option forwardfor' : '%s' expects a value.", a[i])
				return
			}
			if a[i] == "header" {
				ff.Header = a[i+1]
			} else {
				n, err := parseNet(a[i+1])
				if err != nil {
					p.alertf(p.line, "'option forwardfor' : invalid network '%s' after 'except'.", a[i+1])
					return
				}
				ff.Except = n
			}
			i++
		case "if-none":
			ff.IfNone = true
		default:
			p.alertf(p.line, "'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.")
			return
		}
	}
	px.ForwardFor = ff
	if p.state[px] != nil {
		p.state[px].forwardForLine = p.line
	}
}

func (p *parser) optHTTPChk(px *Proxy, neg bool, a []string) {
	if neg {
		if px.Check == CheckHTTP {
			px.Check = CheckTCP
		}
		return
	}
	hc := &HTTPCheck{Method: "OPTIONS", URI: "/", Version: "HTTP/1.0"}
	if px.HTTPCheck != nil {
		hc.Expect, hc.Headers, hc.Body = px.HTTPCheck.Expect, px.HTTPCheck.Headers, px.HTTPCheck.Body
	}
	switch len(a) {
	case 0:
	case 1:
		hc.URI = a[0]
	default:
		hc.Method, hc.URI = a[0], a[1]
		if len(a) > 2 {
			hc.Version = a[2]
			if i := strings.IndexAny(hc.Version, "\r\n"); i >= 0 {
				hc.Version, hc.Extra = a[2][:i], a[2][i:]
				p.warnf(p.line, "'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.")
				p.tighten()
			}
		}
		if len(a) > 3 {
			p.alertf(p.line, "'option httpchk' : unexpected argument '%s'.", a[3])
			return
		}
	}
	px.Check, px.HTTPCheck = CheckHTTP, hc
}

func (p *parser) optExternalCheck(px *Proxy, neg bool, _ []string) {
	if neg {
		if px.Check == CheckExternal {
			px.Check = CheckTCP
		}
		return
	}
	if px.ExternalCheck == nil {
		px.ExternalCheck = &ExternalCheck{}
	}
	px.Check = CheckExternal
}

func (p *parser) kwExternalCheck(px *Proxy, w []string) {
	if len(w) < 3 || (w[1] != "command" && w[1] != "path") {
		p.alertf(p.line, "'external-check' expects 'command <path>' or 'path <path>'.")
		return
	}
	if px.ExternalCheck == nil {
		px.ExternalCheck = &ExternalCheck{}
	}
	if w[1] == "command" {
		px.ExternalCheck.Command = w[2]
	} else {
		px.ExternalCheck.Path = w[2]
	}
}
