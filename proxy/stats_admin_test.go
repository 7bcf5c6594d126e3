package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

// statsAdminBackend: s1 and s2 are checked every hour (s1's first check
// at start, s2's half an hour later), s3 is not, s4 is disabled.
const statsAdminBackend = `backend be
    server s1 ORIGIN check inter 1h
    server s2 ORIGIN check inter 1h backup
    server s3 ORIGIN
    server s4 ORIGIN disabled
`

var statsAdminConfig = httpLogPreamble + statsListen + statsAdminBackend

// statsAdminForms are posted in this order: every action of the stats
// page (and the older names), on checked and unchecked, active, backup,
// draining, NOLB and maintained servers, and the forms that end in NONE,
// PART and ERRP. Checks run every hour: s1's first check passes at
// start, s2 is never checked, so nothing but the forms changes a state.
var statsAdminForms = []string{
	"s=s3&action=hdown&b=be",
	"s=s3&action=hnolb&b=be",
	"s=s3&action=hrunn&b=be",
	"s=s3&action=drain&b=be",
	"s=s3&action=hnolb&b=be",
	"s=s3&action=hdown&b=be",
	"s=s3&action=hrunn&b=be",
	"s=s3&action=ready&b=be",
	"s=s1&action=dhlth&b=be",
	"s=s1&action=hnolb&b=be",
	"s=s1&action=hdown&b=be",
	"s=s1&action=hrunn&b=be",
	"s=s1&action=ehlth&b=be",
	"s=s1&action=hnolb&b=be",
	"s=s1&s=s3&action=hdown&b=be",
	"s=s1&s=s3&action=hrunn&b=be",
	"s=s2&action=hdown&b=be",
	"s=s2&action=hrunn&b=be",
	"s=s2&action=hnolb&b=be",
	"s=s2&action=ready&b=be",
	"s=s3&action=dhlth&b=be",
	"s=s3&s=nope&action=ehlth&b=be",
	"s=nope&action=ready&b=be",
	"s=s1&s=nope&action=ready&b=be",
	"b=be&s=s1&action=maint",
	"s=s1&action=hdown&b=be",
	"s=s1&action=hnolb&b=be",
	"s=s1&action=ready&b=be",
	"s=s1&action=dagent&b=be",
	"s=s1&action=eagent&b=be",
	"s=s1&action=arunn&b=be",
	"s=s1&action=adown&b=be",
	"s=s4&action=hrunn&b=be",
	"s=s4&action=enable&b=be",
	"s=s4&action=disable&b=be",
	"s=s4&action=disable&b=be",
	"s=s4&action=enable&b=%232",
	"s=s3&action=stop&b=be",
	"s=s3&action=stop&b=be",
	"s=s3&action=start&b=be",
	"s=s3&action=start&b=be",
	"s=s1&action=shutdown&b=be",
	"s=s1&action=bogus&b=be",
	"s=s1&action=ready&b=nope",
	"s=s%31&action=drain&b=%62e",
	"s=s1&action=ready&b=be&action=maint",
	"s=s1&action=ready&b=be&s=s3",
	"s=s1&s=s3&action=ready&b=be",
	"action=ready&b=be",
	"",
}

// statsAdminCols are the server and backend columns compared after each
// form.
var statsAdminCols = []int{fStatus, fWeight, fAct, fBck, fUweight, fChkfail, fChkdown, fCheckStatus,
	fCheckCode, fCheckDesc, fCheckRise, fCheckFall, fCheckHealth}

var syslogPRI = regexp.MustCompile(`^<\d+>`)

