package proxy

import (
	"bytes"
	"strconv"

	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/proxy/h1"
)

// reply is a response the proxy generates itself.
type reply struct {
	status int
	// raw is the exact bytes sent.
	raw []byte
	// htx is what HAProxy counts in %B for it (0 for the raw 400/408
	// messages it sends before a stream exists).
	htx int64
	// file marks an errorfile's response: its own head decides whether
	// the connection is kept (closes: a Connection: close, or no
	// Content-Length), and an HTTP/1.0 one (v10) announces keep-alive
	// and never close. empty is an empty errorfile: nothing is sent and
	// the connection closes.
	file, closes, v10, empty bool
	// redirect marks a redirect rule's answer: haproxy 2.6 closes the
	// connection after it when the request has a body, with a
	// "connection: close" it counts in %B.
	redirect bool
}

// keeps reports whether the client connection may stay open after r when
// the client keeps it: haproxy 2.6 keeps it after its own pages and after
// an errorfile whose head allows it (TestErrorFileVsHAProxy).
func (r *reply) keeps(keep bool) bool { return keep && !r.closes }

var reasonPhrases = map[int]string{
	200: "OK", 400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 407: "Proxy Authentication Required", 408: "Request Time-out",
	410: "Gone", 413: "Payload Too Large", 425: "Too Early", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Time-out",
}

var messages = map[int]string{
	200: "Service ready.",
	400: "Your browser sent an invalid request.",
	401: "You need a valid user and password to access this content.",
	403: "Request forbidden by administrative rules.",
	404: "The resource could not be found.",
	405: "A request was made of a resource using a request method not supported by that resource",
	407: "You need a valid user and password to access this content.",
	408: "Your browser didn't send a complete request in time.",
	410: "The resource is no longer available and will not be available again.",
	413: "The request entity exceeds the maximum allowed.",
	425: "Your browser sent a request that was deemed too early.",
	429: "You have sent too many requests in a given amount of time.",
	500: "An internal server error occurred.",
	501: "The server does not support the functionality required to fulfill the request.",
	502: "The server returned an invalid or incomplete response.",
	503: "No server is available to handle this request.",
	504: "The server didn't respond in time.",
}

func reasonFor(code int) string {
	if r, ok := reasonPhrases[code]; ok {
		return r
	}
	return "Unknown"
}

// buildReply serializes a response the way HAProxy's HTX emits it (lower
// case header names) and computes its %B accounting.
func buildReply(code int, reason string, hdrs [][2]string, body string) reply {
	b := make([]byte, 0, 128+len(body))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	b = append(b, "\r\n"...)
	htx := htxStartLine(8, 3, len(reason))
	for _, h := range hdrs {
		b = append(b, h[0]...)
		b = append(b, ": "...)
		b = append(b, h[1]...)
		b = append(b, "\r\n"...)
		htx += len(h[0]) + len(h[1])
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	return reply{status: code, raw: b, htx: int64(htx + len(body))}
}

// errorPage is the body of HAProxy's built-in error page for code.
func errorPage(code int) string {
	return "<html><body><h1>" + strconv.Itoa(code) + " " + reasonFor(code) + "</h1>\n" +
		messages[code] + "\n</body></html>\n"
}

// authReply is HAProxy's 401 asking for Basic credentials of realm; the
// page is left out of the body (not of its content-length) when withBody
// is false (an answer to HEAD).
func authReply(realm string, withBody bool) reply {
	page := errorPage(401)
	body := page
	if !withBody {
		body = ""
	}
	return buildReply(401, reasonFor(401), [][2]string{
		{"content-length", strconv.Itoa(len(page))},
		{"cache-control", "no-cache"},
		{"content-type", "text/html"},
		{"www-authenticate", `Basic realm="` + realm + `"`},
	}, body)
}

// errorReply is HAProxy's built-in error page for code.
func errorReply(code int) reply {
	body := errorPage(code)
	return buildReply(code, reasonFor(code), [][2]string{
		{"content-length", strconv.Itoa(len(body))},
		{"cache-control", "no-cache"},
		{"content-type", "text/html"},
	}, body)
}

// rawErrorReply is the legacy form HAProxy 2.6 sends for 400 and 408
// before a stream exists: mixed-case headers and Connection: close; it is
// not counted in %B.
func rawErrorReply(code int) reply {
	body := errorPage(code)
	raw := "HTTP/1.1 " + strconv.Itoa(code) + " " + reasonFor(code) + "\r\n" +
		"Content-length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Cache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n" + body
	return reply{status: code, raw: []byte(raw)}
}

// replies holds a proxy's generated responses, errorfile overrides
// included, built once at load and indexed by status code.
type replies struct {
	byCode [600 - minReplyCode]reply // status 0: none
}

const minReplyCode = 200

// newReplies builds cfg's replies; lim parses its errorfiles.
func newReplies(cfg *config.Proxy, lim *h1.Limits) *replies {
	r := &replies{}
	for code := range messages {
		r.byCode[code-minReplyCode] = errorReply(code)
	}
	for code, ef := range cfg.ErrorFiles {
		if code >= minReplyCode && code < minReplyCode+len(r.byCode) {
			r.byCode[code-minReplyCode] = fileReply(code, ef.Data, lim)
		}
	}
	return r
}

// reply returns the answer for code as haproxy 2.6 picks it: the
// backend's errorfile, else the frontend's errorfile or built-in page.
func (s *session) reply(code int) reply {
	if be := s.st.be; be != nil {
		if r, ok := be.rep.file(code); ok {
			return r
		}
	}
	return s.fe.replies().get(code)
}

// file returns the errorfile reply for code, if the proxy has one.
func (r *replies) file(code int) (reply, bool) {
	if i := code - minReplyCode; i >= 0 && i < len(r.byCode) && r.byCode[i].file {
		return r.byCode[i], true
	}
	return reply{}, false
}

func (r *replies) get(code int) reply {
	if i := code - minReplyCode; i >= 0 && i < len(r.byCode) && r.byCode[i].status != 0 {
		return r.byCode[i]
	}
	return errorReply(code)
}

// fileReply is an errorfile's response as haproxy 2.6 sends it: parsed
// at load (proxy/config checked it), then written as its H1 output writes
// any response: the start line as in the file, header names in lower
// case, the Connection header replaced by what the connection does. %B
// counts the start line, every header as in the file (Connection
// included) and the payload; the log shows code, whatever the file's
// status (TestErrorFileVsHAProxy).
func fileReply(code int, data []byte, lim *h1.Limits) reply {
	rep := reply{status: code, file: true}
	if len(data) == 0 {
		rep.empty, rep.closes = true, true
		return rep
	}
	h := head{lim: lim}
	n, err := h.parseResponse(bytes.Clone(data))
	if err != nil {
		// proxy/config refuses such a file at load; a Config built in
		// code may still hold one: sent as it is, and the connection
		// closes after it.
		rep.raw, rep.closes = data, true
		return rep
	}
	b := make([]byte, 0, len(data)+16)
	b = append(b, h.version...)
	b = append(b, ' ')
	b = append(b, h.code...)
	b = append(b, ' ')
	b = append(b, h.reason...)
	b = append(b, "\r\n"...)
	htx := htxStartLine(len(h.version), len(h.code), len(h.reason))
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if h1.EqualFold(hd.name, "connection") {
			continue
		}
		b = h1.AppendHeader(b, hd.name, hd.value)
		htx += len(hd.name) + len(hd.value)
	}
	htx += connectionSize(data[:n])
	b = append(b, "\r\n"...)
	b = append(b, data[n:]...)
	rep.raw, rep.htx = b, int64(htx+len(data)-n)
	rep.closes = h.connClose || h.contentLength < 0
	rep.v10 = !h.http11()
	return rep
}

