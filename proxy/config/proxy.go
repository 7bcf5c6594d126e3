package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haplog/haplog/internal/diag"
	"github.com/haplog/haplog/proxy/h1"
)

// where bits: in which sections a proxy keyword is allowed.
const (
	inD    uint8 = 1 << iota // defaults
	inF                      // frontend capability
	inB                      // backend capability
	inDFBL = inD | inF | inB
	inDF   = inD | inF
	inDB   = inD | inB
	inFB   = inF | inB
)

// kw describes a proxy keyword.
type kw struct {
	where uint8
	// capAlert: using it without the capability is an error, not a
	// warning.
	capAlert bool
	fn       func(p *parser, px *Proxy, w []string)
}

// proxyKeywords maps the first word of a proxy line to its handler.
// Multi-word keywords dispatch further inside their handler.
var proxyKeywords = map[string]kw{
	"mode":                        {inDFBL, false, (*parser).kwMode},
	"bind":                        {inF, false, (*parser).kwBind},
	"log":                         {inDFBL, false, (*parser).proxyLog},
	"no":                          {inDFBL, false, (*parser).kwNo},
	"maxconn":                     {inDF, false, (*parser).kwMaxConn},
	"timeout":                     {inDFBL, false, (*parser).kwTimeout},
	"retries":                     {inDB, false, (*parser).kwRetries},
	"option":                      {inDFBL, false, (*parser).kwOption},
	"default_backend":             {inDF, false, (*parser).kwDefaultBackend},
	"use_backend":                 {inF, false, (*parser).kwUseBackend},
	"log-format":                  {inDFBL, false, (*parser).kwLogFormat},
	"error-log-format":            {inDFBL, false, (*parser).kwLogFormat},
	"log-format-sd":               {inDFBL, false, (*parser).kwLogFormat},
	"log-tag":                     {inDFBL, false, (*parser).kwLogTag},
	"capture":                     {inF, false, (*parser).kwCapture},
	"errorfile":                   {inDFBL, false, (*parser).kwErrorFile},
	"monitor-uri":                 {inDF, false, (*parser).kwMonitorURI},
	"monitor":                     {inF, false, (*parser).kwMonitor},
	"compression":                 {inDFBL, false, (*parser).kwCompression},
	"stats":                       {inDFBL, false, (*parser).kwStats},
	"balance":                     {inDB, false, (*parser).kwBalance},
	"server":                      {inB, true, (*parser).kwServer},
	"default-server":              {inDB, false, (*parser).kwDefaultServer},
	"cookie":                      {inDB, false, (*parser).kwCookie},
	"http-check":                  {inDB, false, (*parser).kwHTTPCheck},
	"external-check":              {inDB, false, (*parser).kwExternalCheck},
	"acl":                         {inFB, false, (*parser).kwACL},
	"http-request":                {inDFBL, false, (*parser).kwHTTPRequest},
	"http-response":               {inDFBL, false, (*parser).kwHTTPResponse},
	"unique-id-format":            {inDF, false, (*parser).kwUniqueID},
	"unique-id-header":            {inDF, false, (*parser).kwUniqueID},
	"disabled":                    {inDFBL, false, func(_ *parser, px *Proxy, _ []string) { px.Disabled = true }},
	"enabled":                     {inDFBL, false, func(_ *parser, px *Proxy, _ []string) { px.Disabled = false }},
	"description":                 {inFB, false, func(*parser, *Proxy, []string) {}},
	"id":                          {inFB, false, (*parser).kwID},
	"tcp-request":                 {inDFBL, false, (*parser).kwTCPRequest},
	"tcp-response":                {inB, false, (*parser).kwUnsupportedRule},
	"tcp-check":                   {inDB, false, (*parser).kwUnsupportedRule},
	"http-after-response":         {inFB, false, (*parser).kwUnsupportedRule},
	"redirect":                    {inFB, false, (*parser).kwRedirect},
	"use-server":                  {inB, false, (*parser).kwUnsupportedRule},
	"stick-table":                 {inFB, false, (*parser).kwUnsupportedRule},
	"stick":                       {inB, false, (*parser).kwUnsupportedRule},
	"filter":                      {inFB, false, (*parser).kwUnsupportedRule},
	"http-reuse":                  {inDB, false, (*parser).kwIgnored},
	"hash-type":                   {inDB, false, (*parser).kwUnsupportedRule},
	"fullconn":                    {inDB, false, (*parser).kwFullConn},
	"backlog":                     {inDF, false, (*parser).kwIgnored},
	"rate-limit":                  {inDF, false, (*parser).kwUnsupportedRule},
	"retry-on":                    {inDB, false, (*parser).kwUnsupportedRule},
	"max-keep-alive-queue":        {inDB, false, (*parser).kwIgnored},
	"email-alert":                 {inDB, false, (*parser).kwUnsupportedRule},
	"load-server-state-from-file": {inDB, false, (*parser).kwUnsupportedRule},
	"server-state-file-name":      {inDB, false, (*parser).kwIgnored},
	"errorloc":                    {inDFBL, false, (*parser).kwErrorLoc},
	"errorloc302":                 {inDFBL, false, (*parser).kwErrorLoc},
	"errorloc303":                 {inDFBL, false, (*parser).kwErrorLoc},
	"errorfiles":                  {inDFBL, false, (*parser).kwUnsupportedRule},
	"http-error":                  {inDFBL, false, (*parser).kwUnsupportedRule},
	"source":                      {inDB, false, (*parser).kwUnsupportedRule},
	"dispatch":                    {inB, false, (*parser).kwUnsupportedRule},
	"server-template":             {inB, true, (*parser).kwUnsupportedRule},
	"dynamic-cookie-key":          {inDB, false, (*parser).kwIgnored}, // no effect: "dynamic" cookies are refused
	"declare":                     {inFB, false, (*parser).kwUnsupportedRule},
}

