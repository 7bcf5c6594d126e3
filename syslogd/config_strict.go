package syslogd

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The directives and parameters of rsyslog that syslogd reads without
// implementing them. Each is a no-op for syslogd (with the values listed,
// or any value) and is accepted with a warning saying why it changes
// nothing; any other value changes what is written, where or when, or a
// check, security or privileges, and is refused at -check and at start
// (ErrUnsupported, with the directive's file:line). A directive that is
// in no table and not implemented is refused too. doc.go has the table.

// inert is one such directive or parameter.
type inert struct {
	ok  []string // values that change nothing (case-insensitive); nil: any
	why string   // why those change nothing (the warning)
	no  string   // why the other values are refused
}

// noop is a directive that changes nothing whatever its value.
func noop(why string) inert { return inert{why: why} }

// only is a directive that changes nothing with the values ok (its
// default first) and is refused with any other.
func only(why, no string, ok ...string) inert { return inert{ok: ok, why: why, no: no} }

// refused is a directive refused whatever its value.
func refused(no string) inert { return inert{ok: []string{}, no: no} }

// Reasons shared by several entries.
const (
	whyQueue     = "syslogd writes files as messages arrive, without a queue that could fill, wait or drop"
	whyDiskQ     = "used only by a disk queue, which syslogd refuses here"
	whyDefault   = "the default"
	whyTLS       = "used only by the TLS drivers (gtls, ossl), which syslogd refuses"
	whyRateLimit = "used only with a rate-limit interval above 0, which syslogd refuses"
	whyBuffer    = "syslogd writes each batch of lines when it is received; rsyslog's buffering only delays the write"
	whyInternal  = "concerns rsyslogd's own messages: syslogd's go to its standard error, never through the rules"
	whyUnknown   = "rsyslogd 8.2302 does not know it either: it reports an error and goes on"
	whyStats     = "names it in rsyslog's statistics and %inputname%; syslogd has no such names"
	whyWorkDir   = "nothing in syslogd reads it: $ActionQueueFileName and $MainMsgQueueFileName are refused, queue.filename needs queue.spoolDirectory or an absolute path"

	noDiskQ     = "a disk queue keeps messages across restarts and outages: syslogd has none here (omfwd and omkafka actions take queue.filename)"
	noRateLimit = "rate limiting drops messages: not implemented"
	noTLS       = "TLS is not implemented"
	noSeverity  = "discards messages of lower severities when the queue fills: not implemented"
)

// queueInert are the queue parameters (main_queue(), an action's queue.*,
// $MainMsgQueue... and $ActionQueue... less their prefix), in lower case
// without "queue.".
var queueInert = map[string]inert{
	"filename":         refused(noDiskQ),
	"type":             only(whyQueue, noDiskQ, "direct", "linkedlist", "fixedarray"),
	"discardseverity":  only(whyDefault+" (8: none discarded)", noSeverity, "8"),
	"dequeuetimebegin": refused("messages are dequeued only within a time window: not implemented"),
	"dequeuetimeend":   refused("messages are dequeued only within a time window: not implemented"),
	"size":             noop(whyQueue), "highwatermark": noop(whyQueue), "lowwatermark": noop(whyQueue),
	"discardmark": noop(whyQueue), "workerthreads": noop(whyQueue), "workerthreadminimummessages": noop(whyQueue),
	"dequeuebatchsize": noop(whyQueue), "mindequeuebatchsize": noop(whyQueue), "mindequeuebatchsize.timeout": noop(whyQueue),
	"dequeueslowdown": noop(whyQueue), "timeoutenqueue": noop(whyQueue), "timeoutshutdown": noop(whyQueue),
	"timeoutactioncompletion": noop(whyQueue), "timeoutworkerthreadshutdown": noop(whyQueue),
	"workertimeoutthreadshutdown": noop(whyQueue), "name": noop(whyStats),
	"maxdiskspace": noop(whyDiskQ), "maxfilesize": noop(whyDiskQ), "saveonshutdown": noop(whyDiskQ),
	"checkpointinterval": noop(whyDiskQ), "syncqueuefiles": noop(whyDiskQ), "spooldirectory": noop(whyDiskQ),
	"cry.provider": noop(whyDiskQ), "samplinginterval": noop(whyQueue),
}

