package syslogd

import (
	"fmt"
	"strings"

	"github.com/haplog/haplog/formats"
)

// foldHasPrefix and foldContains compare ASCII case-insensitively.
func foldHasPrefix(v, want []byte) bool {
	return len(v) >= len(want) && formats.EqualFoldASCII(v[:len(want)], want)
}

func foldContains(v, want []byte) bool {
	for i := 0; i+len(want) <= len(v); i++ {
		if foldHasPrefix(v[i:], want) {
			return true
		}
	}
	return false
}

// scanUnquoted returns the first index i of s, outside '...' and "..."
// (with their backslash escapes), at which at(i) holds; -1 if none.
func scanUnquoted(s string, at func(i int) bool) int {
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
		case at(i):
			return i
		}
	}
	return -1
}

// splitIf splits `if COND then REST` into the condition and the rest.
func splitIf(line string) (cond, rest string, err error) {
	s := strings.TrimSpace(line[2:])
	i := scanUnquoted(s, func(i int) bool {
		return (i == 0 || s[i-1] == ' ' || s[i-1] == ')' || s[i-1] == '\t') && strings.HasPrefix(s[i:], "then") &&
			(i+4 == len(s) || s[i+4] == ' ' || s[i+4] == '\t' || s[i+4] == '{')
	})
	if i < 0 {
		return "", "", fmt.Errorf("if without then")
	}
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+4:]), nil
}

// ifStatement handles `if COND then ACTION|{` and remembers the
// negation for an `else`.
func (p *cfgParser) ifStatement(line string, n int) error {
	e, rest, err := p.parseIf(line, n)
	if err != nil {
		return err
	}
	return p.branch(e, &rexpr{op: rNot, l: e}, rest, n)
}

// parseIf parses `if COND then REST` at line n.
func (p *cfgParser) parseIf(line string, n int) (*rexpr, string, error) {
	condText, rest, err := splitIf(line)
	if err != nil {
		return nil, "", p.errf(n, "if", "%w", err)
	}
	e, err := p.parseCond(condText)
	if err != nil {
		return nil, "", p.errf(n, "if", "%w", err)
	}
	if rest == "" {
		return nil, "", p.errf(n, "if", "nothing after then")
	}
	return e, rest, nil
}

// parseCond parses the condition of an if: its value is kept for the
// message once evaluated, in its memo slot (rexpr.memo).
func (p *cfgParser) parseCond(s string) (*rexpr, error) {
	e, err := parseExpr(s)
	if err != nil {
		return nil, err
	}
	p.c.memos++
	e.cond, e.memo = true, p.c.memos
	return e, nil
}

// branch applies e to the statement rest (an action or a '{' opening a
// block) and sets up the else branch with the condition neg.
func (p *cfgParser) branch(e, neg *rexpr, rest string, n int) error {
	c := p.within(cond{sel: allSelector(), filters: []*propFilter{{expr: e}}})
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
		// else if C2: C2 applies where the previous conditions did
		// not; its own else where C2 did not either.
		c2, then, err := p.parseIf(rest, n)
		if err != nil {
			return err
		}
		return p.branch(&rexpr{op: rAnd, l: e, r: c2}, &rexpr{op: rAnd, l: e, r: &rexpr{op: rNot, l: c2}}, then, n)
	}
	err := p.branch(e, nil, rest, n) // no else after an else
	p.pendingElse = nil
	return err
}
