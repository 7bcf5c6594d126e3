package proxy

import (
	"bytes"

	"github.com/haplog/haplog/proxy/h1"
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
		if !h1.EqualFold(hd.name, hdr) {
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

// cacheableResponse tells whether a shared cache could store the
// response, by the rules HAProxy 2.6 applies for "cookie ... nocache"
// (measured against haproxy 2.6.12, see TestCookieNocacheVsHAProxy): a
// GET, HEAD, OPTIONS or TRACE request; status 200, 203, 204, 206, 300,
// 301, 404, 405, 410, 414 or 501; no Cache-Control element "no-cache",
// "no-store", "max-age=0", "s-maxage=0" (any case) or "private" (exact);
// no "Pragma: no-cache"; and freshness (a Cache-Control element starting
// with max-age or s-maxage, or an Expires header) or a validator (ETag,
// Last-Modified).
func cacheableResponse(s *session) bool {
	switch string(s.req.method) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
	default:
		return false
	}
	switch s.resp.status {
	case 200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501:
	default:
		return false
	}
	fresh, validator := false, false
	for i := range s.resp.hdrs {
		hd := &s.resp.hdrs[i]
		if hd.del {
			continue
		}
		switch {
		case h1.EqualFold(hd.name, "cache-control"):
			v := hd.value
			for len(v) > 0 {
				var el []byte
				el, v = nextListElem(v)
				switch {
				case h1.EqualFold(el, "no-cache"), h1.EqualFold(el, "no-store"),
					h1.EqualFold(el, "max-age=0"), h1.EqualFold(el, "s-maxage=0"),
					string(el) == "private":
					return false
				case hasPrefixFold(el, "max-age"), hasPrefixFold(el, "s-maxage"):
					fresh = true
				}
			}
		case h1.EqualFold(hd.name, "pragma"):
			if h1.EqualFold(bytes.Trim(hd.value, " \t"), "no-cache") {
				return false
			}
		case h1.EqualFold(hd.name, "expires"):
			fresh = true
		case h1.EqualFold(hd.name, "etag"), h1.EqualFold(hd.name, "last-modified"):
			validator = true
		}
	}
	return fresh || validator
}

// nextListElem splits the first element off a comma-separated header
// value v, trimmed of blanks, and returns it with the rest of v.
func nextListElem(v []byte) (el, rest []byte) {
	if j := bytes.IndexByte(v, ','); j >= 0 {
		el, rest = v[:j], v[j+1:]
	} else {
		el = v
	}
	return bytes.Trim(el, " \t"), rest
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && h1.EqualFold(b[:len(prefix)], prefix)
}

func setCookieName(v []byte, name string) ([]byte, bool) {
	v = bytes.TrimLeft(v, " \t")
	if len(v) > len(name) && v[len(name)] == '=' && string(v[:len(name)]) == name {
		return v[len(name)+1:], true
	}
	return nil, false
}