// legacyInert are the legacy directives, in lower case without '$'.
var legacyInert = map[string]inert{
	"workdirectory":              noop(whyWorkDir),
	"actionfileenablesync":       only(whyDefault, "syncs each write to disk: not implemented", "off"),
	"imuxsockratelimitinterval":  only(whyDefault+" (0: no rate limit)", noRateLimit, "0"),
	"systemlogratelimitinterval": only(whyDefault+" (0: no rate limit)", noRateLimit, "0"),
	"imuxsockratelimitburst":     noop(whyRateLimit), "imuxsockratelimitseverity": noop(whyRateLimit),
	"systemlogratelimitburst": noop(whyRateLimit), "systemlogratelimitseverity": noop(whyRateLimit),
	"failonchownfailure": only(whyDefault+": a file whose owner cannot be set is not written, as syslogd does",
		"writing files whose owner could not be set is not implemented", "on"),
	"actionresumeinterval": only(whyDefault, "the retry interval of a suspended action is not implemented", "30"),
	"actionresumeretrycount": only(whyDefault+" (0: a suspended action's message is dropped, as syslogd counts it)",
		"retrying a suspended action is not implemented", "0"),
	"actionexeconlywhenpreviousissuspended": only(whyDefault, "failover actions are not implemented", "off"),
	"abortonuncommittedconfig":              noop(whyUnknown),
	"udpserverrcvbufsize":                   noop(whyUnknown),
	"defaultnetstreamdriver":                only(whyDefault+" (plain TCP)", noTLS, "ptcp"),
	"defaultnetstreamdrivercafile":          noop(whyTLS), "defaultnetstreamdrivercertfile": noop(whyTLS),
	"defaultnetstreamdriverkeyfile": noop(whyTLS), "defaultnetstreamdrivercrlfile": noop(whyTLS),
}

// omfileInert are the parameters of action(type="omfile") and, with
// queueInert, its queue.* ones.
var omfileInert = map[string]inert{
	"ziplevel":                 only(whyDefault+" (0: not compressed)", "compressed output is not implemented (a logrotate policy compresses rotated files)", "0"),
	"veryrobustzip":            noop("used only with zipLevel above 0, which syslogd refuses"),
	"compression.driver":       noop("used only with zipLevel above 0, which syslogd refuses"),
	"compression.zstd.workers": noop("used only with zipLevel above 0, which syslogd refuses"),
	"sync":                     only(whyDefault, "syncs each write to disk: not implemented", "off"),
	"iobuffersize":             noop(whyBuffer), "flushinterval": noop(whyBuffer), "asyncwriting": noop(whyBuffer),
	"flushontxend": noop(whyBuffer),
	"failonchownfailure": only(whyDefault+": a file whose owner cannot be set is not written, as syslogd does",
		"writing files whose owner could not be set is not implemented", "on"),
	"cry.provider":              refused("encrypted log files are not implemented"),
	"sig.provider":              refused("signed log files are not implemented"),
	"rotation.sizelimit":        refused("rsyslog's size rotation is not implemented: use a logrotate policy (-rotate-config)"),
	"rotation.sizelimitcommand": refused("rsyslog's size rotation is not implemented: use a logrotate policy (-rotate-config)"),
	"name":                      noop("names the action in rsyslog's statistics: syslogd has none for files"),
	"action.reportsuspension":   noop(whyInternal), "action.reportsuspensioncontinuation": noop(whyInternal),
	"action.writeallmarkmessages":            noop("there are no mark messages: immark is not implemented"),
	"action.repeatedmsgcontainsoriginalmsg":  noop("used only by $RepeatedMsgReduction on, which syslogd refuses"),
	"action.copymsg":                         noop("an internal copy in rsyslog, no effect on what is written"),
	"action.execonlywhenpreviousissuspended": only(whyDefault, "failover actions are not implemented", "off"),
	"action.resumeinterval":                  only(whyDefault, "the retry interval of a suspended action is not implemented", "30"),
	"action.resumeretrycount": only(whyDefault+" (0: a suspended action's message is dropped, as syslogd counts it)",
		"retrying a suspended action is not implemented", "0"),
	"action.execonlyeverynthtime":        only(whyDefault, "writing every n-th message only is not implemented", "0"),
	"action.execonlyeverynthtimetimeout": noop("used only with action.execOnlyEveryNthTime, which syslogd refuses"),
	"action.execonlyonceeveryinterval":   only(whyDefault, "writing once per interval only is not implemented", "0"),
	"action.errorfile":                   refused("writing failed messages to an error file is not implemented"),
}

