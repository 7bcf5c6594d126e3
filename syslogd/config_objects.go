package syslogd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseObject parses a RainerScript object `name(key="value" key=value ...)`.
// Keys are returned lowercased; values keep backslash escapes.
func parseObject(s string) (name string, params map[string]string, err error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return "", nil, fmt.Errorf("want name(...)")
	}
	name = strings.ToLower(strings.TrimSpace(s[:open]))
	body := s[open+1:]
	params = map[string]string{}
	for {
		body = strings.TrimLeft(body, " \t")
		if body == "" {
			return "", nil, fmt.Errorf("%s(: missing ')'", name)
		}
		if body[0] == ')' {
			if rest := strings.TrimSpace(body[1:]); rest != "" && rest[0] != '#' {
				return "", nil, fmt.Errorf("%s(...): unexpected %q after ')'", name, rest)
			}
			return name, params, nil
		}
		eq := strings.IndexByte(body, '=')
		if eq <= 0 {
			return "", nil, fmt.Errorf("%s(...): want key=\"value\" at %q", name, body)
		}
		key := strings.ToLower(strings.TrimSpace(body[:eq]))
		body = strings.TrimLeft(body[eq+1:], " \t")
		var val string
		if strings.HasPrefix(body, "[") { // array: elements joined by ","
			end := strings.IndexByte(body, ']')
			if end < 0 {
				return "", nil, fmt.Errorf("%s(...): %s: missing ']'", name, key)
			}
			val, body = body[:end+1], body[end+1:]
		} else if strings.HasPrefix(body, "\"") {
			val, body, err = quoted(body)
			if err != nil {
				return "", nil, fmt.Errorf("%s(...): %s: %w", name, key, err)
			}
		} else {
			end := strings.IndexAny(body, " \t)")
			if end < 0 {
				end = len(body)
			}
			val, body = body[:end], body[end:]
		}
		params[key] = val
	}
}

// object handles a top-level RainerScript object statement.
func (p *cfgParser) object(name, line string, n int) error {
	_, params, err := parseObject(line)
	if err != nil {
		return p.errf(n, name, "%w", err)
	}
	switch name {
	case "module":
		return p.loadModule(params["load"], params, n)
	case "input":
		return p.input(params, n)
	case "global":
		return p.global(params, n)
	case "template":
		return p.template(params, n)
	case "action":
		return p.action(p.within(cond{sel: allSelector()}), line, n)
	case "include":
		if f := params["file"]; f != "" {
			return p.include(f, n)
		}
		return p.errf(n, "include", "include without file=: %w", ErrUnsupported)
	case "main_queue":
		for k, v := range params {
			if e, ok := queueInert[strings.TrimPrefix(k, "queue.")]; ok && strings.HasPrefix(k, "queue.") {
				if err := p.checkInert(e, k, v, n); err != nil {
					return err
				}
				continue
			}
			return p.errf(n, k, "main_queue parameter %q: %w", k, ErrUnsupported)
		}
		return nil
	case "dyn_stats", "percentile_stats":
		// Used only by dyn_inc() and percentile_observe(), which the
		// expressions refuse.
		p.warn(n, "%s(...) ignored: used only by dyn_inc() and percentile_observe(), which syslogd refuses", name)
		return nil
	}
	return p.errf(n, name, "%s(...): %w", name, ErrUnsupported)
}

