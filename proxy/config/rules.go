package config

import (
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// unsupportedHTTPActions are actions HAProxy knows that this implementation
// refuses (they would change behaviour if ignored).
var unsupportedHTTPActions = []string{
	"tarpit", "reject", "silent-drop", "capture", "replace-header", "replace-value",
	"replace-path", "replace-pathq", "replace-uri", "set-uri", "set-query", "set-method",
	"set-pathq", "set-dst", "set-dst-port", "set-src", "set-src-port", "set-tos", "set-mark",
	"set-nice", "set-map", "del-map", "add-acl", "del-acl", "set-var", "set-var-fmt",
	"unset-var", "track-sc0", "track-sc1", "track-sc2", "sc-inc-gpc", "sc-inc-gpc0",
	"sc-inc-gpc1", "sc-set-gpt", "sc-set-gpt0", "cache-use", "cache-store",
	"do-resolve", "early-hint", "normalize-uri", "strict-mode", "wait-for-body",
	"wait-for-handshake", "disable-l7-retry", "set-timeout", "send-spoe-group",
	"set-priority-class", "set-priority-offset", "lua", "set-status",
}

// anonymousDefaults refuses rules in a defaults section without a name,
// as haproxy does (a named one's rules are inherited).
func (p *parser) anonymousDefaults(px *Proxy, w []string) bool {
	if p.isDefaults(px) && px.Name == "" {
		p.alertf(p.line, "'%s' not allowed in anonymous 'defaults' section.", w[0])
		return true
	}
	return false
}

func (p *parser) kwHTTPRequest(px *Proxy, w []string) {
	if p.anonymousDefaults(px, w) {
		return
	}
	r, ok := p.httpRule(px, w, true)
	if !ok {
		return
	}
	px.HTTPRequestRules = append(px.HTTPRequestRules, r)
	p.state[px].sawHTTPRule = true
}

func (p *parser) kwHTTPResponse(px *Proxy, w []string) {
	if p.anonymousDefaults(px, w) {
		return
	}
	r, ok := p.httpRule(px, w, false)
	if ok {
		px.HTTPResponseRules = append(px.HTTPResponseRules, r)
	}
}

// splitCond separates the action arguments from a trailing if/unless.
func splitCond(a []string) (args, cond []string) {
	for i, s := range a {
		if s == "if" || s == "unless" {
			return a[:i], a[i:]
		}
	}
	return a, nil
}

func (p *parser) httpRule(px *Proxy, w []string, req bool) (HTTPRule, bool) {
	r := HTTPRule{File: p.file, Line: p.line}
	if len(w) < 2 {
		p.alertf(p.line, "'%s' expects an action.", w[0])
		return r, false
	}
	act := w[1]
	args, condW := splitCond(w[2:])
	var err error
	switch act {
	case "allow":
		r.Action, err = ActAllow, extraAfter(args, 0)
	case "deny":
		r.Action, r.Status = ActDeny, 403
		if !req {
			r.Status = 502 // http-response deny answers 502 by default
		}
		err = p.denyArgs(&r, args)
	case "set-header", "add-header":
		r.Action = ActSetHeader
		if act == "add-header" {
			r.Action = ActAddHeader
		}
		if err = extraAfter(args, 2); err == nil {
			err = exactArgs(args, "", &r.Name, &r.Value)
		}
	case "del-header":
		r.Action = ActDelHeader
		switch {
		case len(args) == 0:
			err = errors.New("expects at least 1 argument")
		case len(args) == 1 || args[1] != "-m":
			if err = extraAfter(args, 1); err == nil {
				r.Name = args[0]
			}
		default:
			err = unsupportedErr("expects exactly 1 argument (the '-m' option is not supported by this implementation)")
		}
	default:
		if !req {
			break
		}
		switch act {
		case "redirect":
			r.Action, r.Status = ActRedirect, 302
			err = parseRedirect(&r, args)
		case "return":
			r.Action, r.Status = ActReturn, 200
			err = p.returnArgs(&r, args)
		case "auth":
			r.Action = ActAuth
			switch {
			case len(args) == 0:
			case args[0] != "realm":
				err = extraWord(args[0])
			case len(args) == 1:
				err = errors.New("missing realm value")
			default:
				r.Value, err = args[1], extraAfter(args, 2)
			}
		case "set-log-level":
			r.Action = ActSetLogLevel
			if err = extraAfter(args, 1); err != nil {
				break
			}
			err = exactArgs(args, "", &r.Value)
			if err == nil && r.Value != "silent" {
				_, err = parseLevel(r.Value) // the rule is dropped on an error
			}
			if err != nil {
				err = errors.New("expects exactly 1 argument (log level name or 'silent')")
			}
		case "use-service":
			r.Action = ActUseService
			err = useServiceArgs(&r, args)
		case "capture":
			r.Action = ActCapture
			err = p.captureArgs(px, &r, args)
		case "set-path":
			r.Action = ActSetPath
			if err = exactArgs(args, "", &r.Value); err != nil {
				err = errors.New("expects exactly 1 argument <format>")
			}
		default:
			act = "?" + act
		}
	}
	if strings.HasPrefix(act, "?") || (!req && r.Action == ActAllow && act != "allow") {
		act = strings.TrimPrefix(act, "?")
		base := act
		if i := strings.IndexByte(act, '('); i >= 0 {
			base = act[:i]
		}
		for _, u := range unsupportedHTTPActions {
			if base == u {
				p.alertErr(p.line, ErrUnsupported, "'%s %s' is not supported by this implementation.", w[0], act)
				return r, false
			}
		}
		p.alertErr(p.line, ErrUnknownKeyword, "'%s' expects 'allow', 'deny', 'redirect', 'return', 'auth', 'set-header', 'add-header', 'del-header', 'set-path', 'set-log-level', but got '%s'.", w[0], act)
		p.tighten()
		p.stop(stopNow)
		return r, false
	}
	var extra extraWord
	if errors.As(err, &extra) {
		p.alertErr(p.line, ErrSyntax, "'%s %s' expects either 'if' or 'unless' followed by a condition but found '%s'.", w[0], act, string(extra))
		p.tighten()
		p.stop(stopNow)
		return r, false
	}
	if err != nil {
		p.alertErr(p.line, causeOf(err, ErrSyntax), "error detected in %s '%s' while parsing '%s %s' rule : %v.", proxyKind(px), px.Name, w[0], act, err)
		if !errors.Is(err, ErrUnsupported) {
			p.stop(stopNow) // haproxy reads no further after a rule it refuses
		}
		return r, false
	}
	cond, ok := p.optCond(px, condW, "an '"+w[0]+" "+act+"' condition")
	if !ok {
		p.stop(stopNow)
	}
	r.Cond = cond
	return r, ok
}

// unsupportedErr refuses what haproxy takes in a rule and this
// implementation does not; errors.Is finds ErrUnsupported in it.
type unsupportedErr string

func (e unsupportedErr) Error() string { return string(e) }

func (e unsupportedErr) Is(target error) bool { return target == ErrUnsupported }

// proxyKind is how haproxy names a proxy's section in its messages.
func proxyKind(px *Proxy) string {
	if px.Cap == CapFrontend|CapBackend && px.ID == 0 {
		return "defaults" // not registered: a defaults section
	}
	switch px.Cap {
	case CapFrontend:
		return "frontend"
	case CapBackend:
		return "backend"
	}
	return "proxy"
}

// statusArg reads the status of deny/return as haproxy does (C atol:
// "abc" is 0), within 200..599.
func statusArg(v string) (int, error) {
	n := atol(v)
	if n < 200 || n > 599 {
		return 0, haproxyWords("Unexpected status code '" + strconv.FormatInt(n, 10) + "'")
	}
	return int(n), nil
}

// haproxyWords is an error in haproxy's own words (capital letter
// included).
type haproxyWords string

func (w haproxyWords) Error() string { return string(w) }

// exactArgs copies args to dst, one each, or refuses a count other than
// len(dst) ("expects exactly N argument(s)" then note).
func exactArgs(args []string, note string, dst ...*string) error {
	if len(args) != len(dst) {
		s := "s"
		if len(dst) == 1 {
			s = ""
		}
		return fmt.Errorf("expects exactly %d argument%s%s", len(dst), s, note)
	}
	for i, d := range dst {
		*d = args[i]
	}
	return nil
}

// extraWord is a word an action does not take where haproxy expects the
// rule's if/unless: httpRule refuses the rule in haproxy's words,
// "'http-request deny' expects either 'if' or 'unless' followed by a
// condition but found 'foo'.".
type extraWord string

func (w extraWord) Error() string { return "unexpected word '" + string(w) + "'" }

// extraAfter refuses a word after the n an action takes.
func extraAfter(a []string, n int) error {
	if len(a) > n {
		return extraWord(a[n])
	}
	return nil
}

// replyWords are the words of haproxy's http reply (deny, return)
// implemented here; replyOthers are its others, refused as not supported.
// Any other word ends the action (extraWord).
var (
	replyWords  = []string{"status", "content-type", "string", "file"}
	replyOthers = []string{"errorfile", "errorfiles", "default-errorfiles", "lf-file", "lf-string", "hdr"}
)

// replyWord sorts a[i] as denyArgs and returnArgs take it: nil for a word
// of theirs (supported names the ones the caller implements), else the
// error that refuses the rule.
func replyWord(a []string, i int, supported string) error {
	switch {
	case slices.Contains(replyOthers, a[i]):
		return unsupportedErr(fmt.Sprintf("'%s' is not supported by this implementation (supported: %s)", a[i], supported))
	case !slices.Contains(replyWords, a[i]):
		return extraWord(a[i])
	case i+1 >= len(a):
		return fmt.Errorf("'%s' expects an argument", a[i])
	}
	return nil
}

func (p *parser) denyArgs(r *HTTPRule, a []string) error {
	for i := 0; i < len(a); i++ {
		if (a[i] == "deny_status" || a[i] == "status") && i+1 >= len(a) {
			return errors.New("'status' expects <status_code> as argument")
		}
		if a[i] == "deny_status" && i+1 < len(a) {
			// deny's own word, taken before the reply's
		} else if err := replyWord(a, i, "deny_status, content-type, string"); err != nil {
			return err
		}
		switch a[i] {
		case "deny_status", "status":
			n, err := statusArg(a[i+1])
			if err != nil {
				return err
			}
			r.Status = n
		case "content-type":
			r.ContentType = a[i+1]
		case "string":
			r.Body = []byte(a[i+1])
		default:
			return unsupportedErr(fmt.Sprintf("'%s' is not supported by this implementation (supported: deny_status, content-type, string)", a[i]))
		}
		i++
	}
	return p.replyEnd(r)
}

// replyEnd checks a reply's content-type as haproxy does: one without a
// body is dropped with a warning, a body without one is refused.
func (p *parser) replyEnd(r *HTTPRule) error {
	switch {
	case r.ContentType != "" && len(r.Body) == 0:
		p.warnf(p.line, "content-type '%s' ignored by the http reply because neither errorfile nor payload defined.", r.ContentType)
		r.ContentType = ""
	case len(r.Body) > 0 && r.ContentType == "":
		return errors.New("a content type must be defined when non-empty payload is configured")
	}
	return nil
}

// parseRedirect reads a redirect rule's words in any order, as haproxy
// does: one of location/prefix/scheme with its value, and "code"; the
// other options haproxy knows are refused.
func parseRedirect(r *HTTPRule, a []string) error {
	typed := false
	for i := 0; i < len(a); i++ {
		switch kw := a[i]; kw {
		case "location", "prefix", "scheme":
			if i+1 >= len(a) {
				return fmt.Errorf("missing argument for '%s'", kw)
			}
			r.Redirect = map[string]RedirectKind{"location": RedirectLocation, "prefix": RedirectPrefix, "scheme": RedirectScheme}[kw]
			r.Location, typed = a[i+1], true
			i++
		case "code":
			if i+1 >= len(a) {
				return fmt.Errorf("missing argument for '%s'", kw)
			}
			n, err := strconv.Atoi(a[i+1])
			if err != nil || (n != 301 && n != 302 && n != 303 && n != 307 && n != 308) {
				return fmt.Errorf("'code': unsupported HTTP code '%s' (must be one of 301, 302, 303, 307 or 308)", a[i+1])
			}
			r.Status = n
			i++
		case "drop-query":
			r.DropQuery = true
		case "append-slash":
			r.AppendSlash = true
		case "ignore-empty":
			r.IgnoreEmpty = true
		case "set-cookie", "clear-cookie":
			return unsupportedErr(fmt.Sprintf("redirect option '%s' is not supported by this implementation (supported: code, drop-query, append-slash, ignore-empty)", kw))
		default:
			return fmt.Errorf("expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '%s')", kw)
		}
	}
	if !typed {
		return errors.New("redirection type expected ('prefix', 'location', or 'scheme')")
	}
	return nil
}

func (p *parser) returnArgs(r *HTTPRule, a []string) error {
	for i := 0; i < len(a); i++ {
		if err := replyWord(a, i, "status, content-type, string, file"); err != nil {
			return err
		}
		v := a[i+1]
		switch a[i] {
		case "status":
			n, err := statusArg(v)
			if err != nil {
				return err
			}
			r.Status = n
		case "content-type":
			r.ContentType = v
		case "string":
			r.Body = []byte(v)
		case "file":
			b, err := p.readFile(v)
			if err != nil {
				return fmt.Errorf("failed to read file '%s': %w", v, err)
			}
			r.Body = b
		default:
			return unsupportedErr(fmt.Sprintf("'%s' is not supported by this implementation (supported: status, content-type, string, file)", a[i]))
		}
		i++
	}
	return p.replyEnd(r)
}

func (p *parser) kwStats(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'stats' expects 'admin', 'auth', 'enable', 'hide-version', 'realm', 'refresh', 'scope', 'show-desc', 'show-legends', 'show-node' or 'uri'.")
		return
	}
	if px.Stats == nil {
		px.Stats = &Stats{URI: "/haproxy?stats", Realm: "HAProxy Statistics"}
	}
	s := px.Stats
	arg := func() (string, bool) {
		if len(w) < 3 {
			p.alertf(p.line, "'stats %s' expects an argument.", w[1])
			return "", false
		}
		return w[2], true
	}
	switch w[1] {
	case "enable":
		s.Enable = true
	case "uri":
		if v, ok := arg(); ok {
			s.URI, s.Enable = v, true
		}
	case "realm":
		if v, ok := arg(); ok {
			s.Realm, s.Enable = v, true
		}
	case "auth":
		if v, ok := arg(); ok {
			u, pw, found := strings.Cut(v, ":")
			if !found {
				p.alertf(p.line, "'stats auth' expects <user>:<password> as argument.")
				return
			}
			s.Auth, s.Enable = append(s.Auth, UserPass{User: u, Pass: pw}), true
		}
	case "refresh":
		if v, ok := arg(); ok {
			d, err := ParseTime(v)
			if err != nil {
				p.alertf(p.line, "'stats refresh' : %v", err)
				return
			}
			s.Refresh, s.Enable = d, true
		}
	case "hide-version":
		s.HideVersion, s.Enable = true, true
	case "admin":
		if p.isDefaults(px) {
			p.alertf(p.line, "'stats admin' not allowed in 'defaults' section.")
			return
		}
		cond, ok := p.optCond(px, w[2:], "'stats admin' rule")
		if ok && cond == nil {
			p.alertf(p.line, "'stats admin' requires either 'if <cond>' or 'unless <cond>' followed by a condition.")
			return
		}
		s.Admin = cond
	case "scope":
		p.alertErr(p.line, ErrUnsupported, "'stats scope' is not supported by this implementation (the page would show every proxy).")
	case "show-legends":
		s.ShowLegends, s.Enable = true, true
	case "show-node":
		s.ShowNode, s.Enable = statsNodeName(w[2:]), true
	case "show-desc", "show-modules", "bind-process":
		p.warnf(p.line, "'stats %s' is accepted but ignored by this implementation.", w[1])
	case "socket", "timeout", "maxconn":
		p.alertf(p.line, "'stats %s' is only allowed in the 'global' section.", w[1])
	case "http-request":
		p.alertErr(p.line, ErrUnsupported, "'stats http-request' is not supported by this implementation.")
	default:
		p.alertErr(p.line, ErrUnknownKeyword, "'stats' expects 'admin', 'auth', 'enable', 'hide-version', 'realm', 'refresh', 'scope', 'show-desc', 'show-legends', 'show-node' or 'uri' (got '%s').", w[1])
	}
}

