package proxy

// CLI commands of the stats socket: help, levels, server state changes
// and the show commands (info, stat, servers state, backend).

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// cliCmd is one command of the help list.
type cliCmd struct {
	words []string // the fixed leading words
	usage string
	help  string
	level int
}

var cliCmds = []cliCmd{
	{[]string{"disable", "server"}, "disable server (DEPRECATED)", "disable a server for maintenance (use 'set server' instead)", levelAdmin},
	{[]string{"enable", "server"}, "enable server  (DEPRECATED)", "enable a disabled server (use 'set server' instead)", levelAdmin},
	{[]string{"operator"}, "operator", "lower the level of the current CLI session to operator", levelOperator},
	{[]string{"set", "server"}, "set server <bk>/<srv> state <st>", "change a server's state (ready, drain or maint)", levelAdmin},
	{[]string{"show", "backend"}, "show backend", "list backends in the current running config", levelUser},
	{[]string{"show", "cli", "level"}, "show cli level", "display the level of the current CLI session", levelUser},
	{[]string{"show", "info"}, "show info", "report information about the running process", levelUser},
	{[]string{"show", "servers", "state"}, "show servers state [<backend>]", "dump volatile server information (all or for a single backend)", levelUser},
	{[]string{"show", "stat"}, "show stat [no-maint|up]*", "report counters for each proxy and server", levelUser},
	{[]string{"show", "version"}, "show version", "show version of the current process", levelUser},
	{[]string{"user"}, "user", "lower the level of the current CLI session to user", levelUser},
}

var cliTail = []cliCmd{
	{nil, "help [<command>]", "list matching or all commands", levelUser},
	{nil, "prompt", "toggle interactive mode with prompt", levelUser},
	{nil, "quit", "disconnect", levelUser},
}

func writeHelpLine(w io.Writer, c cliCmd) {
	fmt.Fprintf(w, "  %-40s: %s\n", c.usage, c.help)
}

// writeHelp lists the commands allowed at level whose first words match
// prefix (all when prefix is empty), then help/prompt/quit.
func writeHelp(w io.Writer, head string, prefix []string, level int) {
	io.WriteString(w, head)
	for _, c := range cliCmds {
		if c.level > level || !wordsMatch(c.words, prefix) {
			continue
		}
		writeHelpLine(w, c)
	}
	for _, c := range cliTail {
		writeHelpLine(w, c)
	}
}

func wordsMatch(words, prefix []string) bool {
	for i, p := range prefix {
		if i >= len(words) || words[i] != p {
			return false
		}
	}
	return true
}

// cliCommand runs one command and writes its reply (with the final empty
// line). It reports true for "quit".
func (cl *cliState) cliCommand(w *bytes.Buffer, args []string, level *int, interactive *bool) bool {
	const helpHead = "The following commands are valid at this level:\n"
	if len(args) == 0 {
		if !*interactive {
			writeHelp(w, "Unknown command. Please enter one of the following commands only:\n", nil, *level)
			w.WriteByte('\n')
		}
		return false
	}
	switch args[0] {
	case "quit":
		return true
	case "prompt":
		*interactive = !*interactive
		w.WriteByte('\n')
		return false
	case "help":
		writeHelp(w, helpHead, args[1:], *level)
		w.WriteByte('\n')
		return false
	case "user", "operator":
		l := parseLevel(args[0])
		if l > *level {
			w.WriteString("Permission denied\n\n")
			return false
		}
		*level = l
		w.WriteByte('\n')
		return false
	}
	for _, c := range cliCmds {
		if !wordsMatch(args, c.words) {
			continue
		}
		if c.level > *level {
			w.WriteString("Permission denied\n\n")
			return false
		}
		rest := args[len(c.words):]
		switch strings.Join(c.words, " ") {
		case "disable server":
			if s := cl.cliServer(w, rest); s != nil {
				cl.p.health.setAdminState(s, stateMaint, false)
			}
		case "enable server":
			if s := cl.cliServer(w, rest); s != nil {
				cl.p.health.setAdminState(s, stateReady, true)
			}
		case "set server":
			cl.cliSetServer(w, rest)
		case "show backend":
			w.WriteString("# name\n")
			pl := cl.p.plan()
			for _, pc := range pl.ordered {
				if pl.backendOf(pc) != nil {
					w.WriteString(pc.Name + "\n")
				}
			}
		case "show cli level":
			w.WriteString([]string{"user", "operator", "admin"}[*level] + "\n")
		case "show info":
			cl.showInfo(w)
		case "show servers state":
			if !cl.showServersState(w, rest) {
				return false
			}
		case "show stat":
			if !cl.showStat(w, rest) {
				return false
			}
		case "show version":
			w.WriteString(cliVersion + "\n")
		}
		w.WriteByte('\n')
		return false
	}
	// Unknown: suggest the commands sharing the first word, as HAProxy does.
	var near []cliCmd
	for _, c := range cliCmds {
		if c.level <= *level && c.words[0] == args[0] {
			near = append(near, c)
		}
	}
	if len(near) == 0 {
		writeHelp(w, "Unknown command. Please enter one of the following commands only:\n", nil, *level)
	} else {
		w.WriteString("Unknown command, but maybe one of the following ones is a better match:\n")
		for _, c := range near {
			writeHelpLine(w, c)
		}
		for _, c := range cliTail {
			writeHelpLine(w, c)
		}
	}
	w.WriteByte('\n')
	return false
}