func (p *parser) kwIgnored(px *Proxy, w []string) {
	p.warnf(p.line, "'%s' is accepted but ignored by this implementation.", w[0])
}

func (p *parser) kwUnsupportedRule(px *Proxy, w []string) {
	p.alertErr(p.line, ErrUnsupported, "'%s' is not supported by this implementation.", w[0])
}

func capName(c Cap) string {
	switch c {
	case CapFrontend:
		return "frontend"
	case CapBackend:
		return "backend"
	}
	return "listen"
}

func (p *parser) isDefaults(px *Proxy) bool { return p.section == "defaults" }

// openProxy starts a defaults/frontend/backend/listen section.
func (p *parser) openProxy(w []string) {
	kind := w[0]
	name, from := "", ""
	rest := w[1:]
	if len(rest) > 0 && rest[0] != "from" {
		name, rest = rest[0], rest[1:]
	}
	if len(rest) >= 2 && rest[0] == "from" {
		from, rest = rest[1], rest[2:]
	}
	if len(rest) > 0 {
		p.alertf(p.line, "'%s' : unexpected argument '%s'.", kind, rest[0])
	}
	if kind != "defaults" && name == "" {
		p.alertf(p.line, "'%s' expects an <id> argument", kind)
		p.stop(stopNow)
		return
	}
	if err := checkProxyName(name); err != nil {
		p.alertf(p.line, "%s '%s' : %v", kind, name, err)
	}
	base := p.defaults
	if from != "" {
		d, ok := p.named[from]
		if at := p.namedAt[from]; len(at) > 1 {
			p.alertErr(p.line, ErrReference, "ambiguous defaults section name '%s' referenced by %s '%s' exists at least at %s:%d and %s:%d.",
				from, kind, name, at[0].File, at[0].Line, at[1].File, at[1].Line)
		}
		if !ok {
			p.alertErr(p.line, ErrReference, "defaults section '%s' not found for %s '%s'.", from, kind, name)
			p.stop(stopNow)
			return
		} else {
			base = d
		}
	}
	if base != nil && (from != "" || kind != "defaults") {
		p.noteDefaultsUse(base, from != "")
	}
	var px *Proxy
	if kind == "defaults" {
		px = newDefaults()
		if from != "" && base != nil {
			px = cloneProxy(base)
		}
	} else if base != nil {
		px = cloneProxy(base)
	} else {
		px = newDefaults()
	}
	px.Name, px.File, px.Line = name, p.file, p.line
	p.state[px] = &proxyState{}
	if base != nil {
		if ds := p.state[base]; ds != nil && ds.defaultServer != nil {
			s := *ds.defaultServer
			p.state[px].defaultServer = &s
		}
		if ds := p.state[base]; ds != nil {
			p.state[px].defaultBackend = ds.defaultBackend
			p.state[px].defaultBackendLine = ds.defaultBackendLine
		}
	}
	switch kind {
	case "defaults":
		p.defaults = px
		if name != "" {
			p.named[name] = px
			p.namedAt[name] = append(p.namedAt[name], diag.Pos{File: p.file, Line: p.line})
		}
		px.Cap = CapFrontend | CapBackend
	case "frontend":
		px.Cap = CapFrontend
	case "backend":
		px.Cap = CapBackend
	case "listen":
		px.Cap = CapFrontend | CapBackend
	}
	if kind != "defaults" {
		p.register(px, kind)
		if base != nil {
			p.inheritRules(base, px, kind)
		}
	}
	p.cur = px
}

