package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// stopRun is what one program did when stopped by a signal.
type stopRun struct {
	stderr string   // pids masked
	syslog []string // payloads of the datagrams, in order
	end    string   // "exit N" or "signal S"
}

// stopOnce runs bin -db on a configuration of three proxies with a
// frontend and two backends (declared interleaved), sends sig once every
// frontend listens, and records stderr, the syslog datagrams and how the
// process ended.
func stopOnce(t *testing.T, bin string, sig syscall.Signal) stopRun {
	t.Helper()
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var ports [3]int
	for i := range ports {
		if ports[i], err = testbackend.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	text := fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 1s
backend be1
    server s1 127.0.0.1:9
frontend fe1
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    default_backend be1
listen li1
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    server s2 127.0.0.1:9
backend be2
    server s1 127.0.0.1:9
frontend fe2
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    default_backend be2
`, sink.LocalAddr(), ports[0], ports[1], ports[2])
	cfg := filepath.Join(t.TempDir(), "stop.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.Env = append(os.Environ(), "HAPLOG_PROXY_MAIN=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// One complete request per frontend once it listens: every process
	// has then accepted, counted and logged it before the signal.
	for _, port := range ports {
		testkit.Eventually(t, "listening", func() bool {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return false
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			resp, _ := io.ReadAll(c)
			if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200")) {
				t.Fatalf("ready probe answered %q", resp)
			}
			return true
		})
	}
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not end after %v", filepath.Base(bin), sig)
	}
	var r stopRun
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.end = "signal " + ws.Signal().String()
	} else {
		r.end = fmt.Sprintf("exit %d", ws.ExitStatus())
	}
	r.stderr = regexp.MustCompile(`\(\d+\)`).ReplaceAllString(errb.String(), "(PID)")
	// The process has ended: whatever it sent is in the socket's buffer.
	buf := make([]byte, 65536)
	for {
		sink.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := sink.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d := string(buf[:n])
		if i := strings.Index(d, "]: "); i >= 0 {
			d = d[:min(5, i)] + d[i+3:] // keep <PRI>, drop date, tag, pid
		}
		d = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(d, "ADDR")
		r.syslog = append(r.syslog, strings.TrimSuffix(d, "\n"))
	}
	return r
}

// TestStopNoticesVsHAProxy: on SIGUSR1 (soft stop) haproxy 2.6.12 logs
// "Proxy X stopped" on stderr and syslog, the proxies with a frontend
// first, then the backends; on SIGTERM and SIGINT it logs nothing and
// dies of the signal. The proxy must do the same.
func TestStopNoticesVsHAProxy(t *testing.T) {
	hap := testbin.Need(t, "haproxy")
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			want, got := stopOnce(t, hap, sig), stopOnce(t, self, sig)
			t.Logf("haproxy: %s\n%s%q", want.end, want.stderr, want.syslog)
			if got.stderr != want.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", got.stderr, want.stderr)
			}
			if strings.Join(got.syslog, "\n") != strings.Join(want.syslog, "\n") {
				t.Errorf("syslog:\n got %q\nwant %q", got.syslog, want.syslog)
			}
			if got.end != want.end {
				t.Errorf("end: got %s, want %s", got.end, want.end)
			}
			if sig == syscall.SIGUSR1 && !strings.Contains(want.stderr, "Proxy fe1 stopped") {
				t.Errorf("haproxy printed no stop notice: %q", want.stderr)
			}
		})
	}
}
