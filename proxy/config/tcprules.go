package config

import (
	"slices"
	"strings"
)

// TCPConnRule is a "tcp-request connection accept|reject" rule, run on
// each accepted connection before anything is read from it.
type TCPConnRule struct {
	Reject bool
	// Cond is nil for an unconditional rule. At this stage only the
	// addresses, ports, nbsrv and the constant fetches have a value; an
	// ACL of any other fetch does not match (haproxy warns at load).
	Cond       *Cond
	File       string
	Line       int
	ActionText string // "accept" or "reject", for messages
}

// tcpConnActionsOther are the tcp-request connection actions haproxy 2.6
// knows and this implementation refuses (each would change what a
// connection may do if it were ignored).
var tcpConnActionsOther = []string{"capture", "expect-proxy", "expect-netscaler-cip", "track-sc0", "track-sc1",
	"track-sc2", "sc-inc-gpc", "sc-inc-gpc0", "sc-inc-gpc1", "sc-set-gpt", "sc-set-gpt0", "set-var-fmt",
	"set-var", "unset-var", "set-dst", "set-dst-port", "set-mark", "set-src", "set-src-port", "set-tos", "silent-drop"}

// connFetches are the fetches with a value when a connection is accepted.
var connFetches = []FetchKind{FetchAlwaysTrue, FetchAlwaysFalse, FetchSrc, FetchDst, FetchSrcPort, FetchDstPort, FetchNbSrv}

// kwTCPRequest reads "tcp-request connection accept|reject [if|unless
// cond]" in haproxy's words; "tcp-request content" and "inspect-delay"
// are refused as not implemented.
func (p *parser) kwTCPRequest(px *Proxy, w []string) {
	kind := proxyKind(px)
	if len(w) < 2 {
		p.alertf(p.line, "missing argument for '%s' in %s '%s'", w[0], kind, px.Name)
		return
	}
	switch w[1] {
	case "connection":
	case "inspect-delay", "content", "session":
		p.alertErr(p.line, ErrUnsupported, "'%s %s' is not supported by this implementation.", w[0], w[1])
		return
	default:
		p.alertf(p.line, "'%s' expects 'inspect-delay', 'connection', or 'content' in %s '%s' (got '%s')", w[0], kind, px.Name, w[1])
		return
	}
	switch {
	case p.isDefaults(px) && px.Name == "":
		p.alertf(p.line, "tcp-request connection is not allowed in anonymous 'defaults' sections")
		return
	case !p.isDefaults(px) && px.Cap&CapFrontend == 0:
		p.alertf(p.line, "tcp-request connection is not allowed because %s %s is not a frontend", kind, px.Name)
		return
	}
	act := ""
	if len(w) > 2 {
		act = w[2]
	}
	base, _, _ := strings.Cut(act, "(")
	switch {
	case act == "accept" || act == "reject":
	case slices.Contains(tcpConnActionsOther, base):
		p.alertErr(p.line, ErrUnsupported, "'tcp-request connection %s' is not supported by this implementation.", act)
		return
	default:
		p.alertf(p.line, "'tcp-request connection' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', "+
			"'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', "+
			"'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', "+
			"'set-tos', 'silent-drop' in %s '%s' (got '%s').\n", kind, px.Name, act)
		return
	}
	r := TCPConnRule{Reject: act == "reject", File: p.file, Line: p.line, ActionText: act}
	if c := w[3:]; len(c) > 0 {
		if c[0] != "if" && c[0] != "unless" {
			p.alertf(p.line, "'tcp-request connection %s' only accepts 'if' or 'unless', in %s '%s' (got '%s')", act, kind, px.Name, c[0])
			return
		}
		cond, err := p.parseCond(px, c[1:])
		if err != nil {
			p.alertf(p.line, "'tcp-request connection %s' : error detected in %s '%s' while parsing '%s' condition : %v", act, kind, px.Name, c[0], err)
			return
		}
		cond.Unless = c[0] == "unless"
		p.warnConnACLs(cond)
		r.Cond = cond
	}
	if p.state[px].sawHTTPRule {
		p.warnf(p.line, "a 'tcp-request' rule placed after an 'http-request' rule will still be processed before.")
	}
	px.TCPConnRules = append(px.TCPConnRules, r)
}

// warnConnACLs gives haproxy's warnings for the ACLs of a tcp-request
// connection condition that use fetches without a value at that stage.
func (p *parser) warnConnACLs(c *Cond) {
	const stage = "'frontend tcp-request connection rule'"
	for _, and := range c.Or {
		for _, t := range and {
			var bad []string
			for _, m := range t.ACL.Matchers {
				if !slices.Contains(connFetches, m.Fetch.Kind) {
					name, _, _ := strings.Cut(m.Fetch.Name, "(")
					bad = append(bad, name)
				}
			}
			switch {
			case len(bad) == 0:
			case t.ACL.Name == "":
				p.warnf(p.line, "anonymous acl will never match in 'tcp-request connection' because it uses keyword '%s' which is incompatible with %s", bad[0], stage)
			case len(bad) == len(t.ACL.Matchers):
				p.warnf(p.line, "acl '%s' will never match in 'tcp-request connection' because it only involves keywords that are incompatible with %s", t.ACL.Name, stage)
			default:
				p.warnf(p.line, "acl '%s' involves keyword '%s' which is incompatible with %s", t.ACL.Name, bad[0], stage)
			}
		}
	}
}
