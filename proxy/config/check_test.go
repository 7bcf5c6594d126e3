package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// checkResult is the outcome of a "-c" run, ours or HAProxy's.
type checkResult struct {
	exit   int
	stdout []string
	diags  []diagLine
}

// diagLine is one stderr message: level, location ("" if none; marked
// when printed with no space before its colon, as haproxy prints a few),
// and its first line of text (location prefix removed).
type diagLine struct {
	level, loc, text string
}

var (
	diagRe = regexp.MustCompile(`^\[(NOTICE|WARNING|ALERT)\]\s+\(\d+\) : config : (.*)$`)
	locRe  = regexp.MustCompile(`^(?:[Pp]arsing )?\[([^\]]+:\d+)\](\s?): (?:parsing \[[^\]]+\] : )?(.*)$`)
)

func parseDiags(stderr string) []diagLine {
	var out []diagLine
	for _, l := range strings.Split(stderr, "\n") {
		m := diagRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		d := diagLine{level: m[1], text: m[2]}
		if lm := locRe.FindStringSubmatch(m[2]); lm != nil {
			d.loc, d.text = lm[1], lm[3]
			if lm[2] == "" {
				d.loc += " (no space before ':')" // haproxy's "parsing [f:l]: " form
			}
		}
		if strings.Contains(d.text, "version is") || strings.Contains(d.text, "path to executable") {
			continue
		}
		out = append(out, d)
	}
	return out
}

// readGolden loads a golden written by testdata/check/regen.sh.
func readGolden(t *testing.T, path string) checkResult {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r checkResult
	lines := strings.Split(string(b), "\n")
	if !strings.HasPrefix(lines[0], "exit: ") {
		t.Fatalf("%s: first line %q is not 'exit: N'", path, lines[0])
	}
	r.exit, err = strconv.Atoi(strings.TrimPrefix(lines[0], "exit: "))
	if err != nil {
		t.Fatal(err)
	}
	var stderr []string
	for _, l := range lines[1:] {
		if s, ok := strings.CutPrefix(l, "stdout: "); ok {
			r.stdout = append(r.stdout, s)
		} else {
			stderr = append(stderr, l)
		}
	}
	r.diags = parseDiags(strings.Join(stderr, "\n"))
	return r
}

func runOurCheck(files ...string) checkResult {
	var out, errb bytes.Buffer
	o := CheckOptions{Options: Options{Env: func(string) (string, bool) { return "", false }}}
	code := o.Check(&out, &errb, files)
	r := checkResult{exit: code, diags: parseDiags(errb.String())}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" {
			r.stdout = append(r.stdout, l)
		}
	}
	return r
}

// ignoredSummary are HAProxy's closing lines whose presence depends on
// where it aborted parsing.
func ignoredSummary(text string) bool {
	return strings.HasPrefix(text, "Error(s) found in configuration file") ||
		strings.HasPrefix(text, "Fatal errors found")
}

// compareCheck checks that ours matches HAProxy's result: same exit status
// and stdout; every HAProxy alert/warning with a location is reported by
// us at the same location and level; every HAProxy message without a
// location is reported by us with the same text. HAProxy stops parsing
// after some errors, so we may report more.
func compareCheck(t *testing.T, want, got checkResult) {
	t.Helper()
	if got.exit != want.exit {
		t.Errorf("exit status %d, HAProxy %d", got.exit, want.exit)
	}
	if strings.Join(got.stdout, "\n") != strings.Join(want.stdout, "\n") {
		t.Errorf("stdout %q, HAProxy %q", got.stdout, want.stdout)
	}
	have := map[string]bool{}
	for _, d := range got.diags {
		have[d.level+" "+d.loc] = true
		have[d.level+" text "+d.text] = true
	}
	for _, d := range want.diags {
		switch {
		case ignoredSummary(d.text):
		case d.loc != "" && !have[d.level+" "+d.loc]:
			t.Errorf("missing %s at %s (HAProxy: %q)", d.level, d.loc, d.text)
		case d.loc == "" && !have[d.level+" text "+d.text]:
			t.Errorf("missing %s %q", d.level, d.text)
		}
	}
	if t.Failed() {
		var b strings.Builder
		for _, d := range got.diags {
			fmt.Fprintf(&b, "  %s [%s] %s\n", d.level, d.loc, d.text)
		}
		t.Logf("ours:\n%s", b.String())
	}
}

// TestCheckGolden compares Check with HAProxy's recorded verdicts on valid
// and broken configurations (goldens from testdata/check/regen.sh).
func TestCheckGolden(t *testing.T) {
	cfgs, _ := filepath.Glob("testdata/check/*.cfg")
	if len(cfgs) == 0 {
		t.Fatal("no testdata/check/*.cfg")
	}
	for _, cfg := range cfgs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			want := readGolden(t, strings.TrimSuffix(cfg, ".cfg")+".golden")
			compareCheck(t, want, runOurCheck(cfg))
		})
	}
}

