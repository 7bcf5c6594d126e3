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
			for _, pc := range cl.p.ordered {
				if cl.p.backends[pc] != nil {
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
	var b *backend
	for _, pc := range cl.p.ordered {
		if pc.Name == bn && cl.p.backends[pc] != nil {
			b = cl.p.backends[pc]
		}
	}
	if b == nil {
		w.WriteString("No such backend.\n")
		return nil
	}
	for _, s := range b.servers {
		if s.cfg.Name == sn {
			return s
		}
	}
	w.WriteString("No such server.\n")
	return nil
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
	for _, fe := range cl.p.frontends {
		cumConns += fe.cum.Load()
	}
	listeners := 0
	for _, fe := range cl.p.frontends {
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

// statFields is HAProxy 2.6's "show stat" CSV header.
const statFields = "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out"

// statIndex maps a field name to its column.
var statIndex = func() map[string]int {
	m := make(map[string]int)
	for i, f := range strings.Split(statFields, ",") {
		m[f] = i
	}
	return m
}()

// statRow is one CSV line; unknown fields stay empty.
type statRow []string

func newStatRow() statRow { return make(statRow, len(statIndex)) }

func (r statRow) set(field string, v any) { r[statIndex[field]] = fmt.Sprint(v) }

func (r statRow) write(w *bytes.Buffer) {
	for _, f := range r {
		w.WriteString(f)
		w.WriteByte(',')
	}
	w.WriteByte('\n')
}

func modeName(m config.Mode) string {
	if m == config.ModeHTTP {
		return "http"
	}
	return "tcp"
}

// serverStatus is the "status" column of a server.
func serverStatus(s *server) string {
	switch {
	case s.maint():
		return "MAINT"
	case !s.up.Load():
		return "DOWN"
	case s.draining():
		return "DRAIN"
	case !s.cfg.Check:
		return "no check"
	}
	return "UP"
}

// showStat writes "show stat": HAProxy's header and, per proxy in
// declaration order, its FRONTEND, server and BACKEND rows with the fields
// this proxy tracks (the others are empty).
func (cl *cliState) showStat(w *bytes.Buffer, args []string) bool {
	onlyUp, noMaint := false, false
	for _, a := range args {
		switch a {
		case "up":
			onlyUp = true
		case "no-maint":
			noMaint = true
		case "typed", "json", "desc":
			w.WriteString("'show stat " + a + "' is not supported by this implementation (CSV only).\n\n")
			return false
		}
	}
	w.WriteString("# " + statFields + ",\n")
	now := cl.p.now()
	for _, pc := range cl.p.ordered {
		var fe *frontend
		for _, f := range cl.p.frontends {
			if f.cfg == pc {
				fe = f
			}
		}
		if fe != nil {
			r := newStatRow()
			r.set("pxname", pc.Name)
			r.set("svname", "FRONTEND")
			r.set("scur", fe.feconn.Load())
			r.set("slim", cap(fe.slots))
			r.set("stot", fe.cum.Load())
			status := "OPEN"
			if cl.p.stopping.Load() {
				status = "STOP"
			}
			r.set("status", status)
			r.set("pid", 1)
			r.set("iid", pc.ID)
			r.set("sid", 0)
			r.set("type", 0)
			r.set("mode", modeName(pc.Mode))
			r.write(w)
		}
		b := cl.p.backends[pc]
		if b == nil {
			continue
		}
		weight, act, bck := 0, 0, 0
		for _, s := range b.servers {
			if s.usable() {
				weight += s.cfg.Weight
				if s.cfg.Backup {
					bck++
				} else {
					act++
				}
			}
			if (onlyUp && !s.usable()) || (noMaint && s.maint()) {
				continue
			}
			r := newStatRow()
			r.set("pxname", pc.Name)
			r.set("svname", s.cfg.Name)
			r.set("qcur", 0)
			r.set("scur", s.cur.Load())
			if s.cfg.MaxConn > 0 {
				r.set("slim", s.cfg.MaxConn)
			}
			r.set("stot", s.cum.Load())
			r.set("status", serverStatus(s))
			r.set("weight", s.cfg.Weight)
			if s.cfg.Backup {
				r.set("act", 0)
				r.set("bck", 1)
			} else {
				r.set("act", 1)
				r.set("bck", 0)
			}
			r.set("lastchg", int64(now.Sub(time.Unix(0, s.lastChange.Load()))/time.Second))
			r.set("pid", 1)
			r.set("iid", pc.ID)
			r.set("sid", s.cfg.ID)
			r.set("type", 2)
			if s.cfg.Check {
				rise, fall, _, _, _ := defaults(s.cfg)
				r.set("check_rise", rise)
				r.set("check_fall", fall)
				r.set("check_health", s.health.Load())
			}
			r.set("addr", s.addr)
			if s.cfg.Cookie != "" {
				r.set("cookie", s.cfg.Cookie)
			}
			r.set("mode", modeName(pc.Mode))
			r.write(w)
		}
		r := newStatRow()
		r.set("pxname", pc.Name)
		r.set("svname", "BACKEND")
		r.set("qcur", b.queueLen())
		r.set("scur", b.beconn.Load())
		r.set("slim", cl.p.lim.fullconn[pc])
		r.set("stot", b.cum.Load())
		status := "UP"
		if act+bck == 0 {
			status = "DOWN"
		}
		r.set("status", status)
		r.set("weight", weight)
		r.set("act", act)
		r.set("bck", bck)
		r.set("pid", 1)
		r.set("iid", pc.ID)
		r.set("sid", 0)
		r.set("type", 1)
		r.set("mode", modeName(pc.Mode))
		r.set("algo", pc.Balance.String())
		r.write(w)
	}
	return true
}

const serversStateHeader = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n"

// showServersState writes "show servers state [backend]" (format version
// 1). It reports false after writing an error reply.
func (cl *cliState) showServersState(w *bytes.Buffer, args []string) bool {
	var only *config.Proxy
	if len(args) > 0 {
		for _, pc := range cl.p.ordered {
			if pc.Name == args[0] && cl.p.backends[pc] != nil {
				only = pc
			}
		}
		if only == nil {
			w.WriteString("Can't find backend.\n\n")
			return false
		}
	}
	w.WriteString("1\n" + serversStateHeader)
	now := cl.p.now()
	for _, pc := range cl.p.ordered {
		b := cl.p.backends[pc]
		if b == nil || (only != nil && pc != only) {
			continue
		}
		for _, s := range b.servers {
			op := 2 // running
			switch {
			case s.maint() || !s.up.Load():
				op = 0 // stopped
			case s.draining():
				op = 3 // stopping
			}
			chkStatus, chkResult, chkHealth, chkState := hcIni, 0, 0, 0
			if s.cfg.Check {
				chkStatus = int(s.check.Load())
				chkResult = 2 // failed
				if s.up.Load() {
					chkResult = 3 // passed
				}
				chkHealth = int(s.health.Load())
				chkState = 6 // enabled|configured
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
