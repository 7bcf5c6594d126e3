package syslogd

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/haplog/haplog/internal/diag"
)

// Config is the part of an rsyslog configuration that syslogd understands:
// inputs, templates and selector rules writing to files.
type Config struct {
	Inputs          []Input
	Templates       map[string]*Template
	Rules           []Rule
	MaxMessageSize  int          // 0: DefaultMaxMessageSize
	Warnings        []*diag.Diag // ignored directives, "file:line: warning: text"
	DefaultTemplate string       // template of actions that name none
	// Umask is applied to the create mode of files ($Umask); -1: not
	// set, the usual daemon umask 022 applies.
	Umask int
	// Receive is what the parser does to a message on reception
	// ($EscapeControlCharactersOnReceive, $ControlCharacterEscapePrefix,
	// $DropTrailingLFOnReception, $Escape8BitCharactersOnReceive,
	// $EscapeControlCharacterTab, $SpaceLFOnReceive and the parser.*
	// parameters of global()).
	Receive ReceiveOptions

	// LocalHostname names the sender of messages from the local log socket
	// ($LocalHostName, global(localHostname)); empty: the host's name.
	LocalHostname string
	// PreserveFQDN keeps the domain of the local host's name and of
	// senders' names in the local domain ($PreserveFQDN,
	// global(preserveFQDN)); off, as in rsyslog, they are cut to the
	// first label.
	PreserveFQDN bool
	// Process is what the process does once its sockets are bound:
	// drop privileges, raise its open-files limit (cmd/syslogd).
	Process Process

	// allowUDP and allowTCP are the senders $AllowedSender permits;
	// empty: any.
	allowUDP, allowTCP []netip.Prefix

	// outputs builds the Sink of each forwarding action (omkafka), by its
	// rule's synthetic Path.
	outputs map[string]func(*Server) (Sink, error)
	// services run with the server (imkafka inputs, imkafka.go).
	services []func(context.Context, *Server)

	// rulesets are the rulesets defined, by name, with the position of
	// their definition.
	rulesets map[string]string
	// legacyRS is the ruleset $RuleSet selected ("": the default one).
	legacyRS string
	// dynaCache is $DynaFileCacheSize (0: rsyslog's default, 10).
	dynaCache int
	// memos is the number of if conditions (each has a memo slot).
	memos int
	// rsRefs are the bindings of inputs to rulesets, for their check.
	rsRefs []rsRef

	file    FileAttrs // $FileCreateMode, $FileOwner, $FileGroup so far (selector lines)
	modFile FileAttrs // builtin:omfile's module parameters (action() defaults)
	sysSock struct {  // imuxsock's system socket
		load, omit bool   // module loaded; $OmitLocalLogging / syssock.use="off"
		path       string // $SystemLogSocketName / syssock.name; empty: /dev/log
	}
	klog struct { // imklog
		load   bool
		rainer bool   // loaded by module(): legacy $KLog... are refused
		path   string // logpath / $KLogPath; empty: DefaultKlogPath
		permit bool   // PermitNonKernelFacility
	}
}

// FileAttrs are the permissions and owner a file action creates its file
// with: rsyslog's $FileCreateMode, $FileOwner and $FileGroup (in force
// where the action is), omfile's fileCreateMode, fileOwner and fileGroup
// parameters, or builtin:omfile's module defaults. A logrotate `create`
// line for the file takes precedence.
type FileAttrs struct {
	Mode os.FileMode // 0: rsyslog's default, 0644
	// DirMode is the mode of the missing directories of the path
	// ($DirCreateMode, omfile's dirCreateMode), less the umask; 0:
	// rsyslog's default, 0700.
	DirMode      os.FileMode
	Owner, Group string // user and group names or ids; empty: the process's
	// DirOwner and DirGroup own the directories created for the file
	// ($DirOwner, $DirGroup, omfile's dirOwner and dirGroup); empty:
	// the process's.
	DirOwner, DirGroup string
	// NoCreateDirs: missing directories are not created
	// ($CreateDirs off, omfile's createDirs="off").
	NoCreateDirs bool
}

// InputKind is the transport of an Input.
type InputKind string

// Input kinds.
const (
	UDP  InputKind = "udp"
	TCP  InputKind = "tcp"
	Unix InputKind = "unix"
)

// Input is one listener.
type Input struct {
	Kind   InputKind
	Addr   string // host:port, or a socket path for Unix
	RcvBuf int    // requested receive buffer in bytes, 0: default
	// PermitNonKernel (Klog only: imklog's PermitNonKernelFacility)
	// keeps kernel log lines of another facility than kern.
	PermitNonKernel bool
	// Ruleset is the ruleset the input's messages go through (input's
	// ruleset=, $InputUDPServerBindRuleset ...); "": the default one.
	Ruleset string
}

