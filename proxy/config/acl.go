package config

import (
	"errors"
	"fmt"
	"math"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
)

// sampleType is the type of values a fetch produces.
type sampleType uint8

const (
	typeStr sampleType = iota
	typeInt
	typeIP
	typeBool
)

// criterion describes an ACL keyword.
type criterion struct {
	fetch  FetchKind
	method MatchMethod
	typ    sampleType
	arg    int // 0: no argument, 1: required, 2: optional
}

// criteria maps ACL keywords (without their "(arg)") to fetch + method.
var criteria = func() map[string]criterion {
	m := map[string]criterion{
		"always_true":  {FetchAlwaysTrue, MatchBool, typeBool, 0},
		"always_false": {FetchAlwaysFalse, MatchBool, typeBool, 0},
		"method":       {FetchMethod, MatchStr, typeStr, 0},
		"query":        {FetchQuery, MatchStr, typeStr, 0},
		"url_param":    {FetchURLParam, MatchStr, typeStr, 1},
		"urlp":         {FetchURLParam, MatchStr, typeStr, 1},
		"src":          {FetchSrc, MatchIP, typeIP, 0},
		"dst":          {FetchDst, MatchIP, typeIP, 0},
		"src_port":     {FetchSrcPort, MatchInt, typeInt, 0},
		"dst_port":     {FetchDstPort, MatchInt, typeInt, 0},
		"ssl_fc":       {FetchSSLFc, MatchBool, typeBool, 0},
		"ssl_fc_sni":   {FetchSSLFcSNI, MatchStr, typeStr, 0},
		"req.ssl_sni":  {FetchSSLFcSNI, MatchStr, typeStr, 0},
		"req_ssl_sni":  {FetchSSLFcSNI, MatchStr, typeStr, 0},
		"nbsrv":        {FetchNbSrv, MatchInt, typeInt, 2},
		"hdr_cnt":      {FetchHdrCnt, MatchInt, typeInt, 1},
		"req.hdr_cnt":  {FetchHdrCnt, MatchInt, typeInt, 1},
		"req.hdr":      {FetchHdr, MatchStr, typeStr, 1},
		"req.fhdr":     {FetchFHdr, MatchStr, typeStr, 1},
		"fhdr":         {FetchFHdr, MatchStr, typeStr, 1},
	}
	suffixes := map[string]MatchMethod{"": MatchStr, "_beg": MatchBeg, "_end": MatchEnd,
		"_sub": MatchSub, "_reg": MatchReg, "_dir": MatchDir, "_dom": MatchDom, "_len": MatchLen}
	for sfx, mm := range suffixes {
		m["path"+sfx] = criterion{FetchPath, mm, typeStr, 0}
		m["url"+sfx] = criterion{FetchURL, mm, typeStr, 0}
		m["hdr"+sfx] = criterion{FetchHdr, mm, typeStr, 1}
		m["ssl_fc_sni"+sfx] = criterion{FetchSSLFcSNI, mm, typeStr, 0}
		m["req.ssl_sni"+sfx] = criterion{FetchSSLFcSNI, mm, typeStr, 0}
	}
	m["path_reg"] = criterion{FetchPath, MatchReg, typeStr, 0}
	return m
}()

var matchMethods = map[string]MatchMethod{
	"found": MatchFound, "bool": MatchBool, "int": MatchInt, "ip": MatchIP, "str": MatchStr,
	"beg": MatchBeg, "end": MatchEnd, "sub": MatchSub, "dir": MatchDir, "dom": MatchDom,
	"reg": MatchReg, "len": MatchLen,
}

func (p *parser) kwACL(px *Proxy, w []string) {
	if len(w) < 3 {
		p.alertf(p.line, "'acl' expects an ACL name and a criterion.")
		return
	}
	name := w[1]
	if err := checkProxyName(name); err != nil || name == "or" || name == "||" {
		p.alertf(p.line, "error detected while parsing ACL '%s' : invalid ACL name.", name)
		return
	}
	m, err := p.parseMatcher(px, w[2:])
	if err != nil {
		p.alertf(p.line, "error detected while parsing ACL '%s' : %v.", name, err)
		return
	}
	if px.ACLs == nil {
		px.ACLs = map[string]*ACL{}
	}
	a := px.ACLs[name]
	if a == nil {
		a = &ACL{Name: name}
		px.ACLs[name] = a
	}
	a.Matchers = append(a.Matchers, m)
}

