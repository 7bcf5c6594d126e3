package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// globalIgnored lists global keywords accepted with a warning because they
// have no effect on what this implementation does: performance tuning,
// debugging switches, and settings of features refused elsewhere (peers,
// compression, PROXY protocol, QUIC). docs/haproxy-directives.md lists
// them with the reason.
var globalIgnored = map[string]bool{
	"spread-checks": true, "max-spread-checks": true, "cpu-map": true, "description": true,
	"node": true, "maxpipes": true, "maxzlibmem": true, "maxcomprate": true, "maxcompcpuusage": true,
	"server-state-file": true, "server-state-base": true, "h1-case-adjust": true,
	"h1-case-adjust-file": true, "quiet": true, "noepoll": true, "nopoll": true,
	"nosplice": true, "nogetaddrinfo": true, "noreuseport": true, "busy-polling": true,
	"set-dumpable": true, "strict-limits": true,
	"pp2-never-send-local": true, "numa-cpu-mapping": true, "no-memory-trimming": true,
	"thread-groups": true, "thread-group": true, "insecure-setuid-wanted": true,
	"mworker-max-reloads": true, "localpeer": true, "expose-experimental-directives": true,
	"ssl-engine": true, "ssl-mode-async": true, "cluster-secret": true,
}

// globalIgnoredPrefixes are keyword prefixes accepted and ignored (after
// globalRefused).
var globalIgnoredPrefixes = []string{"tune.", "profiling.", "httpclient."}

// globalRefused are global keywords HAProxy honours and this
// implementation cannot: fatal rather than ignored.
var globalRefused = map[string]string{
	"grace":                  "soft stops do not wait",
	"maxconnrate":            "no accept rate limit",
	"maxsessrate":            "no session rate limit",
	"maxsslrate":             "no TLS handshake rate limit",
	"maxsslconn":             "no TLS connection limit",
	"unix-bind":              "UNIX sockets get no default prefix, mode or owner",
	"issuers-chain-path":     "no certificate chain completion",
	"fd-hard-limit":          "the descriptor limit is not capped",
	"ssl-load-extra-files":   "certificate side files are always looked up as '<crt>.key'",
	"ssl-load-extra-del-ext": "certificate side files are always looked up as '<crt>.key'",
	"tune.http.cookielen":    "captured cookies are logged at their capture length",
	"tune.http.logurilen":    "logged URIs are not truncated at that length",
}