// Rule is one selector line and its action.
type Rule struct {
	Selector Selector
	Stop     bool   // discard: later rules do not see matching messages
	Path     string // file written
	Template string // template name
	File     FileAttrs
	Pos      string // file:line of the rule

	// Ruleset is the ruleset the rule is in (ruleset(name=...) { },
	// $RuleSet); "": the default one, RSYSLOG_DefaultRuleset.
	Ruleset string
	// Call, when set, makes the statement a "call" of that ruleset: its
	// rules run here, subject to this rule's conditions.
	Call string
	// Dyna, when set, is the template of a dynaFile action's file name
	// (Path is then empty); DynaCache its number of open files.
	Dyna      string
	DynaCache int

	// filters are the property filters the message must also pass
	// (its own and those of the blocks it is in), in order.
	filters []*propFilter
	// set, when not nil, makes the rule a set or unset statement.
	set *setStmt
}

// setStmt is `set $!name = expr;` or `unset $!name;` (expr nil).
type setStmt struct {
	name string // "!name" or ".name"
	expr *rexpr
}

// ConfigError is a configuration error at a file and line: the one
// diagnostics type of every config reader (internal/diag), printed
// "FILE:LINE: error: DIRECTIVE: MESSAGE". Directive names the directive or
// parameter concerned, if any; Err is the cause (errors.Is/As see it).
type ConfigError = diag.Diag

// configErr returns the error err at file:line about field.
func configErr(file string, line int, field string, err error) *ConfigError {
	return diag.Pos{File: file, Line: line}.Wrap(field, err)
}

// ErrUnsupported is wrapped by errors about configuration that syslogd
// does not implement and that would change where messages go.
var ErrUnsupported = errors.New("unsupported")

