package config

import (
	"net/netip"
	"os"
	"regexp"
	"time"

	"github.com/haplog/haplog/formats"
)

// Config is a parsed, resolved and checked configuration. Every proxy holds
// its final settings: the defaults section it inherited from has already
// been applied, "log global" has been replaced by the global loggers, and
// backend names have been resolved to pointers.
type Config struct {
	// Files lists the configuration files read, in order.
	Files []string
	// Global holds the merged global sections.
	Global Global
	// Proxies lists every frontend, backend and listen section in
	// declaration order.
	Proxies []*Proxy
	// Frontends lists the proxies with the frontend capability (frontend
	// and listen sections), in declaration order.
	Frontends []*Proxy
	// Backends lists the proxies with the backend capability (backend and
	// listen sections), in declaration order. A listen proxy appears in
	// both Frontends and Backends (same pointer).
	Backends []*Proxy
	// Warnings holds the non-fatal diagnostics (severity Warning or Note),
	// in the order they were produced.
	Warnings []*Diag
}

// Global holds the settings of the global section(s).
type Global struct {
	// Logs are the global loggers ("log" lines), in order.
	Logs []LogTarget
	// LogSendHostname is the host name put in syslog headers; empty when
	// log-send-hostname is not set. When set, the default syslog format of
	// every logger becomes rfc3164 (already applied to LogTarget.Format).
	LogSendHostname string
	// LogTag is the syslog tag; "haproxy" unless log-tag is set.
	LogTag string
	// SSLServerVerify is "ssl-server-verify": the default "verify" of
	// servers using ssl ("" = required).
	SSLServerVerify string
	// MaxConn is the process-wide connection limit; 0 = not set.
	MaxConn int
	// NbThread is the requested number of threads; 0 = not set.
	NbThread int
	// UlimitN is the RLIMIT_NOFILE to set; 0 = not set.
	UlimitN int
	// Daemon is true when "daemon" is present. A foreground run (-db)
	// overrides it.
	Daemon bool
	// MasterWorker is true when "master-worker" is present.
	MasterWorker bool
	// PidFile is the path of the pid file; empty = none.
	PidFile string
	// User and Group are the names given to "user"/"group" (resolved
	// while parsing, as HAProxy does); UID and GID the ids to switch to
	// after binding (from user/group or uid/gid), -1 when not set.
	User, Group string
	UID, GID    int
	// Chroot is the directory to chroot into after binding; empty = none.
	Chroot string
	// StatsSockets are the admin CLI sockets ("stats socket").
	StatsSockets []StatsSocket
	// StatsTimeout is the CLI idle timeout (default 10s).
	StatsTimeout time.Duration
	// StatsMaxConn is the maxconn of haproxy's CLI frontend, which any
	// global "stats" line (socket, timeout, maxconn, bind-process)
	// creates: "stats maxconn", else 10; 0 when there is no such line.
	// haproxy reserves that many descriptors, which lowers the maxconn it
	// computes. The CLI itself does not limit its connections.
	StatsMaxConn int
	// ExternalCheck is true when "external-check" is present (needed by
	// "option external-check"); InsecureForkWanted when
	// "insecure-fork-wanted" is.
	ExternalCheck, InsecureForkWanted bool
	// HardStopAfter bounds a soft stop; 0 = unbounded.
	HardStopAfter time.Duration
	// CABase and CRTBase prefix relative ca-file/crl-file and crt paths.
	CABase, CRTBase string
	// SSLDefaultBind and SSLDefaultServer are the ssl-default-bind-* and
	// ssl-default-server-* settings every bind/server line starts from.
	SSLDefaultBind, SSLDefaultServer TLSOptions
	// ZeroWarning makes warnings fatal, like -dW.
	ZeroWarning bool
	// Tune holds tune.bufsize, tune.maxrewrite and tune.http.maxhdr.
	Tune Tune
	// File and Line locate the first global section.
	File string
	Line int
}

// Tune are the buffer and header limits of the global section, with
// HAProxy 2.6's defaults and adjustments applied.
type Tune struct {
	// BufSize is tune.bufsize (16384), rounded up to a multiple of 16
	// as haproxy does on 64-bit machines.
	BufSize int
	// MaxRewrite is tune.maxrewrite (1024): the part of a buffer a head
	// may not use, lowered to BufSize/2 when larger.
	MaxRewrite int
	// MaxHdr is tune.http.maxhdr (101): a head carries at most MaxHdr-1
	// header fields (the start line counts as one).
	MaxHdr int
}