func (p *parser) globalLine(w []string) {
	g := &p.cfg.Global
	kw := w[0]
	switch kw {
	case "log":
		t, err := p.parseLogTarget(w[1:])
		if err != nil {
			p.alertErr(p.line, ErrSyntax, "log : %v", err)
			return
		}
		g.Logs = append(g.Logs, t)
	case "log-send-hostname":
		if len(w) > 1 {
			g.LogSendHostname = w[1]
			return
		}
		h, err := p.hostname()
		if err != nil {
			p.alertf(p.line, "'%s': cannot get the system host name: %v", kw, err)
			return
		}
		g.LogSendHostname = h
	case "log-tag":
		if p.needArgs(w, 1, "<tag>") {
			g.LogTag = w[1]
		}
	case "ssl-server-verify":
		if !p.needArgs(w, 1, "[none|required]") {
			return
		}
		if w[1] != "none" && w[1] != "required" {
			p.alertf(p.line, "'%s' : unknown value '%s', only 'none' and 'required' are supported.", kw, w[1])
			return
		}
		g.SSLServerVerify = w[1]
	case "maxconn":
		p.globalInt(w, &g.MaxConn)
	case "nbthread":
		p.globalInt(w, &g.NbThread)
		if g.NbThread == 0 && len(w) > 1 {
			p.alertf(p.line, "'nbthread' must be a positive integer (got '%s')", w[1])
		}
	case "ca-base", "crt-base":
		if !p.needArgs(w, 1, "a directory path") {
			return
		}
		dst := &g.CABase
		if kw == "crt-base" {
			dst = &g.CRTBase
		}
		if *dst != "" {
			p.alertf(p.line, "'%s' already specified. Continuing.", kw)
			return
		}
		*dst = w[1]
	case "ssl-default-bind-ciphers", "ssl-default-bind-ciphersuites", "ssl-default-server-ciphers", "ssl-default-server-ciphersuites":
		if !p.needArgs(w, 1, "a cipher suite list") {
			return
		}
		o := &g.SSLDefaultBind
		if strings.HasPrefix(kw, "ssl-default-server-") {
			o = &g.SSLDefaultServer
		}
		if strings.HasSuffix(kw, "ciphersuites") {
			o.Ciphersuites = w[1]
		} else {
			o.Ciphers = w[1]
		}
	case "ssl-default-bind-options", "ssl-default-server-options":
		o := &g.SSLDefaultBind
		if kw == "ssl-default-server-options" {
			o = &g.SSLDefaultServer
		}
		if err := parseDefaultOptions(o, w[1:], o == &g.SSLDefaultBind); err != nil {
			p.alertErr(p.line, ErrUnsupported, "%s on global statement '%s'.", err, kw)
		}
	case "ssl-dh-param-file":
		p.dhParamFile(w)
	case "ulimit-n":
		p.globalInt(w, &g.UlimitN)
	case "daemon":
		g.Daemon = true
	case "master-worker":
		g.MasterWorker = true
	case "zero-warning":
		g.ZeroWarning = true
	case "external-check":
		g.ExternalCheck = true
	case "insecure-fork-wanted":
		g.InsecureForkWanted = true
	case "pidfile":
		p.globalStr(w, &g.PidFile)
	case "chroot":
		p.globalStr(w, &g.Chroot)
	case "user":
		p.globalOwner(w, "user", lookupUser, &g.User, &g.UID)
	case "group":
		p.globalOwner(w, "group", lookupGroup, &g.Group, &g.GID)
	case "uid":
		p.globalInt(w, &g.UID)
	case "gid":
		p.globalInt(w, &g.GID)
	case "hard-stop-after":
		if p.needArgs(w, 1, "<time>") {
			d, err := ParseTime(w[1])
			if err != nil {
				p.alertf(p.line, "%v in '%s'", err, kw)
				return
			}
			g.HardStopAfter = d
		}
	case "tune.bufsize", "tune.maxrewrite", "tune.http.maxhdr":
		p.globalTune(w)
	case "stats":
		p.globalStats(w)
	case "setenv", "presetenv", "unsetenv", "resetenv":
		p.envDirective(w)
	case "nbproc":
		p.alertf(p.line, "nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.")
	case "lua-load", "lua-load-per-thread", "lua-prepend-path":
		p.alertErr(p.line, ErrUnsupported, "'%s' is not supported by this implementation (no Lua engine).", kw)
	default:
		if why, ok := globalRefused[kw]; ok {
			p.alertErr(p.line, ErrUnsupported, "'%s' is not supported by this implementation (%s).", kw, why)
			return
		}
		if globalIgnored[kw] || hasAnyPrefix(kw, globalIgnoredPrefixes) {
			p.warnf(p.line, "'%s' is accepted but ignored by this implementation.", kw)
			return
		}
		p.alertErr(p.line, ErrUnknownKeyword, "unknown keyword '%s' in 'global' section", kw)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, pre := range prefixes {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	return false
}

func (p *parser) hostname() (string, error) {
	if p.opts.Hostname != nil {
		return p.opts.Hostname()
	}
	return osHostname()
}

// needArgs reports whether w has at least n arguments, recording an error
// naming what is expected otherwise.
func (p *parser) needArgs(w []string, n int, what string) bool {
	if len(w)-1 >= n && w[n] != "" {
		return true
	}
	p.alertErr(p.line, ErrSyntax, "'%s' expects %s as argument.", w[0], what)
	return false
}

func (p *parser) globalInt(w []string, dst *int) {
	if !p.needArgs(w, 1, "an integer") {
		return
	}
	n, err := strconv.Atoi(w[1])
	if err != nil || n < 0 {
		p.alertErr(p.line, ErrSyntax, "'%s' expects an integer argument (got '%s').", w[0], w[1])
		return
	}
	*dst = n
}

// globalOwner sets global "user" or "group" (what) and its id, looked up
// in the passwd or group database.
func (p *parser) globalOwner(w []string, what string, lookup func(string) (int, error), name *string, id *int) {
	if !p.needArgs(w, 1, "a "+what+" name") {
		return
	}
	n, err := lookup(w[1])
	if err != nil {
		p.alertErr(p.line, ErrReference, "cannot find %s id for '%s' (%v)", what, w[1], err)
		return
	}
	*name, *id = w[1], n
}

// ownerID is the id of a stats socket's owner: for kw "user" or "group"
// (what) the name val looked up, for "uid" or "gid" val read as haproxy
// reads it (C atol: "12x" is 12, "abc" is 0).
func ownerID(kw, val, what string, lookup func(string) (int, error)) (int, error) {
	if kw == what {
		id, err := lookup(val)
		if err != nil {
			return 0, kwErrorf("'%s' : unknown %s name '%s'", kw, what, val)
		}
		return id, nil
	}
	return int(atol(val)), nil
}

func (p *parser) globalStr(w []string, dst *string) {
	if p.needArgs(w, 1, "a value") {
		*dst = w[1]
	}
}

// defaultStatsMaxConn is the maxconn of haproxy's CLI frontend.
const defaultStatsMaxConn = 10

// atol is C's atol (glibc): optional blanks and sign, then decimal
// digits up to the first other character; 0 without digits; saturated
// on overflow.
func atol(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var n uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if n > (limit-d)/10 {
			n = limit
			break
		}
		n = n*10 + d
	}
	if neg {
		return int64(-n) // two's complement: -(MaxInt64+1) is MinInt64
	}
	return int64(n)
}

func (p *parser) globalStats(w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'stats' expects 'socket', 'timeout' or 'maxconn' as argument.")
		return
	}
	switch w[1] {
	case "socket", "timeout", "maxconn", "bind-process":
		// haproxy creates its CLI frontend (maxconn 10) on the first one.
		if p.cfg.Global.StatsMaxConn == 0 {
			p.cfg.Global.StatsMaxConn = defaultStatsMaxConn
		}
	}
	switch w[1] {
	case "socket":
		p.statsSocket(w)
	case "timeout":
		if len(w) < 3 {
			p.alertf(p.line, "'stats timeout' expects a time value")
			return
		}
		d, err := ParseTime(w[2])
		if err != nil || d == 0 {
			p.alertf(p.line, "'stats timeout' : invalid timeout '%s'", w[2])
			return
		}
		p.cfg.Global.StatsTimeout = d
	case "maxconn":
		n := 0
		if len(w) > 2 {
			n = int(int32(atol(w[2]))) // haproxy: int maxconn = atol(...)
		}
		if n <= 0 {
			p.alertf(p.line, "'stats maxconn' expects a positive value")
			return
		}
		p.cfg.Global.StatsMaxConn = n
		p.warnf(p.line, "'stats maxconn' only sizes the computed global maxconn: this implementation does not limit CLI connections.")
	case "bind-process":
		p.warnf(p.line, "'stats %s' is accepted but ignored by this implementation.", w[1])
	default:
		p.alertf(p.line, "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' in 'global' section")
	}
}