// parseMatcher parses "<criterion> [flags] [operator] <values...>".
func (p *parser) parseMatcher(px *Proxy, a []string) (*Matcher, error) {
	m := &Matcher{File: p.file, Line: p.line}
	name, arg, hasArg := a[0], "", false
	if i := strings.IndexByte(name, '('); i >= 0 {
		if !strings.HasSuffix(name, ")") {
			return nil, fmt.Errorf("missing closing ')' after arguments to fetch keyword '%s'", name[:i])
		}
		name, arg, hasArg = name[:i], name[i+1:len(name)-1], true
	}
	c, ok := criteria[name]
	if !ok {
		return nil, fmt.Errorf("unknown fetch method '%s' in ACL expression '%s'", name, a[0])
	}
	if c.arg == 0 && hasArg && arg != "" {
		return nil, fmt.Errorf("fetch method '%s' : no argument supported, but got '%s'", name, arg)
	}
	if c.arg == 1 && arg == "" {
		return nil, fmt.Errorf("fetch method '%s' : missing argument", name)
	}
	if c.fetch == FetchHdr || c.fetch == FetchFHdr || c.fetch == FetchHdrCnt {
		// hdr(name,occ): the occurrence is not supported.
		if strings.IndexByte(arg, ',') >= 0 {
			return nil, fmt.Errorf("fetch method '%s' : occurrence argument is not supported by this implementation", name)
		}
	}
	m.Fetch = Fetch{Kind: c.fetch, Name: a[0], Arg: arg}
	if c.fetch == FetchHdr || c.fetch == FetchFHdr || c.fetch == FetchHdrCnt {
		m.Fetch.HeaderKey = textproto.CanonicalMIMEHeaderKey(arg)
	}
	if c.fetch == FetchNbSrv {
		p.nbsrvRef(px, m, arg)
	}
	m.Method = c.method
	typ := c.typ
	var values []string
	a = a[1:]
	i := 0
	explicitEnd := false
flags:
	for ; i < len(a); i++ {
		switch a[i] {
		case "-i":
			m.IgnoreCase = true
		case "-n", "-M":
		case "--":
			i++
			explicitEnd = true
			break flags
		case "-f", "-m", "-u":
			if i+1 >= len(a) {
				return nil, fmt.Errorf("missing argument after '%s'", a[i])
			}
			i++
			switch a[i-1] {
			case "-f":
				lines, err := p.readLines(a[i])
				if err != nil {
					return nil, patternFileError{name: a[i], err: err}
				}
				values = append(values, lines...)
			case "-m":
				mm, ok := matchMethods[a[i]]
				if !ok {
					return nil, fmt.Errorf("unknown matching method '%s' (not supported by this implementation)", a[i])
				}
				m.Method = mm
			}
		default:
			if strings.HasPrefix(a[i], "-") && len(a[i]) > 1 && typ == typeStr {
				return nil, fmt.Errorf("'%s' is not a valid pattern flag", a[i])
			}
			break flags
		}
	}
	a = a[i:]
	// Integer fetches accept an operator before the value.
	var op string
	if (typ == typeInt || m.Method == MatchLen || m.Method == MatchInt) && len(a) > 0 {
		switch a[0] {
		case "eq", "ge", "gt", "le", "lt":
			op, a = a[0], a[1:]
		}
	}
	values = append(values, a...)
	if len(values) == 0 && !explicitEnd && m.Method != MatchFound && m.Method != MatchBool && typ != typeBool {
		p.postWarn("parsing acl keyword '%s' :\n"+
			"  no pattern to match against were provided, so this ACL will never match.\n"+
			"  If this is what you intended, please add '--' to get rid of this warning.\n"+
			"  If you intended to match only for existence, please use '-m found'.\n"+
			"  If you wanted to force an int to match as a bool, please use '-m bool'.", name)
	}
	return m, p.matcherValues(m, typ, op, values)
}

func (p *parser) matcherValues(m *Matcher, typ sampleType, op string, values []string) error {
	switch m.Method {
	case MatchFound:
		return nil
	case MatchBool:
		if len(values) > 0 {
			m.Method = MatchInt
			return p.matcherValues(m, typ, op, values)
		}
		return nil
	case MatchInt, MatchLen:
		if typ == typeBool && len(values) == 0 {
			m.Method = MatchBool
			return nil
		}
		for _, v := range values {
			r, err := parseIntRange(v, op)
			if err != nil {
				return err
			}
			m.Ints = append(m.Ints, r)
		}
	case MatchIP:
		for _, v := range values {
			n, err := parseNet(v)
			if err != nil {
				return fmt.Errorf("'%s' is not a valid IPv4 or IPv6 address", v)
			}
			m.Nets = append(m.Nets, n)
		}
	case MatchReg:
		for _, v := range values {
			expr := v
			if m.IgnoreCase {
				expr = "(?i)" + v
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return fmt.Errorf("regex '%s' is invalid: %w", v, err)
			}
			m.Regexps = append(m.Regexps, re)
		}
	default:
		if typ != typeStr {
			return fmt.Errorf("match method not compatible with fetch '%s'", m.Fetch.Name)
		}
		m.Strs = append(m.Strs, values...)
	}
	return nil
}