// StatsSocket is one "stats socket" line.
type StatsSocket struct {
	Addr Addr
	// Mode is the UNIX socket permission (mode 660); 0 = not set.
	Mode os.FileMode
	// Level is "user", "operator" or "admin" (default "admin").
	Level string
	// ExposeFDListeners is true with "expose-fd listeners".
	ExposeFDListeners bool
	// User and Group own the UNIX socket (as written); UID and GID are
	// the resolved ids, -1 when not set.
	User, Group string
	UID, GID    int
	File        string
	Line        int
}

// LogTarget is one resolved "log" line.
type LogTarget struct {
	// Addr is where to send: Network "udp" (also for bare IPs), "unix"
	// (datagram, Path set), or "fd" (FD set; stdout = fd 1, stderr = 2).
	Addr Addr
	// Len is the maximum line length before "\n" (default 1024).
	Len int
	// Format is the header format: "local" (default), "rfc3164",
	// "rfc5424", "priority", "short", "timed", "iso" or "raw".
	Format string
	// SampleRanges and SampleSize hold "sample <ranges>:<size>"; nil /
	// 0 when not set. Each range is inclusive, 1-based.
	SampleRanges [][2]int
	SampleSize   int
	// Facility is the syslog facility.
	Facility formats.Facility
	// MaxLevel is the least severe level sent (default Debug); MinLevel
	// the level more severe messages are raised to (default Emerg).
	MaxLevel, MinLevel formats.Severity
	// File and Line locate the "log" line.
	File string
	Line int
}

// Cap is a proxy capability bit set.
type Cap uint8

// Capabilities. A listen section has both.
const (
	CapFrontend Cap = 1 << iota
	CapBackend
)

// Mode is a proxy mode.
type Mode uint8

// Proxy modes; TCP is HAProxy's default.
const (
	ModeTCP Mode = iota
	ModeHTTP
)

// String returns "tcp" or "http".
func (m Mode) String() string {
	if m == ModeHTTP {
		return "http"
	}
	return "tcp"
}

// LogStyle says which kind of log-format a proxy uses.
type LogStyle uint8

// Log styles. LogDefault is HAProxy's legacy "Connect from ..." line logged
// at accept time; the others are log-format strings (Proxy.LogFormat).
const (
	LogDefault LogStyle = iota
	LogTCP
	LogHTTP
	LogHTTPS
	LogCLF
	LogCustom
)

// ConnMode is the HTTP connection mode of a proxy.
type ConnMode uint8

// HTTP connection modes (option http-keep-alive / http-server-close /
// httpclose); the last option seen wins.
const (
	ConnKeepAlive ConnMode = iota
	ConnServerClose
	ConnClose
)

// Balance is a load-balancing algorithm.
type Balance uint8

// Balancing algorithms.
const (
	BalanceRoundRobin Balance = iota
	BalanceStaticRR
	BalanceLeastConn
	BalanceFirst
	BalanceSource
	BalanceURI
)

// balanceNames are the HAProxy keywords of the algorithms ("balance"
// reads them, String prints them).
var balanceNames = [...]string{
	BalanceRoundRobin: "roundrobin", BalanceStaticRR: "static-rr", BalanceLeastConn: "leastconn",
	BalanceFirst: "first", BalanceSource: "source", BalanceURI: "uri",
}

// String returns the HAProxy keyword of b.
func (b Balance) String() string {
	if int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return "roundrobin"
}

