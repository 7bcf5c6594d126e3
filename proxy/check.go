package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// checkResult is the outcome of one health check.
type checkResult struct {
	ok       bool
	code     int    // srv_check_status (hcL4OK …), set where the outcome is decided
	reason   string // HAProxy's "reason: ..." text
	duration time.Duration
	// byOp marks a change an operator forced (stats page): the message
	// reads ", <reason>." with no check duration.
	byOp bool
}

// why is the part of a state change message after "is UP"/"is DOWN".
func (r checkResult) why(logChecks bool) string {
	switch {
	case r.byOp:
		return ", " + r.reason
	case logChecks: // the reason is on the "Health check" line
		return ""
	}
	return ", reason: " + r.reason + ", check duration: " + strconv.FormatInt(r.duration.Milliseconds(), 10) + "ms"
}

// health runs the health checks and changes server states: checks
// (check.go, extcheck.go), the resulting UP/DOWN transitions, admin
// states set from the CLI (admin.go), and the sessions killed by
// on-marked-down/up (extcheck_shutdown.go). It is the Proxy's health
// concern, split off so that no type carries every concern's methods.
type health struct {
	p *Proxy
}

// startChecks starts one checker goroutine per server with "check". As
// HAProxy does, the first checks are spread over the smallest check
// interval of at least one second (max-spread-checks aside): the n-th of
// N checked servers (in declaration order, all backends together) starts
// after mininter*n/N.
func (h *health) startChecks(ctx context.Context, pl *plan) {
	var all []*server
	var mininter time.Duration
	for _, pc := range pl.ordered {
		b := pl.backends[pc.Index]
		if b == nil {
			continue
		}
		for _, s := range b.servers {
			if !s.cfg.Check {
				continue
			}
			all = append(all, s)
			if in := firstInter(s.cfg); in >= time.Second && (mininter == 0 || in < mininter) {
				mininter = in
			}
		}
	}
	for i, s := range all {
		// Health starts at rise (UP, "UP 1/3" until the first check).
		rise, _, _, _, _ := defaults(s.cfg)
		s.health.Store(int32(rise))
		delay := time.Duration(int64(mininter) * int64(i) / int64(len(all)))
		h.p.checksWG.Add(1)
		go func() {
			defer h.p.checksWG.Done()
			if delay > 0 && !sleepCtx(ctx, delay) {
				return
			}
			h.checkLoop(ctx, s)
		}()
	}
}

// firstInter is the interval HAProxy uses for a server's first check: the
// health starts at rise, so inter when that is already the top (fall 1),
// fastinter otherwise.
func firstInter(cfg *config.Server) time.Duration {
	rise, fall, inter, fast, _ := defaults(cfg)
	if rise+fall-1 == rise {
		return inter
	}
	return fast
}

func defaults(cfg *config.Server) (rise, fall int, inter, fast, down time.Duration) {
	rise, fall = cfg.Rise, cfg.Fall
	if rise <= 0 {
		rise = 2
	}
	if fall <= 0 {
		fall = 3
	}
	inter = cfg.Inter
	if inter <= 0 {
		inter = 2 * time.Second
	}
	fast, down = cfg.FastInter, cfg.DownInter
	if fast <= 0 {
		fast = inter
	}
	if down <= 0 {
		down = inter
	}
	return
}

