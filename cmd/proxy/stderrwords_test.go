package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// stateRun is what one program printed on stderr and sent to syslog while
// a checked server went DOWN (refused), then UP (listening).
type stateRun struct {
	stderr, syslog []string // masked (pid, durations, addresses)
}

var stateMasks = []*regexp.Regexp{
	regexp.MustCompile(`\(\d+\) :`),
	regexp.MustCompile(`\d+ms`),
	regexp.MustCompile(`127\.0\.0\.1:\d+`),
}

func maskState(s string) string {
	for _, m := range stateMasks {
		s = m.ReplaceAllString(s, "<M>")
	}
	return s
}

// playServerStates runs bin -db with one backend whose only server is
// checked every 100ms on a port that refuses, waits for the DOWN and
// "no server available" messages, then listens on the port and waits for
// the UP message.
func playServerStates(t *testing.T, bin string) stateRun {
	t.Helper()
	sink := syslogSink(t)
	fePort := testkit.FreePort(t)
	// The server's port refuses (bound, not listening) until it listens
	// there: no other test can take it meanwhile.
	srvPort, release, err := testkit.HoldUnlistened(0)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "states.cfg"), fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d check inter 100ms fall 1 rise 1
`, sink.LocalAddr(), fePort, srvPort))
	cmd := command(context.Background(), bin, "-db", "-f", cfg)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var r stateRun
	// until reads stderr lines until one matches re.
	until := func(re string) {
		rx := regexp.MustCompile(re)
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("%s: stderr closed before %q; got %q", filepath.Base(bin), re, r.stderr)
				}
				r.stderr = append(r.stderr, maskState(l))
				if rx.MatchString(l) {
					return
				}
			case <-timeout:
				t.Fatalf("%s: no stderr line %q; got %q", filepath.Base(bin), re, r.stderr)
			}
		}
	}
	until(`has no server available`)
	release()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", srvPort))
	if err != nil {
		t.Fatal(err)
	}
	testkit.ServeListener(t, l, func(net.Conn) {})
	until(`is UP`)
	// The syslog copies were sent before the stderr lines that follow them.
	for _, d := range datagrams(t, sink) {
		r.syslog = append(r.syslog, maskState(d))
	}
	return r
}

// TestServerStateStderrVsHAProxy: server state changes are printed on
// stderr as haproxy 2.6.12 prints them (its own word, not the syslog
// level's; "backend 'be'" quoted as an alert) while the syslog lines keep
// their level and text.
func TestServerStateStderrVsHAProxy(t *testing.T) {
	hap := testkit.HAProxy(t)
	self := selfPath(t)
	want, got := playServerStates(t, hap), playServerStates(t, self)
	t.Logf("haproxy stderr:\n%s\nsyslog:\n%s", strings.Join(want.stderr, "\n"), strings.Join(want.syslog, "\n"))
	if strings.Join(got.stderr, "\n") != strings.Join(want.stderr, "\n") {
		t.Errorf("stderr:\n got %q\nwant %q", got.stderr, want.stderr)
	}
	if strings.Join(got.syslog, "\n") != strings.Join(want.syslog, "\n") {
		t.Errorf("syslog:\n got %q\nwant %q", got.syslog, want.syslog)
	}
}