func (p *cfgParser) loadModule(mod string, params map[string]string, n int) error {
	switch strings.ToLower(mod) {
	case "imudp":
		for k, v := range params {
			switch k {
			case "load":
			case "threads", "batchsize", "schedulingpolicy", "schedulingpriority", "timerequery":
				p.warn(n, "module imudp parameter %s=%q ignored: how rsyslogd's threads read, not what they read", k, v)
			default:
				return p.errf(n, k, "module imudp parameter %q: %w", k, ErrUnsupported)
			}
		}
	case "imtcp":
		for k, v := range params {
			switch k {
			case "load":
			case "maxsessions":
				if err := p.maxSessions(k, v, n); err != nil {
					return err
				}
			case "maxlisteners", "workerthreads", "starvationprotection.maxreads":
				p.warn(n, "module imtcp parameter %s=%q ignored: how rsyslogd's threads read, not what they read", k, v)
			default:
				if err := p.otherParam("module imtcp parameter", k, v, n, false, inputInert, tcpInert); err != nil {
					return err
				}
			}
		}
	case "imuxsock":
		// The system socket is added when the configuration is complete:
		// $OmitLocalLogging and $SystemLogSocketName may come later.
		p.c.sysSock.load = true
		if params != nil && strings.EqualFold(params["syssock.use"], "off") {
			p.c.sysSock.omit = true
		}
		if params != nil && params["syssock.name"] != "" {
			p.c.sysSock.path = params["syssock.name"]
		}
		for k, v := range params {
			switch k {
			case "load", "syssock.use", "syssock.name":
				continue
			}
			e, ok := imuxsockModInert(k)
			if !ok {
				return p.errf(n, k, "module imuxsock parameter %q: %w", k, ErrUnsupported)
			}
			if err := p.checkInert(e, k, v, n); err != nil {
				return err
			}
		}
	case "imklog":
		p.c.klog.load = true
		p.c.klog.rainer = params != nil
		for k, v := range params {
			if k == "load" {
				continue
			}
			if err := p.klogParam(k, v, k, false, n); err != nil {
				return err
			}
		}
	case "builtin:omfile":
		for k, v := range params {
			switch k = strings.ToLower(k); k {
			case "load":
			case "template":
				p.c.DefaultTemplate = v
			case "filecreatemode", "fileowner", "filegroup", "dircreatemode", "dirowner", "dirgroup":
				if err := p.fileAttr(&p.c.modFile, k, v, n); err != nil {
					return err
				}
			case "fileownernum", "filegroupnum", "dirownernum", "dirgroupnum":
				if err := p.fileAttrNum(&p.c.modFile, k, k, v, n); err != nil {
					return err
				}
			default:
				if err := p.otherParam("module builtin:omfile parameter", k, v, n, false, omfileModInert); err != nil {
					return err
				}
			}
		}
	case "omkafka", "imkafka": // see omkafka.go, imkafka.go
	case "impstats":
		return p.impstatsModule(params, n)
	case "omfile", "builtin:omfwd":
		// Built in: loading them changes nothing.
		p.warn(n, "module %s ignored", mod)
	default:
		return p.errf(n, "module", "module %q is not implemented: %w", mod, ErrUnsupported)
	}
	return nil
}

