package formats

import (
	"errors"
	"fmt"
	"strings"
)

// The predefined HAProxy log formats, exactly as HAProxy 2.6 defines them.
// `option httplog`, `option tcplog`, `option httpslog` and `option httplog
// clf` select these strings.
const (
	// HTTPLogFormat is `option httplog`.
	HTTPLogFormat = `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r`
	// TCPLogFormat is `option tcplog`.
	TCPLogFormat = `%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq`
	// HTTPSLogFormat is `option httpslog`.
	HTTPSLogFormat = HTTPLogFormat + ` %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc`
	// CLFLogFormat is `option httplog clf`.
	CLFLogFormat = `%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl`
	// DefaultLogFormat renders the legacy line HAProxy logs at accept time
	// for an HTTP-mode proxy that sets no log option at all; the "MODE" is
	// literal text. DefaultTCPLogFormat is the same for mode tcp.
	DefaultLogFormat = `Connect from %ci:%cp to %fi:%fp (%f/HTTP)`
	// DefaultTCPLogFormat is DefaultLogFormat for a TCP-mode proxy.
	DefaultTCPLogFormat = `Connect from %ci:%cp to %fi:%fp (%f/TCP)`
)

// ErrLogFormat is wrapped by every error Compile returns.
var ErrLogFormat = errors.New("log-format")

// FormatError describes a log-format string that does not compile. Pos is
// the 0-based byte offset in the format string where the problem was found.
type FormatError struct {
	Pos int
	Msg string
}

// Error renders "log-format: position N: message".
func (e *FormatError) Error() string {
	return fmt.Sprintf("log-format: position %d: %s", e.Pos, e.Msg)
}

// Unwrap returns ErrLogFormat so that errors.Is(err, ErrLogFormat) holds.
func (e *FormatError) Unwrap() error { return ErrLogFormat }

// Flags of a log-format variable (%{+Q,-X}var).
const (
	flagQuote     = 1 << iota // Q: quote strings
	flagHex                   // X: hexadecimal numbers/addresses
	flagEscape                // E: backslash-escape " \ ]
	flagMandatory             // M: absent strings print "-" (always on)
)

type nodeKind uint8

const (
	nodeText nodeKind = iota
	nodeSep
	nodeVar
)

// node is one compiled element: a literal, a separator (a run of spaces)
// or a variable with its flags.
type node struct {
	kind  nodeKind
	v     varID
	flags uint8
	arg   int    // capture index of capture.req.hdr(N) / capture.res.hdr(N)
	text  string // literal text, or the variable's name
}

// Format is a compiled log-format string. It is immutable and safe for
// concurrent use.
type Format struct {
	src   string
	nodes []node
	http  string // first HTTP-only variable, "" if none
}

// String returns the source format string.
func (f *Format) String() string { return f.src }

// HTTPOnly reports the first variable of f that HAProxy reserves for HTTP
// mode (e.g. "TR"), or "" if f can be used by a TCP proxy. A configuration
// loader uses it to reject the format for `mode tcp` with HAProxy's message
// `format variable '<name>' is reserved for HTTP mode`.
func (f *Format) HTTPOnly() string { return f.http }

// Compile parses a log-format string (one configuration word, already
// unquoted by the configuration tokenizer) with HAProxy 2.6's rules: %%, %var,
// %{flags}var, %{flags}o, a few %[sample] expressions, runs of spaces as
// separators and any other byte as literal text. Errors are *FormatError
// values naming the position and the variable.
func Compile(s string) (*Format, error) {
	c := compiler{src: s, flags: flagMandatory}
	if err := c.run(); err != nil {
		return nil, err
	}
	return &Format{src: s, nodes: c.nodes, http: c.http}, nil
}

type compiler struct {
	src   string
	nodes []node
	flags uint8 // default flags (set by %o)
	http  string
}

