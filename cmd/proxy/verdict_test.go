package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// TestVerdictVsHAProxy: on the conformance corpus, Debian's own
// haproxy.cfg and the check/seed configurations, "proxy -c" (the parser
// and the runtime's own verdict) exits as "haproxy -c" does, and prints
// no warning where haproxy prints none.
func TestVerdictVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := filepath.Join("..", "..", "proxy", "config")
	self := selfPath(t)
	var cfgs []string
	for _, g := range []string{"testdata/conformance/*.cfg", "testdata/debian/*.cfg", "testdata/check/*.cfg", "testdata/seed/*.cfg"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		for _, f := range m {
			rel, _ := filepath.Rel(dir, f)
			cfgs = append(cfgs, rel)
		}
	}
	if len(cfgs) < 7 {
		t.Fatalf("only %d configurations found", len(cfgs))
	}
	run := func(bin string, env []string, cfg string) (int, string) {
		cmd := exec.Command(bin, "-c", "-f", cfg)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		var errb strings.Builder
		cmd.Stderr = &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), errb.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, errb.String()
	}
	for _, cfg := range cfgs {
		wantRC, wantErr := run(bin, nil, cfg)
		gotRC, gotErr := run(self, []string{"HAPLOG_PROXY_MAIN=1"}, cfg)
		if gotRC != wantRC {
			t.Errorf("%s: exit %d, haproxy -c exit %d\nours:\n%s\nhaproxy:\n%s", cfg, gotRC, wantRC, gotErr, wantErr)
		}
		if !strings.Contains(wantErr, "[WARNING]") && strings.Contains(gotErr, "[WARNING]") {
			t.Errorf("%s: warnings where haproxy -c prints none:\n%s", cfg, gotErr)
		}
	}
}

// TestStartErrorsLayout: a configuration that does not parse is reported
// at start exactly as haproxy 2.6 reports it (one "[ALERT] (pid) : config
// : ..." line per problem, then "Fatal errors found in configuration."),
// pids and the version NOTICE lines aside.
func TestStartErrorsLayout(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.cfg")
	if err := os.WriteFile(cfg, []byte("global\n    bogus1\n    bogus2\ndefaults\n    mode http\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	self := selfPath(t)
	pid := regexp.MustCompile(`\(\d+\)`)
	for _, f := range []string{cfg, filepath.Join(dir, "missing.cfg")} {
		run := func(bin string, env []string) (int, string) {
			cmd := exec.Command(bin, "-db", "-f", f)
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			rc := 0
			if ee, ok := err.(*exec.ExitError); ok {
				rc = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var keep []string
			for _, ln := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if !strings.HasPrefix(ln, "[NOTICE]") {
					keep = append(keep, pid.ReplaceAllString(ln, "(N)"))
				}
			}
			return rc, strings.Join(keep, "\n")
		}
		wantRC, want := run(bin, nil)
		gotRC, got := run(self, []string{"HAPLOG_PROXY_MAIN=1"})
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d\n%s\nhaproxy: exit %d\n%s", filepath.Base(f), gotRC, got, wantRC, want)
		}
	}
}
