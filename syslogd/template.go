package syslogd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplog/haplog/formats"
)

// Template is a compiled rsyslog template (string or list). It is immutable and safe
// for concurrent use.
type Template struct {
	Name  string
	parts []part
	// needsHeader is false when the template uses no parsed field (only
	// %rawmsg%, %fromhost%, %timegenerated%...), so the header can be
	// skipped.
	needsHeader bool
}

type propID uint8

const (
	propMsg propID = iota
	propRawMsg
	propRawMsgAfterPRI
	propHostname
	propFromHost
	propFromHostIP
	propSyslogTag
	propProgramName
	propProcID
	propMsgID
	propPRI
	propPRIText
	propFacility
	propFacilityText
	propSeverity
	propSeverityText
	propTimeReported
	propTimeGenerated
	propProtocolVersion
	propSD
	propAppName
	propIUT
	propNow
	propYear
	propMonth
	propDay
	propHour
	propMinute
	propVar // a $! or $. variable (part.vname)
)

var propNames = map[string]propID{
	"msg": propMsg, "rawmsg": propRawMsg, "rawmsg-after-pri": propRawMsgAfterPRI,
	"hostname": propHostname, "source": propHostname,
	"fromhost": propFromHost, "fromhost-ip": propFromHostIP,
	"syslogtag": propSyslogTag, "programname": propProgramName,
	"procid": propProcID, "msgid": propMsgID,
	"pri": propPRI, "pri-text": propPRIText,
	"syslogfacility": propFacility, "syslogfacility-text": propFacilityText,
	"syslogseverity": propSeverity, "syslogseverity-text": propSeverityText,
	"syslogpriority": propSeverity, "syslogpriority-text": propSeverityText,
	"timereported": propTimeReported, "timestamp": propTimeReported,
	"timegenerated":    propTimeGenerated,
	"protocol-version": propProtocolVersion, "structured-data": propSD,
	"app-name": propAppName, "iut": propIUT,
	"$now": propNow, "$year": propYear, "$month": propMonth, "$day": propDay,
	"$hour": propHour, "$minute": propMinute,
}

// headerProps are the properties that need the header parsed.
func (id propID) needsHeader() bool {
	switch id {
	case propRawMsg, propRawMsgAfterPRI, propFromHost, propFromHostIP, propPRI, propPRIText,
		propFacility, propFacilityText, propSeverity, propSeverityText, propTimeGenerated,
		propIUT, propNow, propYear, propMonth, propDay, propHour, propMinute:
		return false
	}
	return true
}

type dateFormat uint8

const (
	dateDefault dateFormat = iota
	dateRFC3164
	dateRFC3339
	dateMySQL
	dateUnix
	dateYear
	dateMonth
	dateDay
	dateHour
	dateMinute
	dateSecond
	dateSubseconds
)

var dateOptions = map[string]dateFormat{
	"date-rfc3164": dateRFC3164, "date-rfc3339": dateRFC3339, "date-mysql": dateMySQL,
	"date-unixtimestamp": dateUnix, "date-year": dateYear, "date-month": dateMonth,
	"date-day": dateDay, "date-hour": dateHour, "date-minute": dateMinute,
	"date-second": dateSecond, "date-subseconds": dateSubseconds,
}

type part struct {
	literal []byte
	prop    propID
	isProp  bool
	from    int // 1-based first character, 0 = from the start
	to      int // 1-based last character, 0 = to the end
	date    dateFormat
	lower   bool
	upper   bool
	dropLF  bool
	spIf    bool // sp-if-no-1st-sp: print only a space, when the value does not start with one
	spEmpty bool // with spIf, a space for an empty value too (rsyslog's built-in file templates)
	json    bool
	cc      ccMode // control characters left in the value (escape-cc, space-cc, drop-cc)
	vname   string // propVar: "!name" or ".name"
}

// ccMode is what rendering does to the control characters (bytes below
// 0x20 and 0x7f) of a value. They are normally escaped on reception
// already; these matter when reception escaping is off or for %rawmsg%.
type ccMode uint8