// TestStatsAdminActionsVsHAProxy (issue 12 §3) posts the same admin forms
// to haproxy 2.6.12's stats page and ours and compares, after each: the
// 303's Location (st=DONE, PART, NONE, ERRP), the POST's log line, the
// server and backend columns of ;csv, and the messages logged for the
// state changes (text and syslog priority, in order).
func TestStatsAdminActionsVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) { c.Close() }).String()
	r := sideBySide(t, statsAdminConfig, func(int) string { return origin })
	tgs := []statsTarget{{name: "haproxy", stats: r.addr[0]}, {name: "ours", stats: r.addr[1]}}
	for i, tg := range tgs {
		testkit.Eventually(t, tg.name+" first check", func() bool {
			return statsCSV(t, tg)["be/s1"][fCheckStatus] == "L4OK"
		})
		settleLog(t, r.sink[i], i == 0)
	}
	for _, form := range statsAdminForms {
		var answer, line, msgs [2]string
		var state [2][]string
		for i, tg := range tgs {
			resp := postStatsForm(t, tg, form)
			answer[i] = fmt.Sprint(resp.StatusCode, " ", strings.TrimPrefix(resp.Header.Get("Location"), "http://"+tg.stats))
			rows := statsCSV(t, tg)
			for _, k := range []string{"be/s1", "be/s2", "be/s3", "be/s4", "be/BACKEND"} {
				for _, f := range statsAdminCols {
					state[i] = append(state[i], k+"."+statFieldNames[f]+"="+rows[k][f])
				}
			}
			var got []string
			line[i], got = drainLog(t, r.sink[i])
			msgs[i] = strings.Join(got, "\n")
		}
		if answer[0] != answer[1] {
			t.Errorf("POST %q: %s, haproxy %s", form, answer[1], answer[0])
		}
		sameShape(t, formats.HTTPLogFormat, [2]int{}, line[1], line[0], mask{acfc: true})
		for j := range state[0] {
			if state[0][j] != state[1][j] {
				t.Errorf("after POST %q: %s, haproxy %s", form, state[1][j], state[0][j])
			}
		}
		if msgs[0] != msgs[1] {
			t.Errorf("after POST %q, messages:\n got %s\nwant %s", form, msgs[1], msgs[0])
		}
	}
}

// postStatsForm posts an admin form to /st with the credentials, head
// and body in one write (so that both proxies see the body arrive with
// the head and log the same timers), and returns the answer.
func postStatsForm(t *testing.T, tg statsTarget, form string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", tg.stats)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req := fmt.Sprintf("POST /st HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic YWRtaW46cHc=\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", tg.stats, len(form), form)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// drainLog reads a sink up to the log lines of the last ;csv request and
// of the POST before it (when post is to be read) and returns the POST's
// line and the other messages (with their syslog priority).
// settleLog reads what was logged before the first form: a ;csv GET of
// the wait for the first check and, with probe (haproxy's side), the
// empty connection of sideBySide's readiness probe, which haproxy logs
// ("<BADREQ>", CR--) at a moment the scheduler decides: seen after the
// first ;csv line under load, it was taken for a state-change message.
func settleLog(t *testing.T, s *logSink, probe bool) {
	t.Helper()
	for csv := false; !csv || probe; {
		p := payload(s.next(t, `.`))
		csv = csv || strings.Contains(p, `"GET /st;csv`)
		probe = probe && !strings.Contains(p, `"<BADREQ>"`)
	}
}

func drainLog(t *testing.T, s *logSink) (post string, msgs []string) {
	t.Helper()
	csv := false
	for !csv || post == "" {
		d := s.next(t, `.`)
		p := payload(d)
		switch {
		case strings.Contains(p, `"GET /st;csv`):
			csv = true
		case strings.Contains(p, `"POST /st`):
			post = p
		default:
			msgs = append(msgs, syslogPRI.FindString(d)+p)
		}
	}
	return post, msgs
}

var statsAdminPromConfig = httpLogPreamble + statsListen +
	"    http-request use-service prometheus-exporter if { path /metrics }\n" +
	strings.Replace(statsAdminBackend, "s4 ORIGIN disabled", "s4 ORIGIN\n    server s5 ORIGIN check inter 1h", 1)

// TestStatsAdminPrometheusVsHAProxy: after admin actions (maintenance,
// checks disabled, NOLB, forced DOWN, drain), the exporter's server
// families have the same samples as haproxy 2.6.12's (the check families
// left out for paused or disabled checks) and the same values, times
// aside.
func TestStatsAdminPrometheusVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) { c.Close() }).String()
	r := sideBySide(t, statsAdminPromConfig, func(int) string { return origin })
	var samples [2]map[string]map[string]string
	for i := range r.addr {
		tg := statsTarget{name: []string{"haproxy", "ours"}[i], stats: r.addr[i], fe: r.addr[i]}
		testkit.Eventually(t, tg.name+" first check", func() bool {
			return statsCSV(t, tg)["be/s1"][fCheckStatus] == "L4OK"
		})
		for _, form := range []string{"s=s1&action=maint&b=be", "s=s2&action=dhlth&b=be",
			"s=s3&action=hnolb&b=be", "s=s4&action=hdown&b=be", "s=s5&action=drain&b=be"} {
			postStatsForm(t, tg, form)
		}
		_, samples[i], _ = promScrape(t, tg)
	}
	srv := regexp.MustCompile(`server="s\d"`)
	for name, w := range samples[0] {
		if !strings.HasPrefix(name, "haproxy_server_") {
			continue
		}
		g := samples[1][name]
		for labels, wv := range w {
			if !srv.MatchString(labels) {
				continue
			}
			gv, ok := g[labels]
			switch {
			case !ok:
				t.Errorf("%s%s: missing (haproxy %s)", name, labels, wv)
			case gv != wv && (!strings.Contains(name, "_seconds") || (gv == "NaN") != (wv == "NaN")):
				// times (last change, downtime, durations) by presence
				t.Errorf("%s%s = %s, haproxy %s", name, labels, gv, wv)
			}
		}
		for labels, gv := range g {
			if _, ok := w[labels]; !ok && srv.MatchString(labels) {
				t.Errorf("%s%s = %s: not in haproxy's output", name, labels, gv)
			}
		}
	}
}

