package proxy

import (
	"encoding/base64"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

func statsURI(st *config.Stats) string {
	if st.URI == "" {
		return "/haproxy?stats"
	}
	return st.URI
}

// statsOpts are the ";"-options after the stats URI (HAProxy 2.6:
// ;csv, ;json, ;norefresh, ;up, ;st=<code>).
type statsOpts struct {
	csv, json, norefresh, up bool
	st                       string
}

func parseStatsOpts(rest string) statsOpts {
	var o statsOpts
	for _, part := range strings.Split(rest, ";") {
		switch {
		case part == "csv":
			o.csv = true
		case part == "json":
			o.json = true
		case part == "norefresh":
			o.norefresh = true
		case part == "up":
			o.up = true
		case strings.HasPrefix(part, "st="):
			o.st = part[3:]
		}
	}
	return o
}

// maxStatsPost bounds an admin form (HAProxy refuses one larger than its
// buffer with st=EXCD).
const maxStatsPost = 16384

// serveStats answers a stats page request: the HTML page, ;csv, ;json,
// or an admin POST (answered 303 to ;st=<code>). The log line has
// HAProxy's shape: server <STATS>, LR--.
func serveStats(s *session, cfg *config.Stats, keep bool) bool {
	st := &s.st
	now := s.p.now()
	st.srvName = "<STATS>"
	s.fe.ctr.intercepted.Add(1)
	var rep reply
	if len(cfg.Auth) > 0 && !statsAuthorized(s, cfg) {
		return statsUnauthorized(s, cfg, now, keep)
	}
	st.queued, st.connected, st.header = now, now, now
	uri := s.uri()
	base := statsURI(cfg)
	rest := strings.TrimPrefix(uri, base)
	opts := parseStatsOpts(rest)
	if string(s.req.method) == "POST" {
		return statsPost(s, cfg, base, opts, keep)
	}
	var body, ctype string
	switch {
	case opts.csv:
		var b strings.Builder
		writeStatsCSV(&b, s.p.statsRowsFor(now, opts.up, cfg.ShowLegends))
		body, ctype = b.String(), "text/plain"
	case opts.json:
		body, ctype = s.p.statsJSON(now, opts.up, cfg.ShowLegends), "application/json"
	default:
		body, ctype = s.p.statsHTML(now, cfg, base, opts, statsAdmin(s, cfg)), "text/html"
	}
	hdrs := [][2]string{{"cache-control", "no-cache"}, {"content-type", ctype}}
	if cfg.Refresh > 0 && !opts.norefresh && !opts.csv && !opts.json {
		hdrs = append(hdrs, [2]string{"refresh", strconv.Itoa(int(cfg.Refresh / time.Second))})
	}
	if string(s.req.method) == "HEAD" {
		// haproxy's answer to HEAD: the head alone, without a length.
		body = ""
	} else {
		hdrs = append(hdrs, [2]string{"content-length", strconv.Itoa(len(body))})
	}
	rep = buildReply(200, "OK", hdrs, body)
	return statsAnswer(s, rep, hdrs, keep)
}

// statsAnswer sends a stats answer, then, as haproxy's stats applet,
// takes the request's body (until it ends or "timeout client") before the
// request is logged: LR--, Ta counting the wait. The connection is kept
// when the body ended.
func statsAnswer(s *session, rep reply, hdrs [][2]string, keep bool) bool {
	st := &s.st
	st.term.set(causeLocal, phaseRequest)
	captureReply(s, hdrs)
	st.status, st.bytesOut = rep.status, rep.htx
	ok := writeReply(s, rep, keep)
	taken := skipBody(s)
	logStream(s, s.p.now())
	return ok && keep && taken
}

// statsUnauthorized answers a stats request without valid credentials as
// haproxy 2.6.12 does: a 401 with its page and WWW-Authenticate (no body
// to HEAD), "connection: close" when the request has a body or is not
// kept alive, and the connection closed after it in every case. Its log
// line reads status 400, Tr -1, LR--, and %B counts the 401 plus the 400
// error message HAProxy generates after the stats auth rule aborted the
// request (never sent: the response was already complete), body included
// except for HEAD.
func statsUnauthorized(s *session, cfg *config.Stats, now time.Time, keep bool) bool {
	st := &s.st
	realm := cfg.Realm
	if realm == "" {
		realm = "HAProxy Statistics"
	}
	head := string(s.req.method) == "HEAD"
	rep := authReply(realm, !head)
	st.queued, st.connected = now, now
	st.term.set(causeLocal, phaseRequest)
	st.status, st.bytesOut = 400, rep.htx+unsent400(head)
	writeReply(s, rep, keep && !s.req.chunked && s.req.contentLength <= 0)
	logStream(s, s.p.now())
	return false
}

// unsent400 is what HAProxy 2.6 counts in %B for its built-in 400 message
// (the errorfile form, with "Connection: close") when it is generated but
// not sent.
func unsent400(head bool) int64 {
	page := errorPage(400)
	body := page
	if head {
		body = ""
	}
	return buildReply(400, reasonFor(400), [][2]string{
		{"content-length", strconv.Itoa(len(page))},
		{"cache-control", "no-cache"},
		{"connection", "close"},
		{"content-type", "text/html"},
	}, body).htx
}

// statsAdmin reports whether "stats admin" allows this request.
func statsAdmin(s *session, cfg *config.Stats) bool {
	return cfg.Admin != nil && cfg.Admin.Eval(s)
}

// bodyCollector is a write-only connection that keeps what is written,
// up to limit bytes (over is set beyond).
type bodyCollector struct {
	net.Conn
	buf   []byte
	limit int
	over  bool
}

func (b *bodyCollector) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > b.limit {
		b.over = true
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (*bodyCollector) SetWriteDeadline(time.Time) error { return nil }

// statsPost applies an admin form (s=<server>..., action=<a>, b=#<iid>
// or the backend's name) and answers 303 to <uri>;st=<code>, as HAProxy
// 2.6 does: DONE (every server found and acted on), PART (some), NONE
// (no server selected), ERRP (bad backend or action), EXCD (form too
// large), DENY (no "stats admin" for this request).
func statsPost(s *session, cfg *config.Stats, base string, opts statsOpts, keep bool) bool {
	if !statsAdmin(s, cfg) {
		rep, hdrs := statsRedirect(cfg, base, opts, "DENY")
		return statsAnswer(s, rep, hdrs, keep)
	}
	st := &s.st
	col := &bodyCollector{limit: maxStatsPost}
	h := &s.req
	okBody := true
	// A form that came with its head is read without waiting: the marks
	// stay those of the head (HAProxy: "0/0/0/0/0", however long copying
	// it takes here).
	arrived := !h.chunked && int64(s.rd.buffered()) >= h.contentLength
	if h.chunked || h.contentLength > 0 {
		c := s.conduit(s.rd, col, s.fe.cfg.Timeouts.Client, 0)
		okBody = c.copyBody(h, false)
	}
	if !arrived {
		// HAProxy's stats applet runs once the whole form is in: the
		// request ends (TR) and the response starts there, while the
		// queue and connect marks stay at the end of the head, so a body
		// that came later logs a negative Tw ("1/-1/0/1/1").
		st.reqDone = s.p.now()
		st.header = st.reqDone
	}
	var code string
	switch {
	case !okBody:
		st.term.set(causeClientAbort, phaseRequest)
		logStream(s, s.p.now())
		return false
	case col.over:
		code = "EXCD"
	default:
		code = s.p.statsAction(string(col.buf))
	}
	rep, hdrs := statsRedirect(cfg, base, opts, code)
	return statsAnswer(s, rep, hdrs, keep)
}

// statsRedirect is the 303 answering an admin form: back to the page
// with ;st=<code>, and its headers.
func statsRedirect(cfg *config.Stats, base string, opts statsOpts, code string) (reply, [][2]string) {
	loc := base + ";st=" + code
	if opts.norefresh && cfg.Refresh > 0 {
		loc += ";norefresh"
	}
	if opts.up {
		loc += ";up"
	}
	hdrs := [][2]string{{"cache-control", "no-cache"}, {"content-type", "text/plain"}, {"content-length", "0"}, {"location", loc}}
	return buildReply(303, "See Other", hdrs, ""), hdrs
}

// statsAction runs one admin form and returns its st= code, as HAProxy
// 2.6 does: the parameters are read from the last to the first (its form
// puts the backend "b" and the "action" last; the last of each counts),
// an "s" met before both are known is applied once they are, an unknown
// backend or action or a parameter of 2048 bytes or more is ERRP at once
// (what was read before stays applied), an undecodable parameter ends the
// form. Then NONE when no server counted, ERRP when none was altered,
// DONE when all were, PART otherwise; an unknown server counts without
// being altered, a server an action does not apply to (dhlth without
// checks, agent actions: no agent checks here) does not count.
func (p *Proxy) statsAction(form string) string {
	params := strings.Split(form, "&")
	var b *backend
	action := ""
	total, altered := 0, 0
	deferred := -1
	for i := len(params) - 1; i >= 0; i-- {
		if len(params[i]) >= statsParamMax {
			return "ERRP" // HAProxy copies it into a LINESIZE buffer
		}
		key, val, _ := strings.Cut(params[i], "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			break
		}
		v, err := url.QueryUnescape(val)
		if err != nil {
			break
		}
		switch {
		case b == nil && k == "b":
			if b = p.plan().backendNamed(v, true); b == nil {
				return "ERRP"
			}
		case action == "" && k == "action":
			if !statsActionKnown(v) {
				return "ERRP"
			}
			action = v
		case k == "s" && (b == nil || action == ""):
			if deferred < 0 {
				deferred = i
			}
		case k == "s":
			switch srv := b.serverByName(v); {
			case srv == nil: // unknown: counts, not altered
				total++
			case p.applyStatsAction(srv, action):
				total++
				altered++
			}
		}
		if deferred >= 0 && b != nil && action != "" {
			i, deferred = deferred+1, -1
		}
	}
	switch {
	case total == 0:
		return "NONE"
	case altered == 0:
		return "ERRP"
	case altered == total:
		return "DONE"
	}
	return "PART"
}

// statsParamMax is the size of the buffer HAProxy 2.6 copies one admin
// form parameter into (LINESIZE, its terminating NUL included).
const statsParamMax = 2048

// serverByName returns the backend's first server called name, or nil
// (the stats page's admin form and the CLI's "<backend>/<server>").
func (b *backend) serverByName(name string) *server {
	for _, s := range b.servers {
		if s.cfg.Name == name {
			return s
		}
	}
	return nil
}

func statsActionKnown(a string) bool {
	switch a {
	case "ready", "drain", "maint", "dhlth", "ehlth", "hrunn", "hnolb", "hdown",
		"dagent", "eagent", "arunn", "adown", "shutdown",
		"disable", "enable", "stop", "start": // the older names
		return true
	}
	return false
}

// shutdownServerSessions closes the server's established sessions.
func (p *Proxy) shutdownServerSessions(srv *server) {
	p.health.shutdownSessions(srv.be, func(x *server) bool { return x == srv })
}

// captureReply fills the response header captures from the headers of a
// generated page: HAProxy passes the stats page through the response
// analysers, so "capture response header Content-Type" logs text/html.
func captureReply(s *session, hdrs [][2]string) {
	st := &s.st
	for _, c := range s.fe.cfg.Captures.Response {
		var v []byte
		for _, h := range hdrs {
			if strings.EqualFold(h[0], c.Name) {
				v = []byte(h[1])
			}
		}
		st.respCaps = append(st.respCaps, captureValue(v, c.Len))
	}
}

func statsAuthorized(s *session, cfg *config.Stats) bool {
	v := s.req.lookup("authorization")
	if len(v) < 6 || !strings.EqualFold(string(v[:6]), "basic ") {
		return false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(v[6:])))
	if err != nil {
		return false
	}
	for _, up := range cfg.Auth {
		if string(dec) == up.User+":"+up.Pass {
			return true
		}
	}
	return false
}

// statsRowsFor returns the rows, without the servers that are not UP
// when up is set (";up").
func (p *Proxy) statsRowsFor(now time.Time, up, legends bool) []*statsRow {
	rows := p.statsSnapshot(now, legends)
	if !up {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if r.srv != nil && (!r.srv.up.Load() || r.srv.maint()) {
			continue
		}
		out = append(out, r)
	}
	return out
}
