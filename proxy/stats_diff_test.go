package proxy

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// statsTarget is one proxy (haproxy or ours) under a differential stats
// test: its stats and traffic addresses.
type statsTarget struct {
	name      string
	stats, fe string
}

const statsDiffCfg = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
listen stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /st
    stats auth admin:pw
    stats admin if TRUE
frontend fe
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
    http-request deny if { path /deny }
    default_backend be
backend be
    server s1 127.0.0.1:%d check inter 300ms
    server s2 127.0.0.1:%d check inter 300ms backup
    server s3 127.0.0.1:%d disabled
`

// startStatsPair runs haproxy 2.6 and this proxy on the same
// configuration (different ports) and backend.
func startStatsPair(t *testing.T) []statsTarget {
	t.Helper()
	haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.HTTP{Name: "s1"}).Serve(ctx, l)
	bport := l.Addr().(*net.TCPAddr).Port
	dead, s3 := testkit.FreePort(t), testkit.FreePort(t)
	var out []statsTarget
	for _, who := range []string{"haproxy", "ours"} {
		sp, fp := testkit.FreePort(t), testkit.FreePort(t)
		text := fmt.Sprintf(statsDiffCfg, sp, fp, bport, dead, s3)
		startOn(t, who, text)
		tg := statsTarget{who, "127.0.0.1:" + strconv.Itoa(sp), "127.0.0.1:" + strconv.Itoa(fp)}
		// Only the stats port is probed: haproxy counts a connection
		// closed without a request in req_tot and hrsp_4xx (this
		// proxy does not), and both bind every listener before serving.
		testkit.WaitDial(t, "tcp", tg.stats)
		out = append(out, tg)
	}
	// Both have run their first checks: s1 L4OK, s2 L4CON.
	for _, tg := range out {
		testkit.Eventually(t, tg.name+" checks", func() bool {
			rows := statsCSV(t, tg)
			s1, s2 := rows["be/s1"], rows["be/s2"]
			return s1 != nil && s1[fCheckStatus] == "L4OK" && s1[fStatus] == "UP" && s2 != nil && s2[fCheckStatus] == "L4CON"
		})
	}
	return out
}

var statsClient = &http.Client{
	Transport:     &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       5 * time.Second,
}

// statsCSV fetches ;csv and returns the rows by "pxname/svname".
func statsCSV(t testing.TB, tg statsTarget) map[string][]string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+tg.stats+"/st;csv", nil)
	req.SetBasicAuth("admin", "pw")
	resp, err := statsClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: ;csv: %s %v\n%s", tg.name, resp.Status, err, body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("%s: csv: %v\n%s", tg.name, err, body)
	}
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]+"/"+r[1]] = r
	}
	return rows
}

// hrspSum is the sum of a row's hrsp_* fields, as a string.
func hrspSum(row []string) string {
	n := 0
	for _, f := range []int{fHrsp1xx, fHrsp2xx, fHrsp3xx, fHrsp4xx, fHrsp5xx, fHrspOther} {
		v, _ := strconv.Atoi(row[f])
		n += v
	}
	return strconv.Itoa(n)
}

// waitStatsCounted waits until tg has counted the 8 requests of
// statsTraffic on fe and, when ref is not nil, as many requests on be as
// ref's rows; it returns tg's last rows. A timeout names what was seen.
func waitStatsCounted(t *testing.T, tg statsTarget, ref map[string][]string) map[string][]string {
	t.Helper()
	var rows map[string][]string
	ok := testkit.Poll(testkit.Timeout, func() bool {
		rows = statsCSV(t, tg)
		if rows["fe/FRONTEND"] == nil || rows["be/BACKEND"] == nil || rows["be/s1"] == nil || rows["be/s2"] == nil {
			t.Fatalf("%s: ;csv without a row of fe or be: %v", tg.name, rows)
		}
		fe, be := rows["fe/FRONTEND"], rows["be/BACKEND"]
		// req_tot counts a request when it is read, hrsp_* when its
		// response is counted, which haproxy does for the frontend and
		// the backend at different times: done when all agree.
		return fe[fReqTot] == "8" && hrspSum(fe) == "8" && hrspSum(be) == be[fReqTot] &&
			(ref == nil || be[fReqTot] == ref["be/BACKEND"][fReqTot])
	})
	if !ok {
		line := func(r []string) string {
			return fmt.Sprintf("%s/%s req_tot=%s hrsp=%s/%s/%s/%s/%s/%s status=%s check=%s", r[fPxname], r[fSvname], r[fReqTot],
				r[fHrsp1xx], r[fHrsp2xx], r[fHrsp3xx], r[fHrsp4xx], r[fHrsp5xx], r[fHrspOther], r[fStatus], r[fCheckStatus])
		}
		msg := fmt.Sprintf("%s counting the requests, after %v:", tg.name, testkit.Timeout)
		for _, k := range []string{"fe/FRONTEND", "be/BACKEND", "be/s1", "be/s2"} {
			msg += "\n  " + line(rows[k])
			if ref != nil && ref[k] != nil {
				msg += "\n  haproxy " + line(ref[k])
			}
		}
		t.Fatal(msg)
	}
	return rows
}

// startStatsPairCounted is startStatsPair after statsTraffic on each,
// once each has counted the 8 requests (and the proxy as many on the
// backend as haproxy).
func startStatsPairCounted(t *testing.T) []statsTarget {
	t.Helper()
	tgs := startStatsPair(t)
	var ref map[string][]string
	for _, tg := range tgs {
		statsTraffic(t, tg)
		rows := waitStatsCounted(t, tg, ref)
		if ref == nil {
			ref = rows
		}
	}
	return tgs
}

// statsTraffic sends the same requests to a frontend: 2xx, 4xx and 5xx
// from the server, a POST with a body, a deny, a broken response.
func statsTraffic(t *testing.T, tg statsTarget) {
	t.Helper()
	for _, path := range []string{"/", "/a?sz=1000", "/?st=404", "/?st=500", "/deny", "/?bad=1", "/?st=302"} {
		resp, err := statsClient.Get("http://" + tg.fe + path)
		if err != nil {
			t.Fatalf("%s %s: %v", tg.name, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := statsClient.Post("http://"+tg.fe+"/post", "text/plain", strings.NewReader("hello world"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// statsByValue are the fields compared by value after the same traffic;
// the others are compared by presence only (empty or not), because they
// depend on time (rates, lastchg, downtime, lastsess, timers, check
// duration) or on connection handling: h1_bytes_* are raw bytes on the
// wire, which this proxy does not count; haproxy keeps idle server
// connections (srv_icur, idle_conn_cur, safe_conn_cur, used_conn_cur,
// h1_open_*, reuse), this proxy's pooling differs; smax.
var statsByValue = []int{
	fPxname, fSvname, fQcur, fScur, fSlim, fStot, fBin, fBout, fDreq, fDresp, fEreq, fEcon, fEresp,
	fWretr, fWredis, fStatus, fWeight, fAct, fBck, fChkdown, fQlimit, fPid, fIid, fSid, fThrottle,
	fLbtot, fTracked, fType, fRateLim, fCheckStatus, fCheckCode, fHrsp1xx, fHrsp2xx, fHrsp3xx,
	fHrsp4xx, fHrsp5xx, fHrspOther, fHanafail, fReqTot, fCliAbrt, fSrvAbrt, fCompIn, fCompOut,
	fCompByp, fCompRsp, fLastChk, fLastAgt, fAgentStatus, fCheckDesc, fCheckRise, fCheckFall,
	fCheckHealth, fAddr, fCookie, fMode, fAlgo, fConnTot, fIntercepted, fDcon, fDses, fWrew,
	fConnect, fCacheLookups, fCacheHits, fEint,
	fUweight, fAggServerStatus, fAggServerCheckStatus, fAggCheckStatus, fSep, fSslSess,
	fSslReusedSess, fSslFailedHandshake, fH2HeadersRcvd, fH2DataRcvd, fH2SettingsRcvd,
	fH2RstStreamRcvd, fH2GoawayRcvd, fH2DetectedConnProtocolErrors, fH2DetectedStrmProtocolErrors,
	fH2RstStreamResp, fH2GoawayResp, fH2OpenConnections, fH2BackendOpenStreams,
	fH2TotalConnections, fH2BackendTotalStreams,
	fH1SplicedBytesIn, fH1SplicedBytesOut,
}

// TestStatsDifferentialCSV runs haproxy 2.6.12 and this proxy on the same
// configuration, sends both the same requests and compares their ;csv:
// the header byte for byte, the rows of the traffic frontend and backend
// field by field (statsByValue by value, every field by presence).
func TestStatsDifferentialCSV(t *testing.T) {
	tgs := startStatsPair(t)
	for _, tg := range tgs {
		statsTraffic(t, tg)
	}
	// A stream is counted when it is logged, just after its response
	// went out: wait until both have counted the 8 requests.
	want := waitStatsCounted(t, tgs[0], nil)
	got := waitStatsCounted(t, tgs[1], want)
	byValue := map[int]bool{}
	for _, f := range statsByValue {
		byValue[f] = true
	}
	for _, key := range []string{"fe/FRONTEND", "be/s1", "be/s2", "be/s3", "be/BACKEND", "stats/FRONTEND", "stats/BACKEND"} {
		w, g := want[key], got[key]
		if len(w) != len(g) {
			t.Errorf("%s: %d fields, haproxy %d", key, len(g), len(w))
			continue
		}
		for f := 0; f < numStatFields; f++ {
			switch {
			case (w[f] == "") != (g[f] == ""):
				t.Errorf("%s %s: %q, haproxy %q (presence)", key, statFieldNames[f], g[f], w[f])
			case byValue[f] && w[f] != g[f] && !strings.HasPrefix(key, "stats/"):
				t.Errorf("%s %s: %q, haproxy %q", key, statFieldNames[f], g[f], w[f])
			}
		}
	}
}

// promScrape fetches /metrics and returns HELP+TYPE lines by family and
// sample values by family and label set.
func promScrape(t *testing.T, tg statsTarget) (meta map[string]string, samples map[string]map[string]string, order []string) {
	t.Helper()
	resp, err := statsClient.Get("http://" + tg.fe + "/metrics")
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4" {
		t.Errorf("%s: content-type %q", tg.name, ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	meta, samples = map[string]string{}, map[string]map[string]string{}
	for _, ln := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		if strings.HasPrefix(ln, "# ") {
			f := strings.SplitN(ln, " ", 4)
			if len(f) < 4 {
				t.Fatalf("%s: bad line %q", tg.name, ln)
			}
			if f[1] == "TYPE" {
				order = append(order, f[2])
			}
			meta[f[2]] += ln + "\n"
			continue
		}
		sp := strings.LastIndexByte(ln, ' ')
		if sp < 0 {
			t.Fatalf("%s: bad sample %q", tg.name, ln)
		}
		name, labels := ln[:sp], ""
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name, labels = name[:i], name[i:]
		}
		if samples[name] == nil {
			samples[name] = map[string]string{}
		}
		samples[name][labels] = ln[sp+1:]
	}
	return meta, samples, order
}

// promByValue are the process families compared by value (constant for
// a process without SSL, pipes, peers, resolvers, compression); the
// others depend on time, memory or the host.
var promByValue = map[string]bool{
	"haproxy_process_nbproc": true, "haproxy_process_relative_process_id": true,
	"haproxy_process_pool_failures_total": true, "haproxy_process_max_ssl_connections": true,
	"haproxy_process_current_ssl_connections": true, "haproxy_process_ssl_connections_total": true,
	"haproxy_process_max_pipes": true, "haproxy_process_pipes_used_total": true,
	"haproxy_process_pipes_free_total": true, "haproxy_process_limit_connection_rate": true,
	"haproxy_process_limit_session_rate": true, "haproxy_process_current_ssl_rate": true,
	"haproxy_process_limit_ssl_rate": true, "haproxy_process_max_ssl_rate": true,
	"haproxy_process_ssl_cache_lookups_total": true, "haproxy_process_ssl_cache_misses_total": true,
	"haproxy_process_http_comp_bytes_in_total": true, "haproxy_process_http_comp_bytes_out_total": true,
	"haproxy_process_limit_http_comp": true, "haproxy_process_stopping": true,
	"haproxy_process_unstoppable_jobs": true, "haproxy_process_active_peers": true,
	"haproxy_process_connected_peers": true, "haproxy_process_dropped_logs_total": true,
	"haproxy_process_busy_polling_enabled": true, "haproxy_process_failed_resolutions": true,
	"haproxy_process_spliced_bytes_out_total": true, "haproxy_process_recv_logs_total": true,
	"haproxy_process_max_memory_bytes": true, "haproxy_process_current_zlib_memory": true,
	"haproxy_process_max_zlib_memory": true,
}

// TestStatsDifferentialPrometheus scrapes haproxy 2.6.12's exporter and
// ours after the same requests: the same families in the same order with
// identical HELP and TYPE lines, the same label sets per family, and the
// same values for the families of statsByValue's fields and promByValue
// (except for the stats proxy, whose traffic is the polling itself).
func TestStatsDifferentialPrometheus(t *testing.T) {
	tgs := startStatsPairCounted(t)
	wmeta, wsamp, worder := promScrape(t, tgs[0])
	gmeta, gsamp, gorder := promScrape(t, tgs[1])
	if strings.Join(worder, "\n") != strings.Join(gorder, "\n") {
		t.Errorf("family order differs: %d families, haproxy %d", len(gorder), len(worder))
	}
	byValue := map[int]bool{}
	for _, f := range statsByValue {
		byValue[f] = true
	}
	famField := map[string]int{}
	for _, fam := range promFamilies {
		famField[fam.name] = fam.field
	}
	for _, name := range worder {
		if gmeta[name] != wmeta[name] {
			t.Errorf("%s: HELP/TYPE\n got %q\nwant %q", name, gmeta[name], wmeta[name])
		}
		w, g := wsamp[name], gsamp[name]
		if name == "haproxy_process_build_info" {
			if len(g) != 1 || len(w) != 1 {
				t.Errorf("%s: %d samples, haproxy %d", name, len(g), len(w))
			}
			continue
		}
		f, ok := famField[name]
		cmpValue := promByValue[name] || ok && f >= 0 && byValue[f]
		for labels, wv := range w {
			gv, ok := g[labels]
			switch {
			case !ok:
				t.Errorf("%s%s: missing (haproxy %s)", name, labels, wv)
			case cmpValue && gv != wv && !strings.Contains(labels, `proxy="stats"`):
				t.Errorf("%s%s = %s, haproxy %s", name, labels, gv, wv)
			}
		}
		for labels := range g {
			if _, ok := w[labels]; !ok {
				t.Errorf("%s%s: not in haproxy's output", name, labels)
			}
		}
	}
	t.Logf("%d families, %d compared by value", len(worder), func() int {
		n := 0
		for _, name := range worder {
			if f, ok := famField[name]; promByValue[name] || ok && f >= 0 && byValue[f] {
				n++
			}
		}
		return n
	}())
}

// TestStatsDifferentialAdmin posts the same admin forms to haproxy
// 2.6.12's stats page and ours: the 303 answer and its Location
// (;st=DONE, PART, NONE, ERRP, ...) must match, and so must each
// server's status, weight and act/bck columns after each form.
func TestStatsDifferentialAdmin(t *testing.T) {
	tgs := startStatsPair(t)
	forms := []string{
		"s=s1&action=drain&b=%233",
		"s=s1&s=nope&action=maint&b=%233",
		"s=s1&action=ready&b=be",
		"s=s1&action=bogus&b=%233",
		"action=ready&b=%233",
		"s=s1&action=ready&b=%239",
		"s=s2&action=maint&b=%233",
		"s=s2&action=drain&b=%233",
		"s=s2&action=ready&b=%233",
		"s=s1&action=dagent&b=%233",
		"s=s3&action=ready&b=%233",
		"s=s3&action=maint&b=%233",
	}
	post := func(tg statsTarget, form, suffix string, auth bool) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+tg.stats+"/st"+suffix, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth {
			req.SetBasicAuth("admin", "pw")
		}
		resp, err := statsClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tg.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	cols := []int{fStatus, fWeight, fAct, fBck, fUweight}
	for _, form := range forms {
		var answers [2]string
		var states [2]string
		for i, tg := range tgs {
			resp := post(tg, form, "", true)
			answers[i] = fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Location"))
			rows := statsCSV(t, tg)
			for _, k := range []string{"be/s1", "be/s2", "be/s3", "be/BACKEND"} {
				for _, f := range cols {
					states[i] += k + "." + statFieldNames[f] + "=" + rows[k][f] + " "
				}
			}
		}
		if answers[0] != answers[1] {
			t.Errorf("POST %s: %s, haproxy %s", form, answers[1], answers[0])
		}
		if states[0] != states[1] {
			t.Errorf("after POST %s:\n got %s\nwant %s", form, states[1], states[0])
		}
	}
	// ;norefresh and ;up are kept in the redirect; no credentials: 401.
	for _, c := range []struct {
		suffix string
		auth   bool
	}{{";norefresh", true}, {";up", true}, {"", false}} {
		var answers [2]string
		for i, tg := range tgs {
			resp := post(tg, "s=s1&action=ready&b=%233", c.suffix, c.auth)
			answers[i] = fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Location"), " ", resp.Header.Get("Www-Authenticate"))
		}
		if answers[0] != answers[1] {
			t.Errorf("POST /st%s (auth %v): %s, haproxy %s", c.suffix, c.auth, answers[1], answers[0])
		}
	}
}

// statsJSONFields fetches ;json and returns each field object without its
// value (objType, proxyId, id, pos, name, tags, value type) mapped to the
// value.
func statsJSONFields(t *testing.T, tg statsTarget) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+tg.stats+"/st;json", nil)
	req.SetBasicAuth("admin", "pw")
	resp, err := statsClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rows [][]struct {
		ObjType    string `json:"objType"`
		ProxyID    int    `json:"proxyId"`
		ID         int    `json:"id"`
		ProcessNum int    `json:"processNum"`
		Field      struct {
			Pos  int    `json:"pos"`
			Name string `json:"name"`
		} `json:"field"`
		Tags  map[string]string `json:"tags"`
		Value struct {
			Type  string `json:"type"`
			Value any    `json:"value"`
		} `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		t.Fatalf("%s: ;json: %v", tg.name, err)
	}
	out := map[string]string{}
	for _, r := range rows {
		for _, o := range r {
			k := fmt.Sprintf("%s/%d/%d/%d %s %s/%s/%s %s p%d", o.ObjType, o.ProxyID, o.ID, o.Field.Pos, o.Field.Name,
				o.Tags["origin"], o.Tags["nature"], o.Tags["scope"], o.Value.Type, o.ProcessNum)
			out[k] = fmt.Sprint(o.Value.Value)
		}
	}
	return out
}

