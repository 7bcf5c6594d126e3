package syslogd

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// actionStats are the counters of one forwarding action and its queue,
// like rsyslog's impstats "core.action" and "core.queue" objects.
type actionStats struct {
	name, kind string
	enqueued   uint64 // messages put into the queue
	sent       uint64 // acknowledged by the remote side (impstats "processed")
	failed     uint64 // rejected by the remote side or dropped at a full queue
	suspended  uint64 // times the action was suspended
	size       int64  // messages in the queue, not yet acknowledged
	diskBytes  int64  // bytes of the queue's journal
}

type statsSource interface{ actionStats() actionStats }

var actions struct {
	mu  sync.Mutex
	set map[statsSource]struct{}
}

func registerAction(a statsSource) {
	actions.mu.Lock()
	defer actions.mu.Unlock()
	if actions.set == nil {
		actions.set = map[statsSource]struct{}{}
	}
	actions.set[a] = struct{}{}
}

func unregisterAction(a statsSource) {
	actions.mu.Lock()
	defer actions.mu.Unlock()
	delete(actions.set, a)
}

func allActionStats() []actionStats {
	actions.mu.Lock()
	list := make([]statsSource, 0, len(actions.set))
	for a := range actions.set {
		list = append(list, a)
	}
	actions.mu.Unlock()
	out := make([]actionStats, 0, len(list))
	for _, a := range list {
		out = append(out, a.actionStats())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// actionMetricsText renders the action and queue counters for the
// Prometheus endpoint.
func actionMetricsText() string {
	st := allActionStats()
	if len(st) == 0 {
		return ""
	}
	var b strings.Builder
	metric := func(name, typ, help string, v func(a actionStats) int64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, a := range st {
			fmt.Fprintf(&b, "%s{action=%q,type=%q} %d\n", name, a.name, a.kind, v(a))
		}
	}
	metric("syslogd_action_enqueued_total", "counter", "Messages put into the action's queue.", func(a actionStats) int64 { return int64(a.enqueued) })
	metric("syslogd_action_processed_total", "counter", "Messages acknowledged by the remote side.", func(a actionStats) int64 { return int64(a.sent) })
	metric("syslogd_action_failed_total", "counter", "Messages rejected by the remote side or refused by a full queue.", func(a actionStats) int64 { return int64(a.failed) })
	metric("syslogd_action_suspended_total", "counter", "Times the action was suspended (remote side unreachable).", func(a actionStats) int64 { return int64(a.suspended) })
	metric("syslogd_queue_size", "gauge", "Messages in the action's queue not yet acknowledged.", func(a actionStats) int64 { return a.size })
	metric("syslogd_queue_disk_bytes", "gauge", "Bytes in the action queue's disk journal.", func(a actionStats) int64 { return a.diskBytes })
	return b.String()
}

// impstatsLines renders the counters in rsyslog's impstats "legacy" format.
func impstatsLines() []string {
	var out []string
	for _, a := range allActionStats() {
		out = append(out,
			fmt.Sprintf("%s: origin=core.action processed=%d failed=%d suspended=%d", a.name, a.sent, a.failed, a.suspended),
			fmt.Sprintf("%s queue: origin=core.queue size=%d enqueued=%d diskbytes=%d", a.name, a.size, a.enqueued, a.diskBytes))
	}
	return out
}

// impstatsModule parses module(load="impstats" ...): every interval the
// counters are emitted as syslog messages (log.syslog="on", the default,
// facility syslog, severity info, tag "rsyslogd-pstats:") and/or appended
// to log.file.
func (p *cfgParser) impstatsModule(params map[string]string, n int) error {
	interval, fac, sev, toSyslog, file := 300*time.Second, 5, 6, true, ""
	for k, v := range params {
		switch k {
		case "load":
		case "interval", "facility", "severity":
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 || (k == "facility" && x > 23) || (k == "severity" && x > 7) || (k == "interval" && x == 0) {
				return p.errf(n, k, "%q: want a number in range", v)
			}
			switch k {
			case "interval":
				interval = time.Duration(x) * time.Second
			case "facility":
				fac = x
			default:
				sev = x
			}
		case "log.syslog":
			on, err := onOff(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			toSyslog = on
		case "log.file":
			file = v
		case "format":
			if !strings.EqualFold(v, "legacy") {
				return p.errf(n, k, "format %q: only legacy: %w", v, ErrUnsupported)
			}
		default:
			return p.errf(n, k, "impstats parameter %q: %w", k, ErrUnsupported)
		}
	}
	pri := []byte("<" + strconv.Itoa(fac*8+sev) + ">")
	p.c.services = append(p.c.services, func(ctx context.Context, s *Server) {
		t := time.NewTicker(interval)
		defer t.Stop()
		w := s.newWorker(true)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			lines := impstatsLines()
			if file != "" {
				if f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
					now := time.Now().Format(time.Stamp)
					for _, l := range lines {
						fmt.Fprintf(f, "%s: %s\n", now, l)
					}
					f.Close()
				} else {
					s.log.Error("impstats", "err", err)
				}
			}
			if toSyslog {
				w.begin()
				for _, l := range lines {
					w.route(append(append(append([]byte(nil), pri...), "rsyslogd-pstats: "...), l...), w.local)
				}
				w.end()
			}
		}
	})
	return nil
}
