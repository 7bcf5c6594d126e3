package proxy

import (
	"strings"

	"github.com/haplog/haplog/proxy/config"
)

// Stage 3, frontend rules: the http-request rules of the frontend (then of
// the backend) may answer the request locally (deny, redirect, return,
// auth) or change it (headers, path, log level).

// applyRules runs the http-request rules of cr; handled is true when one
// of them answered the request (deny, redirect, return, auth).
func applyRules(s *session, cr *compiledRules) (rep reply, handled bool, term termCause) {
	rules := cr.reqCfg
	for i := range rules {
		r := &rules[i]
		if !r.Cond.Eval(s) {
			continue
		}
		switch r.Action {
		case config.ActAllow:
			return reply{}, false, 0
		case config.ActDeny:
			code := r.Status
			if code == 0 {
				code = 403
			}
			return s.reply(code), true, causeProxy
		case config.ActRedirect:
			if rep, ok := redirectRule(s, r, cr.req[i]); ok {
				return rep, true, causeLocal
			}
		case config.ActReturn:
			return returnReply(r), true, causeLocal
		case config.ActAuth:
			return cr.req[i].auth, true, causeLocal
		case config.ActSetHeader, config.ActAddHeader, config.ActDelHeader:
			applyHeaderRule(s, &s.req, r.Action, cr.req[i])
		case config.ActSetLogLevel:
			s.st.quiet = cr.req[i].quiet
			s.st.level, s.st.levelSet = cr.req[i].level, !cr.req[i].quiet
		case config.ActSetPath:
			setPath(s, cr.req[i])
		case config.ActCapture:
			captureSample(s, r)
		case config.ActUseService:
			return serveService(s), true, causeLocal // promex.go
		}
	}
	return reply{}, false, 0
}

// setPath replaces the path of the request URI, keeping the query string.
func setPath(s *session, r *hdrRule) {
	cur := s.curURI()
	_, query, hasQuery := strings.Cut(cur, "?")
	start := len(s.hbuf)
	if r.fmt == nil {
		s.hbuf = append(s.hbuf, r.lit...)
	} else {
		s.hbuf = ruleValueAppend(s, s.hbuf, r)
	}
	if hasQuery {
		s.hbuf = append(s.hbuf, '?')
		s.hbuf = append(s.hbuf, query...)
	}
	u := s.hbuf[start:len(s.hbuf):len(s.hbuf)]
	s.req.uri = u
	s.uriCur = string(u)
}

// localReply answers the request with rep (a rule's or the stats page's)
// and logs it.
func localReply(s *session, rep reply, term termCause, keep bool) bool {
	st := &s.st
	st.status = rep.status
	st.term.set(term, phaseRequest)
	keep = takeBufferedBody(s) && rep.keeps(keep)
	st.bytesOut = rep.htx
	if rep.redirect && (s.req.chunked || s.req.contentLength > 0) {
		keep = false
		st.bytesOut += int64(len("connection") + len("close"))
	}
	ok := writeReply(s, rep, keep)
	logStream(s, s.p.now())
	return ok && keep
}

// redirectRule renders redirect rule r (its location compiled in hr); ok
// is false when the rule does not apply: ignore-empty and a location that
// renders empty.
func redirectRule(s *session, r *config.HTTPRule, hr *hdrRule) (reply, bool) {
	loc := ruleValue(s, hr)
	if len(loc) == 0 && r.IgnoreEmpty && r.Redirect == config.RedirectLocation && !r.OldRedirect {
		return reply{}, false
	}
	return redirectReply(r, loc, s.req.uri, s.req.lookup("host")), true
}

// applyRedirects runs the proxy's "redirect" directives, which haproxy
// runs after its http-request rules and its stats page: the first whose
// condition holds answers.
func applyRedirects(s *session, cr *compiledRules) (reply, bool) {
	for i := range cr.redirCfg {
		if r := &cr.redirCfg[i]; r.Cond.Eval(s) {
			if rep, ok := redirectRule(s, r, cr.redir[i]); ok {
				return rep, true
			}
		}
	}
	return reply{}, false
}

// captureSample runs an http-request capture rule: the sample, as haproxy
// takes it (req.hdr: the last comma-separated value of the header's last
// line, req.fhdr: its last line; nothing when absent), cut to the slot's
// length, in its request capture slot.
func captureSample(s *session, r *config.HTTPRule) {
	f := &r.Sample
	var v string
	switch f.Kind {
	case config.FetchHdr, config.FetchFHdr:
		if lines := s.SampleHeader(f); len(lines) > 0 {
			v = lines[len(lines)-1]
			if f.Kind == config.FetchHdr {
				if i := strings.LastIndexByte(v, ','); i >= 0 {
					v = v[i+1:]
				}
				v = strings.Trim(v, " \t")
			}
		}
	case config.FetchSrc:
		if a, ok := s.SampleAddr(f); ok {
			v = a.String()
		}
	default:
		v, _ = s.SampleString(f)
	}
	if slot := r.CaptureSlot; slot < len(s.st.reqCaps) {
		s.st.reqCaps[slot] = captureValue([]byte(v), s.fe.cfg.Captures.Request[slot].Len)
	}
}