func (p *parser) statsSocket(w []string) {
	if len(w) < 3 {
		p.alertf(p.line, "'stats socket' requires a path or an address")
		return
	}
	addr, err := expandAddrVars(w[2], p.env)
	if err == nil {
		var s StatsSocket
		s.Addr, err = parseAddr(addr, false, false)
		if err == nil {
			s.Level, s.File, s.Line = "admin", p.file, p.line
			s.UID, s.GID = -1, -1
			if err = p.statsSocketParams(&s, w[3:]); err == nil {
				p.cfg.Global.StatsSockets = append(p.cfg.Global.StatsSockets, s)
				p.internal = 1 // haproxy's GLOBAL proxy takes the next id
				return
			}
		}
	}
	var kwe kwErr
	if errors.As(err, &kwe) {
		// haproxy quotes a keyword's own message.
		p.alertErr(p.line, ErrSyntax, "'stats socket' : '%v'", err)
		return
	}
	p.alertErr(p.line, ErrSyntax, "'stats socket' : %v", err)
}

func (p *parser) statsSocketParams(s *StatsSocket, a []string) error {
	for i := 0; i < len(a); i++ {
		kw := a[i]
		var val string
		switch kw {
		case "mode", "level", "user", "group", "uid", "gid", "expose-fd", "name", "severity-output", "maxconn", "process", "thread":
			if i+1 < len(a) {
				i++
				val = a[i]
			} else if err := missingSocketValue(kw); err != nil {
				return err
			}
		}
		switch kw {
		case "mode":
			m, err := strconv.ParseUint(val, 8, 32)
			if err != nil {
				return kwErrorf("'mode' : missing or invalid mode '%s' (octal integer expected)", val)
			}
			s.Mode = osFileMode(m)
		case "level":
			if val != "user" && val != "operator" && val != "admin" {
				return kwErrorf("'level' only supports 'user', 'operator', and 'admin' (got '%s')", val)
			}
			s.Level = val
		case "user", "uid":
			s.User = val
			id, err := ownerID(kw, val, "user", lookupUser)
			if err != nil {
				return err
			}
			s.UID = id
		case "group", "gid":
			s.Group = val
			id, err := ownerID(kw, val, "group", lookupGroup)
			if err != nil {
				return err
			}
			s.GID = id
		case "expose-fd":
			if val != "listeners" {
				return kwErrorf("'expose-fd' only supports 'listeners' (got '%s')", val)
			}
			s.ExposeFDListeners = true
		case "name", "severity-output", "maxconn", "process", "thread":
			p.warnf(p.line, "'stats socket' : parameter '%s' is accepted but ignored by this implementation.", kw)
		default:
			return fmt.Errorf("unknown keyword '%s'", kw)
		}
	}
	return nil
}

