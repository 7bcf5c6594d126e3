package config

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testdataConfigs returns the text of every testdata configuration.
func testdataConfigs(f *testing.F) [][]byte {
	files, _ := filepath.Glob("testdata/*/*.cfg")
	var texts [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		texts = append(texts, b)
	}
	return texts
}

// seedLines adds every line of the testdata configurations to f.
func seedLines(f *testing.F) {
	for _, b := range testdataConfigs(f) {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f.Add(sc.Text())
		}
	}
	for _, c := range tokenCases {
		f.Add(c.line)
	}
}

// quoteWord writes w so that Tokenize yields it back as one word.
func quoteWord(w string) string {
	if w == "" {
		return "''"
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; c {
		case ' ', '#', '\\', '\'', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzTokenize checks that Tokenize never panics and that its words,
// escaped again, tokenize back to the same words.
func FuzzTokenize(f *testing.F) {
	seedLines(f)
	env := func(n string) (string, bool) {
		if n == "LIST" {
			return " a  b ", true
		}
		return "v-" + n, len(n)%2 == 0
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := Tokenize(line, env)
		if err != nil {
			return
		}
		if len(words) > MaxWords {
			t.Fatalf("%d words", len(words))
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quoteWord(w)
		}
		again, err := Tokenize(strings.Join(quoted, " "), nil)
		if err != nil {
			t.Fatalf("re-tokenize %q: %v", quoted, err)
		}
		if !slices.Equal(again, words) {
			t.Fatalf("round trip: %q -> %q -> %q", line, words, again)
		}
	})
}

// FuzzParse checks that ParseReader never panics and that a configuration
// it accepts is fully resolved.
func FuzzParse(f *testing.F) {
	for _, b := range testdataConfigs(f) {
		f.Add(string(b))
	}
	f.Add(condCfg)
	// Referenced files may only come from testdata (no /dev/zero...).
	o := Options{
		Env: func(string) (string, bool) { return "", false },
		ReadFile: func(name string) ([]byte, error) {
			if !strings.HasPrefix(filepath.Clean(name), "testdata/") {
				return nil, os.ErrNotExist
			}
			return os.ReadFile(name)
		},
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := o.ParseReader("fuzz.cfg", strings.NewReader(src))
		if cfg == nil {
			t.Fatal("nil config")
		}
		if err != nil {
			return
		}
		for _, px := range cfg.Proxies {
			for _, ub := range px.UseBackends {
				if ub.Backend == nil {
					t.Fatalf("proxy %s: unresolved use_backend", px.Name)
				}
			}
			if px.Cap&CapBackend != 0 && px.Cap&CapFrontend != 0 && px.DefaultBackend == nil {
				t.Fatalf("listen %s without default backend", px.Name)
			}
			for _, s := range px.Servers {
				if s.FastInter == 0 || s.DownInter == 0 || s.Rise == 0 || s.Fall == 0 {
					t.Fatalf("server %s/%s not resolved: %+v", px.Name, s.Name, s)
				}
			}
			for _, l := range px.Logs {
				if l.Format == "" || l.Len < 80 {
					t.Fatalf("proxy %s: unresolved logger %+v", px.Name, l)
				}
			}
		}
	})
}

// FuzzIfCondition: any .if condition parses to a verdict or is refused
// with a message whose caret falls within the quoted line; nothing panics
// and the reading stops on a refusal.
func FuzzIfCondition(f *testing.F) {
	for _, c := range []string{"1 && 0 || 1", "!(defined(X) || streq(a,b))", "((1)", "defined(A,B", "streq(a\\,b,a)",
		"version_atleast(2.4", "0x1f && !0", "1 &&& 1", "feature(OPENSSL"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		if len(c) > 4096 || strings.ContainsAny(c, "\n\x00") {
			return
		}
		p := newParser(Options{Env: func(string) (string, bool) { return "", false }})
		p.file, p.line = "f", 1
		p.evalIf([]string{".if", c})
		if p.nerr == 0 {
			return
		}
		if p.stopped != stopNow {
			t.Fatalf("%q refused without stopping", c)
		}
		lines := strings.Split(p.all[len(p.all)-1].Msg, "\n")
		if len(lines) != 3 || len(lines[2]) > len(lines[1])+1 || !strings.HasSuffix(lines[2], "^") {
			t.Fatalf("%q: caret off the line: %q", c, lines)
		}
	})
}
