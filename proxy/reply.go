package proxy

import (
	"strconv"

	"github.com/haplog/haplog/proxy/config"
)

// reply is a response the proxy generates itself.
type reply struct {
	status int
	// raw is the exact bytes sent.
	raw []byte
	// htx is what HAProxy counts in %B for it (0 for the raw 400/408
	// messages it sends before a stream exists).
	htx int64
}

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

func newReplies(cfg *config.Proxy) *replies {
	r := &replies{}
	for code := range messages {
		r.byCode[code-minReplyCode] = errorReply(code)
	}
	for code, ef := range cfg.ErrorFiles {
		if code >= minReplyCode && code < minReplyCode+len(r.byCode) {
			r.byCode[code-minReplyCode] = fileReply(code, ef.Data)
		}
	}
	return r
}

func (r *replies) get(code int) reply {
	if i := code - minReplyCode; i >= 0 && i < len(r.byCode) && r.byCode[i].status != 0 {
		return r.byCode[i]
	}
	return errorReply(code)
}

// fileReply wraps an errorfile: sent as is, counted like a parsed message.
func fileReply(code int, data []byte) reply {
	var h head
	rep := reply{status: code, raw: data}
	end := len(data)
	for i := 0; i+1 < len(data); i++ {
		if data[i] == '\n' && (data[i+1] == '\n' || (data[i+1] == '\r' && i+2 < len(data) && data[i+2] == '\n')) {
			end = i + 2
			if data[i+1] == '\r' {
				end = i + 3
			}
			break
		}
	}
	// A copy: the parser normalises in place.
	if _, err := h.parseResponse(append([]byte(nil), data[:end]...)); err == nil {
		rep.status = h.status
		rep.htx = int64(htxStartLine(len(h.version), len(h.code), len(h.reason)) + h.htxHdrs + len(data) - end)
	}
	return rep
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
func redirectReply(rule *config.HTTPRule, uri, host []byte) reply {
	code := rule.Status
	if code == 0 {
		code = 302
	}
	loc := rule.Location
	switch rule.Redirect {
	case config.RedirectPrefix:
		loc = rule.Location + string(uri)
	case config.RedirectScheme:
		loc = rule.Location + "://" + string(host) + string(uri)
	}
	hdrs := [][2]string{{"content-length", "0"}, {"location", loc}}
	if code == 302 || code == 303 || code == 307 {
		hdrs = append(hdrs, [2]string{"cache-control", "no-cache"})
	}
	return buildReply(code, redirectReasons[code], hdrs, "")
}

var redirectReasons = map[int]string{301: "Moved Permanently", 302: "Found", 303: "See Other",
	307: "Temporary Redirect", 308: "Permanent Redirect"}
