package proxy

import (
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// promScope is the object a Prometheus family describes.
type promScope uint8

const (
	promProcess promScope = iota
	promFrontend
	promBackend
	promServer
)

// promFamily is one metric family of HAProxy's exporter.
type promFamily struct {
	scope     promScope
	name, typ string
	help      string
	field     int // stats field, -1 for process values
}

// promStates are the "state" label values of the status families.
var (
	promSrvStates   = []string{"DOWN", "UP", "MAINT", "DRAIN", "NOLB"}
	promProxyStates = []string{"DOWN", "UP"}
	// promCheckStates are the check statuses of check_status and
	// agg_check_status, in HAProxy's order.
	promCheckStates = []string{"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP",
		"L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK"}
	promCodes = []string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}
)

// promMsFields are the stats fields in milliseconds that the exporter
// prints in seconds ("%f").
var promMsFields = map[int]bool{
	fQtime: true, fCtime: true, fRtime: true, fTtime: true, fQtimeMax: true, fCtimeMax: true,
	fRtimeMax: true, fTtimeMax: true, fCheckDuration: true,
}

// promServerState maps a server's status column onto the exporter's
// state label.
func promServerState(status string) string {
	switch {
	case status == "MAINT" || strings.HasPrefix(status, "MAINT"):
		return "MAINT"
	case strings.HasPrefix(status, "DRAIN"):
		return "DRAIN"
	case strings.HasPrefix(status, "UP"), status == "no check":
		return "UP"
	case strings.HasPrefix(status, "NOLB"):
		return "NOLB"
	}
	return "DOWN"
}

// promValue formats a stats value: NaN when empty, seconds for the
// millisecond fields.
func promValue(f int, v string) string {
	if v == "" {
		return "NaN"
	}
	if promMsFields[f] {
		n, _ := strconv.ParseInt(v, 10, 64)
		return strconv.FormatFloat(float64(n)/1000, 'f', 6, 64)
	}
	return v
}

// serveService answers "http-request use-service": the Prometheus
// exporter (the only service). The log line has HAProxy's shape: server
// <PROMEX>, the frontend as backend, LR--.
func serveService(s *session) reply {
	s.st.srvName = "<PROMEX>"
	s.fe.ctr.intercepted.Add(1)
	body := s.p.promText(s.p.now())
	hdrs := [][2]string{
		{"cache-control", "no-cache"},
		{"content-type", "text/plain; version=0.0.4"},
		{"content-length", strconv.Itoa(len(body))},
	}
	captureReply(s, hdrs)
	return buildReply(200, "OK", hdrs, body)
}

// promText renders every family in HAProxy 2.6's order, in text format
// 0.0.4: HELP, TYPE, then one sample per object (proxy, server labels;
// code and state labels where HAProxy has them).
func (p *Proxy) promText(now time.Time) string {
	rows := p.statsSnapshot(now, false)
	var b strings.Builder
	b.Grow(64 << 10)
	proc := p.promProcessValues(now, rows)
	for i := range promFamilies {
		fam := &promFamilies[i]
		b.WriteString("# HELP " + fam.name + " " + fam.help + "\n# TYPE " + fam.name + " " + fam.typ + "\n")
		if fam.scope == promProcess {
			if fam.name == "haproxy_process_build_info" {
				b.WriteString(fam.name + "{version=\"" + statsVersion + "\"} 1\n")
				continue
			}
			b.WriteString(fam.name + " " + proc[fam.name] + "\n")
			continue
		}
		for _, r := range rows {
			if !promRowMatches(fam.scope, r.kind) {
				continue
			}
			labels := "proxy=\"" + promEscape(r.pc.Name) + "\""
			if r.kind == 2 {
				labels += ",server=\"" + promEscape(r.srv.cfg.Name) + "\""
			}
			p.promSamples(&b, fam, r, labels, rows)
		}
	}
	return b.String()
}

func promRowMatches(sc promScope, kind int) bool {
	switch sc {
	case promFrontend:
		return kind == 0
	case promBackend:
		return kind == 1
	case promServer:
		return kind == 2
	}
	return false
}