// TestCheckVsHAProxy runs the real haproxy -c side by side on every
// configuration of testdata (skipped when haproxy is not installed).
func TestCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	var cfgs []string
	for _, g := range []string{"testdata/check/*.cfg", "testdata/conformance/*.cfg", "testdata/seed/*.cfg", "testdata/debian/*.cfg"} {
		m, _ := filepath.Glob(g)
		cfgs = append(cfgs, m...)
	}
	for _, cfg := range cfgs {
		t.Run(cfg, func(t *testing.T) {
			cmd := exec.Command(bin, "-c", "-f", cfg)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			want := checkResult{diags: parseDiags(errb.String())}
			if ee, ok := err.(*exec.ExitError); ok {
				want.exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if l != "" {
					want.stdout = append(want.stdout, l)
				}
			}
			compareCheck(t, want, runOurCheck(cfg))
		})
	}
}

func TestCheckOutputLayout(t *testing.T) {
	var out, errb bytes.Buffer
	code := CheckOptions{PID: 42}.Check(&out, &errb, []string{"testdata/check/missing-timeouts.cfg"})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	wantOut := "Warnings were found.\nConfiguration file is valid\n"
	if out.String() != wantOut {
		t.Errorf("stdout %q, want %q", out.String(), wantOut)
	}
	// Layout copied from a real haproxy 2.6 run (see missing-timeouts.golden).
	wantErr := "[WARNING]  (42) : config : missing timeouts for frontend 'f'.\n" +
		"   | While not properly invalid, you will certainly encounter various problems\n" +
		"   | with such a configuration. To fix this, please ensure that all following\n" +
		"   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.\n"
	if errb.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errb.String(), wantErr)
	}
}

func TestCheckQuietAndMissingFile(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Check(&out, &errb, []string{"testdata/check/references.cfg"}, true); code != 1 {
		t.Errorf("quiet broken config: exit %d, want 1", code)
	}
	if out.Len()+errb.Len() != 0 {
		t.Errorf("quiet mode wrote %q / %q", out.String(), errb.String())
	}
	missing := filepath.Join(t.TempDir(), "nope.cfg")
	code := CheckOptions{PID: 7}.Check(&out, &errb, []string{missing})
	if code != 1 || out.Len() != 0 {
		t.Errorf("missing file: exit %d stdout %q", code, out.String())
	}
	want := "[ALERT]    (7) : config : Cannot open configuration file/directory " + missing + " : No such file or directory\n"
	if !strings.HasPrefix(errb.String(), want) {
		t.Errorf("stderr %q, want prefix %q", errb.String(), want)
	}
}

func TestCheckZeroWarning(t *testing.T) {
	var out, errb bytes.Buffer
	o := CheckOptions{Options: Options{ZeroWarning: true}}
	if code := o.Check(&out, &errb, []string{"testdata/check/missing-timeouts.cfg"}); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "Some warnings were found and 'zero-warning' is set. Aborting.") {
		t.Errorf("stderr %q", errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}

func TestCheckMasterWorkerNoListener(t *testing.T) {
	var out, errb bytes.Buffer
	o := CheckOptions{MasterWorker: true}
	if code := o.Check(&out, &errb, []string{"testdata/check/no-listener.cfg"}); code != 0 {
		t.Errorf("-W without listener: exit %d, want 0 (as haproxy -c -W)", code)
	}
}

// pidRe is the process id haproxy and Check print in each message.
var pidRe = regexp.MustCompile(`^(\[[A-Z]+\]) +\(\d+\) : `)

// sameStderrAsHAProxy checks text with haproxy -c and with Check and
// wants the same exit status and the same stderr byte for byte (each
// message's pid and haproxy's version and path notices apart): the
// locations with or without a space before the colon, the quoted line and
// caret under a bad condition, the messages haproxy stops after.
func sameStderrAsHAProxy(t *testing.T, bin, text string, env []string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "t.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", "-f", cfg)
	cmd.Env = env
	var herr bytes.Buffer
	cmd.Stderr = &herr
	hcode := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		hcode = ee.ExitCode()
	}
	lookup := func(k string) (string, bool) {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	var oerr bytes.Buffer
	ocode := CheckOptions{Options: Options{Env: lookup}}.Check(&bytes.Buffer{}, &oerr, []string{cfg})
	norm := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "haproxy version is") || strings.Contains(l, "path to executable is") {
				continue
			}
			out = append(out, pidRe.ReplaceAllString(l, "$1 "))
		}
		return strings.Join(out, "\n")
	}
	if h, o := norm(herr.String()), norm(oerr.String()); h != o || hcode != ocode {
		t.Errorf("%q:\nhaproxy (exit %d):\n%s\nours (exit %d):\n%s", text, hcode, h, ocode, o)
	}
}