// LoadConfig reads and parses an rsyslog configuration file.
func LoadConfig(path string) (*Config, error) {
	c := newConfig()
	if err := c.loadFile(path, 0); err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseConfig parses an rsyslog configuration held in memory; name is used
// in error messages and to resolve relative includes.
func ParseConfig(name string, data []byte) (*Config, error) {
	c := newConfig()
	if err := c.parse(name, string(data), 0); err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

func newConfig() *Config {
	c := &Config{Templates: map[string]*Template{}, DefaultTemplate: "RSYSLOG_FileFormat", Umask: -1,
		rulesets: map[string]string{}}
	for name, s := range builtinTemplates() {
		t, err := compileBuiltin(name, s)
		if err == nil {
			c.Templates[name] = t
		}
	}
	return c
}

// finish checks that every rule names a known template.
func (c *Config) finish() error {
	if c.sysSock.load && !c.sysSock.omit {
		path := c.sysSock.path
		if path == "" {
			path = "/dev/log"
		}
		c.Inputs = append(c.Inputs, Input{Kind: Unix, Addr: path})
	}
	if c.klog.load {
		path := c.klog.path
		if path == "" {
			path = DefaultKlogPath
		}
		c.Inputs = append(c.Inputs, Input{Kind: Klog, Addr: path, PermitNonKernel: c.klog.permit})
	}
	c.lineTemplates() // omkafka/omfwd: one message per line (omkafka.go)
	for _, r := range c.Rules {
		if r.Stop || r.set != nil || r.Call != "" {
			continue
		}
		if _, ok := c.Templates[r.Template]; !ok {
			file, line := splitPos(r.Pos)
			return configErr(file, line, "template", fmt.Errorf("template %q is not defined", r.Template))
		}
		if _, ok := c.Templates[r.Dyna]; r.Dyna != "" && !ok {
			file, line := splitPos(r.Pos)
			return configErr(file, line, "dynaFile", fmt.Errorf("template %q is not defined", r.Dyna))
		}
	}
	return c.checkRulesets()
}

func splitPos(pos string) (string, int) {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return pos, 0
	}
	n, _ := strconv.Atoi(pos[i+1:])
	return pos[:i], n
}

func (c *Config) loadFile(path string, depth int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return c.parse(path, string(data), depth)
}

// parser state for one file.
type cfgParser struct {
	c       *Config
	file    string
	depth   int
	udpAddr string   // $UDPServerAddress
	last    *cond    // filter of the previous rule, for '&'
	body    tmplBody // the { ... } body following the template(...) being handled
	blocks  []cond   // the { ... } blocks the parser is in, outermost first
	// elseOf holds, for each block, the condition of an else after it
	// (the negation of its if; nil for other blocks).
	elseOf []*rexpr
	// pendingElse is the condition an "else" statement would have now.
	pendingElse *rexpr
	// pendingRS is a ruleset(...) whose '{' is on a later line.
	pendingRS *cond
	// udpRS and tcpRS are the rulesets of the next $UDPServerRun and
	// $InputTCPServerRun ($InputUDPServerBindRuleset ...).
	udpRS, tcpRS string
}

// cond is what a rule is subject to: a selector and property filters.
// The block of a ruleset(name=...) { } is a cond with isRS set.
type cond struct {
	sel     Selector
	filters []*propFilter
	isRS    bool
	name    string // the ruleset of an isRS block
}

// allSelector matches every message.
func allSelector() Selector {
	var s Selector
	for i := range s {
		s[i] = 0xff
	}
	return s
}

// within returns c restricted by the enclosing blocks.
func (p *cfgParser) within(c cond) cond {
	for i := len(p.blocks) - 1; i >= 0; i-- {
		b := p.blocks[i]
		for r := range c.sel {
			c.sel[r] &= b.sel[r]
		}
		c.filters = append(append([]*propFilter(nil), b.filters...), c.filters...)
	}
	return c
}

// tmplBody is the body of a list template, the text between its braces
// with the line ends kept.
type tmplBody struct {
	ok   bool
	text string
	line int // line of the '{'
}

func (c *Config) parse(file, data string, depth int) error {
	if depth > 8 {
		return fmt.Errorf("%s: includes nested too deep", file)
	}
	p := &cfgParser{c: c, file: file, depth: depth}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		if strings.HasPrefix(line, "/*") {
			for i < len(lines) && !strings.Contains(lines[i], "*/") {
				i++
			}
			continue
		}
		// A RainerScript statement may span lines: join until the
		// parentheses balance.
		tmpl := false
		if name, ok := objectName(line); ok && name == "template" {
			tmpl = true
		}
		for parenDepth(line) > 0 && i+1 < len(lines) {
			if _, _, closed := cutObject(line); tmpl && closed {
				break // the rest is the body of a list template
			}
			i++
			line += " " + strings.TrimSpace(lines[i])
		}
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + strings.TrimSpace(lines[i])
		}
		if line == "" {
			continue // a lone "\" before an empty line
		}
		// A template(...) may be followed by a { ... } body (a list
		// template), on its line or from the next one: read up to the
		// closing brace, outside quotes and comments. What follows it on
		// its line is a statement of its own.
		var rest string
		restLine := 0
		if tmpl {
			head, after, _ := cutObject(line)
			j := i
			if after == "" || after[0] == '#' {
				k := i + 1
				for k < len(lines) {
					if t := strings.TrimSpace(lines[k]); t != "" && t[0] != '#' {
						break
					}
					k++
				}
				if k < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[k]), "{") {
					j, after = k, strings.TrimSpace(lines[k])
				}
			}
			if strings.HasPrefix(after, "{") {
				braceLine := j + 1
				text := after[1:]
				end := braceEnd(text)
				for end < 0 && j+1 < len(lines) {
					j++
					text += "\n" + strings.TrimSuffix(lines[j], "\r")
					end = braceEnd(text)
				}
				if end < 0 {
					return configErr(file, braceLine, "template", fmt.Errorf("'{' without a closing '}'"))
				}
				p.body = tmplBody{ok: true, text: text[:end], line: braceLine}
				line, i = head, j
				if r := strings.TrimSpace(text[end+1:]); r != "" && r[0] != '#' {
					rest, restLine = r, j+1
				}
			}
		}
		err := p.blockStatement(line, lineNo)
		p.body = tmplBody{}
		if err == nil && rest != "" {
			lineNo = restLine
			err = p.statement(rest, lineNo)
		}
		if err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				return err
			}
			return configErr(file, lineNo, "", err)
		}
	}
	if len(p.blocks) > 0 {
		return configErr(file, len(lines), "", fmt.Errorf("%d block(s) opened with '{' not closed", len(p.blocks)))
	}
	return nil
}

// cutObject splits `name(...) rest` after the parenthesis that closes the
// object, outside quotes; rest is trimmed. closed is false when s does not
// hold that parenthesis.
func cutObject(s string) (head, rest string, closed bool) {
	if _, i := scanParens(s); i >= 0 {
		return s[:i+1], strings.TrimSpace(s[i+1:]), true
	}
	return s, "", false
}