func (c *compiler) errf(pos int, format string, args ...any) error {
	return &FormatError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (c *compiler) run() error {
	s := c.src
	for i := 0; i < len(s); {
		switch s[i] {
		case ' ':
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if n := len(c.nodes); n == 0 || c.nodes[n-1].kind != nodeSep {
				c.nodes = append(c.nodes, node{kind: nodeSep})
			}
		case '%':
			next, err := c.percent(i)
			if err != nil {
				return err
			}
			i = next
		default:
			j := i + 1
			for j < len(s) && s[j] != ' ' && s[j] != '%' {
				j++
			}
			c.addText(s[i:j])
			i = j
		}
	}
	return nil
}

func (c *compiler) addText(t string) {
	if n := len(c.nodes); n > 0 && c.nodes[n-1].kind == nodeText {
		c.nodes[n-1].text += t
		return
	}
	c.nodes = append(c.nodes, node{kind: nodeText, text: t})
}

// percent compiles the element that starts with the '%' at s[i] and returns
// the offset just after it.
func (c *compiler) percent(i int) (int, error) {
	s := c.src
	j := i + 1
	if j >= len(s) {
		return 0, c.errf(i, "truncated line after '%%'")
	}
	switch ch := s[j]; {
	case ch == '%':
		c.addText("%")
		return j + 1, nil
	case ch == '{':
		end := strings.IndexByte(s[j+1:], '}')
		if end < 0 {
			return 0, c.errf(i, "truncated line after '%s'", s[j+1:])
		}
		args := s[j+1 : j+1+end]
		k := j + 2 + end
		if k < len(s) && s[k] == '[' {
			return c.sample(i, k, args)
		}
		if k >= len(s) || !isAlnum(s[k]) {
			return 0, c.errf(i, "parse argument modifier without variable name near '%%{%s}'", args)
		}
		return c.variable(i, k, args)
	case ch == '[':
		return c.sample(i, j, "")
	case isAlpha(ch):
		return c.variable(i, j, "")
	case isDigit(ch) || ch == ' ' || ch == '\t':
		return 0, c.errf(i, "unexpected variable name near '%c'. Maybe you want to write a single '%%', use the syntax '%%%%'", ch)
	default:
		// HAProxy silently drops a '%' followed by any other character.
		return j, nil
	}
}

// variable compiles the variable name starting at s[j]; i is the '%'.
func (c *compiler) variable(i, j int, args string) (int, error) {
	s := c.src
	k := j
	for k < len(s) && isAlnum(s[k]) {
		k++
	}
	name := s[j:k]
	id, ok := lookupVar(name)
	if !ok {
		return 0, c.errf(i, "no such format variable '%s'. If you wanted to emit the '%%' character verbatim, you need to use '%%%%'", name)
	}
	flags := applyFlags(c.flags, args)
	if id == varGlobal {
		c.flags = flags
		return k, nil
	}
	c.addVar(id, flags, name)
	return k, nil
}

func (c *compiler) addVar(id varID, flags uint8, name string) {
	if varTable[id].http && c.http == "" {
		c.http = name
	}
	c.nodes = append(c.nodes, node{kind: nodeVar, v: id, flags: flags, text: name})
}

// sample compiles "%[expr]" where s[j] is '['; i is the '%'.
func (c *compiler) sample(i, j int, args string) (int, error) {
	s := c.src
	end := strings.IndexByte(s[j+1:], ']')
	if end < 0 {
		return 0, c.errf(i, "truncated line after '%s'", s[j+1:])
	}
	expr := s[j+1 : j+1+end]
	id, n, ok := lookupSample(expr)
	if !ok {
		return 0, c.errf(i, "unsupported sample expression '%s' (supported: %s)", expr, sampleNames())
	}
	c.addVar(id, applyFlags(c.flags, args), expr)
	c.nodes[len(c.nodes)-1].arg = n
	return j + 2 + end, nil
}

// applyFlags applies "+Q,-X"-style modifiers to base. Unknown flags are
// ignored, as HAProxy does.
func applyFlags(base uint8, args string) uint8 {
	for args != "" {
		item := args
		if k := strings.IndexByte(args, ','); k >= 0 {
			item, args = args[:k], args[k+1:]
		} else {
			args = ""
		}
		// The name starts after the last '+' or '-' of the item.
		op, name := byte(0), ""
		for k := 0; k < len(item); k++ {
			if item[k] == '+' || item[k] == '-' {
				op, name = item[k], item[k+1:]
			}
		}
		var bit uint8
		switch name {
		case "Q":
			bit = flagQuote
		case "X":
			bit = flagHex
		case "E":
			bit = flagEscape
		case "M":
			bit = flagMandatory
		}
		switch op {
		case '+':
			base |= bit
		case '-':
			base &^= bit
		}
	}
	return base
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