func (p *cfgParser) input(params map[string]string, n int) error {
	var in Input
	switch strings.ToLower(params["type"]) {
	case "imkafka": // imkafka.go
		return p.imkafkaInput(params, n)
	case "imudp":
		in.Kind = UDP
	case "imtcp":
		in.Kind = TCP
	case "imuxsock":
		in = Input{Kind: Unix, Addr: params["socket"], Ruleset: canonicalRuleset(params["ruleset"])}
		if in.Addr == "" {
			return p.errf(n, "socket", "imuxsock input without socket=")
		}
		for k, v := range params {
			switch k {
			case "type", "socket", "ruleset":
				continue
			}
			if err := p.otherParam("imuxsock input parameter", k, v, n, false, uxInert); err != nil {
				return err
			}
		}
		p.addInput(in, n)
		return nil
	default:
		return p.errf(n, "type", "input type %q: %w", params["type"], ErrUnsupported)
	}
	port := params["port"]
	if port == "" {
		port = DefaultPort // rsyslog's 514 needs root
	}
	if strings.Contains(port, ",") || strings.Contains(port, "[") {
		return p.errf(n, "port", "port lists %q: %w", port, ErrUnsupported)
	}
	in.Addr = joinHostPort(params["address"], port)
	for k, v := range params {
		switch k {
		case "type", "port", "address":
		case "rcvbufsize":
			sz, err := parseSize(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			in.RcvBuf = int(sz)
		case "ruleset":
			in.Ruleset = canonicalRuleset(v)
		case "maxsessions":
			if in.Kind != TCP {
				return p.errf(n, k, "imudp input parameter %q: %w", k, ErrUnsupported)
			}
			if err := p.maxSessions(k, v, n); err != nil {
				return err
			}
		default:
			kind := udpInert
			if in.Kind == TCP {
				kind = tcpInert
			}
			if err := p.otherParam(params["type"]+" input parameter", k, v, n, false, inputInert, kind); err != nil {
				return err
			}
		}
	}
	p.addInput(in, n)
	return nil
}

func (p *cfgParser) global(params map[string]string, n int) error {
	for k, v := range params {
		switch k {
		case "localhostname":
			p.c.LocalHostname = v
		case "pidfile":
			// rsyslogd 8.2302 rejects it ("parameter 'pidfile' not
			// known", rsyslogd -N1 exits 1): the pid file is the -i flag.
			return p.errf(n, k, "not a global() parameter of rsyslogd 8.2302 (it rejects it too): use the -i PIDFILE flag")
		case "maxmessagesize":
			sz, err := parseSize(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			p.c.MaxMessageSize = int(sz)
		case "parser.controlcharacterescapeprefix":
			c, err := oneChar(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			p.c.Receive.EscapePrefix = c
		case "parser.escapecontrolcharactersonreceive", "parser.droptrailinglfonreception",
			"parser.escape8bitcharactersonreceive", "parser.escapecontrolcharactertab",
			"parser.escapecontrolcharacterscstyle", "parser.spacelfonreceive":
			on, err := onOff(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			receiveFlags[strings.TrimPrefix(k, "parser.")](&p.c.Receive, on)
		case "preservefqdn":
			on, err := onOff(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			p.c.PreserveFQDN = on
		case "umask":
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil || m > 0o777 {
				return p.errf(n, k, "%q: want an octal mode such as 0022", v)
			}
			p.c.Umask = int(m)
		case "privdrop.user.name", "privdrop.user.id", "privdrop.group.name", "privdrop.group.id":
			kind := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(k, "privdrop."), ".name"), ".", "")
			if err := p.privDrop(kind, k, v, n); err != nil {
				return err
			}
		case "privdrop.group.keepsupplemental":
			on, err := onOff(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			p.c.Process.KeepSupplemental = on
		default:
			// rsyslogd refuses an unknown parameter too.
			if err := p.otherParam("global parameter", k, v, n, false, globalInert); err != nil {
				return err
			}
		}
	}
	return nil
}

// oneChar returns the single character of a quoted parameter value (which
// keeps its backslash escapes), as rsyslog requires for
// parser.controlCharacterEscapePrefix.
func oneChar(v string) (byte, error) {
	if len(v) == 2 && v[0] == '\\' {
		switch v[1] {
		case '\\', '"', '\'', '/', '?':
			return v[1], nil
		case 'n':
			return '\n', nil
		case 't':
			return '\t', nil
		case 'r':
			return '\r', nil
		}
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%q: want exactly one character", v)
	}
	return v[0], nil
}

func (p *cfgParser) template(params map[string]string, n int) error {
	name := params["name"]
	if name == "" {
		return p.errf(n, "name", "template without name=")
	}
	for k := range params {
		switch k {
		case "name", "type", "string":
		default:
			return p.errf(n, k, "template %q: parameter %q: %w", name, k, ErrUnsupported)
		}
	}
	switch strings.ToLower(params["type"]) {
	case "string":
		if p.body.ok {
			// rsyslog 8.2302 warns and ignores the body.
			p.warn(p.body.line, "template %q is not a list template: its { ... } body is ignored", name)
		}
		return p.addTemplate(name, params["string"], n)
	case "list":
		if _, ok := params["string"]; ok {
			// rsyslog 8.2302 warns and ignores string=.
			p.warn(n, "template %q is not a string template: its string= is ignored", name)
		}
		if !p.body.ok {
			return p.errf(n, "type", "template %q: type \"list\" without a { ... } body", name)
		}
		t, err := CompileListTemplate(name, p.body.text)
		if err != nil {
			var le *ListTemplateError
			if errors.As(err, &le) {
				return p.errf(p.body.line+le.Line-1, le.Param, "template %q: %w", name, le.Err)
			}
			return p.errf(n, "template", "template %q: %w", name, err)
		}
		p.c.Templates[name] = t
		return nil
	}
	return p.errf(n, "type", "template %q: type %q (only \"string\" and \"list\"): %w", name, params["type"], ErrUnsupported)
}

// parseSize parses "8096", "64k", "4m" (k and m are powers of 1024, as
// in rsyslog).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult, s = 1<<10, s[:len(s)-1]
		case 'm', 'M':
			mult, s = 1<<20, s[:len(s)-1]
		case 'g', 'G':
			mult, s = 1<<30, s[:len(s)-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}