// promSamples writes one object's samples of a family.
func (p *Proxy) promSamples(b *strings.Builder, fam *promFamily, r *statsRow, labels string, rows []*statsRow) {
	line := func(extra, v string) {
		b.WriteString(fam.name + "{" + labels + extra + "} " + v + "\n")
	}
	f := fam.field
	switch f {
	case fHrsp1xx:
		for k, c := range promCodes {
			line(",code=\""+c+"\"", promValue(f+k, r.v[f+k]))
		}
		return
	case fStatus:
		cur := "UP"
		switch r.kind {
		case 2:
			cur = promServerState(r.v[fStatus])
			for _, st := range promSrvStates {
				line(",state=\""+st+"\"", boolNum(st == cur))
			}
			return
		case 0:
			if r.v[fStatus] != "OPEN" {
				cur = "DOWN"
			}
		case 1:
			if r.v[fStatus] != "UP" {
				cur = "DOWN"
			}
		}
		for _, st := range promProxyStates {
			line(",state=\""+st+"\"", boolNum(st == cur))
		}
		return
	case fCheckStatus, fCheckCode, fCheckDuration:
		// HAProxy 2.6 leaves out the status and code of paused
		// (maintenance) or disabled checks, and the duration of checks
		// disabled or not run yet.
		sv := r.srv
		if sv == nil || !sv.checksOn() || f != fCheckDuration && sv.maint() || f == fCheckDuration && sv.ctr.chkInfo.Load() == nil {
			return
		}
		switch f {
		case fCheckStatus:
			for _, st := range promCheckStates {
				line(",state=\""+st+"\"", boolNum(st == r.v[fCheckStatus]))
			}
		case fCheckCode:
			v := r.v[fCheckCode]
			if v == "" {
				v = "0"
			}
			line("", v)
		default:
			v := r.v[fCheckDuration]
			if v == "" {
				v = "0"
			}
			line("", promValue(f, v))
		}
		return
	case fAggServerStatus, fAggServerCheckStatus, fAggCheckStatus:
		if len(r.be.servers) == 0 {
			return // haproxy prints no aggregate for a backend without servers
		}
	}
	switch f {
	case fAggServerStatus, fAggServerCheckStatus:
		counts := map[string]int{}
		for _, sr := range rows {
			if sr.kind == 2 && sr.be == r.be {
				counts[promServerState(sr.v[fStatus])]++
			}
		}
		for _, st := range promSrvStates {
			line(",state=\""+st+"\"", strconv.Itoa(counts[st]))
		}
		return
	case fAggCheckStatus:
		counts := map[string]int{}
		for _, sr := range rows {
			if sr.kind == 2 && sr.be == r.be && sr.v[fCheckStatus] != "" {
				counts[sr.v[fCheckStatus]]++
			}
		}
		for _, st := range promCheckStates {
			line(",state=\""+st+"\"", strconv.Itoa(counts[st]))
		}
		return
	}
	line("", promValue(f, r.v[f]))
}

func boolNum(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// promEscape escapes a label value (backslash, quote, newline).
func promEscape(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return r.Replace(v)
}

// promProcessValues computes the process families from this proxy's
// state; what it does not have (SSL, pipes, zlib, peers, pools) is 0 or
// NaN as HAProxy prints it for a process without them.
func (p *Proxy) promProcessValues(now time.Time, rows []*statsRow) map[string]string {
	var conns, reqs, bout, curRate, maxRate int64
	for _, r := range rows {
		if r.kind == 0 {
			conns += atoi(r.v[fConnTot])
			reqs += atoi(r.v[fReqTot])
			bout += atoi(r.v[fBout])
			curRate += atoi(r.v[fConnRate])
			maxRate = max(maxRate, atoi(r.v[fConnRateMax]))
		}
	}
	var lim syscall.Rlimit
	fds := int64(0)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		fds = int64(lim.Cur)
	}
	maxconn := int64(p.lim.maxconn)
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	stopping := int64(0)
	if p.stopping.Load() {
		stopping = 1
	}
	listeners := int64(0)
	for _, fe := range p.plan().frontends {
		listeners += int64(len(fe.cfg.Binds))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v := map[string]string{
		"haproxy_process_nbthread":                i(int64(runtime.GOMAXPROCS(0))),
		"haproxy_process_nbproc":                  "1",
		"haproxy_process_relative_process_id":     "1",
		"haproxy_process_uptime_seconds":          i(int64(now.Sub(p.start) / time.Second)),
		"haproxy_process_max_fds":                 i(fds),
		"haproxy_process_max_sockets":             i(fds),
		"haproxy_process_max_connections":         i(maxconn),
		"haproxy_process_hard_max_connections":    i(maxconn),
		"haproxy_process_current_connections":     i(p.actconn.Load()),
		"haproxy_process_connections_total":       i(conns),
		"haproxy_process_requests_total":          i(reqs),
		"haproxy_process_current_connection_rate": i(curRate),
		"haproxy_process_max_connection_rate":     i(maxRate),
		"haproxy_process_current_session_rate":    i(curRate),
		"haproxy_process_max_session_rate":        i(maxRate),
		"haproxy_process_current_zlib_memory":     "NaN",
		"haproxy_process_max_zlib_memory":         "NaN",
		"haproxy_process_current_tasks":           i(int64(runtime.NumGoroutine())),
		"haproxy_process_idle_time_percent":       "100",
		"haproxy_process_stopping":                i(stopping),
		"haproxy_process_jobs":                    i(p.actconn.Load() + listeners),
		"haproxy_process_listeners":               i(listeners),
		"haproxy_process_dropped_logs_total":      i(p.stats.LogsDropped.Load()),
		"haproxy_process_bytes_out_total":         i(bout),
		"haproxy_process_pool_allocated_bytes":    i(int64(ms.HeapAlloc)),
		"haproxy_process_pool_used_bytes":         i(int64(ms.HeapInuse)),
		"haproxy_process_start_time_seconds":      i(p.start.Unix()),
	}
	for _, fam := range promFamilies {
		if fam.scope == promProcess {
			if _, ok := v[fam.name]; !ok {
				v[fam.name] = "0"
			}
		}
	}
	return v
}
