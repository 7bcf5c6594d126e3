package proxy

import (
	"bytes"

	"github.com/haplog/haplog/proxy/config"
)

// cookieValue finds cookie name in a Cookie header value.
func cookieValue(v []byte, name string) ([]byte, bool) {
	for len(v) > 0 {
		var part []byte
		part, v, _ = bytes.Cut(v, []byte(";"))
		part = bytes.TrimLeft(part, " \t")
		if isCookie(part, name) {
			return bytes.TrimRight(part[len(name)+1:], " \t"), true
		}
	}
	return nil, false
}

// isCookie reports whether part is a "name=value" pair for cookie name.
func isCookie(part []byte, name string) bool {
	return len(part) > len(name) && part[len(name)] == '=' && string(part[:len(name)]) == name
}

// findCookie implements "capture cookie": the first "name=value" whose
// name starts with prefix, in the Cookie (request) or Set-Cookie
// (response) headers, cut to n bytes.
func findCookie(h *head, hdr, prefix string, n int) string {
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if !equalFoldASCII(hd.name, hdr) {
			continue
		}
		v := hd.value
		for len(v) > 0 {
			var part []byte
			part, v, _ = bytes.Cut(v, []byte(";"))
			part = bytes.Trim(part, " \t")
			if bytes.HasPrefix(part, []byte(prefix)) && bytes.IndexByte(part, '=') >= 0 {
				return captureValue(part, n)
			}
			if hdr == "set-cookie" {
				break // attributes follow the first pair
			}
		}
	}
	return ""
}

// appendCookieWithout appends a Cookie header without cookie name (indirect
// mode), or nothing when no other cookie remains.
func appendCookieWithout(w, v []byte, name string) []byte {
	start := len(w)
	w = append(w, "cookie: "...)
	n := 0
	for len(v) > 0 {
		var part []byte
		part, v, _ = bytes.Cut(v, []byte(";"))
		part = bytes.Trim(part, " \t")
		if len(part) == 0 || isCookie(part, name) {
			continue
		}
		if n > 0 {
			w = append(w, "; "...)
		}
		w = append(w, part...)
		n++
	}
	if n == 0 {
		return w[:start]
	}
	return append(w, "\r\n"...)
}

// persistence reads the backend's persistence cookie from the request and
// returns the designated server when it can be used. It sets the third
// termination character (N, I, D or V).
func (s *session) persistence(be *backend) *server {
	ck := be.cfg.Cookie
	if ck == nil {
		return nil
	}
	st := &s.st
	st.term.setCookieReq(cookieReqAbsent)
	for i := range s.req.hdrs {
		hd := &s.req.hdrs[i]
		if !equalFoldASCII(hd.name, "cookie") {
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

// appendRespHeaders appends the response headers for the client: names in
// lower case (as HAProxy's HTX emits them), Connection removed, and cookie
// persistence applied (fourth termination character).
func (s *session) appendRespHeaders(w []byte, be *backend) []byte {
	h := &s.resp
	st := &s.st
	ck := be.cfg.Cookie
	insert := ck != nil && ck.Mode == config.CookieInsert
	if ck != nil {
		st.term.setCookieResp(cookieRespAbsent)
	}
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.skip || hd.del {
			continue
		}
		if insert && equalFoldASCII(hd.name, "set-cookie") {
			if _, ok := setCookieName(hd.value, ck.Name); ok {
				st.term.setCookieResp(cookieRespDeleted)
				continue
			}
		}
		w = appendLower(w, hd.name)
		w = append(w, ": "...)
		w = append(w, hd.value...)
		w = append(w, "\r\n"...)
	}
	if insert && st.term.cookieReq() != cookieReqValid && st.srv != nil && st.srv.cfg.Cookie != "" {
		w = append(w, "set-cookie: "...)
		w = append(w, ck.Name...)
		w = append(w, '=')
		w = append(w, st.srv.cfg.Cookie...)
		w = append(w, "; path=/"...)
		for _, d := range ck.Domains {
			w = append(w, "; domain="...)
			w = append(w, d...)
		}
		if ck.HTTPOnly {
			w = append(w, "; HttpOnly"...)
		}
		if ck.Secure {
			w = append(w, "; Secure"...)
		}
		w = append(w, "\r\n"...)
		st.term.setCookieResp(cookieRespInserted)
	}
	return w
}

func setCookieName(v []byte, name string) ([]byte, bool) {
	v = bytes.TrimLeft(v, " \t")
	if len(v) > len(name) && v[len(name)] == '=' && string(v[:len(name)]) == name {
		return v[len(name)+1:], true
	}
	return nil, false
}
