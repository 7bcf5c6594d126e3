package config

// HAProxy's built-in log-format strings (haproxy-logging.md §1.7).
const (
	TCPLogFormat   = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq"
	HTTPLogFormat  = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
	HTTPSLogFormat = HTTPLogFormat + " %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc"
	CLFLogFormat   = `%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl`
)

// resolve runs the checks HAProxy makes once every section is read, and
// fills the derived fields.
func (p *parser) resolve() {
	g := &p.cfg.Global
	p.resolveLogFormats(g.Logs)
	for _, px := range p.cfg.Proxies {
		p.file = px.File
		p.resolveLogFormats(px.Logs)
		p.resolveBackend(px)
	}
	for _, r := range p.pending {
		p.resolveRef(r)
	}
	for _, px := range p.cfg.Proxies {
		p.checkProxy(px)
	}
	for _, d := range p.deferred {
		p.add(d, ErrSyntax)
	}
}

func (p *parser) resolveLogFormats(ts []LogTarget) {
	for i := range ts {
		if ts[i].Format == "" {
			ts[i].Format = "local"
			if p.cfg.Global.LogSendHostname != "" {
				ts[i].Format = "rfc3164"
			}
		}
	}
}

// findBackend returns the proxy with the backend capability named name.
func (p *parser) findBackend(name string) *Proxy {
	for _, o := range p.byName[name] {
		if o.Cap&CapBackend != 0 {
			return o
		}
	}
	return nil
}

func (p *parser) resolveBackend(px *Proxy) {
	if px.Cap&CapFrontend == 0 {
		return
	}
	st := p.state[px]
	if st.defaultBackend == "" {
		if px.Cap&CapBackend != 0 {
			px.DefaultBackend = px
		}
		return
	}
	b := p.findBackend(st.defaultBackend)
	if b == nil {
		p.add(Alertf("", 0, "Proxy '%s': unable to find required default_backend: '%s'.", px.Name, st.defaultBackend), ErrReference)
		return
	}
	px.DefaultBackend = b
	p.checkModes(px, b, "as its default backend")
}

func (p *parser) resolveRef(r pendingRef) {
	b := p.findBackend(r.name)
	if b == nil {
		if r.what == "nbsrv" {
			p.add(Alertf(r.file, r.line,
				"unable to find backend '%s' referenced in arg 1 of ACL keyword 'nbsrv' in proxy '%s'.", r.name, r.px.Name), ErrReference)
			p.tighten()
		} else {
			p.add(Alertf("", 0, "Proxy '%s': unable to find required use_backend: '%s'.", r.px.Name, r.name), ErrReference)
		}
		return
	}
	r.set(b)
	if r.what == "use_backend" {
		p.checkModes(r.px, b, "in a 'use_backend' rule")
	}
}

func (p *parser) checkModes(fe, be *Proxy, how string) {
	if fe.Mode == ModeHTTP && be.Mode == ModeTCP {
		p.add(Alertf("", 0, "http frontend '%s' (%s:%d) tries to use incompatible tcp backend '%s' (%s:%d) %s (see 'mode').",
			fe.Name, fe.File, fe.Line, be.Name, be.File, be.Line, how), ErrReference)
	}
}

const missingTimeouts = "missing timeouts for %s '%s'.\n" +
	"While not properly invalid, you will certainly encounter various problems\n" +
	"with such a configuration. To fix this, please ensure that all following\n" +
	"timeouts are set to a non-zero value: 'client', 'connect', 'server'."

// checkProxy emits the post-parse diagnostics (in HAProxy's order) and
// fills derived fields.
func (p *parser) checkProxy(px *Proxy) {
	st := p.state[px]
	kind := proxyKind(px)
	if px.Mode == ModeTCP && px.Cap&CapBackend != 0 && px.Cookie != nil {
		p.postWarn("cookie will be ignored for %s '%s' (needs 'mode http').", kind, px.Name)
		px.Cookie = nil
	}
	if px.Cap&CapFrontend != 0 && len(px.Binds) == 0 {
		p.postWarn("%s '%s' has no 'bind' directive. Please declare it as a backend if this was intended.", kind, px.Name)
	}
	p.checkExternal(px)
	// As haproxy 2.6: a backend side without servers is not checked,
	// and in tcp mode timeout tunnel stands for timeout server.
	t := px.Timeouts
	noServer := t.Server == 0 && (px.Mode == ModeHTTP || t.Tunnel == 0)
	if (px.Cap&CapFrontend != 0 && t.Client == 0) ||
		(px.Cap&CapBackend != 0 && len(px.Servers) > 0 && (t.Connect == 0 || noServer)) {
		p.postWarn(missingTimeouts, kind, px.Name)
	}
	p.resolveLogStyle(px, st, kind)
	if px.Mode == ModeTCP {
		p.dropHTTPOnly(px, kind)
	}
	for _, s := range px.Servers {
		if s.FastInter == 0 {
			s.FastInter = s.Inter
		}
		if s.DownInter == 0 {
			s.DownInter = s.Inter
		}
		if px.Mode == ModeTCP && s.Cookie != "" {
			p.postWarn("%s '%s' : ignoring cookie for server '%s' as HTTP mode is disabled.", kind, px.Name, s.Name)
			s.Cookie = ""
		}
	}
}