// cliVersion is what "show info" and "show version" report.
const cliVersion = "2.6.12-haplog"

// cliServer resolves "<backend>/<server>", writing HAProxy's error on
// failure (the reply's empty line is added by the caller).
func (cl *cliState) cliServer(w *bytes.Buffer, args []string) *server {
	if len(args) == 0 || !strings.Contains(args[0], "/") {
		w.WriteString("Require 'backend/server'.\n")
		return nil
	}
	bn, sn, _ := strings.Cut(args[0], "/")
	b := cl.p.plan().backendNamed(bn, false)
	if b == nil {
		w.WriteString("No such backend.\n")
		return nil
	}
	s := b.serverByName(sn)
	if s == nil {
		w.WriteString("No such server.\n")
	}
	return s
}

func (cl *cliState) cliSetServer(w *bytes.Buffer, args []string) {
	s := cl.cliServer(w, args)
	if s == nil {
		return
	}
	if len(args) < 2 {
		w.WriteString("usage: set server <backend>/<server> state\n")
		return
	}
	switch args[1] {
	case "state":
		if len(args) < 3 {
			w.WriteString("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n")
			return
		}
		switch args[2] {
		case "ready":
			cl.p.health.setAdminState(s, stateReady, false)
		case "drain":
			cl.p.health.setAdminState(s, stateDrain, false)
		case "maint":
			cl.p.health.setAdminState(s, stateMaint, false)
		default:
			w.WriteString("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n")
		}
	case "addr", "agent", "agent-addr", "agent-port", "agent-send", "check-addr", "check-port", "fqdn", "health", "ssl", "weight":
		w.WriteString("'set server <srv> " + args[1] + "' is not supported by this implementation.\n")
	default:
		w.WriteString("usage: set server <backend>/<server> state\n")
	}
}

// showInfo writes the "show info" fields the proxy knows.
func (cl *cliState) showInfo(w *bytes.Buffer) {
	up := cl.p.now().Sub(cl.p.start)
	secs := int64(up / time.Second)
	cumConns, cumReq := cl.accepted.Load()+cl.p.checkConns.Load(), int64(cl.p.reqCounter.Load())
	for _, fe := range cl.p.plan().frontends {
		cumConns += fe.cum.Load()
	}
	listeners := 0
	for _, fe := range cl.p.plan().frontends {
		listeners += len(fe.listeners)
	}
	stopping := 0
	if cl.p.stopping.Load() {
		stopping = 1
	}
	maxconn := cl.p.lim.maxconn
	kv := func(k string, v any) { fmt.Fprintf(w, "%s: %v\n", k, v) }
	kv("Name", "HAProxy")
	kv("Version", cliVersion)
	kv("Nbthread", cl.p.lim.nbthread)
	kv("Nbproc", 1)
	kv("Process_num", 1)
	kv("Pid", cl.p.opts.PID)
	fmt.Fprintf(w, "Uptime: %dd %dh%02dm%02ds\n", secs/86400, secs/3600%24, secs/60%60, secs%60)
	kv("Uptime_sec", secs)
	kv("Maxconn", maxconn)
	kv("Hard_maxconn", maxconn)
	kv("CurrConns", cl.p.actconn.Load())
	kv("CumConns", cumConns)
	kv("CumReq", cumReq)
	kv("Stopping", stopping)
	kv("Listeners", listeners)
	kv("DroppedLogs", cl.p.stats.LogsDropped.Load())
	kv("Start_time_sec", cl.p.start.Unix())
}

