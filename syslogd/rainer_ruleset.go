package syslogd

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// defaultRuleset is the name of rsyslog's default ruleset (Rule.Ruleset
// and Input.Ruleset "").
const defaultRuleset = "RSYSLOG_DefaultRuleset"

// canonicalRuleset returns the key of a ruleset name: "" for the default
// one.
func canonicalRuleset(name string) string {
	if name == defaultRuleset {
		return ""
	}
	return name
}

// validRulesetName reports whether name is a ruleset name as rsyslog's
// lexer reads it after call: a letter, then letters, digits, '-', '_', '.'.
func validRulesetName(name string) bool {
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isWordByte(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isStatement reports whether s is the statement word followed by a space
// (or, for set and unset, a '$').
func isStatement(s, word string) bool {
	if len(s) <= len(word) || !strings.EqualFold(s[:len(word)], word) {
		return false
	}
	c := s[len(word)]
	return c == ' ' || c == '\t' || (c == '$' && word != "call")
}

// isRulesetObject reports whether line starts a ruleset(...) object.
func isRulesetObject(line string) bool {
	if len(line) < 8 || !strings.EqualFold(line[:7], "ruleset") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(line[7:], " \t"), "(")
}

// rsRef is the binding of an input to a ruleset, at pos.
type rsRef struct {
	name, input, pos string
}

// addInput adds an input read at line n.
func (p *cfgParser) addInput(in Input, n int) {
	if in.Ruleset != "" {
		p.c.rsRefs = append(p.c.rsRefs, rsRef{name: in.Ruleset, input: string(in.Kind) + " " + in.Addr, pos: p.pos(n)})
	}
	p.c.Inputs = append(p.c.Inputs, in)
}

// useRuleset binds an input with no Input entry (imkafka) at line n to
// ruleset name, and returns the key its workers route with (worker.key).
func (p *cfgParser) useRuleset(name string, n int) string {
	name = canonicalRuleset(name)
	if name == "" {
		return ""
	}
	key := "ruleset " + name
	p.c.rsRefs = append(p.c.rsRefs, rsRef{name: name, input: key, pos: p.pos(n)})
	return key
}

// rulesetStatement handles `ruleset(name="x" ...) {`: the statements up
// to the matching '}' make the ruleset.
func (p *cfgParser) rulesetStatement(line string, n int) error {
	head, rest, _ := cutObject(line)
	_, params, err := parseObject(head)
	if err != nil {
		return p.errf(n, "ruleset", "%w", err)
	}
	name := params["name"]
	for k, v := range params {
		switch {
		case k == "name":
		case strings.HasPrefix(k, "queue."), k == "parser":
			// A ruleset queue makes its messages asynchronous to the
			// input, and parser= changes the parsing.
			return p.errf(n, k, "ruleset parameter %s=%q: %w", k, v, ErrUnsupported)
		default:
			return p.errf(n, k, "ruleset parameter %q: unknown", k)
		}
	}
	if !validRulesetName(name) {
		return p.errf(n, "name", "ruleset name %q: want a letter, then letters, digits, '-', '_' or '.'", name)
	}
	if len(p.blocks) > 0 {
		return p.errf(n, "ruleset", "ruleset(name=%q) inside a block: rulesets are defined at the top level", name)
	}
	name = canonicalRuleset(name)
	if prev, dup := p.c.rulesets[name]; dup || name == "" {
		if name == "" {
			prev = "rsyslog itself"
		}
		return p.errf(n, "name", "ruleset %q is already defined (%s)", params["name"], prev)
	}
	p.c.rulesets[name] = p.pos(n)
	p.pendingRS = &cond{sel: allSelector(), isRS: true, name: name}
	switch {
	case rest == "{":
		p.openRuleset(n)
	case rest != "" && rest[0] != '#':
		return p.errf(n, "ruleset", "%q after ruleset(...): want '{'", rest)
	}
	return nil
}

// openRuleset opens the block of the pending ruleset(...).
func (p *cfgParser) openRuleset(int) {
	p.blocks = append(p.blocks, *p.pendingRS)
	p.elseOf = append(p.elseOf, nil)
	p.pendingRS, p.last, p.pendingElse = nil, nil, nil
}

// ruleset returns the ruleset the statements being read go to.
func (p *cfgParser) ruleset() string {
	for i := len(p.blocks) - 1; i >= 0; i-- {
		if p.blocks[i].isRS {
			return p.blocks[i].name
		}
	}
	return p.c.legacyRS
}

// setStatement parses `set $!name = expr;` or `unset $!name;` into r and
// returns what follows the ';' on the line.
func (p *cfgParser) setStatement(r *Rule, act string, n int) (string, error) {
	word := "set"
	if strings.HasPrefix(strings.ToLower(act), "unset") {
		word = "unset"
	}
	body, rest, err := cutStatement(act[len(word):])
	if err != nil {
		return "", p.errf(n, word, "%w", err)
	}
	body = strings.TrimSpace(body)
	target, value := body, ""
	if word == "set" {
		var ok bool
		if target, value, ok = strings.Cut(body, "="); !ok {
			return "", p.errf(n, word, "%q: want set $!name = expression;", act)
		}
		target = strings.TrimSpace(target)
	}
	if !strings.HasPrefix(target, "$!") && !strings.HasPrefix(target, "$.") && !strings.HasPrefix(target, "$/") {
		return "", p.errf(n, word, "%q: only $! and $. variables can be %s", target, word)
	}
	name, err := varName(target)
	if err != nil {
		return "", p.errf(n, word, "%w", err)
	}
	st := &setStmt{name: name}
	if word == "set" {
		if st.expr, err = parseExpr(value); err != nil {
			return "", p.errf(n, word, "%s: %w", target, err)
		}
	}
	r.set = st
	return rest, nil
}

// cutStatement splits s at the first ';' outside quotes: the statement
// and what follows (trimmed, comments dropped).
func cutStatement(s string) (body, rest string, err error) {
	i := scanUnquoted(s, func(i int) bool { return s[i] == ';' })
	if i < 0 {
		return "", "", fmt.Errorf("%q: missing ';' at the end", strings.TrimSpace(s))
	}
	rest = strings.TrimSpace(s[i+1:])
	if strings.HasPrefix(rest, "#") {
		rest = ""
	}
	return s[:i], rest, nil
}

// dynaCacheSize parses a dynaFile cache size: rsyslog takes 1 to 1000
// (it raises a smaller value to 1 and lowers a larger one to 1000).
func dynaCacheSize(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%q: want a number of files", v)
	}
	return min(max(n, 1), maxDynaCache), nil
}

