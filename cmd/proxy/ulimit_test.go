package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestFDLimitVsHAProxy: a maxconn or ulimit-n needing more descriptors
// than the hard limit lets the process have is refused at start with the
// same alert and exit status as haproxy 2.6 (both run under
// prlimit --nofile=1024:1024), and "-c" still says valid, as haproxy -c.
func TestFDLimitVsHAProxy(t *testing.T) {
	hap := testkit.HAProxy(t)
	prlimit := testkit.Need(t, "prlimit")
	port := testkit.FreePort(t)
	prog := regexp.MustCompile(`\[[^\]]*\.main\(\)\]`)
	pid := regexp.MustCompile(`\(\d+\)`)
	for _, global := range []string{"maxconn 5000", "ulimit-n 3000"} {
		cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "u.cfg"), fmt.Sprintf("global\n    %s\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:%d\n", global, port))
		run := func(bin string, args ...string) (int, string) {
			// A process that could raise its limit keeps running: the
			// deadline ends it, and both must then have run.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rc, out := runCombined(t, command(ctx, prlimit, append([]string{"--nofile=1024:1024", bin}, args...)...))
			if ctx.Err() != nil {
				rc = -1 // still running at the deadline: it started
			}
			var alerts []string
			for _, ln := range strings.Split(out, "\n") {
				if strings.HasPrefix(ln, "[ALERT]") {
					alerts = append(alerts, pid.ReplaceAllString(prog.ReplaceAllString(ln, "[P.main()]"), "(N)"))
				}
			}
			return rc, strings.Join(alerts, "\n")
		}
		wantRC, want := run(hap, "-db", "-f", cfg)
		gotRC, got := run(os.Args[0], "-db", "-f", cfg)
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d %q, haproxy exit %d %q", global, gotRC, got, wantRC, want)
		}
		wantRC, _ = run(hap, "-c", "-q", "-f", cfg)
		gotRC, _ = run(os.Args[0], "-c", "-q", "-f", cfg)
		if gotRC != wantRC {
			t.Errorf("%s: -c exit %d, haproxy -c exit %d", global, gotRC, wantRC)
		}
	}
}