// kwRedirect reads the "redirect" directive: http-request redirect's words
// and options, its location taken as written (not a log-format string).
func (p *parser) kwRedirect(px *Proxy, w []string) {
	args, condW := splitCond(w[1:])
	r := HTTPRule{Action: ActRedirect, Status: 302, OldRedirect: true, File: p.file, Line: p.line}
	err := parseRedirect(&r, args)
	if err == nil && len(condW) > 1 {
		if r.Cond, err = p.parseCond(px, condW[1:]); err == nil {
			r.Cond.Unless = condW[0] == "unless"
		} else {
			err = fmt.Errorf("error in condition: %w", err)
		}
	}
	if err != nil {
		p.alertErr(p.line, causeOf(err, ErrSyntax), "error detected in %s '%s' while parsing redirect rule : %v.", proxyKind(px), px.Name, err)
		return
	}
	px.Redirects = append(px.Redirects, r)
}

// captureFetches are the sample fetches http-request capture takes: the
// values haproxy would store (req.hdr: the last comma-separated value,
// req.fhdr: the last line).
var captureFetches = map[string]FetchKind{"req.hdr": FetchHdr, "hdr": FetchHdr, "req.fhdr": FetchFHdr, "fhdr": FetchFHdr,
	"path": FetchPath, "url": FetchURL, "method": FetchMethod, "query": FetchQuery, "src": FetchSrc}