const (
	ccKeep   ccMode = iota
	ccEscape        // "#" and three decimal digits (reception escapes in octal)
	ccSpace         // replaced by a space
	ccDrop          // removed
)

// ErrTemplate is wrapped by template compilation errors.
var ErrTemplate = errors.New("bad template")

// CompileTemplate compiles an rsyslog template string (the text between
// the quotes, with its backslash escapes still in place).
func CompileTemplate(name, s string) (*Template, error) {
	t := &Template{Name: name}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			t.parts = append(t.parts, part{literal: lit})
			lit = nil
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("template %q: trailing backslash: %w", name, ErrTemplate)
			}
			i++
			lit = append(lit, unescape(s[i]))
		case '%':
			end := strings.IndexByte(s[i+1:], '%')
			if end < 0 {
				return nil, fmt.Errorf("template %q: unterminated property at %q: %w", name, s[i:], ErrTemplate)
			}
			flush()
			p, err := compileProp(s[i+1 : i+1+end])
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", name, err)
			}
			t.parts = append(t.parts, p)
			if p.prop.needsHeader() {
				t.needsHeader = true
			}
			i += end + 1
		default:
			lit = append(lit, c)
		}
	}
	flush()
	return t, nil
}

// ListTemplateError is an error in the body of a list template (the text
// between its braces).
type ListTemplateError struct {
	Line  int    // line of the body, 1 being the line of its '{'
	Param string // the statement or parameter concerned
	Err   error
}

func (e *ListTemplateError) Error() string {
	return fmt.Sprintf("line %d of the body: %s: %v", e.Line, e.Param, e.Err)
}

func (e *ListTemplateError) Unwrap() error { return e.Err }

// listDateFormats are the dateFormat values of a list template property
// that syslogd renders. rsyslog 8.2302 also knows pgsql, rfc3164-buggyday,
// wdayname, wday, tzoffshour, tzoffsmin, tzoffsdirection, ordinal and week.
var listDateFormats = map[string]dateFormat{
	"rfc3164": dateRFC3164, "rfc3339": dateRFC3339, "mysql": dateMySQL,
	"unixtimestamp": dateUnix, "year": dateYear, "month": dateMonth, "day": dateDay,
	"hour": dateHour, "minute": dateMinute, "second": dateSecond, "subseconds": dateSubseconds,
}

// CompileListTemplate compiles the body of an rsyslog template of type
// "list": the text between its braces, a sequence of constant(value="...")
// and property(name="..." ...) statements with # and /* */ comments. The
// result has the same parts as the equivalent string template. Values are
// case-sensitive, as in rsyslog; names of statements and parameters are
// not.
func CompileListTemplate(name, body string) (*Template, error) {
	t := &Template{Name: name}
	l := listLexer{s: body}
	n := 0
	for {
		l.skip()
		if l.i >= len(l.s) {
			break
		}
		stmtLine := l.line()
		word := l.word()
		if word == "" {
			return nil, l.errf(stmtLine, "template body", "unexpected %q: want constant(...) or property(...): %w", l.rest(), ErrTemplate)
		}
		kind := strings.ToLower(word)
		if kind != "constant" && kind != "property" {
			return nil, l.errf(stmtLine, word, "statement %q in a list template: %w", word, ErrUnsupported)
		}
		l.skip()
		if l.i >= len(l.s) || l.s[l.i] != '(' {
			return nil, l.errf(stmtLine, word, "want '(' after %q: %w", word, ErrTemplate)
		}
		l.i++
		params, lines, err := l.params(word)
		if err != nil {
			return nil, err
		}
		var p part
		if kind == "constant" {
			p, err = listConstant(params, lines, stmtLine, &l)
		} else {
			p, err = listProperty(params, lines, stmtLine, &l)
		}
		if err != nil {
			return nil, err
		}
		n++
		if !p.isProp {
			// Adjacent constants make one literal, as in a string template.
			if k := len(t.parts); k > 0 && !t.parts[k-1].isProp {
				t.parts[k-1].literal = append(t.parts[k-1].literal, p.literal...)
			} else if len(p.literal) > 0 {
				t.parts = append(t.parts, p)
			}
			continue
		}
		t.parts = append(t.parts, p)
		if p.prop.needsHeader() {
			t.needsHeader = true
		}
	}
	if n == 0 {
		return nil, l.errf(1, "template body", "list template %q has no constant or property: %w", name, ErrTemplate)
	}
	return t, nil
}

