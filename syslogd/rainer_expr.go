package syslogd

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// rexpr is a RainerScript expression (an if condition or the value of a
// set statement), evaluated as rsyslogd 8.2302 does: every value is a
// string ('S'), a number ('N') or a number held in a variable ('J', a JSON
// integer), and the operators convert between them with rsyslog's rules
// (see cmpEq and cmpOrder).
type rexpr struct {
	op   rop
	l, r *rexpr
	lit  []byte         // string literal
	num  int64          // number literal
	prop part           // property
	name string         // variable: "!name" or ".name", lower case
	re   *regexp.Regexp // re_match
	// memo, when not 0, is the 1-based slot in which the value of an if
	// condition is kept for the message: the condition is evaluated once
	// (at the first action that depends on it) even when a set statement
	// in its block changes what it reads.
	memo int
	cond bool // the condition of an if (memoized)
}

type rop uint8

const (
	rLitS rop = iota
	rLitN
	rProp
	rVar
	rConcat
	rAdd
	rSub
	rMul
	rDiv
	rMod
	rNeg
	rEq
	rNe
	rLt
	rLe
	rGt
	rGe
	rContains
	rContainsI
	rStartsWith
	rStartsWithI
	rAnd
	rOr
	rNot
	rReMatch
	rExists
	rToLower
	rToUpper
	rStrlen
)

// rval is a value: kind 'S' (s), 'N' (n) or 'J' (a number variable: n,
// and its text s).
type rval struct {
	kind byte
	s    []byte
	n    int64
}

// evalCtx is what evaluating expressions needs, owned by one worker: the
// arena string values are built in (reset per statement), the variables
// of the current message and the memo of its if conditions.
type evalCtx struct {
	arena   []byte
	vars    varStore
	memoSeq []uint32
	memoVal []bool
	seq     uint32
}

// begin starts a message: no variable is set, no condition evaluated.
func (ev *evalCtx) begin(memos int) {
	ev.vars.reset()
	if len(ev.memoSeq) < memos+1 {
		ev.memoSeq = make([]uint32, memos+1)
		ev.memoVal = make([]bool, memos+1)
	}
	ev.seq++
	if ev.seq == 0 {
		clear(ev.memoSeq)
		ev.seq = 1
	}
}

// varStore holds the $! and $. variables of a message. Slots are kept
// across messages (reset marks them unset), so that setting a variable
// allocates only the first time.
type varStore struct {
	slots []varSlot
}

type varSlot struct {
	name string
	val  []byte
	n    int64
	num  bool // a number (rsyslog stores it as a JSON integer)
	set  bool
}

func (v *varStore) reset() {
	for i := range v.slots {
		v.slots[i].set = false
	}
}

// find returns the slot of a set variable, or nil.
func (v *varStore) find(name string) *varSlot {
	for i := range v.slots {
		if s := &v.slots[i]; s.name == name {
			if s.set {
				return s
			}
			return nil
		}
	}
	return nil
}

func (v *varStore) slot(name string) *varSlot {
	for i := range v.slots {
		if v.slots[i].name == name {
			return &v.slots[i]
		}
	}
	v.slots = append(v.slots, varSlot{name: name})
	return &v.slots[len(v.slots)-1]
}

// evalBool evaluates e as a condition: rsyslog's cnfexprEvalBool, the
// value as a number (the digits a string starts with), truncated to a C
// int.
func (ev *evalCtx) evalBool(e *rexpr, m *Message) bool {
	if e.memo > 0 {
		if ev.memoSeq[e.memo] == ev.seq {
			return ev.memoVal[e.memo]
		}
	}
	var ok bool
	switch e.op {
	case rAnd:
		ok = ev.evalBool(e.l, m) && ev.evalBool(e.r, m)
	case rOr:
		ok = ev.evalBool(e.l, m) || ev.evalBool(e.r, m)
	case rNot:
		ok = !ev.evalBool(e.l, m)
	default:
		mark := len(ev.arena)
		v := ev.eval(e, m)
		n, _ := toNumber(v)
		ok = int32(n) != 0
		ev.arena = ev.arena[:mark]
	}
	if e.memo > 0 {
		ev.memoSeq[e.memo], ev.memoVal[e.memo] = ev.seq, ok
	}
	return ok
}