func modeName(m config.Mode) string {
	if m == config.ModeHTTP {
		return "http"
	}
	return "tcp"
}

// showStat writes "show stat [up] [no-maint] [json]": the stats page's
// CSV (stats_rows.go; fields HAProxy leaves empty for a row type are
// empty), or its typed JSON.
func (cl *cliState) showStat(w *bytes.Buffer, args []string) bool {
	onlyUp, noMaint, jsonOut := false, false, false
	for _, a := range args {
		switch a {
		case "up":
			onlyUp = true
		case "no-maint":
			noMaint = true
		case "json":
			jsonOut = true
		case "typed", "desc":
			w.WriteString("'show stat " + a + "' is not supported by this implementation (CSV and JSON only).\n\n")
			return false
		}
	}
	// The rows of the stats page (stats_rows.go), with the legends
	// (addr, cookie, algo) an operator-level socket shows.
	rows := cl.p.statsRowsFor(cl.p.now(), onlyUp, true)
	if noMaint {
		out := rows[:0]
		for _, r := range rows {
			if r.srv == nil || !r.srv.maint() {
				out = append(out, r)
			}
		}
		rows = out
	}
	if jsonOut {
		w.WriteString(statsJSONRows(rows))
		return true
	}
	var b strings.Builder
	writeStatsCSV(&b, rows)
	w.WriteString(b.String())
	return true
}

const serversStateHeader = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n"

// showServersState writes "show servers state [backend]" (format version
// 1). It reports false after writing an error reply.
func (cl *cliState) showServersState(w *bytes.Buffer, args []string) bool {
	pl := cl.p.plan()
	var only *backend
	if len(args) > 0 {
		if only = pl.backendNamed(args[0], false); only == nil {
			w.WriteString("Can't find backend.\n\n")
			return false
		}
	}
	w.WriteString("1\n" + serversStateHeader)
	now := cl.p.now()
	for _, pc := range pl.ordered {
		b := pl.backendOf(pc)
		if b == nil || (only != nil && b != only) {
			continue
		}
		for _, s := range b.servers {
			op := 2 // running
			switch {
			case s.maint() || !s.up.Load():
				op = 0 // stopped
			case s.nolb.Load():
				op = 3 // stopping (a draining server stays running)
			}
			// health is also what the stats page's hrunn/hnolb/hdown
			// set on a server without checks.
			chkStatus, chkResult, chkHealth, chkState := hcIni, 0, int(s.health.Load()), 0
			if s.cfg.Check {
				if st := int(s.check.Load()); st != hcUnknown {
					chkStatus = st
				}
				switch {
				case s.ctr.chkInfo.Load() == nil: // not checked yet: unknown
				case s.up.Load():
					chkResult = 3 // passed
				default:
					chkResult = 2 // failed
				}
				chkState = 6 // enabled|configured
				if s.chkOff.Load() {
					chkState = 2 // configured
				}
			}
			if s.maint() {
				chkState |= 8 // paused
			}
			chkPort := s.cfg.CheckPort
			chkAddr := s.cfg.CheckAddr
			if chkAddr == "" {
				chkAddr = "-"
			}
			fmt.Fprintf(w, "%d %s %d %s %s %d %d %d %d %d %d %d %d %d 0 0 0 - %d - 0 %d %s - 0\n",
				pc.ID, pc.Name, s.cfg.ID, s.cfg.Name, s.cfg.Addr.Host, op, s.adm.Load(), s.cfg.Weight, s.cfg.Weight,
				int64(now.Sub(time.Unix(0, s.lastChange.Load()))/time.Second),
				chkStatus, chkResult, chkHealth, chkState, s.cfg.Addr.Port, chkPort, chkAddr)
		}
	}
	return true
}
