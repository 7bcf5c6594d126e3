package proxy

import (
	"bytes"
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

func setCookieName(v []byte, name string) ([]byte, bool) {
	v = bytes.TrimLeft(v, " \t")
	if len(v) > len(name) && v[len(name)] == '=' && string(v[:len(name)]) == name {
		return v[len(name)+1:], true
	}
	return nil, false
}
