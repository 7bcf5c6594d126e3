package syslogd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplog/haplog/formats"
)

// Template is a compiled rsyslog string template. It is immutable and safe
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
}

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
	id, ok := propNames[name]
	if !ok {
		return part{}, fmt.Errorf("property %q: unknown: %w", fields[0], ErrTemplate)
	}
	p := part{prop: id, isProp: true}
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
	if len(fields) > 2 && fields[2] != "" {
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
	case "escape-cc", "":
		// control characters are already escaped on reception
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
		"RSYSLOG_SyslogProtocol23Format":   SyslogProtocol23Format,
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
	if p.spIf && p.prop == propMsg {
		if len(m.Msg) > 0 && m.Msg[0] == ' ' || len(m.Msg) == 0 && !p.spEmpty {
			return dst
		}
		return append(dst, ' ')
	}
	start := len(dst)
	dst = p.value(dst, m)
	if p.spIf {
		if len(dst) > start && dst[start] == ' ' || len(dst) == start && !p.spEmpty {
			return dst[:start]
		}
		return append(dst[:start], ' ')
	}
	if p.from > 0 || p.to > 0 {
		dst = substr(dst, start, p.from, p.to)
	}
	if p.dropLF && len(dst) > start && dst[len(dst)-1] == '\n' {
		dst = dst[:len(dst)-1]
	}
	if p.lower || p.upper {
		for i := start; i < len(dst); i++ {
			c := dst[i]
			if p.lower && c >= 'A' && c <= 'Z' {
				dst[i] = c + 32
			} else if p.upper && c >= 'a' && c <= 'z' {
				dst[i] = c - 32
			}
		}
	}
	if p.json {
		dst = jsonEscapeTail(dst, start)
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

// jsonEscapeTail escapes dst[start:] for a JSON string, in place.
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
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func (p *part) value(dst []byte, m *Message) []byte {
	switch p.prop {
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
		for i := 1; i < len(raw) && i < 6; i++ {
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
