package config

import (
	"net/netip"
	"regexp"
	"strings"
)

// FetchKind is a sample fetch usable in ACLs.
type FetchKind uint8

// Sample fetches. The runtime provides their values through a Sampler.
const (
	FetchAlwaysTrue  FetchKind = iota // boolean, always 1
	FetchAlwaysFalse                  // boolean, always 0
	FetchPath                         // string: path part of the URI (before '?')
	FetchURL                          // string: the whole request URI as received
	FetchQuery                        // string: text after '?' (absent if none)
	FetchURLParam                     // string: value of query parameter Arg
	FetchMethod                       // string: request method
	FetchHdr                          // string, multi-valued: request header Arg (comma-split)
	FetchFHdr                         // string, multi-valued: request header Arg (whole lines)
	FetchHdrCnt                       // integer: number of values of header Arg
	FetchSrc                          // address: client IP
	FetchDst                          // address: local IP the client connected to
	FetchSrcPort                      // integer: client port
	FetchDstPort                      // integer: local port the client connected to
	FetchSSLFc                        // boolean: connection arrived over TLS
	FetchSSLFcSNI                     // string: TLS SNI sent by the client
	FetchNbSrv                        // integer: usable servers in backend Arg
)

// MatchMethod is how a sample is compared to the patterns (-m).
type MatchMethod uint8

// Match methods.
const (
	MatchBool  MatchMethod = iota // the sample is non-zero / true
	MatchFound                    // the sample exists
	MatchStr                      // exact string
	MatchBeg                      // prefix
	MatchEnd                      // suffix
	MatchSub                      // substring
	MatchDir                      // slash-delimited component(s)
	MatchDom                      // dot/slash-delimited component(s)
	MatchReg                      // regular expression
	MatchLen                      // string length in an integer range
	MatchInt                      // integer range
	MatchIP                       // address within a network
)

// Fetch names a sample fetch and its argument.
type Fetch struct {
	Kind FetchKind
	// Name is the fetch as written, e.g. "hdr_sub(user-agent)".
	Name string
	// Arg is the fetch argument: header name as written (hdr*), parameter
	// name (url_param) or backend name (nbsrv).
	Arg string
	// HeaderKey is Arg in net/http canonical form (for hdr*), so a runtime
	// can index an http.Header without allocating.
	HeaderKey string
	// Backend is the resolved backend of nbsrv.
	Backend *Proxy
}

// Sampler gives a condition access to the current request. Implementations
// must not allocate if evaluation is to be allocation-free. A method is only
// called for fetches of the matching type (see FetchKind).
type Sampler interface {
	// SampleString returns a string fetch value; ok is false when absent.
	SampleString(f *Fetch) (v string, ok bool)
	// SampleHeader returns all the lines of request header f.HeaderKey (as
	// stored in an http.Header); nil when absent.
	SampleHeader(f *Fetch) []string
	// SampleAddr returns FetchSrc or FetchDst.
	SampleAddr(f *Fetch) (netip.Addr, bool)
	// SampleInt returns an integer or boolean (0/1) fetch value.
	SampleInt(f *Fetch) (int64, bool)
}

// Matcher is one ACL line: a fetch and the patterns it is compared to.
// Patterns are OR-ed.
type Matcher struct {
	Fetch      Fetch
	Method     MatchMethod
	IgnoreCase bool
	Strs       []string
	Regexps    []*regexp.Regexp
	Ints       [][2]int64 // inclusive ranges
	Nets       []netip.Prefix
	File       string
	Line       int
}

// ACL is a named ACL (all its "acl" lines, OR-ed) or an anonymous one
// (Name empty, from "{ ... }").
type ACL struct {
	Name     string
	Matchers []*Matcher
}

// Term is one ACL reference in a condition, possibly negated with "!".
type Term struct {
	Negate bool
	ACL    *ACL
}

// Cond is an "if"/"unless" condition: OR of AND groups of terms.
type Cond struct {
	// Unless inverts the whole condition.
	Unless bool
	Or     [][]Term
	// Text is the condition as written, for messages.
	Text string
}

// Eval reports whether the condition holds for the request. It does not
// allocate unless the Sampler does. A nil Cond is true.
func (c *Cond) Eval(s Sampler) bool {
	if c == nil {
		return true
	}
	res := false
	for _, and := range c.Or {
		ok := true
		for _, t := range and {
			if t.ACL.Eval(s) == t.Negate {
				ok = false
				break
			}
		}
		if ok {
			res = true
			break
		}
	}
	return res != c.Unless
}

