package proxy

import (
	"net/netip"
	"strings"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// Runtime form of the http-request / http-response header rules.
//
// Order, as HAProxy 2.6 applies them (checked against haproxy 2.6.12):
// http-request rules of the frontend, then those of the backend (when it
// is another proxy); http-response rules of the backend, then those of
// the frontend. set-header removes every occurrence and appends the new
// header at the end, add-header appends, del-header removes. Values are
// log-format strings ("%%" is a percent sign), rendered when the rule
// runs.

// hdrRule is the compiled form of a set/add/del-header rule.
type hdrRule struct {
	name  []byte
	lit   []byte           // the value when it has no '%'
	fmt   *formats.Format  // otherwise
	auth  reply            // auth: the 401 answer
	level formats.Severity // set-log-level
	quiet bool             // set-log-level silent
}

// compiledRules holds the compiled header rules of one proxy, indexed like
// its HTTPRequestRules / HTTPResponseRules (nil for other actions).
type compiledRules struct {
	reqCfg, respCfg []config.HTTPRule
	req, resp       []*hdrRule
	// redirCfg are the proxy's "redirect" directives, redir their
	// locations.
	redirCfg []config.HTTPRule
	redir    []*hdrRule
}

// compileRules compiles the header rules of pc. The error names the
// rule's file:line.
func compileRules(pc *config.Proxy) (*compiledRules, error) {
	cr := &compiledRules{reqCfg: pc.HTTPRequestRules, respCfg: pc.HTTPResponseRules}
	var err error
	if cr.req, err = compileRuleList(pc, pc.HTTPRequestRules, "http-request"); err != nil {
		return nil, err
	}
	if cr.resp, err = compileRuleList(pc, pc.HTTPResponseRules, "http-response"); err != nil {
		return nil, err
	}
	cr.redirCfg = pc.Redirects
	if cr.redir, err = compileRuleList(pc, pc.Redirects, "redirect"); err != nil {
		return nil, err
	}
	return cr, nil
}

func compileRuleList(pc *config.Proxy, rules []config.HTTPRule, kw string) ([]*hdrRule, error) {
	out := make([]*hdrRule, len(rules))
	for i := range rules {
		r := &rules[i]
		switch r.Action {
		case config.ActSetHeader, config.ActAddHeader, config.ActDelHeader:
			hr := &hdrRule{name: []byte(r.Name)}
			if r.Action != config.ActDelHeader {
				v, err := compileValue(r.Value)
				if err != nil {
					return nil, config.Alertf(r.File, r.Line,
						"'%s %s' : invalid value '%s': %v.", kw, actionName(r.Action), r.Value, err)
				}
				hr.lit, hr.fmt = v.lit, v.fmt
			}
			out[i] = hr
		case config.ActSetPath:
			v, err := compileValue(r.Value)
			if err != nil {
				return nil, config.Alertf(r.File, r.Line,
					"'%s set-path' : invalid value '%s': %v.", kw, r.Value, err)
			}
			out[i] = &hdrRule{lit: v.lit, fmt: v.fmt}
		case config.ActAuth:
			realm := r.Value
			if realm == "" {
				realm = pc.Name
			}
			out[i] = &hdrRule{auth: authReply(realm, true)}
		case config.ActRedirect:
			if r.OldRedirect {
				out[i] = &hdrRule{lit: []byte(r.Location)} // taken as written
				break
			}
			v, err := compileValue(r.Location)
			if err != nil {
				return nil, config.Alertf(r.File, r.Line,
					"'%s redirect' : invalid location '%s': %v.", kw, r.Location, err)
			}
			out[i] = &hdrRule{lit: v.lit, fmt: v.fmt}
		case config.ActSetLogLevel:
			hr := &hdrRule{quiet: r.Value == "silent"}
			if !hr.quiet {
				lv, ok := severityByName[r.Value]
				if !ok {
					return nil, config.Alertf(r.File, r.Line,
						"'%s set-log-level' : unknown level '%s'.", kw, r.Value)
				}
				hr.level = lv
			}
			out[i] = hr
		}
	}
	return out, nil
}

var severityByName = map[string]formats.Severity{
	"emerg": formats.Emerg, "alert": formats.AlertSev, "crit": formats.Crit, "err": formats.Err,
	"warning": formats.Warning, "notice": formats.Notice, "info": formats.Info, "debug": formats.Debug,
}

type compiledValue struct {
	lit []byte
	fmt *formats.Format
}

// compileValue compiles a log-format value; one without '%' is a literal.
func compileValue(v string) (compiledValue, error) {
	if !strings.Contains(v, "%") {
		return compiledValue{lit: []byte(v)}, nil
	}
	f, err := formats.Compile(v)
	if err != nil {
		return compiledValue{}, err
	}
	return compiledValue{fmt: f}, nil
}

func actionName(a config.HTTPAction) string {
	switch a {
	case config.ActSetHeader:
		return "set-header"
	case config.ActAddHeader:
		return "add-header"
	case config.ActDelHeader:
		return "del-header"
	}
	return "?"
}

// ruleValue renders the value of r for the current stream into the
// session's header arena. The returned slice stays valid until the next
// request.
func ruleValue(s *session, r *hdrRule) []byte {
	if r.fmt == nil {
		return r.lit
	}
	start := len(s.hbuf)
	s.hbuf = ruleValueAppend(s, s.hbuf, r)
	return s.hbuf[start:len(s.hbuf):len(s.hbuf)]
}

// ruleValueAppend renders a log-format value as of now.
func ruleValueAppend(s *session, dst []byte, r *hdrRule) []byte {
	fillRecordAt(s, s.p.now())
	if s.rec.Status == 0 {
		s.rec.Status = -1 // no response yet: haproxy's %ST is -1
	}
	return r.fmt.Append(dst, &s.rec)
}

// delHeader marks every occurrence of name deleted and keeps the HTX size
// of the head in step.
func (h *head) delHeader(name []byte) {
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.del || !formats.EqualFoldASCII(hd.name, name) {
			continue
		}
		hd.del = true
		if !hd.skip {
			h.htxHdrs -= len(hd.name) + len(hd.value)
		}
	}
}