// omfileModInert are the parameters of module(load="builtin:omfile").
var omfileModInert = map[string]inert{
	"compression.driver":       noop("used only with zipLevel above 0, which syslogd refuses"),
	"compression.zstd.workers": noop("used only with zipLevel above 0, which syslogd refuses"),
}

// globalInert are the parameters of global().
var globalInert = map[string]inert{
	"workdirectory":                noop(whyWorkDir),
	"defaultnetstreamdriver":       only(whyDefault+" (plain TCP)", noTLS, "ptcp"),
	"defaultnetstreamdrivercafile": noop(whyTLS), "defaultnetstreamdrivercertfile": noop(whyTLS),
	"defaultnetstreamdriverkeyfile": noop(whyTLS), "defaultnetstreamdrivercrlfile": noop(whyTLS),
	"gnutlsprioritystring": noop(whyTLS), "netstreamdriver.caextrafiles": noop(whyTLS),
	"abortonuncleanconfig":    noop("syslogd refuses a configuration with an error whatever it says"),
	"processinternalmessages": noop(whyInternal), "internalmsg.ratelimit.interval": noop(whyInternal),
	"internalmsg.ratelimit.burst": noop(whyInternal), "internalmsg.severity": noop(whyInternal),
	"errormessagestostderr.maxnumber": noop(whyInternal), "stdlog.channel": noop(whyInternal),
	"action.reportsuspension": noop(whyInternal), "action.reportsuspensioncontinuation": noop(whyInternal),
	"debug.files": noop("rsyslogd's debug output"), "debug.whitelist": noop("rsyslogd's debug output"),
	"debug.gnutls": noop("rsyslogd's debug output"), "debug.logfile": noop("rsyslogd's debug output"),
	"debug.onshutdown": noop("rsyslogd's debug output"), "debug.abortonprogramerror": noop("rsyslogd's debug output"),
	"debug.unloadmodules":  noop("rsyslogd's debug output"),
	"senders.keeptrack":    noop("rsyslog's statistics of senders: syslogd keeps none"),
	"senders.timeoutafter": noop("rsyslog's statistics of senders: syslogd keeps none"),
	"senders.reportnew":    noop(whyInternal), "senders.reportgoneaway": noop(whyInternal),
	"shutdown.enable.ctlc":            noop("syslogd stops on SIGINT and SIGTERM whatever it says"),
	"shutdown.queue.doublesize":       noop(whyQueue),
	"inputs.timeout.shutdown":         noop("syslogd reads what the sockets hold at shutdown, then stops"),
	"janitor.interval":                noop("used only by closeTimeout, which syslogd refuses"),
	"operatingstatefile":              noop("rsyslogd's own state file"),
	"reverselookup.cache.ttl.default": noop("the cache of sender names: syslogd keeps names until the cache is full (4096 senders per reader)"),
	"reverselookup.cache.ttl.enable":  noop("the cache of sender names: syslogd keeps names until the cache is full (4096 senders per reader)"),
	"net.permitaclwarning":            noop(whyInternal), "net.permitwarning": noop(whyInternal),
	"net.ipprotocol":                     only(whyDefault+" (IPv4 and IPv6)", "restricting sockets to one IP version is not implemented", "unspecified"),
	"net.enabledns":                      only(whyDefault, "naming senders by address only is not implemented", "on"),
	"net.aclresolvehostname":             noop("syslogd's $AllowedSender takes addresses only"),
	"net.acladdhostnameonfail":           noop("syslogd's $AllowedSender takes addresses only"),
	"dropmsgswithmaliciousdnsptrrecords": only(whyDefault, "checking PTR records is not implemented", "off"),
	"security.abortonidresolutionfail": only(whyDefault+": an unknown user or group stops syslogd",
		"ignoring an unknown user or group is not implemented", "on"),
	"oversizemsg.input.mode":             only(whyDefault+" (truncate, as syslogd does)", "only truncation of oversize messages is implemented", "truncate"),
	"oversizemsg.report":                 noop(whyInternal),
	"oversizemsg.errorfile":              refused("writing oversize messages to an error file is not implemented"),
	"variables.casesensitive":            only(whyDefault, "case-sensitive variable names are not implemented", "off"),
	"parser.permitslashinprogramname":    only(whyDefault, "'/' in program names is not implemented", "off"),
	"parser.parsehostnameandtag":         only(whyDefault, "messages without hostname and tag are not implemented", "on"),
	"parser.supportcompressionextension": noop("compressed messages come only from rsyslog's own senders; syslogd takes the datagram as it is"),
}

