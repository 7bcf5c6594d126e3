package proxy

import (
	"fmt"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// Server state changes requested by an operator (stats socket CLI), with
// the admin messages HAProxy 2.6 logs for each transition (texts and
// levels recorded from haproxy 2.6.12, see proxy/testdata/cli/).

// adminState is the target of "set server <b>/<s> state ...".
type adminState uint8

const (
	stateReady adminState = iota
	stateDrain
	stateMaint
)

func serverKind(s *server) string {
	if s.cfg.Backup {
		return "Backup Server"
	}
	return "Server"
}

// runningOnBackup returns HAProxy's " Running on backup." insert.
func runningOnBackup(active, backup int) string {
	if active == 0 && backup > 0 {
		return " Running on backup."
	}
	return ""
}

// leftText is the tail of DOWN / maintenance messages.
func leftText(s *server) string {
	active, backup := s.be.usableCount()
	return fmt.Sprintf("%d active and %d backup servers left.%s %d sessions active, 0 requeued, 0 remaining in queue.",
		active, backup, runningOnBackup(active, backup), s.cur.Load())
}

// onlineText is the tail of UP / drain messages.
func onlineText(s *server) string {
	active, backup := s.be.usableCount()
	return fmt.Sprintf("%d active and %d backup servers online.%s 0 sessions requeued, %d total in queue.",
		active, backup, runningOnBackup(active, backup), s.be.queueLen())
}

// noServerLeft logs "backend X has no server available!" when the
// backend just lost its last usable server.
func (h *health) noServerLeft(b *backend, wasUsable bool) {
	if !wasUsable {
		return
	}
	if active, backup := b.usableCount(); active+backup > 0 {
		return
	}
	typ := "backend"
	if b.cfg.Cap&config.CapFrontend != 0 {
		typ = "proxy"
	}
	// haproxy 2.6.12: syslog "backend be ..." at emerg, stderr
	// "[ALERT] ... backend 'be' ..." (the name quoted).
	set := b.logs
	if set == nil || len(set.sinks) == 0 {
		set = b.pl.global
	}
	h.p.out.admin(set, formats.Emerg, typ+" "+b.cfg.Name+" has no server available!",
		"[ALERT]", typ+" '"+b.cfg.Name+"' has no server available!")
}

// setAdminState applies an operator's request. enable is "enable server"
// (leave maintenance, keep a forced drain); stateReady also ends a drain.
func (h *health) setAdminState(s *server, target adminState, enable bool) {
	h.setAdminStateWhy(s, target, enable, "")
}

// setAdminStateWhy is setAdminState with the cause HAProxy inserts in the
// maintenance and drain messages (" ('disable' on stats page)"), if any.
func (h *health) setAdminStateWhy(s *server, target adminState, enable bool, why string) {
	b := s.be
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	old := s.adm.Load()
	wasUsable := s.usable()
	name := serverKind(s) + " " + b.cfg.Name + "/" + s.cfg.Name
	changed := false
	switch target {
	case stateMaint:
		if old&admMaint != 0 {
			s.adm.Store(old | admFMaint)
			return
		}
		s.adm.Store(old | admFMaint)
		changed = true
		if !s.up.Load() {
			h.p.out.adminf(b.logs, formats.Notice, "%s was DOWN and now enters maintenance%s.", name, why)
			break
		}
		s.ctr.wentDown() // stats: HAProxy counts it as a transition to DOWN
		level := formats.AlertSev
		if old&admFDrain != 0 || s.nolb.Load() {
			level = formats.Notice
		}
		h.p.out.adminf(b.logs, level, "%s is going DOWN for maintenance%s. %s", name, why, leftText(s))
		h.noServerLeft(b, wasUsable)
	case stateReady:
		clear := uint32(admMaint)
		if !enable {
			clear |= admFDrain
		}
		now := old &^ clear
		if now == old {
			return
		}
		s.adm.Store(now)
		changed = true
		if old&admMaint != 0 {
			h.leaveMaint(s)
			mode := "UP/READY"
			if now&admFDrain != 0 {
				mode = "UP/DRAIN"
			}
			h.p.out.adminf(b.logs, formats.Notice, "%s is %s (leaving forced maintenance).", name, mode)
			break
		}
		word := "UP"
		if !s.up.Load() {
			word = "DOWN"
		}
		h.p.out.adminf(b.logs, formats.Notice, "%s is %s (leaving forced drain).", name, word)
	case stateDrain:
		if old&admMaint != 0 {
			s.adm.Store(old&^admMaint | admFDrain)
			changed = true
			h.leaveMaint(s)
			h.p.out.adminf(b.logs, formats.Notice, "%s is UP/DRAIN (leaving forced maintenance).", name)
			if old&admFDrain != 0 {
				h.p.out.adminf(b.logs, formats.Notice, "%s remains in forced drain mode.", name)
			} else {
				h.p.out.adminf(b.logs, formats.Notice, "%s enters drain state%s. %s", name, why, onlineText(s))
			}
			break
		}
		if old&admFDrain != 0 {
			return
		}
		s.adm.Store(old | admFDrain)
		changed = true
		if !s.up.Load() {
			h.p.out.adminf(b.logs, formats.Notice, "%s enters drain state%s. %s", name, why, leftText(s))
			break
		}
		h.p.out.adminf(b.logs, formats.Notice, "%s enters drain state%s. %s", name, why, onlineText(s))
		h.noServerLeft(b, wasUsable)
	}
	if changed {
		s.lastChange.Store(h.p.now().UnixNano())
		b.mu.Lock()
		b.serveQueueLocked()
		b.mu.Unlock()
	}
}

// leaveMaint resets a checked server when it leaves maintenance: HAProxy
// reports it UP and lets the next checks decide (one failure brings it
// down again).
func (h *health) leaveMaint(s *server) {
	if !s.cfg.Check {
		return
	}
	rise, _, _, _, _ := defaults(s.cfg)
	s.health.Store(int32(rise))
	s.up.Store(true)
}

// applyStatsAction applies one stats page admin action to srv with
// HAProxy 2.6's semantics and reports whether the server counts as
// altered. ready, drain, maint and shutdown always count; the older
// disable/enable/stop/start only when they change the flag; dhlth/ehlth
// only on a server with checks; hrunn/hnolb/hdown on any server (this
// proxy has no "track"); the agent actions never (no agent checks here:
// HAProxy skips a server without one).
func (p *Proxy) applyStatsAction(srv *server, action string) bool {
	h := &p.health
	adm := srv.adm.Load()
	switch action {
	case "ready":
		h.setAdminState(srv, stateReady, false)
	case "drain":
		h.setAdminState(srv, stateDrain, false)
	case "maint":
		h.setAdminState(srv, stateMaint, false)
	case "stop", "disable": // only when the flag is not set yet
		target, flag := stateDrain, uint32(admFDrain)
		if action == "disable" {
			target, flag = stateMaint, admFMaint
		}
		if adm&flag != 0 {
			return false
		}
		h.setAdminStateWhy(srv, target, false, " ('"+action+"' on stats page)")
	case "enable":
		if adm&admMaint == 0 {
			return false
		}
		h.setAdminState(srv, stateReady, true)
	case "start":
		if adm&admFDrain == 0 {
			return false
		}
		if adm&admMaint != 0 { // only the drain flag goes
			srv.adm.And(^uint32(admFDrain))
		} else {
			h.setAdminState(srv, stateReady, false)
		}
	case "shutdown":
		p.shutdownServerSessions(srv)
	case "dhlth", "ehlth":
		if !srv.cfg.Check {
			return false
		}
		srv.chkOff.Store(action == "dhlth")
	case "hrunn", "hnolb", "hdown":
		h.forceHealth(srv, action)
	default: // dagent, eagent, arunn, adown: no agent configured
		return false
	}
	return true
}

// byWeb is the reason HAProxy gives for a state forced from the stats page.
var byWeb = checkResult{byOp: true, reason: "changed from Web interface"}

// forceHealth is the stats page's hrunn, hnolb and hdown: the health
// counter goes to its top (0 for hdown) and the server to running,
// stopping (NOLB) or stopped, unless it is in maintenance or already
// there. A draining server's change is followed by "remains in forced
// drain mode.", as haproxy 2.6.12 logs it.
func (h *health) forceHealth(s *server, action string) {
	b := s.be
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	rise, fall, _, _, _ := defaults(s.cfg)
	top := int32(rise + fall - 1)
	if action == "hdown" {
		s.health.Store(0)
	} else {
		s.health.Store(top)
	}
	if s.maint() {
		return
	}
	up, nolb := s.up.Load(), s.nolb.Load()
	switch {
	case action == "hrunn" && (!up || nolb):
		h.setUp(s, byWeb)
	case action == "hdown" && up:
		h.setDown(s, byWeb)
	case action == "hnolb" && !(up && nolb):
		wasUsable := s.usable()
		now := h.p.now().UnixNano()
		if !up {
			s.ctr.cameUp(s.lastChange.Load(), now)
		}
		s.up.Store(true)
		s.nolb.Store(true)
		s.lastChange.Store(now)
		h.p.out.adminf(b.logs, formats.Notice, "%s %s/%s is stopping, %s. %s",
			serverKind(s), b.cfg.Name, s.cfg.Name, byWeb.reason, onlineText(s))
		h.noServerLeft(b, wasUsable)
	default:
		return
	}
	if s.draining() {
		h.p.out.adminf(b.logs, formats.Notice, "%s %s/%s remains in forced drain mode.", serverKind(s), b.cfg.Name, s.cfg.Name)
	}
}