func boolVal(b bool) rval {
	if b {
		return rval{kind: 'N', n: 1}
	}
	return rval{kind: 'N'}
}

// eval evaluates e; string values it builds are in ev.arena (valid until
// the arena is truncated below them).
func (ev *evalCtx) eval(e *rexpr, m *Message) rval {
	switch e.op {
	case rLitS:
		return rval{kind: 'S', s: e.lit}
	case rLitN:
		return rval{kind: 'N', n: e.num}
	case rProp:
		start := len(ev.arena)
		ev.arena = e.prop.value(ev.arena, m)
		return rval{kind: 'S', s: ev.arena[start:]}
	case rVar:
		s := ev.vars.find(e.name)
		if s == nil {
			return rval{kind: 'S'}
		}
		if s.num {
			return rval{kind: 'J', n: s.n, s: s.val}
		}
		return rval{kind: 'S', s: s.val}
	case rAnd, rOr, rNot:
		return boolVal(ev.evalBool(e, m))
	case rConcat:
		l := ev.eval(e.l, m)
		r := ev.eval(e.r, m)
		start := len(ev.arena)
		ev.arena = appendString(ev.arena, l)
		ev.arena = appendString(ev.arena, r)
		return rval{kind: 'S', s: ev.arena[start:]}
	case rNeg:
		n, _ := toNumber(ev.eval(e.l, m))
		return rval{kind: 'N', n: -n}
	case rAdd, rSub, rMul, rDiv, rMod:
		l, _ := toNumber(ev.eval(e.l, m))
		r, _ := toNumber(ev.eval(e.r, m))
		var n int64
		switch e.op {
		case rAdd:
			n = l + r
		case rSub:
			n = l - r
		case rMul:
			n = l * r
		case rDiv:
			if r != 0 { // rsyslog: division by zero gives the divisor, 0
				n = l / r
			}
		case rMod:
			if r != 0 {
				n = l % r
			}
		}
		return rval{kind: 'N', n: n}
	case rEq, rNe:
		eq := ev.cmpEq(e, m)
		return boolVal(eq == (e.op == rEq))
	case rLt, rLe, rGt, rGe:
		c := ev.cmpOrder(e, m)
		switch e.op {
		case rLt:
			return boolVal(c < 0)
		case rLe:
			return boolVal(c <= 0)
		case rGt:
			return boolVal(c > 0)
		}
		return boolVal(c >= 0)
	case rContains, rContainsI, rStartsWith, rStartsWithI:
		l := ev.str(ev.eval(e.l, m))
		r := ev.str(ev.eval(e.r, m))
		switch e.op {
		case rContains:
			return boolVal(bytes.Contains(l, r))
		case rContainsI:
			return boolVal(foldContains(l, r))
		case rStartsWith:
			return boolVal(bytes.HasPrefix(l, r))
		}
		return boolVal(foldHasPrefix(l, r))
	case rReMatch:
		return boolVal(e.re.Match(ev.str(ev.eval(e.l, m))))
	case rExists:
		return boolVal(ev.vars.find(e.l.name) != nil)
	case rToLower, rToUpper:
		v := ev.str(ev.eval(e.l, m))
		start := len(ev.arena)
		ev.arena = append(ev.arena, v...)
		convertCase(ev.arena[start:], e.op == rToLower, e.op == rToUpper)
		return rval{kind: 'S', s: ev.arena[start:]}
	case rStrlen:
		return rval{kind: 'N', n: int64(len(ev.str(ev.eval(e.l, m))))}
	}
	return rval{kind: 'S'}
}

