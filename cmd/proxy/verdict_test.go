package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// TestVerdictVsHAProxy: on the conformance corpus, Debian's own
// haproxy.cfg and the check/seed configurations, "proxy -c" (the parser
// and the runtime's own verdict) exits as "haproxy -c" does, and prints
// no warning where haproxy prints none.
func TestVerdictVsHAProxy(t *testing.T) {
	bin := testkit.HAProxy(t)
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
	run := func(bin string, cfg string) (int, string) {
		cmd := command(context.Background(), bin, "-c", "-f", cfg)
		cmd.Dir = dir
		rc, _, errOut := testkit.Run(t, cmd)
		return rc, errOut
	}
	for _, cfg := range cfgs {
		wantRC, wantErr := run(bin, cfg)
		gotRC, gotErr := run(self, cfg)
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
	bin := testkit.HAProxy(t)
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "bad.cfg"), "global\n    bogus1\n    bogus2\ndefaults\n    mode http\n")
	self := selfPath(t)
	pid := regexp.MustCompile(`\(\d+\)`)
	for _, f := range []string{cfg, filepath.Join(filepath.Dir(cfg), "missing.cfg")} {
		run := func(bin string) (int, string) {
			rc, out := runCombined(t, command(context.Background(), bin, "-db", "-f", f))
			var keep []string
			for _, ln := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasPrefix(ln, "[NOTICE]") {
					keep = append(keep, pid.ReplaceAllString(ln, "(N)"))
				}
			}
			return rc, strings.Join(keep, "\n")
		}
		wantRC, want := run(bin)
		gotRC, got := run(self)
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d\n%s\nhaproxy: exit %d\n%s", filepath.Base(f), gotRC, got, wantRC, want)
		}
	}
}