// TestIfConditionVsHAProxy: .if conditions are evaluated as haproxy 2.6
// evaluates them (&&, ||, !, parentheses, strtol numbers, predicate
// arguments as its argument lists read them) and malformed ones are
// refused in its words, at its position, with its caret.
func TestIfConditionVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	env := []string{"SET=1", "EMPTY="}
	for _, c := range []string{
		"", "0", "1", "-1", "0x10", "00", "08", "0x", "1 && 0 || 1", "!!1", "! 1", "!(0)", "(1 || 0) && 0",
		"((((1))))", "defined(SET)&&1", "defined(EMPTY)", "defined(NOPE)", "defined", "defined()", "streq",
		"streq(a, b)", `streq("a b",x)`, "streq('a',a)", "streq(,)", `streq(a\\b,a\\b)`, `streq(a\tb,a` + "\t" + `b)`,
		"strneq(a,b)", "version_atleast(abc)", "version_atleast(2.6.12)", "version_atleast(2.6.13)",
		"version_before(2.6.12)", "version_before(2.7)", "feature(OPENSSL)", "feature(PROMEX)", "feature(OPENSS)",
		// refused
		"1 2", "1abc", "1 | 1", "1 &&", "1 ||", "1 &&& 1", "(1", "((1)", "!", "foo(1)", "strstr(abc,b)",
		"enabled(POLL)", "defined(A", "defined(A,)", "defined(A,B", "streq(a)", "streq(a,b,c)", `streq(a\,b,a)`,
		"version_atleast(2.4", "defined(SET) || bar", "feature(OPENSSL",
	} {
		sameStderrAsHAProxy(t, bin, "global\n    .if "+c+"\n    .notice yes\n    .elif 1\n    .notice no\n    .endif\n", env)
	}
}

// TestStopVsHAProxy: after the errors haproxy reads no further past
// (a refused http-request rule or condition, .alert, a malformed .if
// block, a proxy without a name or with an unknown defaults section, an
// unknown directive) nothing more is reported, as with haproxy; the
// "Fatal errors" line is printed only where haproxy prints it.
func TestStopVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	const d = "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
	const more = "    http-request set-header X y z\n    bogus line\n.alert \"after\"\n"
	for _, text := range []string{
		"global\n.endif\n" + more,
		"global\n.elif 1\n" + more,
		"global\n.if 1\n.else\n.else\n.endif\n" + more,
		"global\n.if 1\n.else\n.elif 1\n.endif\n" + more,
		"global\n.if 1\n.else x\n.endif\n" + more,
		"global\n.endif x\n" + more,
		"global\n.if 1\n",
		"global\n.if 0\n.if 1 2\n.endif\n.endif\n" + more,
		"global\n.if 0\n.elif 1 2\n.endif\n" + more,
		"global\n.if 1\n.elif 1 2\n.endif\n" + more,
		"global\n    .foo x\n" + more,
		"global\n    .notice a b\n    .warning w\n    .alert a\n" + more,
		"frontend\n    bind 127.0.0.1:18099\n" + more,
		"frontend f from nope\n" + more,
		d + "frontend f\n    bind 127.0.0.1:18099\n    http-request deny foo\n" + more,
		d + "frontend f\n    bind 127.0.0.1:18099\n    http-request deny if nosuchacl\n" + more,
		d + "frontend f\n    bind 127.0.0.1:18099\n    http-response set-header X\n" + more,
		d + "frontend f\n    bind 127.0.0.1:18099\n    http-request redirect location /x bar\n" + more,
	} {
		sameStderrAsHAProxy(t, bin, text, nil)
	}
}

// TestDefaultsUseVsHAProxy: a defaults section both named by "from" and
// used as the last one gets haproxy 2.6's non-fatal alert at each use that
// mixes them; a name declared twice is refused where it is referenced.
func TestDefaultsUseVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	const d = "    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
	const fe = "frontend f from d\n    bind 127.0.0.1:18099\n"
	for _, text := range []string{
		"defaults d\n" + d + fe + "backend b\n",
		"defaults d\n" + d + fe + "backend b\n    server s 127.0.0.1:1\nbackend c from d\n",
		"defaults d\n" + d + "defaults e from d\n" + fe + "backend b from d\n",
		"defaults d\n" + d + "frontend f\n    bind 127.0.0.1:18099\nbackend b from d\n",
		"defaults d\n" + d + "defaults d\n" + d + fe,
		"defaults d\n" + d + fe + "defaults d\n" + d + "backend b from d\n",
		"defaults d\n" + d + "defaults d\n" + d + "defaults d\n" + d + fe + "backend b from d\n",
		"defaults d\n" + d + "defaults d\n" + d + "frontend f\n    bind 127.0.0.1:18099\n",
	} {
		sameStderrAsHAProxy(t, bin, text, nil)
	}
}