// TestStatsAdminNOLBCheckVsHAProxy: a server forced NOLB from the stats
// page comes back UP at its next passed check, unless its checks were
// disabled first, as with haproxy 2.6.12: the same messages (duration
// masked) and states.
func TestStatsAdminNOLBCheckVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) { c.Close() }).String()
	cfg := httpLogPreamble + statsListen + "backend be\n    server s1 ORIGIN\n    server s5 ORIGIN check inter 200ms\n"
	r := sideBySide(t, cfg, func(int) string { return origin })
	duration := regexp.MustCompile(`check duration: \d+ms`)
	var msgs, status [2]string
	for i := range r.addr {
		tg := statsTarget{name: []string{"haproxy", "ours"}[i], stats: r.addr[i]}
		testkit.Eventually(t, tg.name+" first checks", func() bool {
			rows := statsCSV(t, tg)
			return rows["be/s5"][fCheckStatus] == "L4OK"
		})
		post := func(form string) { postStatsForm(t, tg, form) }
		post("s=s5&action=hnolb&b=be")
		var got []string
		for _, re := range []string{`s5 is stopping`, `s5 is UP`} {
			d := r.sink[i].next(t, re)
			got = append(got, syslogPRI.FindString(d)+duration.ReplaceAllString(payload(d), "check duration: Nms"))
		}
		// With its checks disabled, it stays NOLB.
		post("s=s5&action=dhlth&b=be")
		post("s=s5&action=hnolb&b=be")
		d := r.sink[i].next(t, `s5 is stopping`)
		got = append(got, syslogPRI.FindString(d)+payload(d))
		msgs[i] = strings.Join(got, "\n")
		// No check brings it back: it reads NOLB over three check
		// intervals (an absence, so this one is watched for a while).
		for end := time.Now().Add(600 * time.Millisecond); time.Now().Before(end); {
			if st := statsCSV(t, tg)["be/s5"][fStatus]; st != "NOLB" {
				status[i] = st
				break
			}
			status[i] = "NOLB"
		}
	}
	if msgs[0] != msgs[1] {
		t.Errorf("messages\n got %s\nwant %s", msgs[1], msgs[0])
	}
	if status[0] != status[1] {
		t.Errorf("s5 status %q, haproxy %q", status[1], status[0])
	}
}

