package rotate

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// lrErrLine finds the first "error: FILE:LINE" of logrotate's output.
var lrErrLine = regexp.MustCompile(`error: [^\s:]*c\.conf:(\d+) `)

// TestConfigVerdictsMatchLogrotate runs each configuration through the
// installed `logrotate -d` (state file in a temp dir) and through
// LoadConfig: both accept it or both reject it, and our error names the
// file and the line logrotate names. logrotate "rejects" when it prints an
// error (for an unknown directive it prints one and goes on: exit status 0).
func TestConfigVerdictsMatchLogrotate(t *testing.T) {
	bin := testkit.Logrotate(t)
	base := t.TempDir()
	log := filepath.Join(base, "x.log")
	testkit.WriteFile(t, log, "")
	block := func(lines ...string) string {
		return log + " {\n daily\n rotate 2\n " + strings.Join(lines, "\n ") + "\n}\n"
	}
	missing := filepath.Join(base, "no-such-dir")
	for _, tc := range []struct {
		name, conf string
		reject     bool
		// lrLine: the line logrotate names when it is not ours (olddir is
		// checked at the end of the block); 0: the same line as ours.
		lrLine int
	}{
		{"create-unknown-group", block("create 0644 nobody nosuchgroup"), true, 0},
		{"create-unknown-user", block("create 0644 nosuchuser root"), true, 0},
		{"create-unknown-numeric-user", block("create 0644 99999 root"), true, 0},
		{"create-user-only-unknown", block("create nosuchuser"), true, 0},
		{"create-bad-mode", block("create 0999 root root"), true, 0},
		{"create-extra", block("create 0644 root root extra"), true, 0},
		{"create-ok", block("create 0640 root adm"), false, 0},
		{"create-numeric-ok", block("create 0640 0 0"), false, 0},
		{"create-nobody-nogroup", block("create 0644 nobody nogroup"), false, 0},
		{"create-bare", block("create"), false, 0},
		{"global-unknown-group", "create 0644 nobody nosuchgroup\n" + block(), true, 0},
		{"unknown-directive", block("bogus"), true, 0},
		{"flag-with-argument", block("compress yes"), true, 0},
		{"olddir-missing", block("olddir " + missing), true, 5},
		{"rotate-not-a-number", block("rotate x"), true, 0},
		{"rotate-below-minus-one", block("rotate -2"), true, 0},
		{"rotate-missing-arg", block("rotate"), true, 0},
		{"size-bad-unit", block("size 10Q"), true, 0},
		{"size-not-a-number", block("size abc"), true, 0},
		{"size-ok", block("size 10k"), false, 0},
		{"maxsize-bad", block("maxsize 1Q"), true, 0},
		{"minsize-bad", block("minsize x"), true, 0},
		{"maxage-bad", block("maxage x"), true, 0},
		{"maxage-negative", block("maxage -1"), true, 0},
		{"minage-bad", block("minage x"), true, 0},
		{"shredcycles-bad", block("shredcycles x"), true, 0},
		{"start-bad", block("start x"), true, 0},
		{"weekly-bad", block("weekly x"), true, 0},
		{"weekly-ok", block("weekly 0"), false, 0},
		{"monthly-arg", block("monthly 3"), true, 0},
		{"su-unknown-group", block("su root nosuchgroup"), true, 0},
		{"su-unknown-user", block("su nosuchuser root"), true, 0},
		{"su-no-group", block("su root"), true, 0},
		{"su-ok", block("su root adm"), false, 0},
		{"createolddir-unknown-user", block("createolddir 0755 nosuchuser root"), true, 0},
		{"createolddir-bare", block("createolddir"), false, 0},
		{"mail-no-address", block("mail"), true, 0},
		{"compressoptions-empty", block("compressoptions"), true, 0},
		{"compressext-empty", block("compressext"), true, 0},
		{"compresscmd-empty", block("compresscmd"), true, 0},
		{"dateformat-empty", block("dateformat"), true, 0},
		{"tabooext-in-block", block("tabooext + .foo"), true, 0},
		{"taboopat-in-block", block("taboopat + *.x"), true, 0},
		{"tabooext-global", "tabooext + .foo\n" + block(), false, 0},
		{"include-missing", "include " + missing + "\n" + block(), true, -1},
		{"unexpected-close", block() + "}\n", true, 0},
		{"script-without-endscript", log + " {\n postrotate\n echo\n}\n", true, -1},
		{"debian-haproxy", debianHaproxy(log), false, 0},
		{"hourly-notifempty-missingok", block("hourly", "notifempty", "missingok", "compress", "delaycompress"), false, 0},
		{"copytruncate", block("copytruncate"), false, 0},
		{"dateext", block("dateext", "dateformat -%Y%m%d"), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "c.conf")
			testkit.WriteFile(t, conf, tc.conf)
			out, _ := exec.Command(bin, "-d", "-s", filepath.Join(dir, "state"), conf).CombinedOutput()
			lrReject := strings.Contains(string(out), "error:")
			if lrReject != tc.reject {
				t.Fatalf("logrotate verdict %v, table says %v (the table is wrong):\n%s", lrReject, tc.reject, out)
			}
			_, err := LoadConfig(conf)
			if (err != nil) != lrReject {
				t.Fatalf("logrotate rejects=%v, LoadConfig: %v\nlogrotate:\n%s", lrReject, err, out)
			}
			if err == nil {
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != conf || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", conf, ce.Line)) {
				t.Fatalf("error does not name file:line: %v", err)
			}
			if tc.lrLine < 0 {
				return // logrotate names no line
			}
			m := lrErrLine.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no FILE:LINE in logrotate's output:\n%s", out)
			}
			lrLine, _ := strconv.Atoi(string(m[1]))
			want := lrLine
			if tc.lrLine > 0 {
				if lrLine != tc.lrLine {
					t.Fatalf("logrotate names line %d, table says %d", lrLine, tc.lrLine)
				}
				want = tc.lrLine - 1 // the directive's own line
			}
			if ce.Line != want {
				t.Errorf("we name line %d, logrotate %d: %v\nlogrotate:\n%s", ce.Line, lrLine, err, out)
			}
			t.Logf("logrotate: %s\nours:      %v", regexp.MustCompile(`error: .*`).Find(out), err)
		})
	}
}