// Proxy is a frontend, a backend or a listen section (both), with its
// defaults applied.
type Proxy struct {
	Name string
	// ID is the proxy's number, 1-based, in declaration order.
	ID int
	// Index is the proxy's position in Config.Proxies (0-based), so that
	// a runtime can resolve a reference to it (nbsrv) through a slice.
	Index int
	Cap   Cap
	Mode  Mode
	// Disabled is true with the "disabled" keyword.
	Disabled bool
	// File and Line locate the section header.
	File string
	Line int

	// Frontend side.
	Binds   []Bind
	MaxConn int // 0 = use global maxconn
	// FullConn is "fullconn" (backend side, inherited from defaults), as
	// haproxy's unsigned int; 0 = not set (computed from the frontends).
	FullConn int
	// DefaultBackend is the backend used when no UseBackends rule matched
	// (resolved; nil when none). A listen proxy with servers defaults to
	// itself.
	DefaultBackend *Proxy
	UseBackends    []UseBackend
	Captures       Captures
	// HTTPRequestRules and HTTPResponseRules are the http-request and
	// http-response rules in order.
	HTTPRequestRules  []HTTPRule
	HTTPResponseRules []HTTPRule
	// Redirects are the "redirect" directives, run after the http-request
	// rules (and the stats page) of the same proxy.
	Redirects []HTTPRule
	// TCPConnRules are the tcp-request connection rules in order.
	TCPConnRules []TCPConnRule
	// MonitorURI is the monitor-uri (empty = none); MonitorFail the
	// "monitor fail" condition (nil = none).
	MonitorURI  string
	MonitorFail *Cond
	Compression *Compression // nil = off
	// ACLs are the named ACLs declared in this proxy (already embedded in
	// the conditions that use them).
	ACLs map[string]*ACL

	// Logging.
	Logs []LogTarget // "log global" expanded; empty = no logging
	// LogStyle and LogFormat: the log-format string in use (HAProxy's
	// constant for tcplog/httplog/httpslog/clf, or the custom string);
	// empty for LogDefault.
	LogStyle       LogStyle
	LogFormat      string
	ErrorLogFormat string
	LogFormatSD    string
	// LogTag overrides the global log-tag for this proxy; empty = global.
	LogTag                                      string
	DontLogNull, DontLogNormal                  bool
	LogSeparateErrors, LogASAP, LogHealthChecks bool
	// UniqueIDFormat / UniqueIDHeader: unique-id-format / -header.
	UniqueIDFormat, UniqueIDHeader string

	// Connection handling.
	Timeouts   Timeouts
	ConnMode   ConnMode
	ForwardFor *ForwardFor // nil = off
	// TCPKA sets SO_KEEPALIVE on both sides; CliTCPKA/SrvTCPKA on one.
	TCPKA, CliTCPKA, SrvTCPKA bool
	AbortOnClose              bool
	// ErrorFiles maps a status code to the raw HTTP response to send.
	ErrorFiles map[int]ErrorFile
	Stats      *Stats // nil = stats disabled

	// Backend side.
	Balance Balance
	// BalanceURIWhole, BalanceURILen and BalanceURIDepth are the options
	// of "balance uri".
	BalanceURIWhole                bool
	BalanceURILen, BalanceURIDepth int
	Retries                        int // default 3
	Redispatch                     bool
	AllBackups                     bool
	Cookie                         *Cookie // nil = no cookie persistence
	Servers                        []*Server
	Check                          CheckKind
	HTTPCheck                      *HTTPCheck     // set with option httpchk
	ExternalCheck                  *ExternalCheck // set with option external-check
}

// Timeouts are the proxy timeouts; zero means not set.
type Timeouts struct {
	Client, Server, Connect      time.Duration
	HTTPRequest, HTTPKeepAlive   time.Duration
	Queue, Check, Tunnel         time.Duration
	ClientFin, ServerFin, Tarpit time.Duration
}

// Addr is a listening or destination address.
type Addr struct {
	// Network is "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix",
	// "unixgram" or "fd".
	Network string
	// Host is the IP or host name; empty for a wildcard ("*:80", ":80").
	Host string
	// Port is the port; PortEnd > Port for a bind port range "a-b".
	// Port 0 on a server means "the port the client connected to".
	Port, PortEnd int
	// Path is the UNIX socket path; FD the descriptor for "fd@N".
	Path string
	FD   int
}

// Bind is one address of a "bind" line (a comma-separated list yields one
// Bind per address, sharing the parameters).
type Bind struct {
	Addr Addr
	// Name is the "name" parameter.
	Name string
	// SSL is true with "ssl"; Crts lists the "crt" files (read and
	// checked at parse time).
	SSL  bool
	Crts []string
	// ALPN is the "alpn" list as written.
	ALPN string
	// TLSOptions are the ciphers, versions, tickets and curves (from
	// ssl-default-bind-* then the line), resolved when SSL is set.
	TLSOptions
	// Verify is "none", "optional" or "required" (client certificates,
	// "" = none) and CAFile the "ca-file" that checks them (ca-base
	// applied).
	Verify, CAFile string
	// StrictSNI refuses a handshake whose SNI matches no certificate.
	StrictSNI bool

	AcceptProxy bool
	DeferAccept bool
	TFO         bool
	Transparent bool
	File        string
	Line        int
}

// UseBackend is a "use_backend" rule.
type UseBackend struct {
	Backend *Proxy
	// Cond is nil for an unconditional rule.
	Cond *Cond
	File string
	Line int
}

