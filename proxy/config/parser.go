package config

import (
	"fmt"
	"strings"

	"github.com/haplog/haplog/internal/diag"
)

// parser holds the state of one Parse call.
type parser struct {
	opts Options
	cfg  *Config
	all  []*Diag // every diagnostic in order, alerts included
	errs Errors
	nerr int
	file string
	line int
	// section is the keyword of the current section ("" before the first).
	section string
	// cur is the proxy (or defaults) being parsed; nil in other sections.
	cur *Proxy
	// defaults is the last anonymous (or last declared) defaults section,
	// copied into each new proxy.
	defaults *Proxy
	named    map[string]*Proxy // named defaults sections
	// namedAt: where each named defaults section was declared, every time
	// (a name declared twice is ambiguous once referenced).
	namedAt map[string][]diag.Pos
	byName  map[string][]*Proxy
	// internal counts the proxies haproxy creates for itself that take an
	// automatic id: the "GLOBAL" proxy of the first "stats socket" (1 or 0).
	internal int
	conds    []condFrame
	pending  []pendingRef
	state    map[*Proxy]*proxyState
	// deferred are errors HAProxy reports after parsing.
	deferred      []*Diag
	zeroWarnAbort bool
	// openFailed: a configuration file could not be opened; haproxy
	// reads no further file and prints no summary line.
	openFailed bool
	// stopped is set by the errors haproxy flags ERR_ABORT (see stop).
	stopped stopLevel
	// fileStopped: no further line of the current file is read.
	fileStopped bool
	// optName is the option being applied, for messages.
	optName string
	// bufsizeAt and maxhdrAt are where the last tune.bufsize and
	// tune.http.maxhdr were set (checked once the whole configuration is
	// read).
	bufsizeAt, maxhdrAt diag.Pos
}

// proxyState is parse-time state of one proxy not kept in the model.
type proxyState struct {
	sawHTTPRule, sawUseBackend    bool
	defaultBackend                string
	defaultBackendLine            int
	logFormatLine, forwardForLine int
	defaultServer                 *Server
	// rulesUsedBy: the sides (frontend, backend) of the proxies that
	// inherit this defaults section's rules.
	rulesUsedBy Cap
	// explicitRef, implicitRef: a defaults section is named by a "from",
	// or used as the last one by a proxy without "from".
	explicitRef, implicitRef bool
}

// pendingRef is a backend name to resolve once every proxy is known.
type pendingRef struct {
	px   *Proxy
	name string
	file string
	line int
	set  func(*Proxy)
	what string // "use_backend" or "nbsrv"
}

func newParser(o Options) *parser {
	return &parser{
		opts:    o,
		cfg:     &Config{Global: defaultGlobal()},
		named:   map[string]*Proxy{},
		namedAt: map[string][]diag.Pos{},
		byName:  map[string][]*Proxy{},
		state:   map[*Proxy]*proxyState{},
	}
}

func defaultGlobal() Global {
	return Global{LogTag: "haproxy", UID: -1, GID: -1, Tune: Tune{BufSize: 16384, MaxRewrite: 1024, MaxHdr: 101}}
}

// add records a diagnostic; alerts also become errors (err is the cause,
// may be nil).
func (p *parser) add(d *Diag, err error) {
	p.all = append(p.all, d)
	if d.Severity != diag.Error {
		p.cfg.Warnings = append(p.cfg.Warnings, d)
		return
	}
	p.nerr++
	d.Err = err
	p.errs = append(p.errs, d)
}

// alertf records an error at line (0: no location) of the current file.
func (p *parser) alertf(line int, format string, a ...any) {
	p.alertErr(line, nil, format, a...)
}

func (p *parser) alertErr(line int, cause error, format string, a ...any) {
	p.add(p.at(line).Errorf("", format, a...), cause)
}

// warnf records a warning at line (0: no location) of the current file.
func (p *parser) warnf(line int, format string, a ...any) {
	p.add(p.at(line).Warnf("", format, a...), nil)
}