// TestTCPRequestCheckVsHAProxy: tcp-request lines are read, refused and
// warned about as haproxy 2.6 does (stderr byte for byte): connection
// accept/reject with conditions, the ACLs that never match at that stage,
// the sections it is allowed in, inheritance from a named defaults
// section, and the forms not implemented here.
func TestTCPRequestCheckVsHAProxy(t *testing.T) {
	const named = "defaults d\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
		"    tcp-request connection reject if { src 10.0.0.1 }\n"
	frontendLinesVsHAProxy(t, []string{"tcp-request connection reject", "tcp-request connection reject if { src 10.0.0.0/8 }",
		"tcp-request connection foo", "tcp-request connection", "tcp-request connection reject if { path_beg /x }",
		"tcp-request connection reject foo", "tcp-request connection reject unless { dst_port 18099 }",
		"tcp-request foo reject", "tcp-request", "tcp-request connection reject if { req.hdr(host) x }",
		"tcp-request connection reject if { ssl_fc }", "tcp-request connection accept if { src 127.0.0.1 } foo",
		"tcp-request connection reject if { src -f /nonexistent/list }", "tcp-request connection reject unless TRUE",
		"acl p path_beg /x\n    tcp-request connection reject if p",
		"acl a src 10.0.0.1\n    acl a path /x\n    tcp-request connection reject if a",
		"http-request deny if { path /x }\n    tcp-request connection reject if { src 10.1.1.1 }"},
		httpDefaults+"backend b\n    tcp-request connection reject\n", httpDefaults+"    tcp-request connection reject\n"+feLines,
		httpDefaults+"listen l\n    bind 127.0.0.1:18099\n    tcp-request connection reject if { path /x }\n",
		named+"frontend f from d\n    bind 127.0.0.1:18099\nbackend b from d\n", named+"listen l from d\n    bind 127.0.0.1:18099\n",
		named+"frontend f from d\n    bind 127.0.0.1:18099\n")
}

// TestRedirectDirectiveCheckVsHAProxy: the "redirect" directive is read
// and refused as haproxy 2.6 reads it (stderr byte for byte), its options
// included, and dropped with haproxy's warning in mode tcp.
func TestRedirectDirectiveCheckVsHAProxy(t *testing.T) {
	frontendLinesVsHAProxy(t, []string{"redirect scheme https if !{ ssl_fc }", "redirect", "redirect foo", "redirect location",
		"redirect location /x foo", "redirect prefix /p drop-query append-slash", "redirect location /x code 307",
		"redirect location /x if { path /a", "redirect location /x unless { path /a }", "redirect location /x code 305",
		"redirect location /x ignore-empty", "redirect prefix / code 301 if { path_beg /old } || { path /o }",
		"mode tcp\n    redirect location /x", "http-request redirect location /x code 305"},
		httpDefaults+"    redirect location /x\n"+feLines, httpDefaults+"backend b\n    redirect location /x\n")
}

// TestHTTPRequestCaptureCheckVsHAProxy: http-request capture lines are read
// and refused as haproxy 2.6 reads them (stderr byte for byte).
func TestHTTPRequestCaptureCheckVsHAProxy(t *testing.T) {
	var lines []string
	for _, r := range []string{"", " req.hdr(x)", " req.hdr(x) len 0", " req.hdr(x) len abc", " foo(x) len 5",
		" req.hdr(x) len 5 if { path /x }", " req.hdr(x) len 5 foo", " req.hdr(x) len 5 id 0", " res.hdr(x) len 5",
		" src len 15", " len 5", " req.hdr(x) foo 5", " req.fhdr(User-Agent) len 64"} {
		lines = append(lines, "http-request capture"+r)
	}
	frontendLinesVsHAProxy(t, lines, httpDefaults+"backend b\n    http-request capture req.hdr(x) len 5\n")
}

// httpDefaults and feLines are the opening of the one-line -c checks: an
// http defaults section with its timeouts, and a frontend.
const (
	httpDefaults = "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
	feLines      = "frontend f\n    bind 127.0.0.1:18099\n"
)

// frontendLinesVsHAProxy checks, with sameStderrAsHAProxy, each of lines
// in a frontend after httpDefaults, then each configuration of whole.
func frontendLinesVsHAProxy(t *testing.T, lines []string, whole ...string) {
	t.Helper()
	bin := testbin.Need(t, "haproxy")
	for _, l := range lines {
		sameStderrAsHAProxy(t, bin, httpDefaults+feLines+"    "+l+"\n", nil)
	}
	for _, text := range whole {
		sameStderrAsHAProxy(t, bin, text, nil)
	}
}