// Captures lists what a frontend captures, in declaration order.
type Captures struct {
	Request  []HeaderCapture
	Response []HeaderCapture
	// Cookie is the "capture cookie" setting, nil when absent.
	Cookie *CookieCapture
}

// HeaderCapture is a "capture request/response header" line, or the slot
// of an "http-request capture" rule (ByRule: Name is then its sample
// expression, and the rule fills the slot when it runs).
type HeaderCapture struct {
	Name   string
	Len    int
	ByRule bool
}

// CookieCapture is a "capture cookie" line: Name is the cookie name prefix.
type CookieCapture struct {
	Name string
	Len  int
}

// HTTPAction is an http-request / http-response action.
type HTTPAction uint8

// HTTP rule actions.
const (
	ActAllow HTTPAction = iota
	ActDeny
	ActRedirect
	ActReturn
	ActSetHeader
	ActAddHeader
	ActDelHeader
	ActAuth
	ActSetLogLevel
	ActSetPath
	// ActUseService hands the request to a service (Value: the only one
	// supported is "prometheus-exporter").
	ActUseService
	// ActCapture stores a sample in request capture slot CaptureSlot
	// (http-request capture <sample> len <n>).
	ActCapture
)

// RedirectKind is the kind of a redirect rule.
type RedirectKind uint8

// Redirect kinds.
const (
	RedirectLocation RedirectKind = iota
	RedirectPrefix
	RedirectScheme
)

// HTTPRule is an http-request or http-response rule.
type HTTPRule struct {
	Action HTTPAction
	// Cond is nil for an unconditional rule.
	Cond *Cond
	// Status is the deny_status (deny: default 403, 502 for http-response) or return status
	// (default 200) or the redirect code (default 302).
	Status int
	// Name and Value: header name and log-format value for set-header,
	// add-header, del-header; Value is the path format for set-path, the
	// level for set-log-level and the realm for auth.
	Name, Value string
	// CaptureSlot and Sample: the capture slot and the fetch of an
	// http-request capture rule.
	CaptureSlot int
	Sample      Fetch
	// Redirect is the redirect kind; Location its argument: a log-format
	// string for http-request redirect, taken as written for the older
	// "redirect" directive (OldRedirect).
	Redirect    RedirectKind
	Location    string
	OldRedirect bool
	// DropQuery, AppendSlash and IgnoreEmpty are the redirect options of
	// those names: the query string left out of a prefix or scheme
	// redirect's path, a '/' added to a location not ending with one, the
	// rule skipped when its location renders empty.
	DropQuery, AppendSlash, IgnoreEmpty bool
	// ContentType and Body: the "return" reply (Body read from the file
	// for "file", or the "string" text).
	ContentType string
	Body        []byte
	File        string
	Line        int
}

// ErrorFile is an "errorfile" entry: the raw HTTP response read from Path.
type ErrorFile struct {
	Path string
	Data []byte
}

// ForwardFor holds "option forwardfor" settings.
type ForwardFor struct {
	// Header is the header name (default "X-Forwarded-For").
	Header string
	// Except is the network whose clients get no header (invalid = none).
	Except netip.Prefix
	// IfNone adds the header only when absent.
	IfNone bool
}

// Compression holds the compression settings.
type Compression struct {
	Algos   []string // identity, gzip, deflate, raw-deflate
	Types   []string // empty = any type
	Offload bool
	// File and Line locate the last "compression algo" line.
	File string
	Line int
}

// Stats holds the statistics page settings.
type Stats struct {
	Enable bool
	// URI is the prefix (default "/haproxy?stats").
	URI string
	// Realm is the Basic-auth realm (default "HAProxy Statistics").
	Realm string
	// Auth lists "user:password" credentials; empty = no authentication.
	Auth        []UserPass
	Refresh     time.Duration
	HideVersion bool
	// ShowLegends adds the proxies' capabilities, mode and id to the
	// page ("stats show-legends"); ShowNode is the node name shown in the
	// title ("stats show-node [name]", default the host name; "" = not
	// shown).
	ShowLegends bool
	ShowNode    string
	// Admin is the "stats admin" condition; nil = read-only.
	Admin *Cond
}

// UserPass is one "stats auth" credential.
type UserPass struct{ User, Pass string }

// CookieMode is the cookie persistence mode.
type CookieMode uint8