// udpInert and tcpInert are the parameters of input(type="imudp") and
// input(type="imtcp"); inputInert those of both.
var inputInert = map[string]inert{
	"name":               noop(whyStats),
	"name.appendport":    noop(whyStats),
	"ratelimit.interval": only(whyDefault+" (0: no rate limit)", noRateLimit, "0"),
	"ratelimit.burst":    noop(whyRateLimit),
	"ratelimit.name":     noop(whyRateLimit),
	"defaulttz":          refused("a default time zone of RFC 3164 timestamps per input is not implemented"),
	"preservecase":       refused("the case of %fromhost% is not implemented"),
}

var udpInert = map[string]inert{
	"device":     refused("binding to a network device is not implemented"),
	"ipfreebind": noop("syslogd binds the addresses that exist when it starts, which works with either value"),
}

var tcpInert = map[string]inert{
	"supportoctetcountedframing": only(whyDefault, "LF framing only is not implemented", "on"),
	"disablelfdelimiter":         only(whyDefault, "octet-counted framing only is not implemented", "off"),
	"addtlframedelimiter":        refused("another frame delimiter is not implemented"),
	"discardtruncatedmsg":        only(whyDefault, "discarding the rest of a truncated message is not implemented", "off"),
	"listenportfilename":         refused("writing the port to a file is not implemented"),
	"streamdriver.name":          only(whyDefault+" (plain TCP)", noTLS, "ptcp"),
	"streamdriver.mode":          only(whyDefault+" (plain TCP)", noTLS, "0"),
	"streamdriver.authmode":      refused(noTLS), "permittedpeer": refused(noTLS),
	"gnutlsprioritystring":   noop(whyTLS),
	"keepalive":              noop("keep-alive probes only find dead peers, whose sessions then end"),
	"keepalive.probes":       noop("keep-alive probes only find dead peers, whose sessions then end"),
	"keepalive.time":         noop("keep-alive probes only find dead peers, whose sessions then end"),
	"keepalive.interval":     noop("keep-alive probes only find dead peers, whose sessions then end"),
	"flowcontrol":            noop(whyQueue),
	"notifyonconnectionopen": noop(whyInternal), "notifyonconnectionclose": noop(whyInternal),
	"socketbacklog": noop("the listen backlog: syslogd accepts connections as they come"),
}

// uxInert are the parameters of an imuxsock input; those of its module
// (the system socket) are the same with "syssock." before.
var uxInert = map[string]inert{
	"ratelimit.interval": only(whyDefault+" (0: no rate limit)", noRateLimit, "0"),
	"ratelimit.burst":    noop(whyRateLimit), "ratelimit.severity": noop(whyRateLimit),
	"unlink":            only(whyDefault+": the socket is removed at exit", "keeping the socket file is not implemented", "on"),
	"usesystimestamp":   only(whyDefault+": the reception time is the time stamp, as syslogd does", "the sender's time stamp on the local socket is not implemented", "on"),
	"ignoretimestamp":   only(whyDefault+": the reception time is the time stamp, as syslogd does", "the sender's time stamp on the local socket is not implemented", "on"),
	"annotate":          only(whyDefault, "trusted properties are not implemented", "off"),
	"parsetrusted":      only(whyDefault, "trusted properties are not implemented", "off"),
	"usepidfromsystem":  only(whyDefault, "the pid of the peer credentials is not implemented", "off"),
	"parsehostname":     only(whyDefault, "a hostname in local messages is not implemented", "off"),
	"usespecialparser":  only(whyDefault, "the regular parser on the local socket is not implemented", "on"),
	"flowcontrol":       noop(whyQueue),
	"ignoreownmessages": only(whyDefault, "syslogd never reads its own messages back", "on"),
}

// imuxsockModInert finds a parameter of module(load="imuxsock") other
// than load, syssock.use and syssock.name, which loadModule reads.
func imuxsockModInert(key string) (inert, bool) {
	if k, ok := strings.CutPrefix(key, "syssock."); ok {
		e, ok := uxInert[k]
		return e, ok
	}
	return inert{}, false
}

// checkInert handles a directive or parameter that syslogd does not
// implement: a warning at line n when value v changes nothing, an error
// otherwise. name is the directive as written; ok is false when e is not
// one of the table's.
func (p *cfgParser) checkInert(e inert, name, v string, n int) error {
	v = strings.TrimSpace(v)
	if e.ok == nil {
		p.warn(n, "%s ignored: %s", name, e.why)
		return nil
	}
	for _, o := range e.ok {
		if strings.EqualFold(v, o) {
			p.warn(n, "%s %s ignored: %s", name, v, e.why)
			return nil
		}
	}
	return p.errf(n, name, "%q: %s: %w", v, e.no, ErrUnsupported)
}