// inheritRules checks a proxy's use of a defaults section defining
// http-request/http-response rules as haproxy 2.6 does: a listen section
// may not, and frontends and backends may not share one.
func (p *parser) inheritRules(d, px *Proxy, kind string) {
	if len(d.HTTPRequestRules) == 0 && len(d.HTTPResponseRules) == 0 && len(d.TCPConnRules) == 0 {
		return
	}
	if kind == "listen" {
		p.add(Alertf("", 0, "parsing [%s:%d]: a listen section cannot inherit from a defaults section defining TCP/HTTP rules.",
			p.file, p.line), ErrSyntax)
		p.stop(stopNow)
		return
	}
	ds := p.state[d]
	if ds.rulesUsedBy |= px.Cap; ds.rulesUsedBy == CapFrontend|CapBackend {
		p.add(Alertf("", 0, "parsing [%s:%d]: frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at %s:%d).",
			p.file, p.line, d.File, d.Line), ErrSyntax)
		p.stop(stopNow)
	}
}

func newDefaults() *Proxy {
	return &Proxy{Retries: 3, Balance: BalanceRoundRobin}
}

// register adds px to the config, checking for duplicates.
func (p *parser) register(px *Proxy, kind string) {
	for _, o := range p.byName[px.Name] {
		if o.Cap&px.Cap != 0 {
			p.add(Alertf("", 0, "Parsing [%s:%d]: %s '%s' has the same name as %s '%s' declared at %s:%d.",
				p.file, p.line, kind, px.Name, capName(o.Cap), o.Name, o.File, o.Line), ErrSyntax)
			break
		}
	}
	p.byName[px.Name] = append(p.byName[px.Name], px)
	// haproxy numbers proxies in declaration order, its own GLOBAL proxy
	// (created by the first "stats socket") included, and counts every
	// proxy, one with an explicit "id" too.
	px.ID = len(p.cfg.Proxies) + 1 + p.internal
	px.Index = len(p.cfg.Proxies)
	p.cfg.Proxies = append(p.cfg.Proxies, px)
	if px.Cap&CapFrontend != 0 {
		p.cfg.Frontends = append(p.cfg.Frontends, px)
	}
	if px.Cap&CapBackend != 0 {
		p.cfg.Backends = append(p.cfg.Backends, px)
	}
}

func checkProxyName(name string) error {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isNameChar(c) || c == '-' || c == '.' || c == ':') {
			return fmt.Errorf("character '%c' is not permitted in name '%s'", c, name)
		}
	}
	return nil
}

