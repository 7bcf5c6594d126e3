package syslogd

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// exprNode is a RainerScript condition of an if statement: and, or, not
// of string comparisons of message properties.
type exprNode struct {
	op   byte // '&' and, '|' or, '!' not, 'c' comparison
	l, r *exprNode
	cmp  *propFilter // op 'c'
}

// maxExprTokens bounds the length of a condition.
const maxExprTokens = 512

// eval evaluates the condition on m; scratch is the buffer properties are
// rendered into (returned for reuse).
func (e *exprNode) eval(m *Message, scratch []byte) (bool, []byte) {
	switch e.op {
	case '&':
		ok, s := e.l.eval(m, scratch)
		if !ok {
			return false, s
		}
		return e.r.eval(m, s)
	case '|':
		ok, s := e.l.eval(m, scratch)
		if ok {
			return true, s
		}
		return e.r.eval(m, s)
	case '!':
		ok, s := e.l.eval(m, scratch)
		return !ok, s
	}
	ok, v := e.cmp.match(m, scratch)
	return ok, v[:0]
}

// exprParser parses the tokens of a condition.
type exprParser struct {
	toks  []string
	i     int
	depth int
}

// tokenizeExpr splits a condition into words, quoted strings (kept with
// their quotes), parentheses and the operators == and !=.
func tokenizeExpr(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string %s", s[i:])
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case (c == '=' || c == '!') && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, s[i:i+2])
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t()\"'", rune(s[j])) && !(j > i && (s[j] == '=' || s[j] == '!')) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q", s[i:])
			}
			toks = append(toks, s[i:j])
			i = j
		}
		if len(toks) > maxExprTokens {
			return nil, fmt.Errorf("condition longer than %d tokens", maxExprTokens)
		}
	}
	return toks, nil
}

// parseExpr parses a condition.
func parseExpr(s string) (*exprNode, error) {
	toks, err := tokenizeExpr(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in the condition", p.toks[p.i])
	}
	return e, nil
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// or parses and/or chains: in rsyslog's grammar "and" and "or" have the
// same precedence and associate to the left ("a or b and c" is
// "(a or b) and c").
func (p *exprParser) or() (*exprNode, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for {
		var op byte
		switch strings.ToLower(p.peek()) {
		case "and":
			op = '&'
		case "or":
			op = '|'
		default:
			return l, nil
		}
		p.i++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &exprNode{op: op, l: l, r: r}
	}
}

// not parses "not (...)". In rsyslog's grammar "not" binds tighter than
// a comparison: "not $msg contains 'a'" negates $msg as a number, then
// compares; that is refused, "not ($msg contains 'a')" is what one means.
func (p *exprParser) not() (*exprNode, error) {
	if strings.EqualFold(p.peek(), "not") {
		p.i++
		if p.peek() != "(" && !strings.EqualFold(p.peek(), "not") {
			return nil, fmt.Errorf("not %s: rsyslog applies not to %s alone, before the comparison: write not (...): %w", p.peek(), p.peek(), ErrUnsupported)
		}
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &exprNode{op: '!', l: e}, nil
	}
	return p.primary()
}

// comparison operators: the filter operation, negation, case folding.
var exprOps = map[string]struct {
	op   filterOp
	neg  bool
	fold bool
}{
	"==": {opIsEqual, false, false}, "!=": {opIsEqual, true, false},
	"contains": {opContains, false, false}, "contains_i": {opContains, false, true},
	"startswith": {opStartsWith, false, false}, "startswith_i": {opStartsWith, false, true},
}

func (p *exprParser) primary() (*exprNode, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("condition ends too early")
	case t == "(":
		p.i++
		if p.depth++; p.depth > 32 {
			return nil, fmt.Errorf("parentheses nested too deep")
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		p.depth--
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')'")
		}
		p.i++
		if _, ok := exprOps[strings.ToLower(p.peek())]; ok {
			return nil, fmt.Errorf("comparison %q of a parenthesised condition: %w", p.peek(), ErrUnsupported)
		}
		return e, nil
	case strings.HasPrefix(t, "$!") || strings.HasPrefix(t, "$.") || strings.HasPrefix(t, "$/"):
		return nil, fmt.Errorf("variable %s: %w", t, ErrUnsupported)
	case !strings.HasPrefix(t, "$"):
		return nil, fmt.Errorf("%q: want $property, not, or '(': %w", t, ErrUnsupported)
	}
	name := strings.ToLower(t[1:])
	id, ok := propNames[name]
	if !ok {
		return nil, fmt.Errorf("unknown property %q: %w", t, ErrUnsupported)
	}
	p.i++
	opTok := strings.ToLower(p.peek())
	op, ok := exprOps[opTok]
	if !ok {
		return nil, fmt.Errorf("comparison %q after %s (==, !=, contains, contains_i, startswith, startswith_i): %w", p.peek(), t, ErrUnsupported)
	}
	p.i++
	lit := p.peek()
	if len(lit) < 2 || (lit[0] != '"' && lit[0] != '\'') {
		return nil, fmt.Errorf("%s %s %q: want a quoted string: %w", t, opTok, lit, ErrUnsupported)
	}
	p.i++
	v := unescapeFilterValue(lit[1 : len(lit)-1])
	if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && op.op == opIsEqual {
		// rsyslog compares numbers as numbers ("01" == "1").
		return nil, fmt.Errorf("%s %s %s: numeric comparison: %w", t, opTok, lit, ErrUnsupported)
	}
	if len(v) > maxFilterValue {
		return nil, fmt.Errorf("value longer than %d bytes", maxFilterValue)
	}
	f := &propFilter{prop: part{prop: id, isProp: true}, op: op.op, neg: op.neg, fold: op.fold, value: []byte(v)}
	if op.fold {
		f.value = bytes.ToLower(f.value)
	}
	return &exprNode{op: 'c', cmp: f}, nil
}

