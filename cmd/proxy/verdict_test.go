package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
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