func listConstant(params map[string]string, lines map[string]int, stmt int, l *listLexer) (part, error) {
	v, ok := params["value"]
	if !ok {
		return part{}, l.errf(stmt, "constant", "constant without value=: %w", ErrTemplate)
	}
	for k := range params {
		switch k {
		case "value", "outname":
		default:
			return part{}, l.errf(lines[k], k, "constant parameter %q: %w", k, ErrUnsupported)
		}
	}
	return part{literal: []byte(v)}, nil
}

func listProperty(params map[string]string, lines map[string]int, stmt int, l *listLexer) (part, error) {
	pname, ok := params["name"]
	if !ok {
		return part{}, l.errf(stmt, "property", "property without name=: %w", ErrTemplate)
	}
	p, isVar, err := varPart(pname)
	if err != nil {
		return part{}, l.errf(lines["name"], "name", "property %q: %w", pname, err)
	}
	if !isVar {
		id, ok := propNames[strings.ToLower(pname)]
		if !ok {
			return part{}, l.errf(lines["name"], "name", "property %q: unknown: %w", pname, ErrTemplate)
		}
		p = part{prop: id, isProp: true}
	}
	bad := func(k, format string, args ...any) error {
		return l.errf(lines[k], k, format, args...)
	}
	for k, v := range params {
		switch k {
		case "name", "outname":
		case "dateformat":
			d, ok := listDateFormats[v]
			if !ok {
				return part{}, bad(k, "dateFormat %q: %w", v, ErrUnsupported)
			}
			p.date = d
		case "caseconversion":
			switch v {
			case "lower":
				p.lower = true
			case "upper":
				p.upper = true
			default:
				return part{}, bad(k, "caseConversion %q (want lower or upper): %w", v, ErrTemplate)
			}
		case "controlcharacters":
			switch v {
			case "escape":
				p.cc = ccEscape
			case "space":
				p.cc = ccSpace
			case "drop":
				p.cc = ccDrop
			default:
				return part{}, bad(k, "controlCharacters %q (want escape, space or drop): %w", v, ErrTemplate)
			}
		case "format":
			if v != "json" {
				return part{}, bad(k, "format %q (only json): %w", v, ErrUnsupported)
			}
			p.json = true
		case "position.from", "position.to":
			n, err := listPosition(v)
			if err != nil {
				return part{}, bad(k, "%q: %w", v, err)
			}
			if k == "position.from" {
				p.from = n
			} else {
				p.to = n
			}
		case "droplastlf", "spifno1stsp":
			on, err := onOff(v)
			if err != nil {
				return part{}, bad(k, "%w", err)
			}
			if k == "droplastlf" {
				p.dropLF = on
			} else {
				p.spIf = on
			}
		default:
			return part{}, bad(k, "property parameter %q: %w", k, ErrUnsupported)
		}
	}
	if p.from == 0 && p.to > 0 {
		p.from = 1 // as the string form %msg:1:N% compiles
	}
	if p.from > 0 && p.to > 0 && p.to < p.from {
		// rsyslog 8.2302 warns, then stops rendering the whole template at
		// this property.
		return part{}, l.errf(lines["position.to"], "position.to", "position.to=%d is lower than position.from=%d: %w", p.to, p.from, ErrTemplate)
	}
	return p, nil
}

// listPosition parses a position: digits only, as rsyslog requires; 0 is
// the start (from) or the end (to). rsyslog takes negative positions but
// renders them as runs of spaces: syslogd refuses them.
func listPosition(v string) (int, error) {
	if v == "" || strings.Trim(v, "0123456789") != "" || len(v) > 9 {
		return 0, fmt.Errorf("want a non-negative number: %w", ErrTemplate)
	}
	return strconv.Atoi(v)
}