// captureArgs reads "http-request capture <sample> len <n>": a new request
// capture slot of the proxy, filled by the rule when it runs. The id form
// (declare capture) and samples with converters are refused as not
// implemented.
func (p *parser) captureArgs(px *Proxy, r *HTTPRule, a []string) error {
	switch {
	case len(a) < 3:
		return errors.New("expects <expression> [ 'len' <length> | id <idx> ]")
	case a[1] != "len" && a[1] != "id":
		return fmt.Errorf("expects 'len' or 'id', found '%s'", a[1])
	}
	expr := a[0]
	name, arg, hasArg := strings.Cut(expr, "(")
	switch {
	case p.isDefaults(px):
		return unsupportedErr("'http-request capture' in a defaults section is not supported by this implementation")
	case px.Cap&CapFrontend == 0:
		return fmt.Errorf("proxy '%s' has no frontend capability", px.Name)
	case strings.HasPrefix(name, "res.") || strings.HasPrefix(name, "capture.res"):
		return fmt.Errorf("fetch method '%s' extracts information from 'HTTP response headers', none of which is available here", expr)
	case a[1] == "id":
		return unsupportedErr("'id' (declare capture) is not supported by this implementation (supported: len)")
	case strings.Contains(expr, ","):
		return unsupportedErr(fmt.Sprintf("sample converters ('%s') are not supported by this implementation", expr))
	}
	kind, ok := captureFetches[name]
	if !ok {
		if _, known := criteria[name]; !known {
			return fmt.Errorf("unknown fetch method '%s'", name)
		}
		return unsupportedErr(fmt.Sprintf("fetch '%s' is not supported by this implementation in http-request capture", name))
	}
	if hasArg {
		arg = strings.TrimSuffix(arg, ")")
	}
	if (kind == FetchHdr || kind == FetchFHdr) != (arg != "") {
		return unsupportedErr(fmt.Sprintf("'%s' is not supported by this implementation in http-request capture (a header fetch takes a name, nothing else an argument)", expr))
	}
	n := atol(a[2])
	if n <= 0 {
		return errors.New("length must be > 0")
	}
	if err := extraAfter(a, 3); err != nil {
		return err
	}
	r.Sample = Fetch{Kind: kind, Name: expr, Arg: arg, HeaderKey: textproto.CanonicalMIMEHeaderKey(arg)}
	r.CaptureSlot = len(px.Captures.Request)
	px.Captures.Request = append(px.Captures.Request, HeaderCapture{Name: expr, Len: int(n), ByRule: true})
	return nil
}