// connectionSize is what the Connection header lines of a head count in
// HTX: name and value as written (the parser rewrites the value).
func connectionSize(head []byte) int {
	n := 0
	for _, ln := range bytes.Split(head, []byte("\n")) {
		name, value, ok := bytes.Cut(ln, []byte(":"))
		if ok && h1.EqualFold(name, "connection") {
			n += len(name) + len(bytes.Trim(value, " \t\r"))
		}
	}
	return n
}

// returnReply is the answer of an "http-request return" rule.
func returnReply(rule *config.HTTPRule) reply {
	code := rule.Status
	if code == 0 {
		code = 200
	}
	hdrs := [][2]string{{"content-length", strconv.Itoa(len(rule.Body))}}
	if rule.ContentType != "" {
		hdrs = append(hdrs, [2]string{"content-type", rule.ContentType})
	}
	return buildReply(code, reasonFor(code), hdrs, string(rule.Body))
}

// redirectReply is the answer of a redirect rule to a request for uri
// with Host header host. As HAProxy 2.6.12 sends it (compared byte for
// byte in TestDifferentialRedirect): "scheme" keeps the Host and the URI,
// and only the temporary codes (302, 303, 307) carry
// "cache-control: no-cache".
func redirectReply(rule *config.HTTPRule, loc, uri, host []byte) reply {
	code := rule.Status
	if code == 0 {
		code = 302
	}
	hdrs := [][2]string{{"content-length", "0"}, {"location", string(redirectLocation(nil, rule, loc, uri, host))}}
	if code == 302 || code == 303 || code == 307 {
		hdrs = append(hdrs, [2]string{"cache-control", "no-cache"})
	}
	rep := buildReply(code, redirectReasons[code], hdrs, "")
	rep.redirect = true
	return rep
}

// redirectLocation appends the Location of a redirect as haproxy 2.6
// builds it: for prefix and scheme, the request's path (from its first
// '/', the query string included unless drop-query; "/" when it has none)
// after the prefix, or after scheme "://" Host; a prefix of "/" in the
// "redirect" directive adds nothing (a redirect to the same site); then,
// with append-slash, a '/' when the location does not end with one.
func redirectLocation(dst []byte, rule *config.HTTPRule, loc, uri, host []byte) []byte {
	if rule.Redirect == config.RedirectLocation {
		return append(dst, loc...)
	}
	path := uriPathPart(uri)
	if rule.DropQuery {
		if i := bytes.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
	}
	switch {
	case rule.Redirect == config.RedirectScheme:
		dst = append(append(append(dst, loc...), "://"...), host...)
	case !rule.OldRedirect || string(loc) != "/":
		dst = append(dst, loc...)
	}
	dst = append(dst, path...)
	if rule.AppendSlash && len(dst) > 0 && dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst
}

// uriPathPart is the path of a request target, query included: the target
// itself in origin form, what follows the authority in absolute form, "/"
// when there is none.
func uriPathPart(uri []byte) []byte {
	if len(uri) > 0 && uri[0] == '/' {
		return uri
	}
	if i := bytes.Index(uri, []byte("://")); i >= 0 {
		if j := bytes.IndexByte(uri[i+3:], '/'); j >= 0 {
			return uri[i+3+j:]
		}
	}
	return []byte("/")
}

var redirectReasons = map[int]string{301: "Moved Permanently", 302: "Found", 303: "See Other",
	307: "Temporary Redirect", 308: "Permanent Redirect"}
