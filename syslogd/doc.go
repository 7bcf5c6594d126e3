// Package syslogd is a syslog receiver that replaces rsyslog (and
// logrotate) for HAProxy logs: it reads an rsyslog configuration, receives
// messages over UDP, TCP (RFC 6587 octet counting or LF framing) and unix
// datagram sockets, routes them by facility and severity and writes them
// through rsyslog-compatible templates to files rotated in process by
// package rotate.
//
// # What it reproduces
//
// For the same datagrams and configuration, syslogd writes the same files as
// rsyslog 8.2302 (lines stamped with the reception time aside); the tests
// check it on 252 crafted datagrams (testdata/syslog/crafted) and on real
// HAProxy 2.6 captures, and on 53 odd datagrams under 21 combinations of
// the reception options below (testdata/rsyslog_options). That includes rsyslog's handling of odd input:
// invalid PRI ("invld" facility, severity debug, whole datagram as message),
// "<>" as PRI 0, no PRI as user.notice, loose RFC 3164 header splitting
// (hostname heuristics, tag ending at ':' or space), RFC 5424 with
// structured data, control characters escaped as #ooo, one trailing NUL
// then one trailing LF dropped, messages cut at maxMessageSize (8096
// bytes) before and after escaping.
//
// # Configuration
//
// An input that names no address (input(type="imudp" port="514"),
// $UDPServerRun 514 without $UDPServerAddress) listens on every IPv4 and
// IPv6 address, as rsyslogd does; with no input configured at all,
// syslogd listens on DefaultUDPAddr (127.0.0.1). Run logs one "started"
// line naming every address it listens on.
//
// Supported: legacy directives ($ModLoad, $UDPServerAddress, $UDPServerRun,
// $InputTCPServerRun, $AddUnixListenSocket, $template, $ActionFileDefaultTemplate,
// $MaxMessageSize, $IncludeConfig, $FileCreateMode, $FileOwner, $FileGroup,
// $Umask, $EscapeControlCharactersOnReceive, $ControlCharacterEscapePrefix,
// $DropTrailingLFOnReception, $Escape8BitCharactersOnReceive,
// $EscapeControlCharacterTab, $SpaceLFOnReceive, $OmitLocalLogging,
// $SystemLogSocketName, $LocalHostName) and RainerScript objects
// (module, input for imudp/imtcp/imuxsock, builtin:omfile defaults,
// global(maxMessageSize, localHostname, parser.escapeControlCharactersOnReceive,
// parser.controlCharacterEscapePrefix, parser.dropTrailingLFOnReception,
// parser.escape8BitCharactersOnReceive, parser.escapeControlCharacterTab,
// parser.escapeControlCharactersCStyle, parser.spaceLFOnReceive), template of type
// "string" or "list", action(type="omfile") with fileCreateMode/fileOwner/fileGroup,
// include). A file is created with the mode, owner and group in force at
// its first rule (mode less $Umask, 022 when unset), unless the logrotate
// file's `create` line for it says otherwise; its missing directories
// get $DirCreateMode (or omfile's dirCreateMode) in force there, 0700 by
// default, less $Umask, as rsyslogd creates them; selectors with ".=", ".!",
// ".!=", "*", "none", facility lists and ";"-joined parts; file actions
// ("-" prefix accepted, ";Template"), "stop" and "~", "&" continuation.
// Property-based filters, `:property, [!]op, "value"` with contains,
// isequal, startswith, regex (POSIX basic), ereregex (POSIX extended) and
// isempty, on any property templates know (msg, programname, hostname,
// fromhost, fromhost-ip, syslogtag, rawmsg...), compare case-sensitively;
// a backslash in the value makes the next character plain, as in
// rsyslogd 8.2302. A selector or filter may be followed by a { ... } block
// of statements (blocks nest; "stop" in a block ends the message's
// processing), and an action may stand alone (every message). Filters are
// evaluated per message, without allocating, only for the facility and
// severity rows whose rules carry them; other rows keep the table lookup.
// The local log sockets (imuxsock: /dev/log and $AddUnixListenSocket) use
// imuxsock's own parser: an RFC 3164 timestamp is skipped and the
// reception time used, the hostname is the local one, the tag runs up to
// the first space, RFC 5424 is not recognised. imklog reads the kernel
// log as rsyslogd 8.2302's does: /proc/kmsg ("<pri>text" lines; logpath=
// or $KLogPath name another file, such as a FIFO), priority from a valid
// leading "<pri>" (kern.info without one), lines of other facilities
// dropped unless PermitNonKernelFacility, tag "kernel:", the local host,
// the reception time, the text neither parsed nor escaped; kernel
// timestamp parsing and the console log level are errors. :omusrmsg:*
// and :omusrmsg:user,... (and action(type="omusrmsg" users=...)) write
// with rsyslog's WallFmt and StdUsrMsgFmt templates, unless one is
// named, to every terminal utmp lists for those users (Options.Utmp),
// opened non-blocking, in message and action order. Modules syslogd does
// not have (immark, imjournal, omrelp...) are errors naming file:line.
// The reception options (ReceiveOptions: what rsyslog's parser does to a
// message before reading its PRI) take "on" or "off" only, as in rsyslog,
// and follow rsyslog 8.2302 byte for byte, oddities included: with
// $SpaceLFOnReceive on, the other control characters are escaped only from
// a byte that has to be escaped anyway ($Escape8BitCharactersOnReceive) or
// when one ends the message, and kept as they are otherwise, NUL included;
// with $EscapeControlCharactersOnReceive off, those from the byte before
// the first NUL (or escaped 8-bit byte) on are dropped. $ControlCharacterEscapePrefix crashes
// rsyslogd 8.2302 (rsyslog issue #5376): syslogd takes its first
// character, as later rsyslog versions do. A reload applies new reception
// options and maxMessageSize from the next batch each reader reads.
// Strictness (docs/syslogd-directives.md has the table, checked by
// TestDirectivesDoc): a directive or parameter that changes what is
// written, where or when, a check, security or privileges works as in
// rsyslogd 8.2302 or is an error carrying file:line (ErrUnsupported), at
// -check and at start; only true no-ops (queue sizes and threads, the work
// directory, buffering, rsyslogd's own messages, TLS files without a TLS
// driver...) are accepted, with a warning saying why they change nothing,
// and many only with their default value ($ActionFileEnableSync off,
// zipLevel 0, queue.type other than Disk, closeTimeout's default...).
// Unknown parameters of omfile, global(), inputs and modules are refused,
// as rsyslogd refuses them. $AllowedSender (addresses and CIDR) drops the
// datagrams and closes the TCP connections of other senders;
// $PreserveFQDN names the local host by its full name (its first label
// otherwise); $PrivDropToUser/Group(+ID), global(privDrop.*) and
// $MaxOpenFiles are applied by cmd/syslogd once the sockets are bound
// (Config.Process); $InputTCPMaxSessions/maxSessions are no-ops because
// rsyslogd 8.2302 does not enforce them. Also errors with file:line: global
// variables, variable subtrees, arrays, lookup tables, functions other than
// those below, ruleset queues.
// Properties: msg, rawmsg, rawmsg-after-pri,
// hostname/source, fromhost, fromhost-ip, syslogtag, programname, procid,
// msgid, app-name, structured-data, pri, pri-text, syslogfacility[-text],
// syslogseverity[-text], syslogpriority[-text], timereported/timestamp,
// timegenerated, protocol-version, $now, $year, $month, $day, $hour,
// $minute; options date-rfc3164, date-rfc3339, date-mysql,
// date-unixtimestamp, date-year ... date-subseconds, lowercase, uppercase,
// drop-last-lf, sp-if-no-1st-sp, json (rsyslog's escapes: \t, \n...,
// \u00XX in upper case, "\/"), escape-cc (as #ddd in decimal), space-cc,
// drop-cc, and from:to character ranges.
// Built-in templates: RSYSLOG_TraditionalFileFormat, RSYSLOG_FileFormat (the
// default, as in rsyslog v8), RSYSLOG_TraditionalForwardFormat,
// RSYSLOG_SyslogProtocol23Format.
//
// A template of type "list" has a { ... } body (from the template(...)
// line or the next, over as many lines as needed, with # and /* */
// comments) of constant(value="...") and property(name="..." ...)
// statements; it compiles to the same parts as the equivalent string
// template. Property parameters: dateFormat (rfc3164, rfc3339, mysql,
// unixtimestamp, year, month, day, hour, minute, second, subseconds),
// caseConversion (lower, upper), position.from and position.to (from
// alone runs to the end, to alone starts at 1), droplastlf and spifno1stsp
// ("on" or "off"), format="json", controlCharacters (escape, space, drop)
// and outname (ignored, as rsyslog does outside jsonf); constants take
// value and outname. Values keep rsyslog's escapes (\" \\ \n \t \r \b \f
// \a \? \' and three octal digits). Anything else (regex.*, field.*,
// format="jsonf"/"csv"/"jsonr", the other dateFormats, date.inUTC,
// fixedWidth, mandatory, unknown parameters, negative positions or to
// before from) is an error carrying file:line and the parameter. As in
// rsyslog, string= on a list template, and a body after a string
// template, are ignored with a warning.
//
// # Data path
//
// Each UDP socket is read by one goroutine by default (Options.Readers),
// with its own datagram buffers, parser and output buffers, and the socket
// asks for a 32 MiB receive buffer (SO_RCVBUFFORCE when allowed, else
// SO_RCVBUF, capped by net.core.rmem_max). On Linux (amd64, arm64) the
// reader takes the socket out of the Go netpoller and blocks in
// recvmmsg(2), up to 256 datagrams per call, with no timeout (an idle
// server uses no CPU; shutdown(2) wakes the reader, which then reads what
// the socket still holds). After a short batch (the socket is drained) it
// sleeps so that the next calls return full batches rather than one
// datagram: the pause adapts to let about 512 datagrams in (0.5 to 10 ms;
// skipped when the effective receive buffer is under 8 MiB). At 100k msg/s
// that is a 5 ms pause and three system calls and one thread wake-up per
// 512 datagrams; each batch takes the routing table and the clock once and
// hands each file its lines under one lock.
// The routing table, the output files and the parser settings form an
// immutable snapshot behind an atomic.Pointer: a batch references the
// snapshot of its start (no lock), senders are named (reverse DNS) before
// the batch starts, and a reload builds the next snapshot off the hot path,
// publishes it, and closes the files it no longer uses once the batches
// holding the old one are done.
// Rendered lines wait in a per-file buffer (the only one between the
// router and the file) that a flusher goroutine hands to the file every
// 256 KiB or 100 ms; rotate.Writer writes such a run of whole lines with
// one write(2) and no further copy (it buffers only while the file cannot
// be written). The parser caches the
// last RFC 3164 timestamp (text, inferred year and zone offset) per
// reception second.
// A datagram's PRI is read first
// and indexes a [facility][severity] table of actions; the header is parsed
// only when a matching template needs it. Neither step allocates. The
// parser is hand-written to follow rsyslog; github.com/leodido/go-syslog/v4
// serves as the reference it is cross-checked against in the tests (it
// allocates 6-8 times per message and follows the RFCs, not rsyslog, on odd
// input). Each output path has one shared Sink (a *rotate.Writer), whatever
// the number of rules naming it.
//
// # Faults and reload
//
// A file is created when the first line goes to it, as rsyslog's omfile
// does. A line that cannot be written (disk full, unwritable file) is
// counted as dropped and reported in a rate-limited log; receiving goes on
// and writing resumes when the file becomes writable (rotate buffers a
// bounded amount meanwhile). A file that cannot be opened is retried.
// Reload (SIGUSR2 in cmd/syslogd) swaps in the new rules atomically with
// respect to routing, reopens every file and closes those no longer used,
// without losing a message. It also applies listener changes: inputs the
// new configuration adds are bound first (one that cannot be bound fails
// the reload, leaving the previous configuration in force), inputs it no
// longer names are closed after their queued datagrams are read, the
// others keep their sockets. With Options.RotateConfig (cmd/syslogd
// -rotate-config) a reload re-reads the logrotate file too: a file whose
// policy changed is closed and reopened under the new one.
//
// Socket activation (Options.Listeners, from sdnotify.Listeners in
// cmd/syslogd): an input whose kind and address match a socket the
// supervisor passed reads it instead of binding; the supervisor's copy
// keeps queueing datagrams while syslogd is down (a restart, a kill -9),
// and the next start reads them. Such sockets are never shut down for
// reading nor unlinked; one that no input names is not read, and the
// start logs a warning naming its address (activation.go).
//
// Counters (received, malformed, written, dropped, kernel receive-buffer
// drops...) are available from Stats and, in the Prometheus text format,
// from MetricsHandler.
//
// # Kafka, forwarding, action queues
//
// action(type="omkafka") (franz-go: idempotent producer, acks=all) and
// action(type="omfwd") take rsyslog's parameters and its
// queue.* / action.* parameters; with queue.filename every message is
// journalled (package internal/dq) before it is sent and removed once the
// broker (or, for omfwd, the write) acknowledged it, so a broker outage or
// a kill -9 loses nothing journalled; each Kafka record carries a
// haplog-id header. The workers journal a batch (one write(2)) before
// their next read of the socket: what syslogd holds at a kill -9 is at
// most the one batch being routed, and what the socket holds goes with
// the socket unless it was passed by socket activation (above).
// Journal segments are written, not fsynced, per batch: a journalled
// message survives the death of the process, and queue.syncQueueFiles="on"
// fsyncs every batch to survive a power loss too (by default the journal
// is fsynced in the background every 100 ms: at most that much is lost in
// a power loss; internal/dq's BenchmarkAppendCommit measures each policy).
//
// omfwd sends over TCP (protocol="tcp", LF or RFC 6587 octet-counted
// framing, TCP_Framing=) or UDP (protocol="udp", the default: one datagram
// per message from an unconnected socket, as rsyslogd), with
// RSYSLOG_TraditionalForwardFormat unless template= names another; the
// legacy selector actions @host[:port] (UDP) and @@host[:port] (TCP;
// @@(o)host octet-counted), [IPv6] in brackets, ;template, forward the
// same way, with a memory queue (the $ActionQueue... directives are not
// read). TCP messages leave the queue once written to a connection the
// receiver had not closed; UDP has no acknowledgement, so a message
// leaves the queue once sendto accepted it, and what the network or the
// receiver drops after that is lost, queue or not, as with rsyslogd. A
// sendto error keeps the message and retries; one too long for a
// datagram is dropped and counted failed. The bytes match rsyslogd
// 8.2302's (TestLiveRsyslogForward). omkafka retries a failed connection or metadata
// request every quarter of action.resumeInterval, at most 250 ms, so it
// resumes within a second of the broker coming back; records are not
// compressed unless confParam compression.codec says so (librdkafka's
// default). Without key=, the partition is chosen once per batch read
// from the queue (up to 512 records), turning over the partitions that
// have a leader (partitions.auto, the default) or over partitions.number
// of them; rsyslogd's omkafka turns per message. partitions.usefixed pins
// one; with key= franz-go's key hash (murmur2, as Kafka's Java client)
// chooses it, where librdkafka's default hashes with CRC32: a key may
// land on another partition than with rsyslogd.
// input(type="imkafka") reads a topic in a consumer
// group, drops ids it already wrote and commits offsets after the write.
// module(load="impstats") emits the action and queue counters, which are
// also on MetricsHandler. Services (imkafka, impstats) start with Run
// from the configuration Run starts with.
//
// RainerScript statements: `if COND then ACTION|{ ... }` with `else if
// COND then ...` chains and a final `else ACTION|{ ... }`; `set $!name =
// EXPR;`, `set $.name = EXPR;`, `unset $!name;` (simple names,
// case-insensitive as rsyslog's variables are by default); `stop`;
// `ruleset(name="x") { ... }`, `call x` (the called ruleset's statements run
// in place: a stop there ends the message's processing, as in rsyslogd),
// `$RuleSet x`; inputs bound to a ruleset with ruleset= (imudp, imtcp,
// imuxsock, imkafka), $InputUDPServerBindRuleset and
// $InputTCPServerBindRuleset, whose messages do not go through the default
// ruleset. Expressions follow rsyslogd 8.2302's grammar and evaluation:
// and/or (one precedence, left to right), comparisons (==, !=, <>, <, <=,
// >, >=, contains, contains_i, startswith, startswith_i), + - &
// (concatenation), * / %, then not and unary minus binding tightest ("not
// $msg contains 'a'" negates $msg); operands are properties, $! and $.
// variables (an unset one is the empty string), 'single' or "double"
// quoted strings with rsyslog's escapes, decimal/octal/hex numbers, and the
// functions re_match (a constant POSIX ERE), tolower, toupper, strlen,
// exists. Comparisons coerce as rsyslogd does: two strings compare as
// strings (so "010" != "10"); a string and a number compare as numbers
// when the string is an optional '-' and digits (the empty string is 0),
// as strings otherwise; a variable set to a number compares with a
// string as a string; <, <=, >, >= compare as numbers when both sides are
// numbers. An if condition is evaluated once per message, at the first
// statement that depends on it, so a set inside its block does not change
// which branch runs. %$!name% and %$.name% render variables in templates.
// Statements are compiled into each facility and severity's list of
// actions; the per-message state (variables, evaluated conditions) lives
// in the worker, so routing stays allocation-free.
//
// dynaFile actions (`?Template` in a selector line, omfile's dynaFile=)
// render the file name per message and keep at most dynaFileCacheSize
// files open (rsyslog's default 10; $DynaFileCacheSize for selector lines,
// the parameter for action(); 1 to 1000), closing the least recently used
// for a new name and opening it again (appending) at its next message;
// SIGHUP closes them all. Their files are written through the same writer
// as static files and rotated by the rotation policy of their path (the
// logrotate rule whose glob matches it, or the default) while open.
// Missing directories are created ($CreateDirs, default on) with
// $DirCreateMode, $DirOwner, $DirGroup less $Umask, files with
// $FileCreateMode, $FileOwner, $FileGroup. As in rsyslogd, those legacy
// settings apply to selector lines; an action(type="omfile") takes the
// builtin:omfile module parameters and its own (fileCreateMode, fileOwner,
// fileGroup, dirCreateMode, dirOwner, dirGroup, createDirs,
// dynaFileCacheSize) instead.
//
// What syslogd does not do: omfwd compression (@(z9)host) and target pools, foreach, call_indirect,
// reload_lookup_table, ruleset queues, TLS, subtree and plugin templates. HAProxy's
// "raw" and "iso" formats carry no PRI and are stored as user.notice, and
// "short"/"timed" carry only a severity (facility kern), exactly as rsyslog
// stores them.
package syslogd
