package config

import (
	"fmt"
	"strings"
)

// MaxWords is the maximum number of words on one line (HAProxy's
// MAX_LINE_ARGS).
const MaxWords = 64

// LookupFunc returns the value of an environment variable and whether it is
// set (os.LookupEnv's signature).
type LookupFunc func(name string) (string, bool)

// TokenError is a line syntax error at byte offset Pos (0-based) of the
// line.
type TokenError struct {
	Pos int
	Msg string
}

// Error renders the message and the 1-based position.
func (e *TokenError) Error() string {
	return fmt.Sprintf("%s at position %d", e.Msg, e.Pos+1)
}

// Tokenize splits one configuration line into words following HAProxy's
// rules: blanks separate words, '#' starts a comment, backslash escapes
// (\ \# \\ \' \" \$ \r \n \t \xNN) work outside single quotes, double
// quotes keep blanks and expand $VAR, ${VAR}, ${VAR-default} and
// ${VAR[*]} (one word per blank-separated item), single quotes keep
// everything literal. Quotes are removed and may be glued to other text.
// env may be nil (no variable is set). An empty or comment-only line
// yields no words.
func Tokenize(line string, env LookupFunc) ([]string, error) {
	t := tokenizer{line: line, env: env}
	return t.run()
}

type tokenizer struct {
	line  string
	env   LookupFunc
	words []string
	cur   strings.Builder
	// inWord is true once the current word has started (even if empty,
	// as with "" or '').
	inWord bool
}

func (t *tokenizer) run() ([]string, error) {
	s := t.line
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			t.endWord()
			i++
		case c == '#':
			i = len(s)
		case c == '\\':
			n, err := t.escape(i)
			if err != nil {
				return nil, err
			}
			i = n
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, &TokenError{Pos: i, Msg: "unmatched quote"}
			}
			t.inWord = true
			t.cur.WriteString(s[i+1 : i+1+j])
			i += j + 2
		case c == '"':
			n, err := t.dquote(i)
			if err != nil {
				return nil, err
			}
			i = n
		default:
			t.inWord = true
			t.cur.WriteByte(c)
			i++
		}
		if len(t.words) > MaxWords {
			return nil, &TokenError{Pos: i, Msg: fmt.Sprintf("too many words (more than %d)", MaxWords)}
		}
	}
	t.endWord()
	if len(t.words) > MaxWords {
		return nil, &TokenError{Pos: len(s), Msg: fmt.Sprintf("too many words (more than %d)", MaxWords)}
	}
	return t.words, nil
}

func (t *tokenizer) endWord() {
	if t.inWord {
		t.words = append(t.words, t.cur.String())
		t.cur.Reset()
		t.inWord = false
	}
}

// escape handles a backslash at s[i] and returns the index after it.
func (t *tokenizer) escape(i int) (int, error) {
	s := t.line
	t.inWord = true
	if i+1 >= len(s) {
		t.cur.WriteByte('\\')
		return i + 1, nil
	}
	switch c := s[i+1]; c {
	case ' ', '#', '\\', '\'', '"', '$':
		t.cur.WriteByte(c)
	case 'r':
		t.cur.WriteByte('\r')
	case 'n':
		t.cur.WriteByte('\n')
	case 't':
		t.cur.WriteByte('\t')
	case 'x':
		if i+3 >= len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) {
			return 0, &TokenError{Pos: i, Msg: "truncated or invalid hexadecimal sequence"}
		}
		t.cur.WriteByte(unhex(s[i+2])<<4 | unhex(s[i+3]))
		return i + 4, nil
	default:
		// Unknown escapes are kept as written (e.g. "\." in a regex).
		t.cur.WriteByte('\\')
		t.cur.WriteByte(c)
	}
	return i + 2, nil
}

// dquote handles a double-quoted string opening at s[i].
func (t *tokenizer) dquote(i int) (int, error) {
	s := t.line
	t.inWord = true
	for j := i + 1; j < len(s); {
		switch s[j] {
		case '"':
			return j + 1, nil
		case '\\':
			n, err := t.escape(j)
			if err != nil {
				return 0, err
			}
			j = n
		case '$':
			n, err := t.variable(j)
			if err != nil {
				return 0, err
			}
			j = n
		default:
			t.cur.WriteByte(s[j])
			j++
		}
	}
	return 0, &TokenError{Pos: i, Msg: "unmatched quote"}
}

// variable expands $NAME or ${NAME...} at s[i] and returns the index after.
func (t *tokenizer) variable(i int) (int, error) {
	name, def, hasDef, split, end, err := scanVar(t.line, i)
	if err != nil {
		return 0, err
	}
	v, ok := "", false
	if t.env != nil {
		v, ok = t.env(name)
	}
	if !ok && hasDef {
		v = def
	}
	if !split {
		t.cur.WriteString(v)
		return end, nil
	}
	for k, f := range strings.Fields(v) {
		if k > 0 {
			t.endWord()
			t.inWord = true
		}
		t.cur.WriteString(f)
	}
	return end, nil
}

// scanVar parses a variable reference starting with '$' at s[i]: $NAME,
// ${NAME}, ${NAME-default}, ${NAME[*]}. Names may start with '.' for the
// pseudo-variables .FILE, .LINE, .SECTION.
func scanVar(s string, i int) (name, def string, hasDef, split bool, end int, err error) {
	j := i + 1
	braced := j < len(s) && s[j] == '{'
	if braced {
		j++
	}
	start := j
	if j >= len(s) || !(isNameStart(s[j]) || (braced && s[j] == '.')) {
		return "", "", false, false, 0, &TokenError{Pos: j, Msg: "forbidden first char in environment variable name"}
	}
	j++
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	name = s[start:j]
	if !braced {
		return name, "", false, false, j, nil
	}
	if strings.HasPrefix(s[j:], "[*]") {
		split = true
		j += 3
	}
	if j < len(s) && s[j] == '-' {
		k := strings.IndexByte(s[j:], '}')
		if k < 0 {
			return "", "", false, false, 0, &TokenError{Pos: start - 1, Msg: "unmatched brace in environment variable name"}
		}
		def, hasDef = s[j+1:j+k], true
		j += k
	}
	if j >= len(s) || s[j] != '}' {
		return "", "", false, false, 0, &TokenError{Pos: start - 1, Msg: "unmatched brace in environment variable name"}
	}
	return name, def, hasDef, split, j + 1, nil
}

// expandAddrVars expands ${VAR} (and $VAR) in an unquoted address argument,
// as HAProxy's address parsers do. Text without '$' is returned as is.
func expandAddrVars(s string, env LookupFunc) (string, error) {
	if strings.IndexByte(s, '$') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		name, def, hasDef, _, end, err := scanVar(s, i)
		if err != nil {
			return "", err
		}
		v, ok := "", false
		if env != nil {
			v, ok = env(name)
		}
		if !ok && hasDef {
			v = def
		}
		b.WriteString(v)
		i = end
	}
	return b.String(), nil
}

func isNameStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isNameChar(c byte) bool { return isNameStart(c) || ('0' <= c && c <= '9') }

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