// str returns the text of v (a number is written into the arena).
func (ev *evalCtx) str(v rval) []byte {
	if v.kind == 'N' {
		start := len(ev.arena)
		ev.arena = strconv.AppendInt(ev.arena, v.n, 10)
		return ev.arena[start:]
	}
	return v.s
}

func appendString(dst []byte, v rval) []byte {
	if v.kind == 'N' {
		return strconv.AppendInt(dst, v.n, 10)
	}
	return append(dst, v.s...)
}

// toNumber is rsyslog's var2Number: a string is an optional '-' and
// decimal digits (ok when that is all of it; the empty string is 0, ok);
// the number is what the digits make either way.
func toNumber(v rval) (int64, bool) {
	if v.kind != 'S' {
		return v.n, true
	}
	s := v.s
	if len(s) == 0 {
		return 0, true
	}
	i, neg := 0, int64(1)
	if s[0] == '-' {
		neg, i = -1, 1
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n * neg, i == len(s)
}

// cmpEq is rsyslog's == (and != negated): two strings compare as
// strings; a string and a number compare as numbers when the string is
// one (of the side that is a plain string), as strings otherwise; a number
// variable and a string literal compare as strings.
func (ev *evalCtx) cmpEq(e *rexpr, m *Message) bool {
	l := ev.eval(e.l, m)
	r := ev.eval(e.r, m)
	switch {
	case l.kind == 'S' && r.kind == 'S', l.kind == 'J' && r.kind == 'S':
		return bytes.Equal(ev.str(l), r.s)
	case l.kind == 'S' || l.kind == 'J': // r is a number ('N' or 'J')
		if n, ok := toNumber(l); ok {
			return n == r.n
		}
		return bytes.Equal(l.s, ev.str(r))
	case r.kind == 'S': // l is a number
		if n, ok := toNumber(r); ok {
			return l.n == n
		}
		return bytes.Equal(r.s, ev.str(l))
	}
	return l.n == r.n
}

// cmpOrder is rsyslog's <, <=, >, >=: numbers when both sides are
// numbers (or strings that are), the difference truncated to a C int;
// else a byte-wise string comparison.
func (ev *evalCtx) cmpOrder(e *rexpr, m *Message) int {
	l := ev.eval(e.l, m)
	r := ev.eval(e.r, m)
	if nl, ok := toNumber(l); ok {
		if nr, ok := toNumber(r); ok {
			return int(int32(nl - nr))
		}
	}
	return bytes.Compare(ev.str(l), ev.str(r))
}

// maxExprTokens bounds the length of an expression.
const maxExprTokens = 512

// rtok is a token of an expression: kind 's' string, 'n' number, 'v'
// variable or property, 'w' word (operator or function name), 'p'
// punctuation.
type rtok struct {
	kind byte
	text string // the word, punctuation or variable; the unescaped string
	num  int64
}

// tokenizeExpr splits an expression as rsyslog's lexer does.
func tokenizeExpr(s string) ([]rtok, error) {
	var toks []rtok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				} else if s[j] == '$' && c == '"' {
					return nil, fmt.Errorf("$-sign in double quotes must be escaped: %s", s[i:])
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string %s", s[i:])
			}
			v, err := unescapeRS(s[i+1:j], true)
			if err != nil {
				return nil, err
			}
			toks = append(toks, rtok{kind: 's', text: v})
			i = j + 1
		case c == '$':
			j := i + 1
			if j < len(s) && strings.IndexByte("$!./", s[j]) >= 0 {
				j++
			}
			for j < len(s) && (isWordByte(s[j]) || strings.IndexByte("!@-.[]", s[j]) >= 0) {
				j++
			}
			toks = append(toks, rtok{kind: 'v', text: s[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			n, err := parseNumber(s[i:j])
			if err != nil {
				return nil, err
			}
			toks = append(toks, rtok{kind: 'n', num: n, text: s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, rtok{kind: 'w', text: strings.ToLower(s[i:j])})
			i = j
		default:
			op := s[i : i+1]
			if i+1 < len(s) {
				switch two := s[i : i+2]; two {
				case "==", "!=", "<>", "<=", ">=":
					op = two
				}
			}
			if !strings.Contains("(),=*/%+-&<>!=[]", op[:1]) || op == "=" || op == "!" {
				return nil, fmt.Errorf("unexpected %q", s[i:])
			}
			toks = append(toks, rtok{kind: 'p', text: op})
			i += len(op)
		}
		if len(toks) > maxExprTokens {
			return nil, fmt.Errorf("expression longer than %d tokens", maxExprTokens)
		}
	}
	return toks, nil
}

// parseNumber parses a number as rsyslog's lexer reads one: decimal,
// octal with a leading 0, hexadecimal with 0x.
func parseNumber(t string) (int64, error) {
	digits, base := t, 10
	switch {
	case len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X"):
		digits, base = t[2:], 16
	case len(t) > 1 && t[0] == '0':
		digits, base = t[1:], 8
	}
	n, err := strconv.ParseInt(digits, base, 64)
	if err != nil || strings.ContainsAny(digits, "_+-") {
		return 0, fmt.Errorf("bad number %q", t)
	}
	return n, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// unescapeRS resolves the backslash escapes of a RainerScript string: in
// an object (expr false: unescapeRainer) \" \' \? \\ \a \b \f \n \r \t
// and three octal digits; in an expression (expr true: what rsyslog's
// lexer accepts there) \' \" \\ \$ \b \n \t \r, \xHH and three octal
// digits.
func unescapeRS(s string, expr bool) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("trailing backslash: %w", ErrTemplate)
		}
		i++
		switch e := s[i]; {
		case e == '"' || e == '\'' || e == '\\', e == '?' && !expr, e == '$' && expr:
			b = append(b, e)
		case e == 'a' && !expr:
			b = append(b, 7)
		case e == 'f' && !expr:
			b = append(b, '\f')
		case e == 'b':
			b = append(b, '\b')
		case e == 'n' || e == 'r' || e == 't':
			b = append(b, unescape(e))
		case e == 'x' && expr && i+2 < len(s):
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("escape \\x%s: want two hex digits", s[i+1:i+3])
			}
			b = append(b, byte(v))
			i += 2
		case i+2 < len(s) && isOctal(e) && isOctal(s[i+1]) && isOctal(s[i+2]):
			v := int(e-'0')<<6 | int(s[i+1]-'0')<<3 | int(s[i+2]-'0')
			if v == 0 || v > 0xff {
				return "", fmt.Errorf("escape \\%s: not a byte other than NUL: %w", s[i:i+3], ErrTemplate)
			}
			b = append(b, byte(v))
			i += 2
		default:
			return "", fmt.Errorf("escape \\%c: %w", e, ErrUnsupported)
		}
	}
	return string(b), nil
}