// cloneProxy copies a defaults section for a new proxy, duplicating the
// slices and maps it may append to.
func cloneProxy(d *Proxy) *Proxy {
	px := *d
	px.Logs = slices.Clone(d.Logs)
	px.ErrorFiles = maps.Clone(d.ErrorFiles)
	px.Binds, px.Servers, px.UseBackends = nil, nil, nil
	// A named defaults section's rules run before the proxy's own.
	px.HTTPRequestRules = slices.Clone(d.HTTPRequestRules)
	px.HTTPResponseRules = slices.Clone(d.HTTPResponseRules)
	px.TCPConnRules = slices.Clone(d.TCPConnRules)
	px.ACLs = nil
	px.Captures = Captures{}
	px.DefaultBackend = nil
	px.ForwardFor = clonePtr(d.ForwardFor, nil)
	px.Compression = clonePtr(d.Compression, func(c *Compression) {
		c.Algos, c.Types = slices.Clone(c.Algos), slices.Clone(c.Types)
	})
	px.Stats = clonePtr(d.Stats, func(s *Stats) { s.Auth = slices.Clone(s.Auth) })
	px.Cookie = clonePtr(d.Cookie, func(c *Cookie) {
		c.Domains, c.Attrs = slices.Clone(c.Domains), slices.Clone(c.Attrs)
	})
	px.HTTPCheck = clonePtr(d.HTTPCheck, func(h *HTTPCheck) {
		h.Headers = slices.Clone(h.Headers)
		h.Expect = clonePtr(h.Expect, nil)
	})
	px.ExternalCheck = clonePtr(d.ExternalCheck, nil)
	return &px
}

// clonePtr returns a copy of *p (nil for nil), on which deep, when not
// nil, replaces the slices the copy must not share with p.
func clonePtr[T any](p *T, deep func(*T)) *T {
	if p == nil {
		return nil
	}
	c := *p
	if deep != nil {
		deep(&c)
	}
	return &c
}

// closeProxy ends the current proxy section.
func (p *parser) closeProxy() { p.cur = nil }

// noteDefaultsUse records that the proxy being opened uses the defaults
// section d, named by "from" or not, and gives haproxy 2.6's non-fatal
// alert once d is used both ways.
func (p *parser) noteDefaultsUse(d *Proxy, explicit bool) {
	ds := p.state[d]
	if explicit {
		ds.explicitRef = true
	} else {
		ds.implicitRef = true
	}
	if ds.explicitRef && ds.implicitRef {
		n := p.at(p.line).Notef("", "defaults section '%s' (declared at %s:%d) is explicitly referenced by another proxy and implicitly used here. "+
			"To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.", d.Name, d.File, d.Line)
		n.Alert = true
		p.add(n, nil)
	}
}

// proxyLine dispatches one line of a defaults/frontend/backend/listen.
func (p *parser) proxyLine(w []string) {
	px := p.cur
	if px == nil {
		return
	}
	k, ok := proxyKeywords[w[0]]
	if !ok {
		p.alertErr(p.line, ErrUnknownKeyword, "unknown keyword '%s' in '%s' section", w[0], p.section)
		return
	}
	if !p.allowed(px, k, w[0], w[0]) {
		return
	}
	k.fn(p, px, w)
}

// allowed checks the section/capability rules for a keyword. name is how
// messages call it.
func (p *parser) allowed(px *Proxy, k kw, first, name string) bool {
	if p.isDefaults(px) {
		if k.where&inD == 0 {
			p.alertf(p.line, "'%s' not allowed in 'defaults' section.", name)
			return false
		}
		return true
	}
	var missing string
	switch {
	case k.where&(inF|inB) == inF && px.Cap&CapFrontend == 0:
		missing = "frontend"
	case k.where&(inF|inB) == inB && px.Cap&CapBackend == 0:
		missing = "backend"
	}
	if missing == "" {
		return true
	}
	if k.capAlert {
		p.alertf(p.line, "'%s' not allowed because %s '%s' has no %s capability.", name, capName(px.Cap), px.Name, missing)
		return false
	}
	p.warnf(p.line, "'%s' ignored because %s '%s' has no %s capability.", name, capName(px.Cap), px.Name, missing)
	// HAProxy still parses the conditions of ignored switching rules.
	if first == "use_backend" || first == "acl" {
		return true
	}
	return false
}