// addHeader appends a header.
func (h *head) addHeader(name, value []byte) {
	h.hdrs = append(h.hdrs, header{name: name, value: value})
	h.htxHdrs += len(name) + len(value)
}

// applyHeaderRule runs a set/add/del-header rule on h.
func applyHeaderRule(s *session, h *head, act config.HTTPAction, r *hdrRule) {
	switch act {
	case config.ActDelHeader:
		h.delHeader(r.name)
	case config.ActSetHeader:
		v := ruleValue(s, r)
		h.delHeader(r.name)
		h.addHeader(r.name, v)
	case config.ActAddHeader:
		h.addHeader(r.name, ruleValue(s, r))
	}
}

// respSampler evaluates http-response conditions. HAProxy 2.6 refuses
// request fetches there ("acl will never match because it uses keyword
// 'hdr' which is incompatible with 'frontend http-response header rule'"),
// so string and header fetches never match; connection fetches (src, dst,
// ports, nbsrv, always_true) answer as in requests.
type respSampler struct{ s *session }

func (r respSampler) SampleString(*config.Fetch) (string, bool)     { return "", false }
func (r respSampler) SampleHeader(*config.Fetch) []string           { return nil }
func (r respSampler) SampleAddr(f *config.Fetch) (netip.Addr, bool) { return r.s.SampleAddr(f) }
func (r respSampler) SampleInt(f *config.Fetch) (int64, bool)       { return r.s.SampleInt(f) }

// responseRules runs the http-response rules of the backend then the
// frontend on s.resp. It reports a deny (with its status).
func responseRules(s *session, be *backend) (deny bool, status int) {
	order := [2]*compiledRules{be.rules, s.fe.rules}
sets:
	for i, cr := range order {
		if i == 1 && cr == order[0] {
			break
		}
		for j := range cr.respCfg {
			r := &cr.respCfg[j]
			if !r.Cond.Eval(respSampler{s}) {
				continue
			}
			switch r.Action {
			case config.ActAllow:
				continue sets
			case config.ActDeny:
				return true, r.Status
			default:
				applyHeaderRule(s, &s.resp, r.Action, cr.resp[j])
			}
		}
	}
	return false, 0
}