func (p *parser) noticef(line int, format string, a ...any) {
	p.add(diag.Pos{File: p.file, Line: line}.Notef("", format, a...), nil)
}

// stopLevel is how an error haproxy flags ERR_ABORT ends the reading.
type stopLevel int

const (
	// stopAfterLine: no further line or file is read; the end-of-file
	// checks (an unterminated .if) still run.
	stopAfterLine stopLevel = iota + 1
	// stopNow: nothing more is read or checked.
	stopNow
)

// stop ends the reading after the current line as haproxy does after an
// error it flags ERR_ABORT: no further line or file is read, nothing is
// checked once the files are read, and -c prints no "Fatal errors found"
// line.
func (p *parser) stop(l stopLevel) {
	p.stopped = max(p.stopped, l)
}

// tighten marks the last diagnostic as printed "parsing [f:l]: " (no
// space before the colon), as haproxy's configuration parser prints a
// few of its own.
func (p *parser) tighten() {
	p.all[len(p.all)-1].Tight = true
}

// at is line of the current file, or no position when line is 0.
func (p *parser) at(line int) diag.Pos {
	if line > 0 {
		return diag.Pos{File: p.file, Line: line}
	}
	return diag.Pos{}
}

// condFrame is one open .if block.
type condFrame struct {
	line         int
	parentActive bool
	active       bool // current branch is active
	taken        bool // a branch was already active
	sawElse      bool
}

func (p *parser) active() bool {
	return len(p.conds) == 0 || p.conds[len(p.conds)-1].active
}

// directive handles lines starting with '.'.
func (p *parser) directive(w []string) {
	switch w[0] {
	case ".if":
		parent := p.active()
		ok := parent && p.evalIf(w)
		p.conds = append(p.conds, condFrame{line: p.line, parentActive: parent, active: ok, taken: ok})
		return
	case ".elif", ".else", ".endif":
		if len(w) > 1 && w[0] != ".elif" {
			p.alertf(p.line, "Unexpected argument '%s' for '%s'.", w[1], w[0])
			p.tighten()
			p.stop(stopAfterLine)
			return
		}
		if len(p.conds) == 0 {
			p.alertf(p.line, "lone '%s' with no matching '.if'.", w[0])
			p.tighten()
			p.stop(stopNow)
			return
		}
		f := &p.conds[len(p.conds)-1]
		switch w[0] {
		case ".endif":
			p.conds = p.conds[:len(p.conds)-1]
		case ".else":
			if f.sawElse {
				p.alertf(p.line, "'.else' after '.else' is not permitted.")
				p.tighten()
				p.stop(stopNow)
				return
			}
			f.sawElse = true
			f.active = f.parentActive && !f.taken
			f.taken = f.taken || f.active
		case ".elif":
			if f.sawElse {
				p.alertf(p.line, "'.elif' after '.else' is not permitted.")
				p.tighten()
				p.stop(stopNow)
				return
			}
			f.active = f.parentActive && !f.taken && p.evalIf(w)
			f.taken = f.taken || f.active
		}
		return
	}
	if !p.active() {
		return
	}
	msg := ""
	if len(w) > 1 {
		msg = w[1]
	}
	if len(w) > 2 {
		p.alertf(p.line, "Unexpected argument '%s' for '%s'. Use quotes if the message should contain spaces.", w[2], w[0])
		p.tighten()
		return
	}
	switch w[0] {
	case ".notice", ".diag":
		if w[0] == ".notice" {
			p.noticef(p.line, "'%s'.", msg)
			p.tighten()
		}
	case ".warning":
		p.warnf(p.line, "'%s'.", msg)
		p.tighten()
	case ".alert":
		p.alertf(p.line, "'%s'.", msg)
		p.tighten()
		p.stop(stopNow)
	default:
		p.alertf(p.line, "unknown directive '%s'.", w[0])
		p.tighten()
		p.fileStopped = true // haproxy reads no further line of the file
	}
}

// versionCmp compares dotted numeric versions.
func versionCmp(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
