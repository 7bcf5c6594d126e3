package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// errorFileCases are errorfile contents: haproxy 2.6.12 loads them or
// refuses them at -c. stricter marks the files we refuse and it loads:
// a NUL in a header (refused by the later 2.6 releases, CVE-2023-25725)
// and a status code of fewer than 3 digits.
var errorFileCases = []struct {
	name, data string
	stricter   bool
}{
	{"ok", "HTTP/1.1 503 Busy\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbusy", false},
	{"empty", "", false},
	{"lf-only", "HTTP/1.1 503 X\nA: b\n\n", false},
	{"no-reason", "HTTP/1.1 503\r\n\r\n", false},
	{"http10", "HTTP/1.0 503 X\r\nContent-Length: 3\r\n\r\nabc", false},
	{"version-2", "HTTP/2.0 503 X\r\n\r\n", false},
	{"two-spaces", "HTTP/1.1  503 X\r\n\r\n", false},
	{"ctl-in-value", "HTTP/1.1 503 X\r\nA: b\x01c\r\n\r\n", false},
	{"obs-fold", "HTTP/1.1 503 X\r\nA: b\r\n c\r\n\r\n", false},
	{"fits-buffer", "HTTP/1.1 503 X\r\nContent-Length: 15000\r\n\r\n" + strings.Repeat("x", 15000), false},
	{"garbage", "garbage\r\n\r\n", false},
	{"no-head-end", "HTTP/1.1 503 X\r\nA: b\r\n", false},
	{"lower-case-version", "http/1.1 503 X\r\n\r\n", false},
	{"request", "GET / HTTP/1.1\r\n\r\n", false},
	{"bad-code", "HTTP/1.1 5x3 X\r\n\r\n", false},
	{"bad-name", "HTTP/1.1 503 X\r\nb@d: 1\r\n\r\n", false},
	{"space-in-name", "HTTP/1.1 503 X\r\nA b: c\r\n\r\n", false},
	{"no-colon", "HTTP/1.1 503 X\r\nnocolon\r\n\r\n", false},
	{"bare-cr", "HTTP/1.1 503 X\r\nA: b\rc\r\n\r\n", false},
	{"two-content-lengths", "HTTP/1.1 503 X\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", false},
	{"short-payload", "HTTP/1.1 503 X\r\nContent-Length: 10\r\n\r\nabc", false},
	{"chunked", "HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", false},
	{"larger-than-buffer", "HTTP/1.1 503 X\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("x", 20000), false},
	{"nul-in-value", "HTTP/1.1 503 X\r\nA: b\x00c\r\n\r\n", true},
	{"two-digit-code", "HTTP/1.1 50 X\r\n\r\n", true},
}

// TestErrorFileVsHAProxy: haproxy -c and our check load or refuse the
// same errorfiles, with the same alert (and warning) at the same line.
func TestErrorFileCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := t.TempDir()
	for _, tc := range errorFileCases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name+".http")
			cfg := filepath.Join(dir, tc.name+".cfg")
			text := "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
				"frontend f\n    bind 127.0.0.1:18099\n    default_backend b\nbackend b\n    errorfile 503 " + file + "\n"
			if err := os.WriteFile(file, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.stricter {
				herr := exec.Command(bin, "-c", "-f", cfg).Run()
				if ours := runOurCheck(cfg); herr != nil || ours.exit == 0 {
					t.Errorf("want haproxy to load it (%v) and us to refuse it (exit %d)", herr, ours.exit)
				}
				return
			}
			// haproxy's truncation warning names no line; ours does.
			checkSameAsHAProxy(t, bin, cfg, tc.name)
		})
	}
}