// braceEnd returns the index in s of the '}' that closes a template body
// opened before s, outside double quotes, # comments and /* */ comments;
// -1 if s does not hold it.
func braceEnd(s string) int {
	d, q := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q:
			if c == '\\' {
				i++
			} else if c == '"' {
				q = false
			}
		case c == '"':
			q = true
		case c == '#':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return -1
			}
			i += j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return -1
			}
			i += j + 3
		case c == '{':
			d++
		case c == '}':
			if d == 0 {
				return i
			}
			d--
		}
	}
	return -1
}

// parenDepth returns the parenthesis depth at the end of s, outside quotes.
func parenDepth(s string) int {
	d, _ := scanParens(s)
	return d
}

// scanParens walks s outside double quotes (whose backslash escapes it
// skips) and returns the parenthesis depth where it stops, at the end of s
// or at a '#' comment outside parentheses, and the index of the first ')'
// that closes an outermost parenthesis (-1 if none).
func scanParens(s string) (depth, closeAt int) {
	d, q := 0, false
	closeAt = -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && q:
			i++
		case c == '"':
			q = !q
		case !q && c == '(':
			d++
		case !q && c == ')':
			d--
			if d == 0 && closeAt < 0 {
				closeAt = i
			}
		case !q && c == '#' && d == 0:
			return d, closeAt
		}
	}
	return d, closeAt
}

func (p *cfgParser) pos(line int) string { return fmt.Sprintf("%s:%d", p.file, line) }

func (p *cfgParser) warn(line int, format string, args ...any) {
	p.c.Warnings = append(p.c.Warnings, diag.Pos{File: p.file, Line: line}.Warnf("", format, args...))
}

func (p *cfgParser) errf(line int, field, format string, args ...any) error {
	return configErr(p.file, line, field, fmt.Errorf(format, args...))
}

// blockStatement handles the braces of { ... } blocks around statements:
// a filter ending in '{' opens a block, a '}' closes one, before or after
// a statement on the same line.
func (p *cfgParser) blockStatement(line string, n int) error {
	for strings.HasPrefix(line, "}") {
		if len(p.blocks) == 0 {
			return p.errf(n, "", "'}' without a block")
		}
		p.popBlock()
		line = strings.TrimSpace(line[1:])
	}
	closes := 0
	for line != "" && line[0] != '$' && strings.HasSuffix(line, "}") && !strings.HasSuffix(line, "{}") {
		closes++
		line = strings.TrimSpace(line[:len(line)-1])
	}
	if line != "" {
		if err := p.statement(line, n); err != nil {
			return err
		}
	}
	for ; closes > 0; closes-- {
		if len(p.blocks) == 0 {
			return p.errf(n, "", "'}' without a block")
		}
		p.popBlock()
	}
	return nil
}

// popBlock closes the innermost block; an else may follow an if block.
func (p *cfgParser) popBlock() {
	p.blocks = p.blocks[:len(p.blocks)-1]
	p.pendingElse = p.elseOf[len(p.elseOf)-1]
	p.elseOf = p.elseOf[:len(p.elseOf)-1]
}

func (p *cfgParser) statement(line string, n int) error {
	pe := p.pendingElse
	p.pendingElse = nil
	if strings.HasPrefix(line, "else") && (len(line) == 4 || line[4] == ' ' || line[4] == '\t' || line[4] == '{') {
		p.pendingElse = pe
		return p.elseStatement(line, n)
	}
	if strings.HasPrefix(line, "if ") || strings.HasPrefix(line, "if(") {
		return p.ifStatement(line, n)
	}
	if line[0] == '$' {
		return p.legacy(line, n)
	}
	if name, ok := objectName(line); ok && name != "action" {
		return p.object(name, line, n)
	}
	if isRulesetObject(line) {
		return p.rulesetStatement(line, n)
	}
	if line == "{" && p.pendingRS != nil {
		p.openRuleset(n)
		return nil
	}
	if p.pendingRS != nil {
		return p.errf(n, "ruleset", "ruleset(name=%q) without '{'", p.pendingRS.name)
	}
	if isStatement(line, "call") || isStatement(line, "set") || isStatement(line, "unset") {
		return p.action(p.within(cond{sel: allSelector()}), line, n)
	}
	if line[0] == '&' {
		if p.last == nil {
			return p.errf(n, "", "'&' action without a previous filter")
		}
		return p.action(*p.last, strings.TrimSpace(line[1:]), n)
	}
	var c cond
	var act string
	switch {
	case line[0] == ':' && !strings.HasPrefix(line, ":om"):
		f, rest, err := parsePropFilter(line)
		if err != nil {
			return p.errf(n, "filter", "%w", err)
		}
		c, act = cond{sel: allSelector(), filters: []*propFilter{f}}, rest
	case bareAction(line):
		// An action with no filter: every message (in the blocks around).
		c, act = cond{sel: allSelector()}, line
	default:
		sel, rest := splitSelector(line)
		s, err := ParseSelector(sel)
		if err != nil {
			return p.errf(n, "selector", "%w", err)
		}
		c, act = cond{sel: s}, rest
	}
	c = p.within(c)
	if act == "{" {
		p.blocks = append(p.blocks, c)
		p.elseOf = append(p.elseOf, nil)
		p.last = nil
		return nil
	}
	if act == "" {
		return p.errf(n, "", "%q: want a selector or filter followed by an action", line)
	}
	p.last = &c
	return p.action(c, act, n)
}

