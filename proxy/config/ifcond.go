package config

import (
	"fmt"
	"strings"
)

// The condition of a .if/.elif line, read as haproxy 2.6 reads it (its
// configuration manual, "Conditional blocks"): the line's words joined by
// one space form an expression of terms combined with "&&" (tighter) and
// "||", evaluated left to right until the result is known. A term is a C
// integer (strtol, base 0: "0x10", "-1"; non-zero is true), "(" expression
// ")", or a predicate with its arguments in parentheses, each optionally
// preceded by "!". An empty condition is false. A malformed one is refused
// with haproxy's words and the position of the first bad character.

// maxCondDepth bounds the nesting of an expression (haproxy's
// MAX_CFG_RECURSION), so a hostile line cannot exhaust the stack.
const maxCondDepth = 1024

// condPreds are haproxy 2.6's predicates and their argument counts
// (minimum, maximum). openssl_version_* and ssllib_name_startswith compare
// the OpenSSL haproxy is linked with; TLS here is Go's crypto/tls, so they
// are refused rather than answered.
var condPreds = map[string][2]int{
	"defined": {1, 1}, "feature": {1, 1}, "streq": {2, 2}, "strneq": {2, 2},
	"version_atleast": {1, 1}, "version_before": {1, 1},
	"openssl_version_atleast": {1, 1}, "openssl_version_before": {1, 1}, "ssllib_name_startswith": {1, 1},
}

// buildFeatures are the features feature() finds, named as in haproxy's
// "Feature list" (haproxy -vv), for what this implementation does: TLS
// (OPENSSL), the Prometheus exporter (PROMEX), threads, compression (SLZ),
// the Linux pollers and accept4. Any other name is false.
var buildFeatures = []string{"ACCEPT4", "EPOLL", "GETADDRINFO", "OPENSSL", "POLL", "PROMEX", "SLZ", "THREAD"}

// condNode is a parsed term, or an and/or of two nodes.
type condNode struct {
	op          byte // 'n' number, 'p' predicate, '(' group, '&', '|'
	neg, val    bool
	pred        string
	args        []string
	left, right *condNode
}

// condError is a malformed condition: haproxy's message and the offset of
// the first bad character in the condition's text.
type condError struct {
	msg string
	at  int
}

// condParser reads one condition's text.
type condParser struct {
	s   string
	err *condError
}

