package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

// TestFDLimitVsHAProxy: a maxconn or ulimit-n needing more descriptors
// than the hard limit lets the process have is refused at start with the
// same alert and exit status as haproxy 2.6 (both run under
// prlimit --nofile=1024:1024), and "-c" still says valid, as haproxy -c.
func TestFDLimitVsHAProxy(t *testing.T) {
	hap := testbin.Need(t, "haproxy")
	prlimit := testbin.Need(t, "prlimit")
	port := freePort(t)
	prog := regexp.MustCompile(`\[[^\]]*\.main\(\)\]`)
	pid := regexp.MustCompile(`\(\d+\)`)
	for _, global := range []string{"maxconn 5000", "ulimit-n 3000"} {
		cfg := filepath.Join(t.TempDir(), "u.cfg")
		text := fmt.Sprintf("global\n    %s\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:%d\n", global, port)
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		run := func(env []string, bin string, args ...string) (int, string) {
			// A process that could raise its limit keeps running: the
			// deadline ends it, and both must then have run.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, prlimit, append([]string{"--nofile=1024:1024", bin}, args...)...)
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			rc := 0
			if ctx.Err() != nil {
				rc = -1 // still running at the deadline: it started
			} else if ee, ok := err.(*exec.ExitError); ok {
				rc = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var alerts []string
			for _, ln := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(ln, "[ALERT]") {
					alerts = append(alerts, pid.ReplaceAllString(prog.ReplaceAllString(ln, "[P.main()]"), "(N)"))
				}
			}
			return rc, strings.Join(alerts, "\n")
		}
		wantRC, want := run(nil, hap, "-db", "-f", cfg)
		gotRC, got := run([]string{"HAPLOG_PROXY_MAIN=1"}, os.Args[0], "-db", "-f", cfg)
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d %q, haproxy exit %d %q", global, gotRC, got, wantRC, want)
		}
		wantRC, _ = run(nil, hap, "-c", "-q", "-f", cfg)
		gotRC, _ = run([]string{"HAPLOG_PROXY_MAIN=1"}, os.Args[0], "-c", "-q", "-f", cfg)
		if gotRC != wantRC {
			t.Errorf("%s: -c exit %d, haproxy -c exit %d", global, gotRC, wantRC)
		}
	}
}