// checkLoop runs the checks of s until ctx is done. As in HAProxy, health
// goes from 0 to rise+fall-1 and the server is UP from rise on. A server
// starts UP with health at rise: its first failed check takes it DOWN at
// once, its first passed check to the top. Later, going DOWN takes fall
// consecutive failures and coming back UP rise successes.
func (h *health) checkLoop(ctx context.Context, s *server) {
	rise, fall, inter, fast, down := defaults(s.cfg)
	top := int32(rise + fall - 1)
	prev := hcIni
	for {
		if s.maint() || s.chkOff.Load() {
			// Checks are paused in maintenance and when disabled
			// from the stats page (dhlth).
			if !sleepCtx(ctx, inter) {
				return
			}
			continue
		}
		res := h.runCheck(ctx, s)
		if ctx.Err() != nil {
			return
		}
		status := res.code
		s.check.Store(uint32(status))
		s.noteCheck(res) // stats (stats_rows.go)
		b := s.be
		b.stateMu.Lock()
		if s.maint() { // entered maintenance during the check
			b.stateMu.Unlock()
			continue
		}
		health := s.health.Load()
		report := false
		switch {
		case !res.ok && health > 0:
			report = true
			health--
			if health < int32(rise) {
				health = 0
			}
		case res.ok && health < top:
			report = true
			health++
			if health >= int32(rise) {
				health = top
			}
		}
		s.health.Store(health)
		if b.cfg.LogHealthChecks && (status != prev || report) {
			h.logCheck(s, res, int(health), rise, int(top))
		}
		prev = status
		switch {
		case res.ok && health >= int32(rise) && (!s.up.Load() || s.nolb.Load()):
			h.setUp(s, res)
		case !res.ok && health == 0 && s.up.Load():
			h.setDown(s, res)
		}
		b.stateMu.Unlock()
		wait := fast
		switch {
		case health == top:
			wait = inter
		case !s.up.Load() && health == 0:
			wait = down
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// sleepCtx waits for d; it reports false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Health check statuses, numbered as HAProxy's "show servers state"
// prints them (srv_check_status).
const (
	hcUnknown = 0
	hcIni     = 1
	hcL4OK    = 6
	hcL4Tout  = 7
	hcL4Con   = 8
	hcL6OK    = 9
	hcL6Tout  = 10
	hcL6Rsp   = 11
	hcL7Tout  = 12
	hcL7Rsp   = 13
	hcL7OK    = 14
	hcL7Sts   = 16
)

// setDown marks s DOWN after a failed check or an operator's hdown
// (b.stateMu held). The message is an alert, a notice when the server was
// draining or NOLB.
func (h *health) setDown(s *server, res checkResult) {
	wasUsable := s.usable()
	level := formats.AlertSev
	if s.draining() || s.nolb.Load() {
		level = formats.Notice
	}
	s.up.Store(false)
	s.nolb.Store(false)
	s.lastChange.Store(h.p.now().UnixNano())
	s.ctr.wentDown() // stats
	b := s.be
	h.p.out.adminf(b.logs, level, "%s %s/%s is DOWN%s. %s", serverKind(s), b.cfg.Name, s.cfg.Name, res.why(b.cfg.LogHealthChecks), leftText(s))
	h.noServerLeft(b, wasUsable)
	if s.cfg.ShutdownOnDown {
		h.shutdownSessions(b, func(x *server) bool { return x == s })
	}
}

// setUp marks s UP (out of NOLB too) after successful checks or an
// operator's hrunn (b.stateMu held).
func (h *health) setUp(s *server, res checkResult) {
	now := h.p.now().UnixNano()
	if !s.up.Load() {
		s.ctr.cameUp(s.lastChange.Load(), now) // stats
	}
	s.up.Store(true)
	s.nolb.Store(false)
	s.lastChange.Store(now)
	b := s.be
	active, backup := b.usableCount()
	h.p.out.adminf(b.logs, formats.Notice, "%s %s/%s is UP%s. %d active and %d backup servers online. 0 sessions requeued, %d total in queue.",
		serverKind(s), b.cfg.Name, s.cfg.Name, res.why(b.cfg.LogHealthChecks), active, backup, b.queueLen())
	b.mu.Lock()
	b.serveQueueLocked()
	b.mu.Unlock()
	if s.cfg.ShutdownBackupOnUp && !s.cfg.Backup {
		h.shutdownSessions(b, func(x *server) bool { return x.cfg.Backup })
	}
}

func (h *health) logCheck(s *server, res checkResult, health, rise, top int) {
	verb := "failed"
	if res.ok {
		verb = "succeeded"
	}
	kind := "server"
	if s.cfg.Backup {
		kind = "backup server"
	}
	// HAProxy prints the state the health implies, not the server's.
	state, cur, need := "DOWN", health, rise
	if health >= rise {
		state, cur, need = "UP", health-rise+1, top-rise+1
		if s.draining() {
			state = "DRAIN"
		}
	}
	h.p.out.adminf(s.be.logs, formats.Notice, "Health check for %s %s/%s %s, reason: %s, check duration: %dms, status: %d/%d %s.",
		kind, s.be.cfg.Name, s.cfg.Name, verb, res.reason, res.duration.Milliseconds(), cur, need, state)
}

// checkTLS reports whether the checks of s use TLS: with "check-ssl", or
// for an "ssl" server whose checks go to its own address and port.
func (s *server) checkTLS() bool {
	if s.tls == nil || s.cfg.NoCheckSSL {
		return false
	}
	return s.cfg.CheckSSL || (s.cfg.CheckPort == 0 && s.cfg.CheckAddr == "")
}

// runCheck performs one TCP, HTTP or external check.
func (h *health) runCheck(ctx context.Context, s *server) checkResult {
	b := s.be.cfg
	if b.Check == config.CheckExternal && b.ExternalCheck != nil {
		return h.runExternalCheck(ctx, s)
	}
	_, _, inter, _, _ := defaults(s.cfg)
	cto := inter
	if b.Timeouts.Connect > 0 && b.Timeouts.Connect < cto {
		cto = b.Timeouts.Connect
	}
	rto := inter
	if b.Timeouts.Check > 0 {
		rto = b.Timeouts.Check
	}
	host, port := s.cfg.Addr.Host, s.cfg.Addr.Port
	if s.cfg.CheckAddr != "" {
		host = s.cfg.CheckAddr
	}
	if s.cfg.CheckPort > 0 {
		port = s.cfg.CheckPort
	}
	start := h.p.now()
	h.p.checkConns.Add(1) // haproxy counts each check in CumConns
	d := net.Dialer{Timeout: cto}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return l4Result(err, h.p.now().Sub(start))
	}
	defer c.Close()
	if s.checkTLS() {
		tc := tls.Client(c, s.tls.client(s.tls.checkSNI.value(nil)))
		tc.SetDeadline(h.p.now().Add(rto))
		if err := tc.HandshakeContext(ctx); err != nil {
			if isTimeout(err) {
				return checkResult{code: hcL6Tout, reason: "Layer6 timeout", duration: h.p.now().Sub(start)}
			}
			return checkResult{code: hcL6Rsp, reason: `Layer6 invalid response, info: "SSL handshake failure"`, duration: h.p.now().Sub(start)}
		}
		c = tc
		if b.Check != config.CheckHTTP || b.HTTPCheck == nil {
			return checkResult{ok: true, code: hcL6OK, reason: "Layer6 check passed", duration: h.p.now().Sub(start)}
		}
	}
	if b.Check != config.CheckHTTP || b.HTTPCheck == nil {
		return checkResult{ok: true, code: hcL4OK, reason: "Layer4 check passed", duration: h.p.now().Sub(start)}
	}
	return h.httpCheck(c, b.HTTPCheck, start, rto)
}

// l4Result is the outcome of a check whose connection failed.
func l4Result(err error, d time.Duration) checkResult {
	code := hcL4Con
	if isTimeout(err) {
		code = hcL4Tout
	}
	return checkResult{code: code, reason: l4Reason(err), duration: d}
}

func l4Reason(err error) string {
	switch {
	case isTimeout(err):
		return "Layer4 timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return `Layer4 connection problem, info: "Connection refused"`
	case errors.Is(err, syscall.ECONNRESET):
		return `Layer4 connection problem, info: "Connection reset by peer"`
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return `Layer4 connection problem, info: "No route to host"`
	}
	return `Layer4 connection problem, info: "General socket error"`
}

// httpCheck sends the check request and judges the response.
func (h *health) httpCheck(c net.Conn, hc *config.HTTPCheck, start time.Time, rto time.Duration) checkResult {
	method, uri, ver := hc.Method, hc.URI, hc.Version
	if method == "" {
		method = "OPTIONS"
	}
	if uri == "" {
		uri = "/"
	}
	if ver == "" {
		ver = "HTTP/1.0"
	}
	req := method + " " + uri + " " + ver + hc.Extra + "\r\n"
	for _, h := range hc.Headers {
		req += h.Name + ": " + h.Value + "\r\n"
	}
	if hc.Body != "" {
		req += "content-length: " + strconv.Itoa(len(hc.Body)) + "\r\n"
	}
	req += "\r\n" + hc.Body
	c.SetDeadline(h.p.now().Add(rto))
	if _, err := c.Write([]byte(req)); err != nil {
		return l4Result(err, h.p.now().Sub(start))
	}
	var resp []byte
	buf := make([]byte, 4096)
	for len(resp) < 16384 {
		n, err := c.Read(buf)
		resp = append(resp, buf[:n]...)
		if err != nil {
			break
		}
		if !needMore(resp, hc) {
			break
		}
	}
	dur := h.p.now().Sub(start)
	if len(resp) == 0 {
		return checkResult{code: hcL7Tout, reason: "Layer7 timeout", duration: dur}
	}
	line, _, _ := bytes.Cut(resp, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/")) {
		return checkResult{code: hcL7Rsp, reason: `Layer7 invalid response, info: "` + string(bytes.TrimSpace(line)) + `"`, duration: dur}
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return checkResult{code: hcL7Rsp, reason: "Layer7 invalid response", duration: dur}
	}
	reason := ""
	if len(line) > 13 {
		reason = string(line[13:])
	}
	ok := code >= 200 && code < 400
	if e := hc.Expect; e != nil {
		switch e.Kind {
		case config.ExpectStatus:
			ok = false
			for _, r := range e.Statuses {
				if code >= r[0] && code <= r[1] {
					ok = true
				}
			}
		case config.ExpectRStatus:
			ok = e.Regexp != nil && e.Regexp.MatchString(strconv.Itoa(code))
		case config.ExpectString, config.ExpectRString:
			_, body, _ := bytes.Cut(resp, []byte("\r\n\r\n"))
			if e.Kind == config.ExpectString {
				ok = bytes.Contains(body, []byte(e.Value))
			} else {
				ok = e.Regexp != nil && e.Regexp.Match(body)
			}
			if ok != e.Negate {
				return checkResult{ok: true, code: hcL7OK, reason: fmt.Sprintf("Layer7 check passed, code: %d", code), duration: dur}
			}
			return checkResult{code: hcL7Sts, reason: fmt.Sprintf(`Layer7 wrong status, code: %d, info: "TCPCHK did not match content '%s' at step 2"`, code, e.Value), duration: dur}
		}
		ok = ok != e.Negate
	}
	if ok {
		return checkResult{ok: true, code: hcL7OK, reason: fmt.Sprintf("Layer7 check passed, code: %d", code), duration: dur}
	}
	return checkResult{code: hcL7Sts, reason: fmt.Sprintf(`Layer7 wrong status, code: %d, info: "%s"`, code, reason), duration: dur}
}

// needMore reports whether a check must read further (a body match needs
// the body; a status match only the status line).
func needMore(resp []byte, hc *config.HTTPCheck) bool {
	if hc.Expect == nil || hc.Expect.Kind == config.ExpectStatus || hc.Expect.Kind == config.ExpectRStatus {
		return !bytes.Contains(resp, []byte("\n"))
	}
	return true
}