// foldHasPrefix and foldContains compare ASCII case-insensitively; want
// is in lower case.
func foldHasPrefix(v, want []byte) bool {
	if len(v) < len(want) {
		return false
	}
	for i, c := range want {
		if lower(v[i]) != c {
			return false
		}
	}
	return true
}

func foldContains(v, want []byte) bool {
	for i := 0; i+len(want) <= len(v); i++ {
		if foldHasPrefix(v[i:], want) {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// splitIf splits `if COND then REST` into the condition and the rest.
func splitIf(line string) (cond, rest string, err error) {
	s := strings.TrimSpace(line[2:])
	q := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case (i == 0 || s[i-1] == ' ' || s[i-1] == ')' || s[i-1] == '\t') && strings.HasPrefix(s[i:], "then") &&
			(i+4 == len(s) || s[i+4] == ' ' || s[i+4] == '\t' || s[i+4] == '{'):
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+4:]), nil
		}
	}
	return "", "", fmt.Errorf("if without then")
}

// ifStatement handles `if COND then ACTION|{` and remembers the
// negation for an `else`.
func (p *cfgParser) ifStatement(line string, n int) error {
	condText, rest, err := splitIf(line)
	if err != nil {
		return p.errf(n, "if", "%w", err)
	}
	e, err := parseExpr(condText)
	if err != nil {
		return p.errf(n, "if", "%w", err)
	}
	if rest == "" {
		return p.errf(n, "if", "nothing after then")
	}
	return p.branch(e, rest, n)
}

// branch applies e to the statement rest (an action or a '{' opening a
// block) and sets up the else branch with its negation.
func (p *cfgParser) branch(e *exprNode, rest string, n int) error {
	c := p.within(cond{sel: allSelector(), filters: []*propFilter{{expr: e}}})
	neg := &exprNode{op: '!', l: e}
	if rest == "{" {
		p.blocks = append(p.blocks, c)
		p.elseOf = append(p.elseOf, neg)
		p.pendingElse = nil
		p.last = nil
		return nil
	}
	p.last = &c
	p.pendingElse = neg
	return p.action(c, rest, n)
}

// elseStatement handles `else ACTION|{` after an if.
func (p *cfgParser) elseStatement(line string, n int) error {
	if p.pendingElse == nil {
		return p.errf(n, "else", "else without if")
	}
	e := p.pendingElse
	p.pendingElse = nil
	rest := strings.TrimSpace(line[4:])
	if rest == "" {
		return p.errf(n, "else", "nothing after else")
	}
	if strings.HasPrefix(rest, "if ") || strings.HasPrefix(rest, "if(") {
		return p.errf(n, "else", "else if: %w", ErrUnsupported)
	}
	err := p.branch(e, rest, n)
	p.pendingElse = nil
	return err
}