// exprParser parses the tokens of an expression with rsyslog's grammar:
// "and" and "or" bind loosest (same level, left to right), then the
// comparisons, then + - &, then * / %; "not" and unary minus bind
// tightest ("not $msg contains 'a'" is "(not $msg) contains 'a'").
type exprParser struct {
	toks  []rtok
	i     int
	depth int
}

// parseExpr parses a whole expression.
func parseExpr(s string) (*rexpr, error) {
	toks, err := tokenizeExpr(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	p := &exprParser{toks: toks}
	e, err := p.logic()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in the expression", p.toks[p.i].text)
	}
	return e, nil
}

func (p *exprParser) peek() rtok {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return rtok{}
}

func (p *exprParser) isOp(kind byte, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

// The binary operators of each precedence level, loosest first.
var (
	logicOps          = map[string]rop{"and": rAnd, "or": rOr}
	compareOps        = map[string]rop{"==": rEq, "!=": rNe, "<>": rNe, "<": rLt, "<=": rLe, ">": rGt, ">=": rGe, "contains": rContains, "contains_i": rContainsI, "startswith": rStartsWith, "startswith_i": rStartsWithI}
	additiveOps       = map[string]rop{"+": rAdd, "-": rSub, "&": rConcat}
	multiplicativeOps = map[string]rop{"*": rMul, "/": rDiv, "%": rMod}
)

func (p *exprParser) logic() (*rexpr, error)   { return p.binary(p.compare, logicOps) }
func (p *exprParser) compare() (*rexpr, error) { return p.binary(p.additive, compareOps) }
func (p *exprParser) additive() (*rexpr, error) {
	return p.binary(p.multiplicative, additiveOps)
}
func (p *exprParser) multiplicative() (*rexpr, error) { return p.binary(p.unary, multiplicativeOps) }

// binary parses `next (op next)*`, left to right, for the operators ops.
func (p *exprParser) binary(next func() (*rexpr, error), ops map[string]rop) (*rexpr, error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op, ok := ops[t.text]
		if !ok || (t.kind != 'w' && t.kind != 'p') {
			return l, nil
		}
		p.i++
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = &rexpr{op: op, l: l, r: r}
	}
}