// listLexer reads the body of a list template.
type listLexer struct {
	s string
	i int
}

func (l *listLexer) line() int { return 1 + strings.Count(l.s[:l.i], "\n") }

func (l *listLexer) rest() string {
	r := l.s[l.i:]
	if j := strings.IndexByte(r, '\n'); j >= 0 {
		r = r[:j]
	}
	if len(r) > 40 {
		r = r[:40]
	}
	return r
}

func (l *listLexer) errf(line int, param, format string, args ...any) error {
	return &ListTemplateError{Line: line, Param: param, Err: fmt.Errorf(format, args...)}
}

// skip skips blanks, line ends and comments.
func (l *listLexer) skip() {
	for l.i < len(l.s) {
		switch c := l.s[l.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.i++
		case c == '#':
			if j := strings.IndexByte(l.s[l.i:], '\n'); j >= 0 {
				l.i += j
			} else {
				l.i = len(l.s)
			}
		case strings.HasPrefix(l.s[l.i:], "/*"):
			if j := strings.Index(l.s[l.i+2:], "*/"); j >= 0 {
				l.i += j + 4
			} else {
				l.i = len(l.s)
			}
		default:
			return
		}
	}
}

// word reads a name: a letter, then letters, digits, '_' and '.'.
func (l *listLexer) word() string {
	j := l.i
	for j < len(l.s) {
		c := l.s[j] | 0x20
		if c >= 'a' && c <= 'z' || j > l.i && (l.s[j] >= '0' && l.s[j] <= '9' || l.s[j] == '_' || l.s[j] == '.') {
			j++
			continue
		}
		break
	}
	w := l.s[l.i:j]
	l.i = j
	return w
}

// params reads `key="value" ...)` after a statement's '('. It returns the
// unescaped values and the line of each parameter, by lower-case key.
func (l *listLexer) params(stmt string) (map[string]string, map[string]int, error) {
	params, lines := map[string]string{}, map[string]int{}
	for {
		l.skip()
		if l.i >= len(l.s) {
			return nil, nil, l.errf(l.line(), stmt, "missing ')': %w", ErrTemplate)
		}
		if l.s[l.i] == ')' {
			l.i++
			return params, lines, nil
		}
		line := l.line()
		key := strings.ToLower(l.word())
		if key == "" {
			return nil, nil, l.errf(line, stmt, "unexpected %q: want name=\"value\": %w", l.rest(), ErrTemplate)
		}
		l.skip()
		if l.i >= len(l.s) || l.s[l.i] != '=' {
			return nil, nil, l.errf(line, key, "want =\"value\" after %q: %w", key, ErrTemplate)
		}
		l.i++
		l.skip()
		if l.i >= len(l.s) || l.s[l.i] != '"' {
			return nil, nil, l.errf(line, key, "want a double-quoted value at %q: %w", l.rest(), ErrTemplate)
		}
		end := l.i + 1
		for end < len(l.s) && l.s[end] != '"' {
			if l.s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(l.s) {
			return nil, nil, l.errf(line, key, "unterminated string: %w", ErrTemplate)
		}
		v, err := unescapeRainer(l.s[l.i+1 : end])
		if err != nil {
			return nil, nil, l.errf(line, key, "%w", err)
		}
		l.i = end + 1
		if _, dup := params[key]; dup {
			return nil, nil, l.errf(line, key, "parameter %q given twice: %w", key, ErrTemplate)
		}
		params[key], lines[key] = v, line
	}
}

// unescapeRainer resolves the backslash escapes of a RainerScript string
// in an object: \" \' \? \\ \a \b \f \n \r \t and three octal digits.
// rsyslog 8.2302 also takes one or two octal digits and \v but reads them
// wrongly (it always consumes three characters; \v gives '?'): syslogd
// refuses them, and NUL.
func unescapeRainer(s string) (string, error) { return unescapeRS(s, false) }

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case '0':
		return 0
	}
	return c
}