// inertParam checks parameter key (lower case) of an object against the
// tables given, in order; handled is false when none has it. An action's
// queue.* parameters go to queueInert when queue is set.
func (p *cfgParser) inertParam(key, v string, n int, queue bool, tables ...map[string]inert) (handled bool, err error) {
	if k, ok := strings.CutPrefix(key, "queue."); ok && queue {
		if e, ok := queueInert[k]; ok {
			return true, p.checkInert(e, key, v, n)
		}
		return false, nil
	}
	for _, t := range tables {
		if e, ok := t[key]; ok {
			return true, p.checkInert(e, key, v, n)
		}
	}
	return false, nil
}

// otherParam handles a parameter (key in lower case) that no case of an
// object's own took: inertParam checks it against the tables; a key none
// of them has is refused as an unsupported "what" ("omfile parameter"),
// as rsyslogd refuses an unknown parameter.
func (p *cfgParser) otherParam(what, key, v string, n int, queue bool, tables ...map[string]inert) error {
	if ok, err := p.inertParam(key, v, n, queue, tables...); ok {
		return err
	}
	return p.errf(n, key, "%s %q: %w", what, key, ErrUnsupported)
}

// legacyInertDirective checks a legacy directive (key in lower case without
// '$', name as written) against legacyInert and, for $MainMsgQueue... and
// $ActionQueue..., queueInert; handled is false when neither has it.
func (p *cfgParser) legacyInertDirective(key, name, arg string, n int) (handled bool, err error) {
	v, _ := splitSelector(strings.TrimSpace(arg)) // a comment may follow the value
	for _, prefix := range []string{"mainmsgqueue", "actionqueue"} {
		if k, ok := strings.CutPrefix(key, prefix); ok {
			if e, ok := queueInert[k]; ok {
				return true, p.checkInert(e, name, v, n)
			}
			return false, nil
		}
	}
	if e, ok := legacyInert[key]; ok {
		return true, p.checkInert(e, name, v, n)
	}
	return false, nil
}

// allowedSender parses the argument of $AllowedSender: a protocol (UDP or
// TCP), then a comma-separated list of addresses, each an IPv4 or IPv6
// address (IPv6 in brackets or not) with an optional /bits. Host names and
// wildcards need DNS lookups at reception: refused.
func (p *cfgParser) allowedSender(name, arg string, n int) error {
	proto, list, ok := strings.Cut(arg, ",")
	if !ok {
		return p.errf(n, name, "%q: want a protocol (UDP or TCP) and a list of senders", arg)
	}
	var dst *[]netip.Prefix
	switch strings.ToLower(strings.TrimSpace(proto)) {
	case "udp":
		dst = &p.c.allowUDP
	case "tcp":
		dst = &p.c.allowTCP
	default:
		return p.errf(n, name, "protocol %q: only UDP and TCP: %w", strings.TrimSpace(proto), ErrUnsupported)
	}
	if i := strings.IndexByte(list, '#'); i >= 0 {
		list = list[:i]
	}
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		pfx, err := parseSender(s)
		if err != nil {
			return p.errf(n, name, "%q: %w", s, err)
		}
		*dst = append(*dst, pfx)
	}
	return nil
}

// parseSender parses one $AllowedSender entry: "10.0.0.1", "10.0.0.0/8",
// "[::1]", "[fe80::]/10", "::1/128".
func parseSender(s string) (netip.Prefix, error) {
	addr, bits, hasBits := strings.Cut(s, "/")
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("host names and wildcards are not implemented, only addresses: %w", ErrUnsupported)
	}
	// A v4-mapped IPv6 address stays IPv6: it permits no IPv4 sender,
	// as in rsyslogd (TestLiveRsyslogAccess).
	n := a.BitLen()
	if hasBits {
		if n, err = strconv.Atoi(bits); err != nil || n < 0 || n > a.BitLen() {
			return netip.Prefix{}, fmt.Errorf("bad mask /%s", bits)
		}
	}
	return a.Prefix(n)
}

// allowed reports whether a sender may send: the list is empty (no
// $AllowedSender for the protocol) or holds it.
func allowed(list []netip.Prefix, a netip.Addr) bool {
	if len(list) == 0 {
		return true
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
