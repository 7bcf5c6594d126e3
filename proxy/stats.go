package proxy

import (
	"encoding/base64"
	"fmt"
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

// serveStats answers a stats page request. The page is a small CSV/HTML
// summary (not HAProxy's full page); the log line has HAProxy's shape:
// server <STATS>, LR--, timers 0/0/0/0/Ta.
func serveStats(s *session, be *backend, keep bool) bool {
	st := &s.st
	now := s.p.now()
	st.queued, st.connected, st.header = now, now, now
	st.srvName = "<STATS>"
	cfg := be.cfg.Stats
	var rep reply
	if len(cfg.Auth) > 0 && !statsAuthorized(s, cfg) {
		realm := cfg.Realm
		if realm == "" {
			realm = "HAProxy Statistics"
		}
		body := "<html><body><h1>401 Unauthorized</h1>\n" + messages[401] + "\n</body></html>\n"
		rep = buildReply(401, "Unauthorized", [][2]string{
			{"content-length", strconv.Itoa(len(body))},
			{"cache-control", "no-cache"},
			{"content-type", "text/html"},
			{"www-authenticate", `Basic realm="` + realm + `"`},
		}, body)
		st.term.set(causeProxy, phaseRequest)
	} else {
		csv := strings.HasSuffix(s.path(), ";csv") || strings.Contains(s.uri(), ";csv")
		body, ctype := s.p.statsBody(csv), "text/html"
		if csv {
			ctype = "text/plain"
		}
		hdrs := [][2]string{{"cache-control", "no-cache"}, {"content-type", ctype}}
		if cfg.Refresh > 0 {
			hdrs = append(hdrs, [2]string{"refresh", strconv.Itoa(int(cfg.Refresh / time.Second))})
		}
		hdrs = append(hdrs, [2]string{"content-length", strconv.Itoa(len(body))})
		rep = buildReply(200, "OK", hdrs, body)
		st.term.set(causeLocal, phaseRequest)
		captureReply(s, hdrs)
	}
	st.status, st.bytesOut = rep.status, rep.htx
	ok := writeReply(s, rep, keep)
	logStream(s, s.p.now())
	return ok && keep && skipBody(s)
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

// statsBody renders the proxies and servers with their state and counters.
func (p *Proxy) statsBody(csv bool) string {
	var b strings.Builder
	if csv {
		b.WriteString("# pxname,svname,scur,stot,status,weight\n")
	} else {
		b.WriteString("<html><head><title>Statistics Report</title></head><body><h1>Statistics Report</h1><table>\n")
	}
	row := func(px, sv string, cur, tot int64, status string, weight int) {
		if csv {
			fmt.Fprintf(&b, "%s,%s,%d,%d,%s,%d\n", px, sv, cur, tot, status, weight)
			return
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>%d</td></tr>\n", px, sv, cur, tot, status, weight)
	}
	for _, fe := range p.frontends {
		row(fe.cfg.Name, "FRONTEND", fe.feconn.Load(), fe.cum.Load(), "OPEN", 0)
	}
	for _, pc := range p.ordered {
		be := p.backends[pc]
		if be == nil {
			continue
		}
		for _, sv := range be.servers {
			status := "UP"
			switch {
			case sv.maint():
				status = "MAINT"
			case !sv.up.Load():
				status = "DOWN"
			}
			row(pc.Name, sv.cfg.Name, sv.cur.Load(), sv.cum.Load(), status, sv.cfg.Weight)
		}
		row(pc.Name, "BACKEND", be.beconn.Load(), be.cum.Load(), "UP", 0)
	}
	if !csv {
		b.WriteString("</table></body></html>\n")
	}
	return b.String()
}