// compileProp compiles "name:from:to:options".
func compileProp(spec string) (part, error) {
	fields := strings.SplitN(spec, ":", 4)
	name := strings.ToLower(fields[0])
	p, isVar, err := varPart(fields[0])
	if err != nil {
		return part{}, fmt.Errorf("property %q: %w", fields[0], err)
	}
	if !isVar {
		id, ok := propNames[name]
		if !ok {
			return part{}, fmt.Errorf("property %q: unknown: %w", fields[0], ErrTemplate)
		}
		p = part{prop: id, isProp: true}
	}
	if len(fields) > 1 && fields[1] != "" {
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 1 {
			return part{}, fmt.Errorf("property %q: bad start position %q: %w", spec, fields[1], ErrTemplate)
		}
		p.from = n
	}
	if len(fields) == 2 && p.from > 0 {
		// "%msg:N%" (no end position) is the first N characters in rsyslog.
		p.from, p.to = 1, p.from
	}
	if len(fields) > 2 && fields[2] != "" && fields[2] != "$" { // "$": to the end (rsyslog's property replacer)
		n, err := strconv.Atoi(fields[2])
		if err != nil || n < 1 {
			return part{}, fmt.Errorf("property %q: bad end position %q: %w", spec, fields[2], ErrTemplate)
		}
		p.to = n
	}
	if len(fields) > 3 && fields[3] != "" {
		for _, opt := range strings.Split(fields[3], ",") {
			if err := p.setOption(strings.ToLower(strings.TrimSpace(opt))); err != nil {
				return part{}, fmt.Errorf("property %q: %w", spec, err)
			}
		}
	}
	return p, nil
}

func (p *part) setOption(opt string) error {
	if d, ok := dateOptions[opt]; ok {
		p.date = d
		return nil
	}
	switch opt {
	case "lowercase":
		p.lower = true
	case "uppercase":
		p.upper = true
	case "drop-last-lf":
		p.dropLF = true
	case "sp-if-no-1st-sp":
		p.spIf = true
	case "json":
		p.json = true
	case "escape-cc":
		p.cc = ccEscape
	case "space-cc":
		p.cc = ccSpace
	case "drop-cc":
		p.cc = ccDrop
	case "":
	default:
		return fmt.Errorf("option %q: unsupported: %w", opt, ErrTemplate)
	}
	return nil
}

// Built-in template strings, as rsyslog defines them.
const (
	TraditionalFileFormat    = `%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n`
	FileFormat               = `%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n`
	TraditionalForwardFormat = `<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%`
	ForwardFormat            = `<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%`
	SyslogProtocol23Format   = `<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n`
)

// compileBuiltin compiles a built-in template. rsyslog renders
// RSYSLOG_TraditionalFileFormat and RSYSLOG_FileFormat with dedicated code
// that writes the space before an empty message, where the generic
// sp-if-no-1st-sp option writes nothing.
func compileBuiltin(name, s string) (*Template, error) {
	t, err := CompileTemplate(name, s)
	if err != nil {
		return nil, err
	}
	for i := range t.parts {
		t.parts[i].spEmpty = t.parts[i].spIf
	}
	return t, nil
}

// builtinTemplates returns rsyslog's built-in templates by name.
func builtinTemplates() map[string]string {
	return map[string]string{
		"RSYSLOG_TraditionalFileFormat":    TraditionalFileFormat,
		"RSYSLOG_FileFormat":               FileFormat,
		"RSYSLOG_TraditionalForwardFormat": TraditionalForwardFormat,
		"RSYSLOG_ForwardFormat":            ForwardFormat,
		"RSYSLOG_SyslogProtocol23Format":   SyslogProtocol23Format,
		wallFmtName:                        wallFmt,
		stdUsrMsgFmtName:                   stdUsrMsgFmt,
	}
}

// Append appends the rendering of m to dst. It does not allocate when dst
// has room.
func (t *Template) Append(dst []byte, m *Message) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		if !p.isProp {
			dst = append(dst, p.literal...)
			continue
		}
		dst = p.append(dst, m)
	}
	return dst
}