func (p *parser) kwMode(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'mode' expects one of 'http', 'tcp' as argument.")
		return
	}
	switch w[1] {
	case "http":
		px.Mode = ModeHTTP
	case "tcp":
		px.Mode = ModeTCP
	case "health", "log", "spop":
		p.alertErr(p.line, ErrUnsupported, "mode '%s' is not supported by this implementation.", w[1])
	default:
		p.alertf(p.line, "unknown proxy mode '%s'.", w[1])
	}
}

func (p *parser) kwMaxConn(px *Proxy, w []string) {
	p.proxyInt(w, &px.MaxConn)
}

// kwFullConn reads "fullconn" as haproxy does: atol into an unsigned
// int; only a missing or an extra argument is an error.
func (p *parser) kwFullConn(px *Proxy, w []string) {
	if len(w) > 2 {
		p.alertErr(p.line, ErrSyntax, "'%s' cannot handle unexpected argument '%s'.", w[0], w[2])
		return
	}
	if len(w) < 2 || w[1] == "" {
		p.alertErr(p.line, ErrSyntax, "'%s' expects an integer argument.", w[0])
		return
	}
	px.FullConn = int(uint32(atol(w[1])))
}

func (p *parser) kwRetries(px *Proxy, w []string) {
	p.proxyInt(w, &px.Retries)
}

func (p *parser) kwID(px *Proxy, w []string) {
	n := 0
	p.proxyInt(w, &n)
	if n > 0 {
		px.ID = n
	}
}

func (p *parser) proxyInt(w []string, dst *int) {
	if !p.needArgs(w, 1, "an integer") {
		return
	}
	n, err := parseUint(w[1])
	if err != nil {
		p.alertErr(p.line, ErrSyntax, "'%s' : %v.", w[0], err)
		return
	}
	*dst = n
}

func (p *parser) kwNo(px *Proxy, w []string) {
	if len(w) >= 2 && w[1] == "log" {
		if len(w) > 2 {
			p.alertf(p.line, "'no log' does not expect arguments.")
			return
		}
		px.Logs = nil
		return
	}
	if len(w) >= 3 && w[1] == "option" {
		p.option(px, w[2:], true)
		return
	}
	p.alertErr(p.line, ErrUnknownKeyword, "'no' only supports 'option' and 'log'.")
}

var timeoutWhere = map[string]uint8{
	"client": inDF, "client-fin": inDF, "server": inDB, "server-fin": inDB, "connect": inDB,
	"check": inDB, "queue": inDB, "tunnel": inDB, "http-request": inDFBL,
	"http-keep-alive": inDFBL, "tarpit": inDFBL,
}

func (p *parser) kwTimeout(px *Proxy, w []string) {
	name := ""
	if len(w) > 1 {
		name = w[1]
	}
	where, ok := timeoutWhere[name]
	if !ok {
		p.alertErr(p.line, ErrUnknownKeyword, "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '%s')", name)
		return
	}
	if len(w) < 3 {
		p.alertf(p.line, "'timeout %s' expects an integer value (in milliseconds)", name)
		return
	}
	d, err := ParseTime(w[2])
	if err != nil {
		p.alertErr(p.line, ErrSyntax, "%v in 'timeout %s'", err, name)
		return
	}
	if len(w) > 3 {
		p.alertf(p.line, "'timeout %s' : unexpected extra argument '%s'", name, w[3])
		return
	}
	if !p.isDefaults(px) {
		missing := ""
		if where&(inF|inB) == inF && px.Cap&CapFrontend == 0 {
			missing = "frontend"
		} else if where&(inF|inB) == inB && px.Cap&CapBackend == 0 {
			missing = "backend"
		}
		if missing != "" {
			p.warnf(p.line, "'timeout %s' will be ignored because %s '%s' has no %s capability", name, capName(px.Cap), px.Name, missing)
			return
		}
	}
	t := &px.Timeouts
	dst := map[string]*time.Duration{
		"client": &t.Client, "client-fin": &t.ClientFin, "server": &t.Server, "server-fin": &t.ServerFin,
		"connect": &t.Connect, "check": &t.Check, "queue": &t.Queue, "tunnel": &t.Tunnel,
		"http-request": &t.HTTPRequest, "http-keep-alive": &t.HTTPKeepAlive, "tarpit": &t.Tarpit,
	}[name]
	*dst = d
}