// TestErrorLocCheckVsHAProxy: errorloc lines haproxy -c loads or refuses
// are loaded or refused here, with its alert at the same line.
func TestErrorLocCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	for _, line := range []string{"errorloc 503 http://x.example/e", "errorloc302 403 /e", "errorloc303 503 /e a b",
		"errorloc 999 /e", "errorloc 503", "errorloc303 5x3 /e", "errorloc302"} {
		text := "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
			"frontend f\n    bind 127.0.0.1:18099\n    default_backend b\nbackend b\n    " + line + "\n"
		checkTextSameAsHAProxy(t, bin, text, line)
	}
}

// TestHTTPRuleCheckVsHAProxy: http-request/http-response lines haproxy -c
// loads or refuses are loaded or refused here, with haproxy's words at
// the same line ("error detected in frontend 'f' while parsing ...").
// A redirect's words come in any order, as haproxy reads them.
func TestHTTPRuleCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	for _, sec := range []string{"frontend f\n    bind 127.0.0.1:18099", "backend b", "listen l\n    bind 127.0.0.1:18098"} {
		for _, line := range []string{
			"http-request set-path", "http-request set-path a b", "http-response set-header X",
			"http-request add-header", "http-request del-header", "http-request set-log-level",
			"http-request set-log-level nosuch", "http-request auth realm", "http-request deny deny_status 999",
			"http-request deny deny_status abc", "http-request deny deny_status 503x", "http-request deny status",
			"http-request return status 99", "http-request redirect", "http-request redirect location",
			"http-request redirect foo x", "http-request redirect code 301 location /x",
			"http-request redirect location /x code 308",
			// a word the action does not take where the condition goes
			"http-request allow x", "http-response allow x", "http-request deny foo",
			"http-request deny deny_status 403 foo", "http-response deny foo", "http-request set-header X y z",
			"http-request add-header X y z", "http-response del-header A B", "http-request set-log-level info x",
			"http-request return foo", "http-request return deny_status 403", "http-request auth foo",
			"http-request auth realm x foo", "http-request use-service prometheus-exporter x",
			// a reply's content-type without a body, a body without one
			"http-request deny status 403 content-type text/plain",
			"http-request return status 200 content-type text/plain", "http-request return status 200 string x",
			"http-response deny status 502 string x", "http-request deny string x content-type text/plain",
		} {
			text := "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
				sec + "\n    " + line + "\n"
			checkTextSameAsHAProxy(t, bin, text, strings.Fields(sec)[0]+": "+line)
		}
	}
}

// TestStatsSocketCheckVsHAProxy: stats socket parameters haproxy -c loads
// or refuses are loaded or refused here, in haproxy's words (its quotes
// around a keyword's message included); uid and gid are read with atol.
func TestStatsSocketCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := t.TempDir()
	for i, params := range []string{"user nosuchuser", "group nosuchgrp", "user", "group", "level foo", "level",
		"expose-fd foo", "mode 9z", "mode", "mode 0600x", "uid 12x", "gid abc", "uid", "mode 600 level admin uid 0"} {
		text := "global\n    stats socket " + filepath.Join(dir, "sock"+strconv.Itoa(i)) + " " + params + "\n" +
			"defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
		checkTextSameAsHAProxy(t, bin, text, params)
	}
}

// TestDefaultsRulesCheckVsHAProxy: http-request/http-response rules in a
// defaults section are refused in an anonymous one, inherited from a named
// one, refused to a listen section and to frontends and backends sharing
// one, as haproxy -c does, in its words.
func TestDefaultsRulesCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	const d = "    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
	for _, text := range []string{
		"defaults\n" + d + "    http-request deny if { path /x }\nfrontend f\n    bind 127.0.0.1:18099\n",
		"defaults d\n" + d + "    http-request deny if { path /x }\n    http-response set-header X y\nfrontend f\n    bind 127.0.0.1:18099\n",
		"defaults d\n" + d + "    http-request deny if { path /x }\nfrontend f from d\n    bind 127.0.0.1:18099\nbackend b from d\n",
		"defaults d\n" + d + "    http-request deny if { path /x }\nlisten l\n    bind 127.0.0.1:18099\n",
		"defaults d\n" + d + "    http-response set-header X y\nbackend b\nbackend c\n",
		"defaults d\n" + d + "    http-request set-path\nbackend b\n",
	} {
		checkTextSameAsHAProxy(t, bin, text, text)
	}
}

