package config

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

var testEnv = map[string]string{"HOME": "/root", "EMPTYV": "", "LIST": "p q", "ADDR": "127.0.0.1"}

func lookupTestEnv(n string) (string, bool) { v, ok := testEnv[n]; return v, ok }

// tokenCases: each line and the words HAProxy 2.6 makes of it. The
// single-word cases were checked with ".notice <word>" on haproxy 2.6.12
// (TestTokenizeVsHAProxy repeats that check when haproxy is installed).
var tokenCases = []struct {
	line string
	want []string
}{
	{`"a b"`, []string{"a b"}},
	{`c\ d`, []string{"c d"}},
	{`'e $HOME f'`, []string{"e $HOME f"}},
	{`"${HOME}x"`, []string{"/rootx"}},
	{`\x41\.z\q`, []string{`A\.z\q`}},
	{`$HOME`, []string{"$HOME"}},
	{`"${NOPE-def}"`, []string{"def"}},
	{`"${EMPTYV-def}"`, []string{""}},
	{`"x\"y"`, []string{`x"y`}},
	{`a"b"'c'd`, []string{"abcd"}},
	{`"\x41\n\t|"`, []string{"A\n\t|"}},
	{`"$HOME.x${HOME}"`, []string{"/root.x/root"}},
	{`"$NOPE|"`, []string{"|"}},
	{`"\\ \# \' \$ \z"`, []string{`\ # ' $ \z`}},
	{"\"tab\tin\"", []string{"tab\tin"}},
	{`''`, []string{""}},
	{`""`, []string{""}},
	{`"a'b"`, []string{"a'b"}},
	{`'a"b'`, []string{`a"b`}},
	{`"${NOPE}"`, []string{""}},
	{`a#b c`, []string{"a"}},
	{`"e#f"`, []string{"e#f"}},
	{`\#d`, []string{"#d"}},
	// Multi-word lines (not expressible through .notice).
	{"  \t option   httpchk HEAD /_health HTTP/1.1\\r\\nHost:\\ localhost  # comment",
		[]string{"option", "httpchk", "HEAD", "/_health", "HTTP/1.1\r\nHost: localhost"}},
	{`log-format "%ci\ [%trl]\ \"%HU\""`, []string{"log-format", `%ci [%trl] "%HU"`}},
	{`x "${LIST[*]}" y`, []string{"x", "p", "q", "y"}},
	{`bind ${ADDR}:80`, []string{"bind", "${ADDR}:80"}},
	{"", nil},
	{"   # only a comment", nil},
}

func TestTokenize(t *testing.T) {
	for _, c := range tokenCases {
		got, err := Tokenize(c.line, lookupTestEnv)
		if err != nil {
			t.Errorf("Tokenize(%q): %v", c.line, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	// Positions (1-based, within the line) as haproxy 2.6 reports them
	// for the same text preceded by "    .notice ".
	cases := []struct {
		word string
		msg  string
		pos  int
	}{
		{`"unterminated`, "unmatched quote", 13},
		{`"\x4"`, "truncated or invalid hexadecimal sequence", 14},
		{`"\xZZ"`, "truncated or invalid hexadecimal sequence", 14},
		{`"$"`, "forbidden first char in environment variable name", 15},
		{`"${HOME"`, "unmatched brace in environment variable name", 15},
		{`'open`, "unmatched quote", 13},
	}
	for _, c := range cases {
		_, err := Tokenize("    .notice "+c.word, nil)
		var te *TokenError
		if !errors.As(err, &te) {
			t.Errorf("%s: error %v, want a *TokenError", c.word, err)
			continue
		}
		if te.Msg != c.msg || te.Pos+1 != c.pos {
			t.Errorf("%s: got %q at %d, want %q at %d", c.word, te.Msg, te.Pos+1, c.msg, c.pos)
		}
	}
	many := strings.Repeat("w ", MaxWords+1)
	if _, err := Tokenize(many, nil); err == nil {
		t.Errorf("%d words: no error", MaxWords+1)
	}
	if w, err := Tokenize(strings.Repeat("w ", MaxWords), nil); err != nil || len(w) != MaxWords {
		t.Errorf("%d words: %d words, %v", MaxWords, len(w), err)
	}
}

func TestExpandAddrVars(t *testing.T) {
	got, err := expandAddrVars("${ADDR}:8${NOPE-0}", lookupTestEnv)
	if err != nil || got != "127.0.0.1:80" {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestTokenizeVsHAProxy feeds each single-word case to the real haproxy as
// ".notice <word>" and compares the word it prints with ours.
func TestTokenizeVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	var cfg strings.Builder
	cfg.WriteString("global\n")
	var cases []string
	for _, c := range tokenCases {
		if strings.HasPrefix(c.line, `"${LIST`) || len(c.want) != 1 || strings.ContainsAny(c.line, " \t") && !strings.HasPrefix(c.line, `"`) && !strings.HasPrefix(c.line, `'`) && !strings.Contains(c.line, `\ `) {
			continue
		}
		cases = append(cases, c.want[0])
		cfg.WriteString("    .notice " + c.line + "\n")
	}
	path := filepath.Join(t.TempDir(), "tok.cfg")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", "-f", path)
	for k, v := range testEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	_ = cmd.Run()
	// Notices look like: parsing [f:N]: 'word'.  (the word may span lines)
	re := regexp.MustCompile(`(?s)parsing \[[^\]]+\]: '(.*?)'\.\n`)
	got := re.FindAllStringSubmatch(errb.String(), -1)
	if len(got) != len(cases) {
		t.Fatalf("haproxy printed %d notices for %d cases:\n%s", len(got), len(cases), errb.String())
	}
	for i, m := range got {
		if m[1] != cases[i] {
			t.Errorf("case %d: haproxy %q, ours %q", i, m[1], cases[i])
		}
	}
}