func (p *parser) kwDefaultBackend(px *Proxy, w []string) {
	if !p.needArgs(w, 1, "a backend name") {
		return
	}
	st := p.state[px]
	st.defaultBackend, st.defaultBackendLine = w[1], p.line
}

func (p *parser) kwUseBackend(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'%s' expects a backend name.", w[0])
		return
	}
	cond, ok := p.optCond(px, w[2:], "switching rule")
	if !ok || px.Cap&CapFrontend == 0 {
		return
	}
	ub := UseBackend{Cond: cond, File: p.file, Line: p.line}
	px.UseBackends = append(px.UseBackends, ub)
	idx := len(px.UseBackends) - 1
	p.state[px].sawUseBackend = true
	p.pending = append(p.pending, pendingRef{px: px, name: w[1], file: p.file, line: p.line, what: "use_backend",
		set: func(b *Proxy) { px.UseBackends[idx].Backend = b }})
}

func (p *parser) kwLogFormat(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "%s expects an argument.", w[0])
		return
	}
	if len(w) > 2 {
		p.alertf(p.line, "%s expects only one argument, don't forget to escape spaces!", w[0])
		return
	}
	if px.Cap&CapFrontend == 0 {
		p.warnf(p.line, "backend '%s' : '%s' directive is ignored in backends.", px.Name, w[0])
		return
	}
	switch w[0] {
	case "log-format":
		px.LogStyle, px.LogFormat = LogCustom, w[1]
		p.state[px].logFormatLine = p.line
	case "error-log-format":
		px.ErrorLogFormat = w[1]
	case "log-format-sd":
		px.LogFormatSD = w[1]
	}
}

func (p *parser) kwLogTag(px *Proxy, w []string) {
	if p.needArgs(w, 1, "a tag") {
		px.LogTag = w[1]
	}
}

func (p *parser) kwUniqueID(px *Proxy, w []string) {
	if !p.needArgs(w, 1, "an argument") {
		return
	}
	if w[0] == "unique-id-format" {
		px.UniqueIDFormat = w[1]
	} else {
		px.UniqueIDHeader = w[1]
	}
}

func (p *parser) kwCapture(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'capture' expects 'cookie', 'request header' or 'response header'.")
		return
	}
	switch w[1] {
	case "cookie":
		if len(w) != 5 || w[3] != "len" {
			p.alertf(p.line, "'capture cookie' expects <cookie_name> 'len' <len>.")
			return
		}
		n, err := parseUint(w[4])
		if err != nil || n == 0 {
			p.alertf(p.line, "'capture cookie' : invalid length '%s'.", w[4])
			return
		}
		if px.Captures.Cookie != nil {
			p.warnf(p.line, "'capture cookie' : only one cookie capture is allowed, overriding the previous one.")
		}
		px.Captures.Cookie = &CookieCapture{Name: w[2], Len: n}
	case "request", "response":
		if len(w) != 6 || w[2] != "header" || w[4] != "len" {
			p.alertf(p.line, "'capture %s header' expects <header_name> 'len' <len>.", w[1])
			return
		}
		n, err := parseUint(w[5])
		if err != nil || n == 0 {
			p.alertf(p.line, "'capture %s header' : invalid length '%s'.", w[1], w[5])
			return
		}
		hc := HeaderCapture{Name: w[3], Len: n}
		if w[1] == "request" {
			px.Captures.Request = append(px.Captures.Request, hc)
		} else {
			px.Captures.Response = append(px.Captures.Response, hc)
		}
	default:
		p.alertf(p.line, "'capture' expects 'cookie', 'request header' or 'response header'.")
	}
}

// errorCodes are the status codes errorfile accepts.
var errorCodes = []int{200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504}