// TestMissingTimeoutsVsHAProxy: haproxy warns about missing timeouts on a
// backend side only when it has servers, and in tcp mode takes timeout
// tunnel for timeout server; it names a listen section "proxy"; the same
// warnings here, in its order.
func TestMissingTimeoutsVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	for _, text := range []string{
		"defaults\n    mode http\nbackend b\n",
		"defaults\n    mode http\nbackend b\n    server s 127.0.0.1:1\n",
		"defaults\n    mode tcp\n    timeout connect 1s\n    timeout tunnel 1s\nbackend b\n    server s 127.0.0.1:1\n",
		"defaults\n    mode http\n    timeout connect 1s\n    timeout tunnel 1s\nbackend b\n    server s 127.0.0.1:1\n",
		"defaults\n    mode http\n    timeout connect 1s\n    timeout server 1s\nlisten l\n    bind 127.0.0.1:18099\n",
		"defaults\n    mode http\n    timeout client 1s\nlisten l\n    bind 127.0.0.1:18099\n",
		"defaults\n    mode tcp\n    timeout client 1s\nlisten l\n    cookie X insert\n    server s 127.0.0.1:1 cookie a\n",
	} {
		checkTextSameAsHAProxy(t, bin, text, text)
	}
}

// checkTextSameAsHAProxy writes the configuration text to a file and runs
// checkSameAsHAProxy on it.
func checkTextSameAsHAProxy(t *testing.T, bin, text, label string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "t.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	checkSameAsHAProxy(t, bin, cfg, label)
}

// TestRemovedOptionsVsHAProxy: options haproxy 2.6 no longer takes are
// refused in its words ("option 'forceclose' is not supported any more
// since HAProxy 2.0, ..."), "no option" too; forceclose was accepted.
func TestRemovedOptionsVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	for _, line := range []string{"option forceclose", "no option forceclose", "option http-tunnel", "option http_proxy"} {
		checkTextSameAsHAProxy(t, bin, "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n"+
			"    timeout connect 1s\nbackend b\n    "+line+"\n    server s 127.0.0.1:1\n", line)
	}
}

// dhParams are 512-bit PEM DH parameters (openssl dhparam 512), for
// ssl-dh-param-file.
const dhParams = `-----BEGIN DH PARAMETERS-----
MEYCQQDGCDkevVhNoJN8FzVGr4NCmFpmGaWLPYJEcaQbrqeoHxmYxzIb4RIwHlhF
thCJCHm/7tWFi9Cm12UCesNy5mUHAgEC
-----END DH PARAMETERS-----
`

// TestGlobalLinesVsHAProxy: global lines haproxy 2.6 refuses and we
// accepted: "debug" (no longer a keyword) and an ssl-dh-param-file that is
// missing or holds no DH parameters; a good file is accepted by both.
func TestGlobalLinesVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := t.TempDir()
	good := filepath.Join(dir, "dh.pem")
	if err := os.WriteFile(good, []byte(dhParams), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"debug", "ssl-dh-param-file " + filepath.Join(dir, "missing.pem"),
		"ssl-dh-param-file " + filepath.Join(dir, "dh.pem"), "ssl-dh-param-file /etc/hostname"} {
		text := "global\n    " + line + "\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
		checkTextLikeHAProxy(t, bin, text, line)
	}
}

// checkTextLikeHAProxy is checkTextSameAsHAProxy where our warnings may
// be more than haproxy's (a setting we accept and ignore says so).
func checkTextLikeHAProxy(t *testing.T, bin, text, label string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "t.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	checkLikeHAProxy(t, bin, cfg, label, true)
}