// Eval reports whether any of the ACL's matchers matches.
func (a *ACL) Eval(s Sampler) bool {
	for _, m := range a.Matchers {
		if m.Eval(s) {
			return true
		}
	}
	return false
}

// Eval reports whether the sample matches one of the patterns.
func (m *Matcher) Eval(s Sampler) bool {
	f := &m.Fetch
	switch f.Kind {
	case FetchAlwaysTrue:
		return m.matchInt(1)
	case FetchAlwaysFalse:
		return m.matchInt(0)
	case FetchSrc, FetchDst:
		a, ok := s.SampleAddr(f)
		if !ok {
			return false
		}
		if m.Method == MatchFound {
			return true
		}
		return m.matchAddr(a)
	case FetchSrcPort, FetchDstPort, FetchSSLFc, FetchNbSrv:
		v, ok := s.SampleInt(f)
		if !ok {
			return false
		}
		if m.Method == MatchFound {
			return true
		}
		return m.matchInt(v)
	case FetchHdrCnt:
		var n int64
		for _, line := range s.SampleHeader(f) {
			n += int64(countValues(line))
		}
		return m.matchInt(n)
	case FetchHdr, FetchFHdr:
		return m.matchHeader(s.SampleHeader(f), f.Kind == FetchHdr)
	}
	v, ok := s.SampleString(f)
	if !ok {
		return false
	}
	return m.matchStr(v)
}

func (m *Matcher) matchHeader(lines []string, split bool) bool {
	if m.Method == MatchFound {
		return len(lines) > 0
	}
	for _, line := range lines {
		if !split {
			if m.matchStr(line) {
				return true
			}
			continue
		}
		for rest := line; ; {
			i := strings.IndexByte(rest, ',')
			v := rest
			if i >= 0 {
				v = rest[:i]
			}
			if m.matchStr(trimOWS(v)) {
				return true
			}
			if i < 0 {
				break
			}
			rest = rest[i+1:]
		}
	}
	return false
}

func countValues(line string) int { return strings.Count(line, ",") + 1 }

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func (m *Matcher) matchInt(v int64) bool {
	if m.Method == MatchBool || (m.Method == MatchInt && len(m.Ints) == 0) {
		return v != 0
	}
	for _, r := range m.Ints {
		if v >= r[0] && v <= r[1] {
			return true
		}
	}
	return false
}

func (m *Matcher) matchAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range m.Nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (m *Matcher) matchStr(v string) bool {
	switch m.Method {
	case MatchFound:
		return true
	case MatchBool:
		return v != ""
	case MatchLen:
		return m.matchInt(int64(len(v)))
	case MatchReg:
		for _, re := range m.Regexps {
			if re.MatchString(v) {
				return true
			}
		}
		return false
	}
	for _, p := range m.Strs {
		if m.matchOne(v, p) {
			return true
		}
	}
	return false
}

func (m *Matcher) matchOne(v, p string) bool {
	ic := m.IgnoreCase
	switch m.Method {
	case MatchStr:
		return eq(v, p, ic)
	case MatchBeg:
		return len(v) >= len(p) && eq(v[:len(p)], p, ic)
	case MatchEnd:
		return len(v) >= len(p) && eq(v[len(v)-len(p):], p, ic)
	case MatchSub:
		return contains(v, p, ic)
	case MatchDir:
		return delimited(v, p, ic, "/")
	case MatchDom:
		return delimited(v, p, ic, "/.")
	}
	return false
}

func eq(a, b string, ic bool) bool {
	if ic {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func contains(v, p string, ic bool) bool {
	if !ic {
		return strings.Contains(v, p)
	}
	for i := 0; i+len(p) <= len(v); i++ {
		if strings.EqualFold(v[i:i+len(p)], p) {
			return true
		}
	}
	return false
}

// delimited reports whether p occurs in v bounded on both sides by the
// start/end of v or one of the delimiter bytes (HAProxy's -m dir / -m dom).
func delimited(v, p string, ic bool, delims string) bool {
	p = strings.Trim(p, delims)
	if p == "" {
		return false
	}
	isDelim := func(i int) bool { return i < 0 || i >= len(v) || strings.IndexByte(delims, v[i]) >= 0 }
	for i := 0; i+len(p) <= len(v); i++ {
		if isDelim(i-1) && isDelim(i+len(p)) && eq(v[i:i+len(p)], p, ic) {
			return true
		}
	}
	return false
}