// Cookie modes.
const (
	CookieRewrite CookieMode = iota
	CookieInsert
	CookiePrefix
	// CookiePassive: no mode keyword, the server sets the cookie itself.
	CookiePassive
)

// Cookie holds the "cookie" persistence settings of a backend.
type Cookie struct {
	Name string
	Mode CookieMode
	// Indirect, NoCache (adds "cache-control: private" to cacheable
	// responses carrying the inserted cookie), PostOnly (insert on POST
	// only), HTTPOnly and Secure are the keyword options; Domains and
	// Attrs the "domain" and "attr" values. preserve, dynamic, maxidle and
	// maxlife are refused while parsing.
	Indirect, NoCache, PostOnly, HTTPOnly, Secure bool
	Domains                                       []string
	Attrs                                         []string
}

// CheckKind is the kind of health check of a backend.
type CheckKind uint8

// Check kinds.
const (
	CheckTCP CheckKind = iota
	CheckHTTP
	CheckExternal
)

// HTTPCheck holds "option httpchk" and "http-check" settings.
type HTTPCheck struct {
	// Method, URI and Version of the request (default OPTIONS / HTTP/1.0).
	Method, URI, Version string
	// Extra is raw text following the version in "option httpchk"
	// (deprecated way to add headers, e.g. "\r\nHost: x"), sent as is.
	Extra string
	// Headers are "http-check send hdr" headers in order.
	Headers []Header
	// Body is the "http-check send body".
	Body string
	// Expect is nil when no "http-check expect" (2xx/3xx pass).
	Expect *Expect
}

// Header is a header name and value.
type Header struct{ Name, Value string }

// ExpectKind is what an "http-check expect" rule matches.
type ExpectKind uint8

// Expect kinds.
const (
	ExpectStatus ExpectKind = iota
	ExpectRStatus
	ExpectString
	ExpectRString
)

// Expect is an "http-check expect" rule.
type Expect struct {
	Kind   ExpectKind
	Negate bool
	// Value is the pattern as written; for ExpectStatus it may be a list
	// "200,301" or range "200-399" (parsed into Statuses).
	Value    string
	Statuses [][2]int
	Regexp   *regexp.Regexp
}

// ExternalCheck holds "external-check" settings of a backend.
type ExternalCheck struct {
	Command string
	Path    string
}

// Server is a "server" line, with "default-server" parameters applied.
type Server struct {
	Name string
	// ID is the server's number inside its backend, 1-based.
	ID   int
	Addr Addr
	// Weight is 0..256 (default 1).
	Weight                  int
	MaxConn                 int // 0 = unlimited
	MaxQueue                int // 0 = unlimited
	Backup, Disabled, Check bool
	// Inter, FastInter, DownInter are check intervals (defaults: 2s,
	// Inter, Inter).
	Inter, FastInter, DownInter time.Duration
	// Rise and Fall: consecutive check results to go up/down (2, 3).
	Rise, Fall int
	// Cookie is the persistence cookie value; empty = none.
	Cookie string
	// CheckPort and CheckAddr override the check destination (0/"" = none).
	CheckPort int
	CheckAddr string
	SendProxy bool
	// ShutdownOnDown is "on-marked-down shutdown-sessions": the server's
	// sessions are closed when checks mark it DOWN; ShutdownBackupOnUp is
	// "on-marked-up shutdown-backup-sessions": the backup servers'
	// sessions are closed when it comes UP (proxy/extcheck_shutdown.go).
	ShutdownOnDown, ShutdownBackupOnUp bool

	SlowStart time.Duration
	// SSL is "ssl": TLS towards the server. Verify is "none" or
	// "required" ("" = HAProxy's default, required); CAFile the "ca-file",
	// SNI the "sni" sample expression, VerifyHost the "verifyhost" name
	// (NoVerifyHost disables the host name check), Crt the client
	// certificate ("crt"). CheckSSL/NoCheckSSL force TLS on or off for the
	// health checks; CheckSNI is the SNI of TLS checks.
	SSL                  bool
	Verify, CAFile, SNI  string
	VerifyHost, Crt      string
	NoVerifyHost         bool
	CheckSSL, NoCheckSSL bool
	CheckSNI             string
	// TLSOptions are as on a bind line (defaults from
	// ssl-default-server-*); NoSSLReuse disables session resumption.
	TLSOptions
	NoSSLReuse bool
	// ALPN is the "alpn" list offered to the server (HTTP/1.x only).
	ALPN string
	File string
	Line int
}
