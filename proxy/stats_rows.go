package proxy

import (
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// statsRow is one line of HAProxy's stats (FRONTEND, a server or
// BACKEND): the 128 fields of 2.6 in order; "" is an empty field, as
// HAProxy leaves the fields that do not apply to the row's type.
type statsRow struct {
	kind int // 0 frontend, 1 backend, 2 server (the "type" field)
	pc   *config.Proxy
	srv  *server // server rows
	be   *backend
	v    [numStatFields]string
}

func (r *statsRow) i(f int, v int64) { r.v[f] = strconv.FormatInt(v, 10) }

// statsSnapshot returns the rows of every proxy in declaration order:
// FRONTEND, servers, BACKEND.
// With legends (stats show-legends), the addr, cookie and algo fields
// are filled, as HAProxy does only then.
func (p *Proxy) statsSnapshot(now time.Time, legends bool) []*statsRow {
	var rows []*statsRow
	pl := p.plan() // one plan for the whole snapshot, even across a reload
	for _, pc := range pl.ordered {
		if fe := pl.frontendOf(pc); fe != nil {
			rows = append(rows, p.frontendRow(fe, now))
		}
		b := pl.backendOf(pc)
		if b == nil {
			continue
		}
		for _, s := range b.servers {
			rows = append(rows, p.serverRow(s, now, legends))
		}
		rows = append(rows, p.backendRow(b, now, legends))
	}
	return rows
}

// commonRow fills the fields every row type carries.
func commonRow(r *statsRow, pc *config.Proxy, sv string, c *counters, now int64) {
	r.v[fPxname], r.v[fSvname] = pc.Name, sv
	r.i(fBin, c.bin.Load())
	r.i(fBout, c.bout.Load())
	r.i(fDresp, c.dresp.Load())
	r.i(fPid, 1)
	r.i(fIid, int64(pc.ID))
	r.i(fType, int64(r.kind))
	r.i(fRate, c.sessRate.read(now))
	r.i(fRateMax, c.sessRateMax.Load())
	for k := 0; k < 6; k++ {
		r.i(fHrsp1xx+k, c.hrsp[k].Load())
	}
	r.i(fReqTot, c.reqTot.Load())
	r.v[fMode] = modeName(pc.Mode)
	r.i(fWrew, 0)
	r.i(fEint, c.eint.Load())
	r.v[fSep] = "-"
	r.i(fSslSess, 0)
	r.i(fSslReusedSess, 0)
	r.i(fSslFailedHandshake, 0)
}

// proxyModules fills the h2 and h1 module fields of FRONTEND and BACKEND
// rows (this proxy speaks no HTTP/2: those stay 0).
func proxyModules(r *statsRow, conns, curConns, streams int64) {
	for f := fH2HeadersRcvd; f <= fH1SplicedBytesOut; f++ {
		r.i(f, 0)
	}
	r.i(fH1OpenConnections, curConns)
	r.i(fH1TotalConnections, conns)
	r.i(fH1TotalStreams, streams)
}

func (p *Proxy) frontendRow(fe *frontend, t time.Time) *statsRow {
	now := t.UnixNano()
	c := &fe.ctr
	r := &statsRow{kind: 0, pc: fe.cfg}
	commonRow(r, fe.cfg, "FRONTEND", c, now)
	cur := fe.feconn.Load()
	r.i(fScur, cur)
	r.i(fSmax, max(c.smax.Load(), cur))
	r.i(fSlim, int64(cap(fe.slots)))
	r.i(fStot, fe.cum.Load())
	r.i(fDreq, c.dreq.Load())
	r.i(fEreq, c.ereq.Load())
	status := "OPEN"
	if p.stopping.Load() {
		status = "STOP"
	}
	r.v[fStatus] = status
	r.i(fSid, 0)
	r.i(fRateLim, 0)
	r.i(fReqRate, c.reqRate.read(now))
	r.i(fReqRateMax, c.reqRateMax.Load())
	for f := fCompIn; f <= fCompRsp; f++ {
		r.i(f, 0)
	}
	r.i(fConnRate, c.sessRate.read(now))
	r.i(fConnRateMax, c.sessRateMax.Load())
	r.i(fConnTot, fe.cum.Load())
	r.i(fIntercepted, c.intercepted.Load())
	r.i(fDcon, c.dcon.Load())
	r.i(fDses, 0)
	r.i(fCacheLookups, 0)
	r.i(fCacheHits, 0)
	proxyModules(r, fe.cum.Load(), cur, c.reqTot.Load())
	return r
}

// timing fills the queue/connect/response/total time fields.
func timing(r *statsRow, c *counters, lastSess int64, now int64) {
	if lastSess == 0 {
		r.i(fLastsess, -1)
	} else {
		r.i(fLastsess, (now-lastSess)/int64(time.Second))
	}
	r.i(fQtime, c.avg(&c.qtSum))
	r.i(fCtime, c.avg(&c.ctSum))
	r.i(fRtime, c.avg(&c.rtSum))
	r.i(fTtime, c.avg(&c.ttSum))
	r.i(fQtimeMax, c.qtMax.Load())
	r.i(fCtimeMax, c.ctMax.Load())
	r.i(fRtimeMax, c.rtMax.Load())
	r.i(fTtimeMax, c.ttMax.Load())
}

// beSrvCommon fills the fields backends and servers share.
func beSrvCommon(r *statsRow, c *counters) {
	r.i(fQmax, c.qmax.Load())
	r.i(fEcon, c.econ.Load())
	r.i(fEresp, c.eresp.Load())
	r.i(fWretr, c.wretr.Load())
	r.i(fWredis, c.wredis.Load())
	r.i(fLbtot, c.lbtot.Load())
	r.i(fCliAbrt, c.cliAbrt.Load())
	r.i(fSrvAbrt, c.srvAbrt.Load())
	r.i(fConnect, c.connect.Load())
	r.i(fReuse, 0)
}

// serverWeight is the weight column: haproxy 2.6 keeps showing the
// configured weight of a draining or maintained server (the DRAIN/MAINT
// status tells it is out of load balancing).
func serverWeight(s *server) int { return s.cfg.Weight }

func (p *Proxy) backendRow(b *backend, t time.Time, legends bool) *statsRow {
	now := t.UnixNano()
	c := &b.ctr
	pc := b.cfg
	r := &statsRow{kind: 1, pc: pc, be: b}
	commonRow(r, pc, "BACKEND", c, now)
	beSrvCommon(r, c)
	r.i(fQcur, int64(b.queueLen()))
	cur := b.beconn.Load()
	r.i(fScur, cur)
	r.i(fSmax, max(c.smax.Load(), cur))
	r.i(fSlim, int64(p.plan().fullconn(pc)))
	r.i(fStot, b.cum.Load())
	r.i(fDreq, c.dreq.Load())
	var wact, wbck, uact, ubck, act, bck, conns int64
	last := p.start.UnixNano()
	for _, s := range b.servers {
		conns += s.cum.Load()
		if lc := s.lastChange.Load(); lc > last {
			last = lc
		}
		if !s.usable() {
			continue
		}
		if s.cfg.Backup {
			bck++
			wbck += int64(serverWeight(s))
			ubck += int64(s.cfg.Weight)
		} else {
			act++
			wact += int64(serverWeight(s))
			uact += int64(s.cfg.Weight)
		}
	}
	status := "UP"
	if act+bck == 0 && len(b.servers) > 0 {
		status = "DOWN"
	}
	r.v[fStatus] = status
	// The weights of the servers in use: the active ones, else the
	// backups.
	w, uw := wact, uact
	if act == 0 {
		w, uw = wbck, ubck
	}
	r.i(fWeight, w)
	r.i(fUweight, uw)
	r.i(fAct, act)
	r.i(fBck, bck)
	r.i(fChkdown, c.chkDown.Load())
	r.i(fLastchg, (now-last)/int64(time.Second))
	down := c.downTotal.Load()
	if status == "DOWN" {
		down += (now - last) / int64(time.Second)
	}
	if len(b.servers) > 0 {
		r.i(fDowntime, down)
	}
	r.i(fSid, 0)
	for f := fCompIn; f <= fCompRsp; f++ {
		r.i(f, 0)
	}
	timing(r, c, c.lastSess.Load(), now)
	if legends {
		r.v[fAlgo] = pc.Balance.String()
	}
	r.i(fCacheLookups, 0)
	r.i(fCacheHits, 0)
	r.i(fAggServerStatus, 0)
	r.i(fAggServerCheckStatus, 0)
	r.i(fAggCheckStatus, 0)
	proxyModules(r, conns, 0, c.connect.Load())
	r.i(fH1OpenConnections, 0)
	return r
}

// serverStatusText is the status column of a server row, computed as
// HAProxy 2.6 does: MAINT; UP, DRAIN or NOLB, with the health counter
// while it moves down ("UP 1/3"); "no check" for an UP server whose
// checks are off; DOWN, or "DOWN 1/2" while checks bring it up.
func serverStatusText(s *server) string {
	if s.maint() {
		return "MAINT"
	}
	chk := s.checksOn()
	rise, fall, _, _, _ := defaults(s.cfg)
	h := int(s.health.Load())
	top := rise + fall - 1
	moving := func(word string) string {
		if !chk || h >= top || h < rise {
			return word
		}
		return word + " " + strconv.Itoa(h-rise+1) + "/" + strconv.Itoa(fall)
	}
	switch {
	case s.up.Load() && s.nolb.Load():
		return moving("NOLB")
	case s.up.Load() && s.draining():
		return moving("DRAIN")
	case s.up.Load() && !chk:
		return "no check"
	case s.up.Load():
		return moving("UP")
	case chk && h > 0 && h < rise:
		return "DOWN " + strconv.Itoa(h) + "/" + strconv.Itoa(rise)
	}
	return "DOWN"
}

// checksOn reports whether the server's health checks run: configured
// and not disabled from the stats page.
func (s *server) checksOn() bool { return s.cfg.Check && !s.chkOff.Load() }

func (p *Proxy) serverRow(s *server, t time.Time, legends bool) *statsRow {
	now := t.UnixNano()
	c := &s.ctr
	pc := s.be.cfg
	r := &statsRow{kind: 2, pc: pc, srv: s, be: s.be}
	commonRow(r, pc, s.cfg.Name, c, now)
	beSrvCommon(r, c)
	r.i(fQcur, 0)
	cur := s.cur.Load() - s.pending.Load()
	r.i(fScur, cur)
	r.i(fSmax, max(c.smax.Load(), cur))
	if s.cfg.MaxConn > 0 {
		r.i(fSlim, int64(s.cfg.MaxConn))
	}
	if s.cfg.MaxQueue > 0 {
		r.i(fQlimit, int64(s.cfg.MaxQueue))
	}
	r.i(fStot, s.cum.Load())
	r.v[fStatus] = serverStatusText(s)
	r.i(fWeight, int64(serverWeight(s)))
	r.i(fUweight, int64(s.cfg.Weight))
	if s.cfg.Backup {
		r.i(fAct, 0)
		r.i(fBck, 1)
	} else {
		r.i(fAct, 1)
		r.i(fBck, 0)
	}
	last := s.lastChange.Load()
	r.i(fLastchg, (now-last)/int64(time.Second))
	r.i(fSid, int64(s.cfg.ID))
	if s.checksOn() {
		r.i(fChkfail, c.chkFail.Load())
		r.i(fChkdown, c.chkDown.Load())
		down := c.downTotal.Load()
		if !s.up.Load() {
			down += (now - last) / int64(time.Second)
		}
		r.i(fDowntime, down)
		code := int(s.check.Load())
		if info := c.chkInfo.Load(); info != nil && !s.maint() {
			r.v[fCheckStatus] = checkStatusName(code)
			r.v[fCheckDesc] = checkStatusDesc(code)
			r.i(fCheckDuration, c.chkDur.Load())
			if cc := c.chkCode.Load(); cc > 0 {
				r.i(fCheckCode, cc)
			}
			r.v[fLastChk] = *info
		} else if !s.maint() {
			r.v[fCheckStatus] = "INI"
			r.v[fCheckDesc] = checkStatusDesc(hcIni)
		}
		if !s.maint() { // checks paused: HAProxy leaves them out
			rise, fall, _, _, _ := defaults(s.cfg)
			r.i(fCheckRise, int64(rise))
			r.i(fCheckFall, int64(fall))
			r.i(fCheckHealth, int64(s.health.Load()))
		}
	}
	timing(r, c, c.lastSess.Load(), now)
	if legends {
		r.v[fAddr] = s.addr
		r.v[fCookie] = s.cfg.Cookie
	}
	r.i(fSrvIcur, 0)
	r.i(fIdleConnCur, 0)
	r.i(fSafeConnCur, 0)
	r.i(fUsedConnCur, cur)
	// HAProxy's estimate of the connections the server needs: 1 once
	// anything (traffic or a check) connected to it, 0 before.
	need := int64(0)
	if s.cum.Load() > 0 || c.chkInfo.Load() != nil {
		need = 1
	}
	r.i(fNeedConnEst, need)
	return r
}

// checkStatusName is HAProxy's short name of a check status (check_status).
func checkStatusName(code int) string {
	if int(code) < len(checkStatusNames) && checkStatusNames[code][0] != "" {
		return checkStatusNames[code][0]
	}
	return "UNK"
}

// checkStatusDesc is its description (check_desc).
func checkStatusDesc(code int) string {
	if int(code) < len(checkStatusNames) && checkStatusNames[code][0] != "" {
		return checkStatusNames[code][1]
	}
	return "Unknown"
}

// checkStatusNames are HAProxy's check status names and descriptions by
// srv_check_status (the numbering of hcL4OK and the others).
var checkStatusNames = [...][2]string{
	hcUnknown:  {"UNK", "Unknown"},
	hcIni:      {"INI", "Initializing"},
	hcL4OK:     {"L4OK", "Layer4 check passed"},
	hcL4Tout:   {"L4TOUT", "Layer4 timeout"},
	hcL4Con:    {"L4CON", "Layer4 connection problem"},
	hcL6OK:     {"L6OK", "Layer6 check passed"},
	hcL6Tout:   {"L6TOUT", "Layer6 timeout"},
	hcL6Rsp:    {"L6RSP", "Layer6 invalid response"},
	hcL7Tout:   {"L7TOUT", "Layer7 timeout"},
	hcL7Rsp:    {"L7RSP", "Layer7 invalid response"},
	hcL7OK:     {"L7OK", "Layer7 check passed"},
	15:         {"L7OKC", "Layer7 check conditionally passed"},
	hcL7Sts:    {"L7STS", "Layer7 wrong status"},
	hcProcErr:  {"PROCERR", "External check error"},
	hcProcTout: {"PROCTOUT", "External check timeout"},
	hcProcOK:   {"PROCOK", "External check passed"},
}

// noteCheck records a finished check of s for the stats (duration, HTTP
// code, failure count, the info part of its reason).
func (s *server) noteCheck(res checkResult) {
	c := &s.ctr
	c.chkDur.Store(res.duration.Milliseconds())
	if !res.ok {
		c.chkFail.Add(1)
	}
	code := int64(0)
	if i := strings.Index(res.reason, "code: "); i >= 0 && strings.HasPrefix(res.reason, "Layer7") {
		n := res.reason[i+6:]
		if j := strings.IndexAny(n, ", "); j >= 0 {
			n = n[:j]
		}
		code, _ = strconv.ParseInt(n, 10, 64)
	}
	c.chkCode.Store(code)
	info := ""
	if i := strings.Index(res.reason, `info: "`); i >= 0 {
		info = strings.TrimSuffix(res.reason[i+7:], `"`)
	}
	c.chkInfo.Store(&info)
}

// wentDown and cameUp account the server's transitions (chkdown and
// downtime).
func (c *counters) wentDown() { c.chkDown.Add(1) }

func (c *counters) cameUp(downSince, now int64) {
	if downSince > 0 && now > downSince {
		c.downTotal.Add((now - downSince) / int64(time.Second))
	}
}

// writeCSV writes HAProxy's CSV: the header then one line per row.
func writeStatsCSV(b *strings.Builder, rows []*statsRow) {
	b.WriteString("# ")
	for _, n := range statFieldNames {
		b.WriteString(n)
		b.WriteByte(',')
	}
	b.WriteByte('\n')
	for _, r := range rows {
		for _, v := range r.v {
			b.WriteString(csvField(v))
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
}

// csvField quotes a value holding a comma or a quote, as HAProxy's
// csv_enc does.
func csvField(v string) string {
	if !strings.ContainsAny(v, ",\"\r\n") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}