// postWarn records a warning not tied to a line.
func (p *parser) postWarn(format string, a ...any) {
	p.add(Warnf("", 0, format, a...), nil)
}

func (p *parser) checkExternal(px *Proxy) {
	if px.Cap&CapBackend == 0 || px.Check != CheckExternal {
		return
	}
	if !p.cfg.Global.ExternalCheck {
		p.add(Alertf("", 0, "Proxy '%s' : 'option external-check' unable to find required 'global.external-check'.", px.Name), ErrReference)
	} else if px.ExternalCheck.Command == "" {
		p.add(Alertf("", 0, "Proxy '%s' : 'option external-check' requires 'external-check command'.", px.Name), ErrSyntax)
	}
	if !p.cfg.Global.InsecureForkWanted {
		p.postWarn("Proxy '%s' : 'insecure-fork-wanted' not enabled in the global section, 'option external-check' will likely fail.", px.Name)
	}
}

// dropHTTPOnly removes, with a warning, the settings a TCP proxy ignores.
func (p *parser) dropHTTPOnly(px *Proxy, kind string) {
	if px.Cap&CapFrontend != 0 && px.MonitorURI != "" {
		p.postWarn("monitor-uri will be ignored for %s '%s' (needs 'mode http').", kind, px.Name)
		px.MonitorURI = ""
	}
	if px.Stats != nil && px.Stats.Enable {
		p.postWarn("'stats' statement ignored for %s '%s' as it requires HTTP mode.", kind, px.Name)
		px.Stats = nil
	}
	if px.ForwardFor != nil {
		p.postWarn("'option forwardfor' ignored for %s '%s' as it requires HTTP mode.", kind, px.Name)
		px.ForwardFor = nil
	}
	if len(px.Redirects) > 0 {
		p.postWarn("'redirect' rules ignored for %s '%s' as they require HTTP mode.", kind, px.Name)
		px.Redirects = nil
	}
	if len(px.HTTPRequestRules) > 0 {
		p.postWarn("'http-request' rules ignored for %s '%s' as they require HTTP mode.", kind, px.Name)
		px.HTTPRequestRules = nil
	}
	if len(px.HTTPResponseRules) > 0 {
		p.postWarn("'http-response' rules ignored for %s '%s' as they require HTTP mode.", kind, px.Name)
		px.HTTPResponseRules = nil
	}
}

func (p *parser) resolveLogStyle(px *Proxy, st *proxyState, kind string) {
	if px.Cap&CapFrontend == 0 {
		px.LogStyle, px.LogFormat = LogDefault, ""
		return
	}
	if px.Mode == ModeTCP && (px.LogStyle == LogHTTP || px.LogStyle == LogCLF || px.LogStyle == LogHTTPS) {
		name := map[LogStyle]string{LogHTTP: "httplog", LogCLF: "httplog clf", LogHTTPS: "httpslog"}[px.LogStyle]
		file := px.File
		if st.logFormatLine == 0 {
			file = ""
		}
		p.add(Warnf(file, st.logFormatLine,
			"'option %s' not usable with %s '%s' (needs 'mode http'). Falling back to 'option tcplog'.", name, kind, px.Name), nil)
		px.LogStyle = LogTCP
	}
	switch px.LogStyle {
	case LogTCP:
		px.LogFormat = TCPLogFormat
	case LogHTTP:
		px.LogFormat = HTTPLogFormat
	case LogHTTPS:
		px.LogFormat = HTTPSLogFormat
	case LogCLF:
		px.LogFormat = CLFLogFormat
	}
	if px.LogStyle != LogDefault && len(px.Logs) == 0 {
		p.add(Warnf("", 0, "log format ignored for %s '%s' since it has no log address.", kind, px.Name), nil)
	}
}