// errorCode reads an errorfile/errorloc status as haproxy does (C atol:
// "503x" is 503) and reports whether it is one that can be replaced.
func errorCode(s string) (int, bool) {
	n := atol(s)
	if n < 0 || n > 999 {
		return int(max(min(n, 1<<31-1), -1<<31)), false
	}
	return int(n), slices.Contains(errorCodes, int(n))
}

func (p *parser) kwErrorFile(px *Proxy, w []string) {
	if len(w) != 3 {
		p.alertf(p.line, "'errorfile' expects <status_code> and <file> as arguments.")
		return
	}
	code, ok := errorCode(w[1])
	if !ok {
		p.alertErr(p.line, ErrSyntax, "errorfile : status code '%d' not handled.", code)
		return
	}
	data, err := p.readFile(w[2])
	if err != nil {
		p.alertErr(p.line, err, "errorfile : error opening file '%s'.", w[2])
		return
	}
	if data, err = p.checkErrorFile(w[2], data); err != nil {
		p.alertErr(p.line, ErrSyntax, "errorfile : '%s': %v", w[2], err)
		return
	}
	if px.ErrorFiles == nil {
		px.ErrorFiles = map[int]ErrorFile{}
	}
	px.ErrorFiles[code] = ErrorFile{Path: w[2], Data: data}
}

// kwErrorLoc is errorloc / errorloc302 / errorloc303: the error is
// answered with a redirect to the URL, an errorfile haproxy 2.6 writes
// itself (extra words are ignored, as haproxy ignores them).
func (p *parser) kwErrorLoc(px *Proxy, w []string) {
	if len(w) < 3 {
		p.alertf(p.line, "%s : expects <status_code> and <url> as arguments.", w[0])
		return
	}
	code, ok := errorCode(w[1])
	if !ok {
		p.alertErr(p.line, ErrSyntax, "%s : status code '%d' not handled.", w[0], code)
		return
	}
	start := "HTTP/1.1 302 Found"
	if w[0] == "errorloc303" {
		start = "HTTP/1.1 303 See Other"
	}
	data := start + "\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: " + w[2] + "\r\n\r\n"
	if px.ErrorFiles == nil {
		px.ErrorFiles = map[int]ErrorFile{}
	}
	px.ErrorFiles[code] = ErrorFile{Data: []byte(data)}
}

// checkErrorFile reads an errorfile's response as haproxy 2.6 loads it:
// cut to tune.bufsize (with a warning), an HTTP/1 response head within
// the limits, no chunked payload, a payload of the announced length. An
// empty file is valid (the connection closes without an answer).
func (p *parser) checkErrorFile(name string, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	tune := p.cfg.Global.Tune
	if len(data) > tune.BufSize {
		p.warnf(p.line, "custom error message file '%s' larger than %d bytes. Truncating.", name, tune.BufSize)
		data = data[:tune.BufSize]
	}
	var m h1.Message
	lim := h1.LimitsFor(tune.BufSize, 0, tune.MaxHdr)
	n, err := h1.ParseResponse(bytes.Clone(data), &m, &lim)
	if err != nil {
		off := -2 // haproxy's offset for a head that does not end
		if !errors.Is(err, h1.ErrIncomplete) {
			off = h1.ErrorOffset(data)
		}
		return nil, fmt.Errorf("unable to parse headers (error offset: %d)", off)
	}
	if m.Chunked {
		return nil, errors.New("chunk-encoded payload not supported")
	}
	if body := len(data) - n; m.ContentLength >= 0 && int64(body) != m.ContentLength {
		return nil, fmt.Errorf("payload size does not match the announced content-length (%d != %d)", body, m.ContentLength)
	}
	return data, nil
}

func (p *parser) kwMonitorURI(px *Proxy, w []string) {
	if !p.needArgs(w, 1, "an URI") {
		return
	}
	if !strings.HasPrefix(w[1], "/") {
		p.warnf(p.line, "'monitor-uri' '%s' does not start with '/'.", w[1])
	}
	px.MonitorURI = w[1]
}