// TestConfigStricterThanLogrotate lists what logrotate accepts and we
// refuse because we do not implement it (ErrUnsupported): a fatal error
// rather than a silently different behaviour. logrotate's acceptance is
// checked, so the list stays true.
func TestConfigStricterThanLogrotate(t *testing.T) {
	bin := testkit.Logrotate(t)
	base := t.TempDir()
	log := filepath.Join(base, "x.log")
	testkit.WriteFile(t, log, "")
	for _, d := range []string{"olddir " + base, "extension .log", "weekly 7", "start 0", "compresscmd /bin/bzip2", "dateformat -%Y%j"} {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "c.conf")
			testkit.WriteFile(t, conf, log+" {\n daily\n rotate 2\n "+d+"\n}\n")
			out, _ := exec.Command(bin, "-d", "-s", filepath.Join(dir, "state"), conf).CombinedOutput()
			if strings.Contains(string(out), "error:") {
				t.Fatalf("logrotate rejects it too:\n%s", out)
			}
			_, err := LoadConfig(conf)
			var ce *ConfigError
			if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ce) || ce.Line != 4 {
				t.Fatalf("want ErrUnsupported at line 4, got %v", err)
			}
		})
	}
}

// debianHaproxy is Debian's /etc/logrotate.d/haproxy (testdata copy) for log.
func debianHaproxy(log string) string {
	b, err := os.ReadFile("testdata/debian-haproxy.logrotate")
	if err != nil {
		panic(err)
	}
	return strings.ReplaceAll(string(b), "/var/log/haproxy.log", log)
}