// bareAction reports whether a statement is an action with no filter.
func bareAction(s string) bool {
	if s == "stop" || s == "~" || s[0] == '/' || strings.HasPrefix(s, "-/") || strings.HasPrefix(s, ":om") ||
		s[0] == '?' || strings.HasPrefix(s, "-?") {
		return true
	}
	name, ok := objectName(s)
	return ok && name == "action"
}

func splitSelector(line string) (sel, act string) {
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, ""
	}
	return line[:i], strings.TrimSpace(line[i:])
}

var knownObjects = []string{"module", "input", "global", "template", "action", "main_queue",
	"include", "parser", "timezone", "lookup_table", "dyn_stats", "percentile_stats", "license"}

func objectName(line string) (string, bool) {
	for _, o := range knownObjects {
		if len(line) > len(o) && strings.EqualFold(line[:len(o)], o) {
			rest := strings.TrimLeft(line[len(o):], " \t")
			if strings.HasPrefix(rest, "(") {
				return o, true
			}
		}
	}
	return "", false
}

// action handles the action part of a selector line.
func (p *cfgParser) action(c cond, act string, n int) error {
	r := Rule{Selector: c.sel, filters: c.filters, Pos: p.pos(n), Template: p.c.DefaultTemplate, File: p.c.file,
		Ruleset: p.ruleset()}
	switch {
	case act == "~" || act == "stop":
		r.Stop = true
	case isStatement(act, "call"):
		name := strings.TrimSpace(act[4:])
		if !validRulesetName(name) {
			return p.errf(n, "call", "%q: want a ruleset name", name)
		}
		r.Call = canonicalRuleset(name)
	case isStatement(act, "set") || isStatement(act, "unset"):
		rest, err := p.setStatement(&r, act, n)
		if err != nil {
			return err
		}
		p.c.Rules = append(p.c.Rules, r)
		if rest != "" {
			return p.action(c, rest, n)
		}
		return nil
	case act[0] == '?' || strings.HasPrefix(act, "-?"):
		name := strings.TrimPrefix(strings.TrimPrefix(act, "-"), "?")
		if i := strings.IndexByte(name, ';'); i >= 0 {
			r.Template = strings.TrimSpace(name[i+1:])
			name = strings.TrimSpace(name[:i])
		}
		r.Dyna, r.DynaCache = name, p.c.dynaCache
	case strings.HasPrefix(strings.ToLower(act), "action"):
		_, params, err := parseObject(act)
		if err != nil {
			return p.errf(n, "action", "%w", err)
		}
		if t := strings.ToLower(params["type"]); t == "omkafka" { // forwarding actions: omkafka.go
			if err := p.omkafkaAction(&r, params, n); err != nil {
				return err
			}
		} else if t == "omfwd" { // omfwd.go
			if err := p.omfwdAction(&r, params, n); err != nil {
				return err
			}
		} else if err := p.omfile(&r, params, n); err != nil {
			return err
		}
	case act[0] == '/' || strings.HasPrefix(act, "-/"):
		path := strings.TrimPrefix(act, "-")
		if i := strings.IndexByte(path, ';'); i >= 0 {
			r.Template = strings.TrimSpace(path[i+1:])
			path = strings.TrimSpace(path[:i])
		}
		r.Path = path
	case act[0] == '@': // omfwd.go
		if err := p.legacyForward(&r, act, n); err != nil {
			return err
		}
	case strings.HasPrefix(act, usrMsgPrefix):
		users, tmpl, _ := strings.Cut(act[len(usrMsgPrefix):], ";")
		if err := p.usrMsgAction(&r, users, strings.TrimSpace(tmpl), n); err != nil {
			return err
		}
	default:
		return p.errf(n, "action", "%q: only files, @/@@ forwarding, :omusrmsg:, \"stop\" and \"~\" are supported: %w", act, ErrUnsupported)
	}
	if r.Dyna != "" {
		p.dynaOutput(&r)
	}
	p.c.Rules = append(p.c.Rules, r)
	return nil
}