// Bounds of the dynaFile cache: rsyslog's default and maximum.
const (
	defaultDynaCache = 10
	maxDynaCache     = 1000
)

// checkRulesets checks that every called or bound ruleset exists and that
// no ruleset calls itself, directly or not.
func (c *Config) checkRulesets() error {
	for _, ref := range c.rsRefs {
		if _, ok := c.rulesets[ref.name]; !ok {
			file, line := splitPos(ref.pos)
			return configErr(file, line, "ruleset", fmt.Errorf("ruleset %q is not defined", ref.name))
		}
	}
	names := make([]string, 0, len(c.rulesets))
	for name := range c.rulesets {
		names = append(names, name)
	}
	sort.Strings(names) // the same error every time
	for _, name := range names {
		n := c.memos
		if _, err := c.expand(name, nil, &n); err != nil {
			return err
		}
	}
	n := c.memos
	_, err := c.expand("", nil, &n)
	return err
}

// maxCallDepth bounds nested calls.
const maxCallDepth = 32

// expand returns the rules of ruleset name, with each call replaced by
// the rules of the called ruleset (their conditions after the call's,
// their if conditions copied: each call evaluates them anew, in memo
// slots numbered from *memos on). stack holds the rulesets being expanded.
func (c *Config) expand(name string, stack []string, memos *int) ([]Rule, error) {
	var out []Rule
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Ruleset != name {
			continue
		}
		if r.Call == "" {
			out = append(out, *r)
			continue
		}
		file, line := splitPos(r.Pos)
		if _, ok := c.rulesets[r.Call]; !ok && r.Call != "" {
			return nil, configErr(file, line, "call", fmt.Errorf("ruleset %q is not defined", r.Call))
		}
		for _, s := range append(stack, name) {
			if s == r.Call {
				return nil, configErr(file, line, "call", fmt.Errorf("ruleset %q calls itself", r.Call))
			}
		}
		if len(stack) >= maxCallDepth {
			return nil, configErr(file, line, "call", fmt.Errorf("calls nested deeper than %d", maxCallDepth))
		}
		sub, err := c.expand(r.Call, append(stack, name), memos)
		if err != nil {
			return nil, err
		}
		seen := map[*rexpr]*rexpr{}
		for _, s := range sub {
			for k := range s.Selector {
				s.Selector[k] &= r.Selector[k]
			}
			fs := append([]*propFilter(nil), r.filters...)
			for _, f := range s.filters {
				if f.expr != nil {
					cp := *f
					cp.expr = cloneExpr(f.expr, seen, memos)
					f = &cp
				}
				fs = append(fs, f)
			}
			s.filters = fs
			out = append(out, s)
		}
	}
	return out, nil
}
