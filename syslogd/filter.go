package syslogd

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplog/haplog/formats"
)

// propFilter is an rsyslog property-based filter,
// `:property, [!]operation, "value"` (rsyslog's "Property-Based Filters"):
// the operation compares the property's value, case-sensitively, with
// the value.
type propFilter struct {
	prop  part // the property, rendered as a template would
	op    filterOp
	neg   bool
	value []byte
	re    *regexp.Regexp // regex, ereregex
	fold  bool           // compare ASCII case-insensitively (value in lower case)
	// expr, when set, is an if condition the filter stands for (the
	// other fields are unused): the worker evaluates it (evalCtx).
	expr *rexpr
}

type filterOp uint8

const (
	opContains filterOp = iota
	opIsEqual
	opStartsWith
	opRegex
	opEreRegex
	opIsEmpty
)

var filterOps = map[string]filterOp{"contains": opContains, "isequal": opIsEqual,
	"startswith": opStartsWith, "regex": opRegex, "ereregex": opEreRegex, "isempty": opIsEmpty}

// maxFilterValue bounds the compared value of a filter.
const maxFilterValue = 64 << 10

// parsePropFilter parses a filter line that starts with ':' and returns
// the filter and what follows it (the action or a '{').
func parsePropFilter(line string) (*propFilter, string, error) {
	rest := line[1:]
	comma := strings.IndexByte(rest, ',')
	if comma < 0 {
		return nil, "", fmt.Errorf("property filter %q: want :property, operation, \"value\"", line)
	}
	name := strings.ToLower(strings.TrimSpace(rest[:comma]))
	id, ok := propNames[name]
	if !ok {
		return nil, "", fmt.Errorf("property filter: unknown property %q: %w", name, ErrUnsupported)
	}
	f := &propFilter{prop: part{prop: id, isProp: true}}
	rest = strings.TrimLeft(rest[comma+1:], " \t")
	comma = strings.IndexByte(rest, ',')
	if comma < 0 {
		return nil, "", fmt.Errorf("property filter %q: want :property, operation, \"value\"", line)
	}
	op := strings.ToLower(strings.TrimSpace(rest[:comma]))
	if strings.HasPrefix(op, "!") {
		f.neg, op = true, strings.TrimSpace(op[1:])
	}
	if f.op, ok = filterOps[op]; !ok {
		return nil, "", fmt.Errorf("property filter: unknown compare operation %q: %w", op, ErrUnsupported)
	}
	rest = strings.TrimLeft(rest[comma+1:], " \t")
	raw, after, err := quoted(rest) // isempty too needs one (ignored)
	if err != nil {
		return nil, "", fmt.Errorf("property filter: %w", err)
	}
	// As in rsyslogd 8.2302, a backslash makes the next character plain,
	// whatever it is (so "x\\(y\\)" is the value "x(y)", for regex too).
	v := formats.Unescape(raw)
	if len(v) > maxFilterValue {
		return nil, "", fmt.Errorf("property filter: value longer than %d bytes", maxFilterValue)
	}
	f.value = []byte(v)
	switch f.op {
	case opRegex:
		f.re, err = regexp.CompilePOSIX(breToERE(v))
	case opEreRegex:
		f.re, err = regexp.CompilePOSIX(v)
	}
	if err != nil {
		return nil, "", fmt.Errorf("property filter: %s %q: %w", op, v, err)
	}
	return f, strings.TrimSpace(after), nil
}

// breToERE rewrites a POSIX basic regular expression as an extended one:
// \( \) \{ \} \| are the operators, ( ) { } | + ? plain characters.
func breToERE(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("(){}|+?", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case c == '\\' && i+1 < len(s):
			b.WriteByte(c)
			i++
			b.WriteByte(s[i])
		case strings.IndexByte("(){}|+?", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// match reports whether m passes the filter; scratch is a buffer the
// property is rendered into (returned for reuse).
func (f *propFilter) match(m *Message, scratch []byte) (bool, []byte) {
	v := f.prop.value(scratch[:0], m)
	var ok bool
	switch f.op {
	case opContains:
		if f.fold {
			ok = foldContains(v, f.value)
		} else {
			ok = bytes.Contains(v, f.value)
		}
	case opIsEqual:
		ok = bytes.Equal(v, f.value)
	case opStartsWith:
		if f.fold {
			ok = foldHasPrefix(v, f.value)
		} else {
			ok = bytes.HasPrefix(v, f.value)
		}
	case opRegex, opEreRegex:
		ok = f.re.Match(v)
	case opIsEmpty:
		ok = len(v) == 0
	}
	return ok != f.neg, v
}