func (p *part) append(dst []byte, m *Message) []byte {
	if p.spIf && p.prop == propMsg && p.from == 0 && p.to == 0 {
		if len(m.Msg) > 0 && m.Msg[0] == ' ' || len(m.Msg) == 0 && !p.spEmpty {
			return dst
		}
		return append(dst, ' ')
	}
	// The steps come in rsyslog's order: substring, sp-if-no-1st-sp,
	// case, control characters, drop-last-lf, json.
	start := len(dst)
	dst = p.value(dst, m)
	if p.from > 0 || p.to > 0 {
		dst = substr(dst, start, p.from, p.to)
	}
	if p.spIf {
		if len(dst) > start && dst[start] == ' ' || len(dst) == start && !p.spEmpty {
			return dst[:start]
		}
		return append(dst[:start], ' ')
	}
	if p.lower || p.upper {
		convertCase(dst[start:], p.lower, p.upper)
	}
	if p.cc != ccKeep {
		dst = controlChars(dst, start, p.cc)
	}
	if p.dropLF && len(dst) > start && dst[len(dst)-1] == '\n' {
		dst = dst[:len(dst)-1]
	}
	if p.json {
		dst = jsonEscapeTail(dst, start)
	}
	return dst
}

func isCC(c byte) bool { return c < 0x20 || c == 0x7f }