func (p *parser) kwMonitor(px *Proxy, w []string) {
	if len(w) < 2 || w[1] != "fail" {
		p.alertf(p.line, "'monitor' expects 'fail' and a condition.")
		return
	}
	if len(w) < 3 || (w[2] != "if" && w[2] != "unless") {
		p.alertf(p.line, "'monitor fail' expects 'if' or 'unless' followed by a condition.")
		return
	}
	st := p.state[px]
	if st.sawHTTPRule {
		p.warnf(p.line, "a 'monitor fail' rule placed after an 'http-request' rule will still be processed before.")
	} else if st.sawUseBackend {
		p.warnf(p.line, "a 'monitor fail' rule placed after a 'use_backend' rule will still be processed before.")
	}
	cond, ok := p.optCond(px, w[2:], "monitor fail")
	if ok {
		px.MonitorFail = cond
	}
}

func (p *parser) kwCompression(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'compression' expects 'algo', 'type' or 'offload'.")
		return
	}
	if px.Compression == nil {
		px.Compression = &Compression{}
	}
	c := px.Compression
	switch w[1] {
	case "algo":
		if len(w) < 3 {
			p.alertf(p.line, "parsing 'compression algo' : expects at least one argument.")
			return
		}
		c.Algos = c.Algos[:0]
		c.File, c.Line = p.file, p.line
		for _, a := range w[2:] {
			switch a {
			case "identity", "gzip", "deflate", "raw-deflate":
				c.Algos = append(c.Algos, a)
			default:
				p.alertf(p.line, "'compression algo' : '%s' is not a supported algorithm.", a)
				return
			}
		}
	case "type":
		if len(w) < 3 {
			p.alertf(p.line, "'compression type' expects mime types.")
			return
		}
		c.Types = append(c.Types, w[2:]...)
	case "offload":
		if p.isDefaults(px) {
			p.warnf(p.line, "'compression offload' ignored in 'defaults' section.")
			return
		}
		c.Offload = true
		c.File, c.Line = p.file, p.line
	default:
		p.alertf(p.line, "'compression' expects 'algo', 'type' or 'offload'.")
	}
}

func (p *parser) kwBalance(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'balance' expects an algorithm.")
		return
	}
	algo := w[1]
	i := slices.Index(balanceNames[:], algo)
	switch {
	case i >= 0:
	case algo == "random" || algo == "url_param" || algo == "rdp-cookie" ||
		algo == "hash" || strings.HasPrefix(algo, "hdr(") || strings.HasPrefix(algo, "random(") ||
		strings.HasPrefix(algo, "rdp-cookie("):
		p.alertErr(p.line, ErrUnsupported, "'balance %s' is not supported by this implementation (supported: roundrobin, static-rr, leastconn, first, source, uri).", algo)
		return
	default:
		p.alertf(p.line, "'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)', 'rdp-cookie(name)', 'random', 'hash' and 'first' options (got '%s').", algo)
		return
	}
	px.Balance = Balance(i)
	if px.Balance == BalanceURI {
		if err := p.balanceURI(px, w[2:]); err != nil {
			p.alertf(p.line, "'balance uri' : %v", err)
		}
	} else if len(w) > 2 {
		p.alertf(p.line, "'balance %s' : unexpected argument '%s'.", algo, w[2])
	}
}

func (p *parser) balanceURI(px *Proxy, a []string) error {
	px.BalanceURIWhole, px.BalanceURILen, px.BalanceURIDepth = false, 0, 0
	for i := 0; i < len(a); i++ {
		switch a[i] {
		case "whole":
			px.BalanceURIWhole = true
		case "len", "depth":
			if i+1 >= len(a) {
				return fmt.Errorf("'%s' expects a positive integer", a[i])
			}
			n, err := parseUint(a[i+1])
			if err != nil || n == 0 {
				return fmt.Errorf("'%s' expects a positive integer", a[i])
			}
			if a[i] == "len" {
				px.BalanceURILen = n
			} else {
				px.BalanceURIDepth = n
			}
			i++
		case "path-only":
		default:
			return fmt.Errorf("unexpected argument '%s'", a[i])
		}
	}
	return nil
}
