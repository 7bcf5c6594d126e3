package config_test

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/diag"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy"
	"github.com/haplog/haplog/proxy/config"
)

var updateDoc = flag.Bool("update-directives", false, "rewrite the generated table of docs/haproxy-directives.md")

// kwStatus is how this implementation treats one HAProxy keyword.
type kwStatus struct {
	context, keyword, status, note string
}

const (
	stSupported = "supported"
	stRefused   = "refused"
	stNoop      = "no-op"
)

// argCandidates are tried in order until one parses without a syntax
// error (the keyword then counts as understood).
var argCandidates = [][]string{
	nil, {"1"}, {"16384"}, {"x"}, {"/tmp"}, {"1s"}, {"TLSv1.2"}, {"none"}, {"http/1.1"}, {"x", "y"},
	{"Host", "len", "10"}, {"if", "TRUE"}, {"status", "200"}, {"x", "if", "TRUE"}, {"deny"},
	{"local0"}, {"127.0.0.1:514", "local0"}, {"roundrobin"}, {"http"}, {"s", "127.0.0.1:80"},
}

const tail = `defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend tf
    bind 127.0.0.1:18080
    default_backend tb
backend tb
    server s 127.0.0.1:80
`

// template returns the configuration with line (its first word at
// position 0 is the keyword) placed where the context allows it.
func template(context, cols, line string) string {
	switch context {
	case "global":
		return "global\n    " + line + "\n" + tail
	case "bind":
		return tail + "listen l\n    bind 127.0.0.1:18081 " + line + "\n    server s 127.0.0.1:80\n"
	case "server":
		return tail + "backend sb\n    server s2 127.0.0.1:80 " + line + "\n"
	}
	// proxy: listen if allowed, else backend, frontend, defaults.
	switch {
	case cols[2] == 'X':
		return tail + "listen l\n    bind 127.0.0.1:18081\n    " + line + "\n    server s 127.0.0.1:80\n"
	case cols[3] == 'X':
		return tail + "backend sb\n    " + line + "\n    server s2 127.0.0.1:80\n"
	case cols[1] == 'X':
		return tail + "frontend sf\n    bind 127.0.0.1:18081\n    " + line + "\n    default_backend tb\n"
	}
	return strings.Replace(tail, "defaults\n", "defaults\n    "+line+"\n", 1)
}

// diagnose parses text and runs the runtime's verdict; it returns the
// error (nil when valid) and every diagnostic message.
func diagnose(text string) ([]*config.Diag, error) {
	cfg, err := config.ParseReader("k.cfg", strings.NewReader(text), nil)
	if err != nil {
		return cfg.Warnings, err
	}
	ds := append([]*config.Diag(nil), cfg.Warnings...)
	ds = append(ds, proxy.Validate(cfg)...)
	for _, d := range ds {
		if d.Severity == diag.Error {
			return ds, errors.New(d.Msg)
		}
	}
	return ds, nil
}

// classify finds how one keyword is treated.
func classify(t *testing.T, context, cols string, words []string) kwStatus {
	st := kwStatus{context: context, keyword: strings.Join(words, " ")}
	base, _ := diagnose(template(context, cols, "#"))
	baseMsgs := map[string]bool{}
	for _, d := range base {
		baseMsgs[d.Msg] = true
	}
	var lastErr error
	for _, args := range argCandidates {
		line := strings.Join(append(append([]string(nil), words...), args...), " ")
		if context == "bind" && cols == "ssl" {
			line = "ssl crt testdata/seed/site.pem " + line
		}
		ds, err := diagnose(template(context, cols, line))
		if err != nil {
			if errors.Is(err, config.ErrUnsupported) || errors.Is(err, config.ErrUnknownKeyword) ||
				strings.Contains(err.Error(), "not supported") || strings.Contains(err.Error(), "unknown keyword") {
				st.status, st.note = stRefused, firstMsg(err)
				return st
			}
			lastErr = err
			continue
		}
		for _, d := range ds {
			// Only this implementation's own no-op warnings: HAProxy's
			// warnings (e.g. "log format ignored ... no log address") are
			// part of supporting the keyword.
			if !baseMsgs[d.Msg] && strings.Contains(d.Msg, "this implementation") {
				st.status, st.note = stNoop, d.Msg
				return st
			}
		}
		st.status = stSupported
		return st
	}
	// Every argument form tried was rejected as malformed: the keyword is
	// parsed and its arguments checked.
	st.status, st.note = stSupported, "arguments checked; none of the test forms fit: "+firstMsg(lastErr)
	return st
}

// firstMsg is the first line of the message of err's first diagnostic,
// without its position.
func firstMsg(err error) string {
	s := err.Error()
	var d *config.Diag
	if errors.As(err, &d) {
		s = d.Msg
	}
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// TestHAProxyKeywords walks HAProxy 2.6's keyword list (testdata/keywords,
// extracted from the manual and haproxy -dKcfg) and checks that each is
// supported, refused with an error, or a no-op documented as such: the
// table in docs/haproxy-directives.md must state what the parser and the
// runtime actually do (regenerate with -update-directives).
func TestHAProxyKeywords(t *testing.T) {
	f, err := os.Open("testdata/keywords/haproxy26.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []kwStatus
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ln := sc.Text()
		if ln == "" || ln[0] == '#' {
			continue
		}
		w := strings.Fields(ln)
		switch w[0] {
		case "global":
			got = append(got, classify(t, "global", "", w[1:]))
		case "proxy":
			got = append(got, classify(t, "proxy", w[1], w[2:]))
		case "bind":
			got = append(got, classify(t, "bind", w[1], w[2:3]))
		case "server":
			got = append(got, classify(t, "server", "", w[2:3]))
		}
	}
	if len(got) < 450 {
		t.Fatalf("only %d keywords read", len(got))
	}
	doc := filepath.Join("..", "..", "docs", "haproxy-directives.md")
	table := renderTable(got)
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- BEGIN GENERATED TABLE -->\n", "<!-- END GENERATED TABLE -->\n"
	i, j := strings.Index(string(data), begin), strings.Index(string(data), end)
	if i < 0 || j < i {
		t.Fatalf("%s: generated-table markers missing", doc)
	}
	current := string(data[i+len(begin) : j])
	if *updateDoc {
		out := string(data[:i+len(begin)]) + table + string(data[j:])
		if err := os.WriteFile(doc, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if d := testkit.LineDiff([]byte(current), []byte(table)); d != "" {
		t.Errorf("%s is out of date (go test ./proxy/config -run TestHAProxyKeywords -update-directives); got is the doc's table, want the one generated now:\n%s", doc, d)
	}
	counts := map[string]int{}
	for _, s := range got {
		counts[s.status]++
	}
	t.Logf("%d keywords: %d supported, %d refused, %d documented no-ops", len(got), counts[stSupported], counts[stRefused], counts[stNoop])
}

func renderTable(ks []kwStatus) string {
	sort.SliceStable(ks, func(a, b int) bool {
		if ks[a].context != ks[b].context {
			return ks[a].context < ks[b].context
		}
		return ks[a].keyword < ks[b].keyword
	})
	var b strings.Builder
	b.WriteString("| section | keyword | status | what happens |\n|---|---|---|---|\n")
	for _, k := range ks {
		note := strings.ReplaceAll(k.note, "|", "\\|")
		note = strings.ReplaceAll(note, "127.0.0.1:18081", "<addr>")
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", k.context, k.keyword, k.status, note)
	}
	return b.String()
}