// dynaOutput registers the sink of a dynaFile action (dynafile.go).
func (p *cfgParser) dynaOutput(r *Rule) {
	if p.c.outputs == nil {
		p.c.outputs = map[string]func(*Server) (Sink, error){}
	}
	c, a, size := p.c, r.File, r.DynaCache
	p.c.outputs[sinkKey(r)] = func(s *Server) (Sink, error) { return s.newDynaSink(a, c.Umask, size), nil }
}

func (p *cfgParser) omfile(r *Rule, params map[string]string, n int) error {
	if t := params["type"]; strings.EqualFold(t, "omusrmsg") {
		for k := range params {
			switch k {
			case "type", "users", "template":
			default:
				return p.errf(n, k, "omusrmsg parameter %q: %w", k, ErrUnsupported)
			}
		}
		if _, ok := params["users"]; !ok {
			return p.errf(n, "users", "omusrmsg action without users=")
		}
		return p.usrMsgAction(r, params["users"], params["template"], n)
	}
	if t := params["type"]; !strings.EqualFold(t, "omfile") {
		return p.errf(n, "type", "action type %q: only omfile is supported: %w", t, ErrUnsupported)
	}
	// rsyslog's omfile takes the defaults of an action() from its
	// module parameters, not from the legacy $FileOwner ... directives,
	// and its cache size is 10 whatever $DynaFileCacheSize says.
	r.File, r.DynaCache = p.c.modFile, defaultDynaCache
	closeTimeout := ""
	for k, v := range params {
		switch k {
		case "type":
		case "file":
			r.Path = v
		case "template":
			r.Template = v
		case "dynafile":
			r.Dyna = v
		case "dynafilecachesize":
			sz, err := dynaCacheSize(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			r.DynaCache = sz
		case "filecreatemode", "fileowner", "filegroup", "dircreatemode", "dirowner", "dirgroup", "createdirs":
			if err := p.fileAttr(&r.File, k, v, n); err != nil {
				return err
			}
		case "fileownernum", "filegroupnum", "dirownernum", "dirgroupnum":
			if err := p.fileAttrNum(&r.File, k, k, v, n); err != nil {
				return err
			}
		case "closetimeout":
			closeTimeout = v
		default:
			// rsyslogd refuses an unknown parameter too (the action is
			// not loaded).
			if err := p.otherParam("omfile parameter", k, v, n, true, omfileInert); err != nil {
				return err
			}
		}
	}
	if err := p.closeTimeout(r, closeTimeout, n); err != nil {
		return err
	}
	switch {
	case r.Path == "" && r.Dyna == "":
		return p.errf(n, "file", "omfile action without file or dynaFile")
	case r.Path != "" && r.Dyna != "":
		return p.errf(n, "dynaFile", "omfile action with both file and dynaFile")
	}
	return nil
}

// legacy handles a "$Directive value" line.
func (p *cfgParser) legacy(line string, n int) error {
	name, arg := splitSelector(line)
	key := strings.ToLower(name[1:])
	switch key {
	case "modload":
		return p.loadModule(strings.TrimSpace(arg), nil, n)
	case "udpserveraddress":
		p.udpAddr = arg
	case "udpserverrun":
		p.addInput(Input{Kind: UDP, Addr: joinHostPort(p.udpAddr, arg), Ruleset: p.udpRS}, n)
	case "inputtcpserverrun":
		p.addInput(Input{Kind: TCP, Addr: joinHostPort("", arg), Ruleset: p.tcpRS}, n)
	case "addunixlistensocket":
		p.c.Inputs = append(p.c.Inputs, Input{Kind: Unix, Addr: arg})
	case "template":
		return p.legacyTemplate(arg, n)
	case "actionfiledefaulttemplate":
		p.c.DefaultTemplate = arg
	case "maxmessagesize":
		v, err := parseSize(arg)
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		p.c.MaxMessageSize = int(v)
	case "includeconfig":
		return p.include(arg, n)
	case "filecreatemode", "fileowner", "filegroup", "dircreatemode", "dirowner", "dirgroup":
		return p.fileAttr(&p.c.file, key, strings.TrimSpace(arg), n)
	case "createdirs":
		on, err := legacyOnOff(arg)
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		p.c.file.NoCreateDirs = !on
	case "dynafilecachesize":
		sz, err := dynaCacheSize(strings.TrimSpace(arg))
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		p.c.dynaCache = sz
	case "ruleset":
		name := strings.TrimSpace(arg)
		if !validRulesetName(name) {
			return p.errf(n, name, "%q: want a ruleset name", arg)
		}
		name = canonicalRuleset(name)
		if _, ok := p.c.rulesets[name]; !ok && name != "" {
			p.c.rulesets[name] = p.pos(n)
		}
		p.c.legacyRS = name
	case "inputudpserverbindruleset":
		p.udpRS = canonicalRuleset(strings.TrimSpace(arg))
	case "inputtcpserverbindruleset":
		p.tcpRS = canonicalRuleset(strings.TrimSpace(arg))
	case "omitlocallogging":
		on, err := onOff(strings.TrimSpace(arg))
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		p.c.sysSock.omit = on
	case "systemlogsocketname":
		p.c.sysSock.path = strings.TrimSpace(arg)
	case "localhostname":
		p.c.LocalHostname = strings.TrimSpace(arg)
	case "umask":
		m, err := strconv.ParseUint(strings.TrimSpace(arg), 8, 32)
		if err != nil || m > 0o777 {
			return p.errf(n, name, "%q: want an octal mode such as 0022", arg)
		}
		p.c.Umask = int(m)
	case "klogpath", "klogpermitnonkernelfacility", "klogparsekerneltimestamp", "klogkeepkerneltimestamp",
		"klogconsoleloglevel", "kloginternalmsgfacility":
		return p.klogParam(strings.TrimPrefix(key, "klog"), strings.TrimSpace(arg), name, true, n)
	case "repeatedmsgreduction":
		on, err := legacyOnOff(arg)
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		if on {
			return p.errf(n, name, "\"last message repeated n times\" reduction: %w", ErrUnsupported)
		}
	case "controlcharacterescapeprefix":
		return p.legacyEscapePrefix(name, arg, n)
	case "escapecontrolcharactersonreceive", "droptrailinglfonreception", "escape8bitcharactersonreceive",
		"escapecontrolcharactertab", "spacelfonreceive":
		on, err := legacyOnOff(arg)
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		receiveFlags[key](&p.c.Receive, on)
	case "preservefqdn":
		on, err := legacyOnOff(arg)
		if err != nil {
			return p.errf(n, name, "%w", err)
		}
		p.c.PreserveFQDN = on
	case "allowedsender":
		return p.allowedSender(name, arg, n)
	case "inputtcpmaxsessions":
		v, _ := splitSelector(strings.TrimSpace(arg))
		return p.maxSessions(name, v, n)
	case "maxopenfiles":
		v, _ := splitSelector(strings.TrimSpace(arg))
		return p.setCount(&p.c.Process.MaxOpenFiles, name, v, n)
	case "privdroptouser", "privdroptouserid", "privdroptogroup", "privdroptogroupid":
		v, _ := splitSelector(strings.TrimSpace(arg))
		return p.privDrop(strings.TrimPrefix(key, "privdropto"), name, v, n)
	case "fileownernum", "filegroupnum", "dirownernum", "dirgroupnum":
		v, _ := splitSelector(strings.TrimSpace(arg))
		return p.fileAttrNum(&p.c.file, key, name, v, n)
	default:
		if ok, err := p.legacyInertDirective(key, name, arg, n); ok {
			return err
		}
		return p.errf(n, name, "unknown directive: %w", ErrUnsupported)
	}
	return nil
}

// receiveFlags set the on/off reception options, by legacy directive
// name in lower case (the global() parameter is "parser." and the same
// name; escapecontrolcharacterscstyle has no legacy form).
var receiveFlags = map[string]func(r *ReceiveOptions, on bool){
	"escapecontrolcharactersonreceive": func(r *ReceiveOptions, on bool) { r.NoEscapeControl = !on },
	"droptrailinglfonreception":        func(r *ReceiveOptions, on bool) { r.KeepTrailingLF = !on },
	"escape8bitcharactersonreceive":    func(r *ReceiveOptions, on bool) { r.Escape8Bit = on },
	"escapecontrolcharactertab":        func(r *ReceiveOptions, on bool) { r.NoEscapeTab = !on },
	"escapecontrolcharacterscstyle":    func(r *ReceiveOptions, on bool) { r.CStyle = on },
	"spacelfonreceive":                 func(r *ReceiveOptions, on bool) { r.SpaceLF = on },
}

// errOnOff is the error of a binary option that is neither "on" nor
// "off" (rsyslog accepts no other spelling, upper case included).
var errOnOff = errors.New("want on or off")

// onOff parses the value of a binary option.
func onOff(v string) (bool, error) {
	switch v {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%q: %w", v, errOnOff)
}

// legacyOnOff parses the argument of a legacy binary directive: "on" or
// "off", optionally followed by a comment.
func legacyOnOff(arg string) (bool, error) {
	word, rest := splitSelector(strings.TrimSpace(arg))
	if rest != "" && rest[0] != '#' {
		return false, fmt.Errorf("%q: extra characters after the value", arg)
	}
	return onOff(word)
}

// legacyEscapePrefix handles $ControlCharacterEscapePrefix: its value is
// the first character of the argument; a comment may follow. (rsyslog
// 8.2302 crashes on this directive, rsyslog issue #5376; later versions
// take the character as syslogd does. The RainerScript form,
// global(parser.controlCharacterEscapePrefix=...), works in 8.2302.)
func (p *cfgParser) legacyEscapePrefix(name, arg string, n int) error {
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "":
		return p.errf(n, name, "no character")
	case arg[0] == '\\':
		// rsyslog's lexer rejects a backslash on a legacy line.
		return p.errf(n, name, "a backslash cannot be given in the legacy form: use global(parser.controlCharacterEscapePrefix=\"\\\\\")")
	}
	if rest := strings.TrimSpace(arg[1:]); rest != "" && rest[0] != '#' {
		return p.errf(n, name, "%q: want one character", arg)
	}
	p.c.Receive.EscapePrefix = arg[0]
	return nil
}

// fileAttr sets one file attribute (key in lower case).
func (p *cfgParser) fileAttr(a *FileAttrs, key, v string, n int) error {
	switch key {
	case "filecreatemode":
		m, err := strconv.ParseUint(v, 8, 32)
		if err != nil || m > 0o777 {
			return p.errf(n, key, "%q: want an octal mode such as 0640", v)
		}
		a.Mode = os.FileMode(m)
	case "dircreatemode":
		m, err := strconv.ParseUint(v, 8, 32)
		if err != nil || m > 0o777 {
			return p.errf(n, key, "%q: want an octal mode such as 0755", v)
		}
		a.DirMode = os.FileMode(m)
	case "fileowner", "filegroup", "dirowner", "dirgroup":
		if err := ownerKnown(key, v); err != nil {
			return p.errf(n, key, "%w", err)
		}
		switch key {
		case "fileowner":
			a.Owner = v
		case "filegroup":
			a.Group = v
		case "dirowner":
			a.DirOwner = v
		default:
			a.DirGroup = v
		}
	case "createdirs":
		on, err := onOff(v)
		if err != nil {
			return p.errf(n, key, "%w", err)
		}
		a.NoCreateDirs = !on
	}
	return nil
}

// joinHostPort makes the listen address of an input. With no address (or
// "*") rsyslogd binds every IPv4 and IPv6 address, and so does the result
// (":port"); syslogd's own default input (DefaultUDPAddr) is 127.0.0.1.
func joinHostPort(host, port string) string {
	host = strings.TrimSpace(host)
	if host == "*" {
		host = ""
	}
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strings.TrimSpace(port)
}

// legacyTemplate parses `Name,"string"[,options]`.
func (p *cfgParser) legacyTemplate(arg string, n int) error {
	comma := strings.IndexByte(arg, ',')
	if comma < 0 {
		return p.errf(n, "$template", "want Name,\"string\"")
	}
	name := strings.TrimSpace(arg[:comma])
	rest := strings.TrimSpace(arg[comma+1:])
	s, after, err := quoted(rest)
	if err != nil {
		return p.errf(n, "$template", "template %q: %w", name, err)
	}
	if after = strings.TrimSpace(after); after != "" {
		return p.errf(n, "$template", "template %q: options %q: %w", name, after, ErrUnsupported)
	}
	return p.addTemplate(name, s, n)
}

func (p *cfgParser) addTemplate(name, s string, n int) error {
	t, err := CompileTemplate(name, s)
	if err != nil {
		return p.errf(n, "template", "%w", err)
	}
	p.c.Templates[name] = t
	return nil
}

// quoted reads a double-quoted string at the start of s, keeping its
// backslash escapes, and returns the rest after the closing quote.
func quoted(s string) (val, rest string, err error) {
	if !strings.HasPrefix(s, "\"") {
		return "", s, fmt.Errorf("want a quoted string at %q", s)
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i], s[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated string %q", s)
}

func (p *cfgParser) include(pattern string, n int) error {
	pattern = strings.TrimSpace(pattern)
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(filepath.Dir(p.file), pattern)
	}
	files, err := filepath.Glob(pattern)
	if err != nil {
		return p.errf(n, "include", "%w", err)
	}
	if len(files) == 0 && !strings.ContainsAny(pattern, "*?[") {
		return p.errf(n, "include", "%s: no such file", pattern)
	}
	for _, f := range files {
		if err := p.c.loadFile(f, p.depth+1); err != nil {
			return err
		}
	}
	return nil
}