// parseIntRange parses "N", "N:M", ":M", "N:" and applies an operator.
func parseIntRange(v, op string) ([2]int64, error) {
	bad := fmt.Errorf("'%s' is not a number", v)
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if op == "" && strings.IndexByte(v, ':') >= 0 {
		a, b, _ := strings.Cut(v, ":")
		var err error
		if a != "" {
			if lo, err = strconv.ParseInt(a, 10, 64); err != nil {
				return [2]int64{}, bad
			}
		}
		if b != "" {
			if hi, err = strconv.ParseInt(b, 10, 64); err != nil {
				return [2]int64{}, bad
			}
		}
		return [2]int64{lo, hi}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return [2]int64{}, bad
	}
	switch op {
	case "", "eq":
		lo, hi = n, n
	case "ge":
		lo = n
	case "gt":
		lo = n + 1
	case "le":
		hi = n
	case "lt":
		hi = n - 1
	}
	return [2]int64{lo, hi}, nil
}

// nbsrvRef schedules the resolution of nbsrv's backend argument.
func (p *parser) nbsrvRef(px *Proxy, m *Matcher, name string) {
	if name == "" {
		if px.Cap&CapBackend != 0 {
			m.Fetch.Backend = px
			return
		}
		name = px.Name
	}
	p.pending = append(p.pending, pendingRef{px: px, name: name, file: p.file, line: p.line, what: "nbsrv",
		set: func(b *Proxy) { m.Fetch.Backend = b }})
}

// predefinedACLs are HAProxy's built-in ACL names that are supported.
var predefinedACLs = map[string][]string{
	"TRUE":           {"always_true"},
	"FALSE":          {"always_false"},
	"LOCALHOST":      {"src", "127.0.0.1/8", "::1"},
	"METH_CONNECT":   {"method", "CONNECT"},
	"METH_DELETE":    {"method", "DELETE"},
	"METH_GET":       {"method", "GET", "HEAD"},
	"METH_HEAD":      {"method", "HEAD"},
	"METH_OPTIONS":   {"method", "OPTIONS"},
	"METH_POST":      {"method", "POST"},
	"METH_PUT":       {"method", "PUT"},
	"METH_TRACE":     {"method", "TRACE"},
	"HTTP_URL_SLASH": {"url_beg", "/"},
	"HTTP_URL_STAR":  {"url", "*"},
}

// optCond parses an optional trailing "if|unless <cond>" (w may be empty).
// ctx names the rule for messages. ok is false after an error.
func (p *parser) optCond(px *Proxy, w []string, ctx string) (*Cond, bool) {
	if len(w) == 0 {
		return nil, true
	}
	if w[0] != "if" && w[0] != "unless" {
		p.alertf(p.line, "error detected while parsing %s : expects 'if' or 'unless' followed by a condition but found '%s'.", ctx, w[0])
		return nil, false
	}
	c, err := p.parseCond(px, w[1:])
	if err != nil {
		p.alertf(p.line, "error detected while parsing %s : %v.", ctx, err)
		return nil, false
	}
	c.Unless = w[0] == "unless"
	return c, true
}

// parseCond parses terms: ACL names, "!" negations, "{ ... }" anonymous
// ACLs, separated by "||"/"or" into OR groups.
func (p *parser) parseCond(px *Proxy, w []string) (*Cond, error) {
	c := &Cond{Text: strings.Join(w, " ")}
	var group []Term
	if len(w) == 0 {
		return nil, errors.New("missing condition")
	}
	for i := 0; i < len(w); i++ {
		word := w[i]
		if word == "||" || word == "or" {
			if len(group) == 0 {
				return nil, fmt.Errorf("missing ACL before '%s'", word)
			}
			c.Or = append(c.Or, group)
			group = nil
			continue
		}
		neg := false
		for strings.HasPrefix(word, "!") {
			neg = !neg
			word = word[1:]
			if word == "" {
				if i+1 >= len(w) {
					return nil, errors.New("missing ACL after '!'")
				}
				i++
				word = w[i]
			}
		}
		var acl *ACL
		switch {
		case word == "{":
			j := i + 1
			for j < len(w) && w[j] != "}" {
				j++
			}
			if j >= len(w) {
				return nil, errors.New("missing closing '}' in condition")
			}
			if j == i+1 {
				return nil, errors.New("empty anonymous ACL")
			}
			m, err := p.parseMatcher(px, w[i+1:j])
			if err != nil {
				return nil, err
			}
			acl = &ACL{Matchers: []*Matcher{m}}
			i = j
		case px.ACLs[word] != nil:
			acl = px.ACLs[word]
		case predefinedACLs[word] != nil:
			m, err := p.parseMatcher(px, predefinedACLs[word])
			if err != nil {
				return nil, err
			}
			acl = &ACL{Name: word, Matchers: []*Matcher{m}}
		default:
			return nil, fmt.Errorf("no such ACL : '%s'", word)
		}
		group = append(group, Term{Negate: neg, ACL: acl})
	}
	if len(group) == 0 {
		return nil, errors.New("missing ACL at end of condition")
	}
	c.Or = append(c.Or, group)
	return c, nil
}

// patternFileError is a pattern file (-f) that could not be read: its
// text is haproxy's ("failed to open pattern file <name>"), the cause is
// kept for errors.Is/As.
type patternFileError struct {
	name string
	err  error
}

func (e patternFileError) Error() string { return "failed to open pattern file <" + e.name + ">" }

func (e patternFileError) Unwrap() error { return e.err }