// controlChars applies mode to the control characters of dst[start:], in
// place, as rsyslog's escape-cc, space-cc and drop-cc options do.
func controlChars(dst []byte, start int, mode ccMode) []byte {
	n := 0
	for _, c := range dst[start:] {
		if isCC(c) {
			n++
		}
	}
	if n == 0 {
		return dst
	}
	switch mode {
	case ccSpace:
		for i := start; i < len(dst); i++ {
			if isCC(dst[i]) {
				dst[i] = ' '
			}
		}
		return dst
	case ccDrop:
		w := start
		for _, c := range dst[start:] {
			if !isCC(c) {
				dst[w] = c
				w++
			}
		}
		return dst[:w]
	}
	var tmp [4096]byte
	v := append(tmp[:0], dst[start:]...)
	dst = dst[:start]
	for _, c := range v {
		if isCC(c) {
			dst = append(dst, '#', '0'+c/100, '0'+c/10%10, '0'+c%10)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// substr keeps characters from..to (1-based, inclusive) of dst[start:].
func substr(dst []byte, start, from, to int) []byte {
	v := dst[start:]
	lo, hi := 0, len(v)
	if from > 0 {
		lo = min(from-1, len(v))
	}
	if to > 0 {
		hi = min(to, len(v))
	}
	if hi < lo {
		hi = lo
	}
	n := copy(dst[start:], v[lo:hi])
	return dst[:start+n]
}

// jsonEscapeTail escapes dst[start:] for a JSON string, in place, as
// rsyslog does: '"', '\\' and '/' take a backslash, BS, FF, LF, CR and TAB
// their short escapes, the other bytes below 0x20 \u00XX (upper-case hex);
// DEL and 8-bit bytes are kept.
func jsonEscapeTail(dst []byte, start int) []byte {
	n := 0
	for _, c := range dst[start:] {
		if c == '"' || c == '\\' || c == '/' || c < 0x20 {
			n++
		}
	}
	if n == 0 {
		return dst
	}
	var tmp [4096]byte
	v := append(tmp[:0], dst[start:]...)
	dst = dst[:start]
	for _, c := range v {
		switch {
		case c == '"' || c == '\\' || c == '/':
			dst = append(dst, '\\', c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func (p *part) value(dst []byte, m *Message) []byte {
	switch p.prop {
	case propVar:
		return appendVar(dst, m, p.vname)
	case propMsg:
		return append(dst, m.Msg...)
	case propRawMsg:
		return append(dst, m.Raw...)
	case propRawMsgAfterPRI:
		return append(dst, rawAfterPRI(m.Raw)...)
	case propHostname:
		return append(dst, m.Hostname...)
	case propFromHost:
		return append(dst, m.FromHost...)
	case propFromHostIP:
		return append(dst, m.FromIP...)
	case propSyslogTag:
		return append(dst, m.Tag...)
	case propProgramName:
		return append(dst, programName(m.Tag)...)
	case propAppName:
		if m.AppName != nil {
			return append(dst, m.AppName...)
		}
		if pn := programName(m.Tag); len(pn) > 0 {
			return append(dst, pn...)
		}
		return append(dst, '-')
	case propProcID:
		return append(dst, m.ProcID...)
	case propMsgID:
		return append(dst, m.MsgID...)
	case propSD:
		return append(dst, m.SD...)
	case propPRI:
		if m.PRI < 0 {
			return append(dst, "invld"...)
		}
		return strconv.AppendInt(dst, int64(m.PRI), 10)
	case propPRIText:
		dst = appendFacilityText(dst, m)
		dst = append(dst, '.')
		return append(dst, formats.Severity(m.Severity).String()...)
	case propFacility:
		if m.Facility == invalidFacility {
			return append(dst, "invld"...)
		}
		return strconv.AppendInt(dst, int64(m.Facility), 10)
	case propFacilityText:
		return appendFacilityText(dst, m)
	case propSeverity:
		return strconv.AppendInt(dst, int64(m.Severity), 10)
	case propSeverityText:
		return append(dst, formats.Severity(m.Severity).String()...)
	case propProtocolVersion:
		return strconv.AppendInt(dst, int64(m.Protocol), 10)
	case propIUT:
		return append(dst, '1')
	case propTimeReported:
		return p.appendTime(dst, &m.Reported, dateRFC3164)
	case propTimeGenerated:
		return p.appendTime(dst, &m.Generated, dateRFC3164)
	case propNow:
		return m.Generated.appendDate(dst)
	case propYear:
		return append4(dst, m.Generated.Year)
	case propMonth:
		return append2(dst, int(m.Generated.Month))
	case propDay:
		return append2(dst, m.Generated.Day)
	case propHour:
		return append2(dst, m.Generated.Hour)
	case propMinute:
		return append2(dst, m.Generated.Minute)
	}
	return dst
}

func appendFacilityText(dst []byte, m *Message) []byte {
	if m.Facility == invalidFacility {
		return append(dst, "invld"...)
	}
	return append(dst, formats.Facility(m.Facility).String()...)
}

func rawAfterPRI(raw []byte) []byte {
	if len(raw) > 0 && raw[0] == '<' {
		for i := 1; i < len(raw) && i < 5; i++ { // a PRI of 1 to 3 digits, as rsyslog
			if raw[i] == '>' {
				return raw[i+1:]
			}
		}
	}
	return raw
}

func (p *part) appendTime(dst []byte, ts *Timestamp, def dateFormat) []byte {
	f := p.date
	if f == dateDefault {
		f = def
	}
	switch f {
	case dateRFC3339:
		return ts.appendRFC3339(dst)
	case dateMySQL:
		return ts.appendMySQL(dst)
	case dateUnix:
		return strconv.AppendInt(dst, ts.Time().Unix(), 10)
	case dateYear:
		return append4(dst, ts.Year)
	case dateMonth:
		return append2(dst, int(ts.Month))
	case dateDay:
		return append2(dst, ts.Day)
	case dateHour:
		return append2(dst, ts.Hour)
	case dateMinute:
		return append2(dst, ts.Minute)
	case dateSecond:
		return append2(dst, ts.Second)
	case dateSubseconds:
		return ts.appendFrac(dst, false)
	}
	return ts.appendRFC3164(dst)
}

// convertCase folds the ASCII letters of b in place: to lower case with
// lower, to upper case with upper (a template's caseConversion and
// lowercase/uppercase options, RainerScript's tolower() and toupper()).
func convertCase(b []byte, lower, upper bool) {
	for i, c := range b {
		if lower && c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		} else if upper && c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