// unaryOps are the prefix operators: the word "not" and the punctuation
// "-".
var unaryOps = [...]struct {
	kind byte
	text string
	op   rop
}{{'w', "not", rNot}, {'p', "-", rNeg}}

func (p *exprParser) unary() (*rexpr, error) {
	for _, u := range unaryOps {
		if p.isOp(u.kind, u.text) {
			p.i++
			e, err := p.unary()
			if err != nil {
				return nil, err
			}
			return &rexpr{op: u.op, l: e}, nil
		}
	}
	return p.primary()
}

// funcs are the functions supported, by name: their operation and number
// of arguments.
var funcs = map[string]struct {
	op   rop
	args int
}{"re_match": {rReMatch, 2}, "tolower": {rToLower, 1}, "toupper": {rToUpper, 1},
	"strlen": {rStrlen, 1}, "exists": {rExists, 1}}

func (p *exprParser) primary() (*rexpr, error) {
	t := p.peek()
	switch t.kind {
	case 0:
		return nil, fmt.Errorf("expression ends too early")
	case 's':
		p.i++
		if len(t.text) > maxFilterValue {
			return nil, fmt.Errorf("string longer than %d bytes", maxFilterValue)
		}
		return &rexpr{op: rLitS, lit: []byte(t.text)}, nil
	case 'n':
		p.i++
		return &rexpr{op: rLitN, num: t.num}, nil
	case 'v':
		p.i++
		return varRef(t.text)
	case 'w':
		f, ok := funcs[t.text]
		if !ok {
			return nil, fmt.Errorf("%q: want a property, variable, string, number, function or '(': %w", t.text, ErrUnsupported)
		}
		p.i++
		if !p.isOp('p', "(") {
			return nil, fmt.Errorf("function %s without '('", t.text)
		}
		p.i++
		var args []*rexpr
		for !p.isOp('p', ")") {
			if len(args) > 0 {
				if !p.isOp('p', ",") {
					return nil, fmt.Errorf("%s(: want ',' or ')'", t.text)
				}
				p.i++
			}
			a, err := p.nested()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		p.i++
		if len(args) != f.args {
			return nil, fmt.Errorf("%s() takes %d argument(s), not %d", t.text, f.args, len(args))
		}
		e := &rexpr{op: f.op, l: args[0]}
		switch f.op {
		case rReMatch:
			if args[1].op != rLitS {
				return nil, fmt.Errorf("re_match: the regular expression must be a constant string")
			}
			re, err := regexp.CompilePOSIX(string(args[1].lit))
			if err != nil {
				return nil, fmt.Errorf("re_match: %q: %w", args[1].lit, err)
			}
			e.re = re
		case rExists:
			if args[0].op != rVar {
				return nil, fmt.Errorf("exists() takes a $! or $. variable")
			}
		}
		return e, nil
	}
	if t.text == "[" {
		return nil, fmt.Errorf("array: %w", ErrUnsupported)
	}
	if t.text != "(" {
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	p.i++
	e, err := p.nested()
	if err != nil {
		return nil, err
	}
	if !p.isOp('p', ")") {
		return nil, fmt.Errorf("missing ')'")
	}
	p.i++
	return e, nil
}

// nested parses an expression inside parentheses.
func (p *exprParser) nested() (*rexpr, error) {
	if p.depth++; p.depth > 32 {
		return nil, fmt.Errorf("parentheses nested too deep")
	}
	e, err := p.logic()
	p.depth--
	return e, err
}

// varRef compiles a $property or a $!name / $.name variable.
func varRef(tok string) (*rexpr, error) {
	name, err := varName(tok)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return &rexpr{op: rVar, name: name}, nil
	}
	id, ok := propNames[strings.ToLower(tok[1:])]
	if !ok {
		return nil, fmt.Errorf("unknown property %q: %w", tok, ErrUnsupported)
	}
	return &rexpr{op: rProp, prop: part{prop: id, isProp: true}}, nil
}

// varName returns the key of a $!name or $.name variable ("!name",
// ".name", in lower case: rsyslog's variables are case-insensitive by
// default), "" for a property; subtrees and global variables are refused.
func varName(tok string) (string, error) {
	if len(tok) < 2 || (tok[1] != '!' && tok[1] != '.' && tok[1] != '/') {
		return "", nil
	}
	if tok[1] == '/' {
		return "", fmt.Errorf("global variable %s: %w", tok, ErrUnsupported)
	}
	rest := tok[2:]
	if rest == "" {
		return "", fmt.Errorf("variable tree %s: %w", tok, ErrUnsupported)
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !isWordByte(c) && c != '-' {
			return "", fmt.Errorf("variable %s: only simple names (letters, digits, '_', '-'), not subtrees: %w", tok, ErrUnsupported)
		}
	}
	return strings.ToLower(tok[1:]), nil
}

// cloneExpr copies e, keeping the sharing of memoized conditions within
// one copy (seen maps the originals to their copies), which get the memo
// slots after *memos.
func cloneExpr(e *rexpr, seen map[*rexpr]*rexpr, memos *int) *rexpr {
	if e == nil {
		return nil
	}
	if c, ok := seen[e]; ok {
		return c
	}
	c := *e
	c.l, c.r = cloneExpr(e.l, seen, memos), cloneExpr(e.r, seen, memos)
	if c.cond {
		*memos++
		c.memo = *memos
	}
	seen[e] = &c
	return &c
}

// exec runs a set or unset statement on the current message.
func (ev *evalCtx) exec(st *setStmt, m *Message) {
	s := ev.vars.slot(st.name)
	if st.expr == nil {
		s.set = false
		return
	}
	mark := len(ev.arena)
	v := ev.eval(st.expr, m)
	if v.kind == 'S' {
		s.val, s.num = append(s.val[:0], v.s...), false
	} else {
		s.n, s.num = v.n, true
		s.val = strconv.AppendInt(s.val[:0], v.n, 10)
	}
	s.set = true
	ev.arena = ev.arena[:mark]
}

// varPart returns the template part of a $!name or $.name variable; ok is
// false for a property name.
func varPart(name string) (p part, ok bool, err error) {
	key, err := varName(name)
	if err != nil || key == "" {
		return part{}, false, err
	}
	return part{prop: propVar, isProp: true, vname: key}, true, nil
}

// appendVar appends the value of the variable key of m (nothing when
// unset).
func appendVar(dst []byte, m *Message, key string) []byte {
	if m.vars == nil {
		return dst
	}
	if s := m.vars.find(key); s != nil {
		return append(dst, s.val...)
	}
	return dst
}