// TestStatsAdminDenyAndTooLargeVsHAProxy: a form from a client "stats
// admin" does not allow (st=DENY), forms too large for the buffer
// (st=EXCD) or empty, answered and logged as haproxy 2.6.12 does.
func TestStatsAdminDenyAndTooLargeVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) { c.Close() }).String()
	for _, c := range []struct {
		name, admin string
		forms       []string
	}{
		{"deny", "stats admin if { src 10.0.0.0/8 }", []string{"s=s3&action=maint&b=be", ""}},
		{"allowed", "stats admin if TRUE", []string{
			"s=s3&action=maint&b=be&pad=" + strings.Repeat("x", 2043),
			"s=s3&action=ready&b=be&pad=" + strings.Repeat("x", 2044),
			"pad=" + strings.Repeat("x", 2044) + "&s=s3&action=ready&b=be",
			"s=s3&action=maint&b=be&pad=" + strings.Repeat("x", 8000),
			"s=s3&action=ready&b=be&pad=" + strings.Repeat("x", 15000),
			"s=s3&action=ready&b=be&pad=" + strings.Repeat("x", 17000),
			"s=s3&action=ready&b=be&pad=" + strings.Repeat("x", 40000),
			"",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := httpLogPreamble + strings.Replace(statsListen, "stats admin if TRUE", c.admin, 1) + statsAdminBackend
			r := sideBySide(t, cfg, func(int) string { return origin })
			for _, form := range c.forms {
				var answer, line, state [2]string
				for i := range r.addr {
					tg := statsTarget{name: []string{"haproxy", "ours"}[i], stats: r.addr[i]}
					resp := postStatsForm(t, tg, form)
					answer[i] = fmt.Sprint(resp.StatusCode, " ", strings.TrimPrefix(resp.Header.Get("Location"), "http://"+tg.stats))
					line[i] = payload(r.sink[i].next(t, `"POST /st`))
					state[i] = statsCSV(t, tg)["be/s3"][fStatus]
				}
				if state[0] != state[1] {
					t.Errorf("POST of %d bytes: s3 %s, haproxy %s", len(form), state[1], state[0])
				}
				if answer[0] != answer[1] {
					t.Errorf("POST of %d bytes: %s, haproxy %s", len(form), answer[1], answer[0])
				}
				sameShape(t, formats.HTTPLogFormat, [2]int{}, line[1], line[0], mask{acfc: true})
			}
		})
	}
}

// TestStatsAdminServersStateVsHAProxy: "show servers state" on the stats
// socket after stats page actions (drain, hnolb on a server without
// checks, dhlth) reads as haproxy 2.6.12's, the seconds since the last
// change aside (the backend's id too: with a "stats socket" haproxy's
// GLOBAL proxy takes id 1): a draining server stays running (2), NOLB is stopping
// (3), disabled checks are configured but not enabled (2), a server not
// checked yet has an unknown result (0).
func TestStatsAdminServersStateVsHAProxy(t *testing.T) {
	origin := testkit.Serve(t, func(c net.Conn) { c.Close() }).String()
	dir := t.TempDir()
	var socks [2]string
	// ORIGIN names each side's socket; the servers get the origin here.
	cfg := strings.Replace(httpLogPreamble, "global\n", "global\n    stats socket ORIGIN level admin\n", 1) +
		statsListen + strings.ReplaceAll(statsAdminBackend, "ORIGIN", origin)
	r := sideBySide(t, cfg, func(w int) string {
		socks[w] = filepath.Join(dir, fmt.Sprintf("admin%d.sock", w))
		return socks[w]
	})
	var got [2][]string
	for i := range r.addr {
		tg := statsTarget{name: []string{"haproxy", "ours"}[i], stats: r.addr[i]}
		testkit.Eventually(t, tg.name+" first check", func() bool {
			return statsCSV(t, tg)["be/s1"][fCheckStatus] == "L4OK"
		})
		for _, form := range []string{"s=s1&action=drain&b=be", "s=s3&action=hnolb&b=be", "s=s2&action=dhlth&b=be"} {
			postStatsForm(t, tg, form)
		}
		for _, ln := range strings.Split(cliDo(t, socks[i], "show servers state be\n"), "\n") {
			if f := strings.Fields(ln); len(f) > 10 && f[0] != "#" {
				f[9] = "T" // srv_time_since_last_change
				got[i] = append(got[i], strings.Join(f, " "))
			}
		}
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("show servers state\n got %s\nwant %s", strings.Join(got[1], "\n"), strings.Join(got[0], "\n"))
	}
}