// TestStatsDifferentialJSON compares ;json after the same traffic: the
// same field objects (type, ids, position, name, tags, value type) and,
// outside the stats proxy, the same values for statsByValue's fields.
func TestStatsDifferentialJSON(t *testing.T) {
	tgs := startStatsPairCounted(t)
	want, got := statsJSONFields(t, tgs[0]), statsJSONFields(t, tgs[1])
	byName := map[string]bool{}
	for _, f := range statsByValue {
		byName[statFieldNames[f]] = true
	}
	for k, wv := range want {
		gv, ok := got[k]
		name := strings.Fields(k)[1]
		switch {
		case !ok:
			t.Errorf("missing %s (haproxy %s)", k, wv)
		case byName[name] && gv != wv && strings.Split(k, "/")[1] != "1": // proxy 1: the stats proxy
			t.Errorf("%s = %s, haproxy %s", k, gv, wv)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: not in haproxy's output", k)
		}
	}
}

// TestStatsRequestBodyVsHAProxy: a frontend's stats page is served by the
// frontend (fe fe/<STATS>; it went to the default backend), a POST without
// admin rights is answered 303 ;st=DENY at once, HEAD gets the head alone,
// and a request body is taken after the answer, as haproxy's stats applet
// takes it: the connection is kept when the body ended, and otherwise the
// request is logged LR-- once "timeout client" expired, then closed. The
// answers' status lines, locations and connection headers, the number of
// answers, and each log line but the byte count of a page (its content
// differs) are compared.
func TestStatsRequestBodyVsHAProxy(t *testing.T) {
	cfg := "global\n    log 127.0.0.1:LOGPORT local0\ndefaults\n    mode http\n    log global\n    option httplog\n" +
		"    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:BINDPORT\n    stats enable\n    stats uri /stats\n    default_backend be\nbackend be\n"
	r := sideBySide(t, cfg, nil)
	next := "GET /stats;csv HTTP/1.1\r\nHost: a\r\n\r\n"
	heads := regexp.MustCompile(`(?mi)^(HTTP/1\.1 .*|location: .*|connection: .*)\r$`)
	for _, req := range []string{
		"POST /stats HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789" + next,
		"POST /stats HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100),
		"GET /stats;csv HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde" + next,
		"GET /stats;csv HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n" + next,
		"GET /stats;csv HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabcde" + next,
		"GET /stats;csv HTTP/1.0\r\nHost: a\r\n\r\n",
		"HEAD /stats HTTP/1.1\r\nHost: a\r\n\r\n" + next,
	} {
		var got [2]string
		for who := range 2 {
			b, _ := r.answerOf(t, who, req, 10*time.Second)
			var sum []string
			for _, m := range heads.FindAllStringSubmatch(b, -1) {
				sum = append(sum, strings.ToLower(m[1]))
			}
			for range strings.Count(b, "HTTP/1.1 ") {
				f := strings.Fields(payload(r.sink[who].next(t, `<STATS>`)))
				if len(f) < 13 {
					t.Fatalf("short log line %q", f)
				}
				if f[5] == "200" && f[12] != `"HEAD` {
					f[6] = "(page)"
				}
				timers := strings.Split(f[4], "/")
				ta, _ := strconv.Atoi(timers[len(timers)-1])
				// Not %ac/%fc...: haproxy may still hold sideBySide's
				// readiness connection when the first request comes.
				kept := append(append(append([]string{}, f[2:4]...), f[5:10]...), f[11:]...)
				sum = append(sum, fmt.Sprintf("log %s waited=%v", strings.Join(kept, " "), ta >= 1000))
			}
			got[who] = strings.Join(sum, " | ")
		}
		if got[0] != got[1] {
			t.Errorf("%q:\n ours    %s\n haproxy %s", req, got[1], got[0])
		}
	}
}
