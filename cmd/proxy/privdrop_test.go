package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

// TestChrootUserVsHAProxy runs haproxy and the proxy, as root, on a
// configuration shaped like Debian's (chroot, user/group, log /dev/log)
// and checks the same outcome for both: the process runs as nobody:nogroup
// inside the chroot, serves requests, and its log lines reach the
// /dev/log socket found inside the chroot (the path is resolved at each
// send, after the chroot).
func TestChrootUserVsHAProxy(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chroot and change user")
	}
	hap := testbin.Need(t, "haproxy")
	for _, who := range []string{"haproxy", "proxy"} {
		t.Run(who, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Chmod(root, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(root, "dev"), 0o755); err != nil {
				t.Fatal(err)
			}
			sock := filepath.Join(root, "dev", "log")
			logc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
			if err != nil {
				t.Fatal(err)
			}
			defer logc.Close()
			os.Chmod(sock, 0o666)
			port := freePort(t)
			cfg := filepath.Join(t.TempDir(), "h.cfg")
			text := fmt.Sprintf(`global
    log /dev/log local0
    chroot %s
    user nobody
    group nogroup
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
`, root, port)
			if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var cmd *exec.Cmd
			if who == "haproxy" {
				cmd = exec.CommandContext(ctx, hap, "-db", "-f", cfg)
			} else {
				cmd = exec.CommandContext(ctx, os.Args[0], "-db", "-f", cfg)
				cmd.Env = append(os.Environ(), "HAPLOG_PROXY_MAIN=1")
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cancel(); cmd.Wait() }()
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			var c net.Conn
			deadline := time.Now().Add(10 * time.Second)
			for {
				c, err = net.Dial("tcp", addr)
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never listened: %v\n%s", who, err, stderr.String())
				}
				time.Sleep(10 * time.Millisecond) // polling a port with a deadline
			}
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			status, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if !strings.HasPrefix(status, "HTTP/1.1 200") {
				t.Errorf("response %q", status)
			}
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			if err != nil {
				t.Fatal(err)
			}
			for _, ln := range strings.Split(string(st), "\n") {
				f := strings.Fields(ln)
				if len(f) == 5 && (f[0] == "Uid:" || f[0] == "Gid:") && (f[1] != "65534" || f[2] != "65534" || f[3] != "65534") {
					t.Errorf("%s: %s, want 65534 everywhere", who, ln)
				}
			}
			if r, err := os.Readlink(fmt.Sprintf("/proc/%d/root", cmd.Process.Pid)); err != nil || r != root {
				t.Errorf("%s: root is %q (%v), want %q", who, r, err, root)
			}
			buf := make([]byte, 4096)
			logc.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := logc.Read(buf)
			if err != nil {
				t.Fatalf("%s: no log line on the chroot's /dev/log: %v\n%s", who, err, stderr.String())
			}
			if line := string(buf[:n]); !strings.Contains(line, "fe fe/<NOSRV> ") || !strings.HasPrefix(line, "<134>") {
				t.Errorf("%s: log line %q", who, line)
			}
		})
	}
}

// TestUserGroupRefusedVsHAProxy: run as nobody (with and without
// supplementary groups), "user haproxy"/"group haproxy" cannot be applied:
// the same warning, alert and exit status as haproxy 2.6.
func TestUserGroupRefusedVsHAProxy(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start the processes as nobody")
	}
	hap := testbin.Need(t, "haproxy")
	setpriv := testbin.Need(t, "setpriv")
	port := freePort(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // t.TempDir's parent is 0700
	cfg := filepath.Join(dir, "p.cfg")
	text := fmt.Sprintf("global\n    user haproxy\n    group haproxy\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:%d\n    http-request return status 200\n", port)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	self := selfPath(t)
	prog := regexp.MustCompile(`\[[^\]]*\.main\(\)\]`) // haproxy prints argv[0] as given
	for _, groups := range []string{"--clear-groups", "--init-groups"} {
		run := func(env []string, bin string) (int, string) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, setpriv, "--reuid=nobody", "--regid=nogroup", groups, bin, "-db", "-f", cfg)
			cmd.Env = append(os.Environ(), env...)
			out, _ := cmd.CombinedOutput()
			rc := cmd.ProcessState.ExitCode()
			if ctx.Err() != nil {
				rc = -1
			}
			var keep []string
			for _, ln := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(ln, "[ALERT]") || strings.HasPrefix(ln, "[WARNING]") {
					if i := strings.Index(ln, ") : "); i >= 0 {
						ln = ln[:strings.Index(ln, "(")] + ln[i+4:]
					}
					keep = append(keep, prog.ReplaceAllString(ln, "[P.main()]"))
				}
			}
			return rc, strings.Join(keep, "\n")
		}
		wantRC, want := run(nil, hap)
		gotRC, got := run([]string{"HAPLOG_PROXY_MAIN=1"}, self)
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d\n%s\nhaproxy: exit %d\n%s", groups, gotRC, got, wantRC, want)
		}
	}
}
