package proxy

import "github.com/haplog/haplog/proxy/h1"

// Stage 4, backend choice: use_backend / default_backend (resolved to
// *backend at load) and cookie persistence, which designates a server.

// chooseBackend applies use_backend rules, then default_backend.
func chooseBackend(s *session) *backend {
	rt := &s.fe.route
	for i := range rt.rules {
		if rt.rules[i].cond.Eval(s) {
			return rt.rules[i].be
		}
	}
	return rt.def
}

// persistence reads the backend's persistence cookie from the request and
// returns the designated server when it can be used. It sets the third
// termination character (N, I, D or V).
func persistence(s *session, be *backend) *server {
	ck := be.cfg.Cookie
	if ck == nil {
		return nil
	}
	st := &s.st
	st.term.setCookieReq(cookieReqAbsent)
	for i := range s.req.hdrs {
		hd := &s.req.hdrs[i]
		if !h1.EqualFold(hd.name, "cookie") {
			continue
		}
		v, ok := cookieValue(hd.value, ck.Name)
		if !ok {
			continue
		}
		srv := be.findCookie(v)
		switch {
		case srv == nil:
			st.term.setCookieReq(cookieReqInvalid)
		case !srv.persistOK():
			st.term.setCookieReq(cookieReqDown)
		default:
			st.term.setCookieReq(cookieReqValid)
			return srv
		}
		return nil
	}
	return nil
}