// missingSocketValue is haproxy's message for a stats socket keyword
// given no value (nil for mode, which goes on to its own message).
func missingSocketValue(kw string) error {
	switch kw {
	case "mode":
		return nil
	case "user", "group":
		return kwErrorf("'%s' : missing %s name", kw, kw)
	case "level":
		return kwErrorf("'level' : missing level")
	}
	return kwErrorf("'%s' : missing value", kw)
}

// kwErr is the message of a stats socket keyword, which haproxy prints
// quoted after "'stats socket' : ".
type kwErr string

func (e kwErr) Error() string { return string(e) }

func kwErrorf(format string, a ...any) error { return kwErr(fmt.Sprintf(format, a...)) }

// envDirective applies setenv/presetenv/unsetenv/resetenv to the parser's
// view of the environment (the process environment is not modified).
func (p *parser) envDirective(w []string) {
	base := p.opts.Env
	if base == nil {
		base = osLookupEnv
	}
	switch w[0] {
	case "setenv", "presetenv":
		if len(w) != 3 {
			p.alertf(p.line, "'%s' expects exactly 2 arguments.", w[0])
			return
		}
		name, val := w[1], w[2]
		if _, set := base(name); set && w[0] == "presetenv" {
			return
		}
		p.opts.Env = func(n string) (string, bool) {
			if n == name {
				return val, true
			}
			return base(n)
		}
	case "unsetenv", "resetenv":
		// unsetenv hides the names listed, resetenv all the others.
		names, keep := w[1:], w[0] == "resetenv"
		p.opts.Env = func(n string) (string, bool) {
			if slices.Contains(names, n) == keep {
				return base(n)
			}
			return "", false
		}
	}
}

// dhParamFile checks "ssl-dh-param-file" as haproxy 2.6 loads it: a file
// holding PEM DH parameters, else an alert. The parameters themselves do
// nothing here (Go's TLS has no DHE cipher suites), so a good file only
// gets a warning.
func (p *parser) dhParamFile(w []string) {
	if !p.needArgs(w, 1, "a file name") {
		return
	}
	data, err := p.readFile(w[1])
	if err != nil || !bytes.Contains(data, []byte("-----BEGIN DH PARAMETERS-----")) {
		p.alertErr(p.line, ErrSyntax, "'ssl-dh-param-file': unable to load DH parameters from file <%s>.", w[1])
		return
	}
	p.warnf(p.line, "'ssl-dh-param-file' is accepted but ignored by this implementation.")
}