func (c *condParser) fail(at int, format string, a ...any) int {
	c.err = &condError{msg: fmt.Sprintf(format, a...), at: at}
	return -1
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// expr reads "and || expr" from i. It returns the node, the offset after
// it, and 1 (read), 0 (nothing to read there) or -1 (c.err set).
func (c *condParser) expr(i, depth int) (*condNode, int, int) {
	return c.binary(i, depth, '|', "unparsable conditional expression '%s'", c.and)
}

// and reads "term && and" from i (see expr).
func (c *condParser) and(i, depth int) (*condNode, int, int) {
	return c.binary(i, depth, '&', "unparsable conditional sub-expression '%s'", c.term)
}

// binary reads "sub OP OP self" from i, where a missing left side is
// refused with msg and a missing right side makes the whole read "nothing".
func (c *condParser) binary(i, depth int, op byte, msg string, sub func(int, int) (*condNode, int, int)) (*condNode, int, int) {
	if i >= len(c.s) {
		return nil, i, 0
	}
	if depth <= 0 {
		return nil, i, c.fail(i, msg, c.s[i:])
	}
	left, j, st := sub(i, depth-1)
	if st < 0 {
		return nil, i, -1
	}
	if st == 0 { // j: where sub stopped (a term: its start; "1 &&": the operator)
		return nil, i, c.fail(j, msg, c.s[j:])
	}
	j = skipBlanks(c.s, j)
	if j+1 >= len(c.s) || c.s[j] != op || c.s[j+1] != op {
		return left, j, 1
	}
	k := skipBlanks(c.s, j+2)
	var right *condNode
	switch right, k, st = c.binary(k, depth-1, op, msg, sub); st {
	case 1:
		return &condNode{op: op, left: left, right: right}, k, 1
	case 0:
		return nil, j, 0 // "1 &&": the caller names the operator
	}
	return nil, i, -1
}

// term reads "!... (number | ( expr ) | predicate(args))" from i.
func (c *condParser) term(i, depth int) (*condNode, int, int) {
	start := i
	in := skipBlanks(c.s, i)
	if in >= len(c.s) {
		return nil, i, 0
	}
	if depth <= 0 {
		return nil, i, c.fail(start, "unparsable conditional expression '%s'", c.s[start:])
	}
	t := &condNode{}
	for in < len(c.s) && c.s[in] == '!' {
		t.neg = !t.neg
		in = skipBlanks(c.s, in+1)
	}
	if v, end, ok := strtol(c.s, in); ok {
		t.op, t.val = 'n', v
		return t, end, 1
	}
	if in < len(c.s) && c.s[in] == '(' {
		in = skipBlanks(c.s, in+1)
		sub, j, st := c.expr(in, depth-1)
		if st < 0 {
			return nil, i, -1
		}
		if st == 0 {
			return nil, i, c.fail(start, "unparsable conditional expression '%s'", c.s[start:])
		}
		j = skipBlanks(c.s, j)
		if j >= len(c.s) || c.s[j] != ')' {
			return nil, i, c.fail(start, "expected ')' after conditional expression '%s'", c.s[start:])
		}
		t.op, t.left = '(', sub
		return t, skipBlanks(c.s, j+1), 1
	}
	name := c.s[in:]
	if k := strings.IndexAny(name, " ("); k >= 0 {
		name = name[:k]
	}
	counts, ok := condPreds[name]
	if !ok {
		return nil, i, c.fail(start, "unparsable conditional expression '%s'", c.s[start:])
	}
	args, end, msg := condArgs(c.s, in+len(name), counts[0], counts[1])
	if msg != "" {
		return nil, i, c.fail(end, "%s in argument %d of predicate '%s' used in conditional expression", msg, len(args), name)
	}
	t.op, t.pred, t.args = 'p', name, args
	return t, end, 1
}

// strtol reads a C long in base 0 at s[i:] (leading white space, a sign,
// 0x for hexadecimal, 0 for octal), as haproxy's term does: ok is false
// when no digit is there.
func strtol(s string, i int) (nonZero bool, end int, ok bool) {
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	base := 10
	switch {
	case i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && hexDigit(s[i+2]) >= 0:
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	j := i
	for j < len(s) {
		d := hexDigit(s[j])
		if d < 0 || d >= base {
			break
		}
		nonZero = nonZero || d != 0
		j++
	}
	return nonZero, j, j > i
}

func hexDigit(b byte) int {
	switch {
	case '0' <= b && b <= '9':
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}

// condArgs reads a predicate's string arguments at s[i:] as haproxy's
// argument lists are read: "(" then words separated by ',' up to ')',
// quotes and backslash escapes honoured; no parentheses at all is one
// empty argument. It returns the arguments, the offset after them (or of
// the bad character) and haproxy's message for a malformed list, with
// args then holding as many entries as the argument it names.
func condArgs(s string, i, minArgs, maxArgs int) (args []string, end int, msg string) {
	paren := i < len(s) && s[i] == '('
	if paren {
		i++
	}
	for len(args) < maxArgs {
		var b strings.Builder
		squote, dquote := false, false
	word:
		for paren && i < len(s) {
			switch ch := s[i]; {
			case ch == '"' && !squote:
				dquote = !dquote
			case ch == '\'' && !dquote:
				squote = !squote
			case ch == '\\' && !squote && i+1 < len(s):
				switch s[i+1] {
				case '\\', ' ', '"', '\'':
					i++
					b.WriteByte(s[i])
				case 'r', 'n', 't':
					i++
					b.WriteByte(map[byte]byte{'r': '\r', 'n': '\n', 't': '\t'}[s[i]])
				default:
					b.WriteByte(ch) // a lone backslash
				}
			case !squote && !dquote && (ch == ',' || ch == ')'):
				break word
			default:
				b.WriteByte(ch)
			}
			i++
		}
		args = append(args, b.String())
		if !paren || i >= len(s) || s[i] == ')' || len(args) >= maxArgs {
			break
		}
		i++ // the ','
	}
	if len(args) < minArgs {
		return args, i, fmt.Sprintf("missing arguments (got %d/%d), type 'string' expected", len(args), minArgs)
	}
	switch {
	case !paren:
		return args, i, ""
	case i < len(s) && s[i] == ')':
		return args, i + 1, ""
	case i < len(s):
		return args[:max(1, len(args)-1)], i, fmt.Sprintf("expected ')' before '%s'", s[i:])
	}
	return args[:max(1, len(args)-1)], i, "expected ')'"
}

// eval evaluates a parsed condition; err is set for a predicate this
// implementation cannot answer.
func (p *parser) eval(n *condNode) (bool, error) {
	var v bool
	var err error
	switch n.op {
	case 'n':
		v = n.val
	case '(':
		v, err = p.eval(n.left)
	case '&', '|':
		if v, err = p.eval(n.left); err == nil && v == (n.op == '&') {
			v, err = p.eval(n.right)
		}
		return v, err
	case 'p':
		v, err = p.evalPred(n.pred, n.args)
	}
	return v != n.neg, err
}

func (p *parser) evalPred(name string, a []string) (bool, error) {
	switch name {
	case "defined":
		_, ok := p.env(a[0])
		return ok, nil
	case "feature":
		for _, f := range buildFeatures {
			if f == a[0] {
				return true, nil
			}
		}
		return false, nil
	case "streq", "strneq":
		return (a[0] == a[1]) == (name == "streq"), nil
	case "version_atleast":
		return versionCmp(haproxyVersion, a[0]) >= 0, nil
	case "version_before":
		return versionCmp(haproxyVersion, a[0]) < 0, nil
	}
	return false, fmt.Errorf("predicate '%s' is not supported by this implementation (TLS is Go's crypto/tls, not OpenSSL)", name)
}

// haproxyVersion is the haproxy version whose configuration language this
// package reads, for version_atleast/version_before.
const haproxyVersion = "2.6.12"

// evalIf evaluates the condition of an .if/.elif line (w[0] is the
// directive). A malformed condition is refused as haproxy refuses it,
// with the line quoted and a caret under the first bad character, and
// stops the reading (haproxy's ERR_ABORT).
func (p *parser) evalIf(w []string) bool {
	text := strings.Join(w[1:], " ")
	if text == "" {
		return false
	}
	c := &condParser{s: text}
	n, end, st := c.expr(0, maxCondDepth)
	if st == 0 {
		c.err = &condError{msg: fmt.Sprintf("unparsable conditional expression '%s'", text), at: end}
	} else if st > 0 {
		if end = skipBlanks(text, end); end < len(text) {
			c.err = &condError{msg: fmt.Sprintf("unexpected character '%c' at the end of conditional expression '%s'", text[end], text), at: end}
		}
	}
	var v bool
	if c.err == nil {
		var err error
		if v, err = p.eval(n); err != nil {
			c.err = &condError{msg: err.Error(), at: 0}
		}
	}
	if c.err != nil {
		p.alertf(p.line, "%s in '%s' at position %d:\n  %s %s\n  %s^", c.err.msg, w[0], c.err.at+1, w[0], text,
			strings.Repeat(" ", len(w[0])+1+c.err.at))
		p.tighten()
		p.stop(stopNow)
		return false
	}
	return v
}
