package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
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
	hap := testkit.HAProxy(t)
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
			port := testkit.FreePort(t)
			cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "h.cfg"), fmt.Sprintf(`global
    log /dev/log local0
    chroot %s
    user nobody
    group nogroup
`, root)+testkit.HTTPLogDefaults+fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
`, port))
			cmd := command(context.Background(), hap, "-db", "-f", cfg)
			if who == "proxy" {
				cmd = command(context.Background(), os.Args[0], "-db", "-f", cfg)
			}
			p := testkit.Start(t, cmd)
			c := dial(t, p, fmt.Sprintf("127.0.0.1:%d", port))
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
				t.Fatalf("%s: no log line on the chroot's /dev/log: %v\n%s", who, err, p.Stderr())
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
	hap := testkit.HAProxy(t)
	setpriv := testkit.Need(t, "setpriv")
	port := testkit.FreePort(t)
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "p.cfg"), fmt.Sprintf("global\n    user haproxy\n    group haproxy\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:%d\n    http-request return status 200\n", port))
	os.Chmod(filepath.Dir(cfg), 0o755)
	os.Chmod(filepath.Dir(filepath.Dir(cfg)), 0o755) // t.TempDir's parent is 0700
	self := selfPath(t)
	prog := regexp.MustCompile(`\[[^\]]*\.main\(\)\]`) // haproxy prints argv[0] as given
	for _, groups := range []string{"--clear-groups", "--init-groups"} {
		run := func(bin string) (int, string) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rc, out := runCombined(t, command(ctx, setpriv, "--reuid=nobody", "--regid=nogroup", groups, bin, "-db", "-f", cfg))
			if ctx.Err() != nil {
				rc = -1
			}
			var keep []string
			for _, ln := range strings.Split(out, "\n") {
				if strings.HasPrefix(ln, "[ALERT]") || strings.HasPrefix(ln, "[WARNING]") {
					if i := strings.Index(ln, ") : "); i >= 0 {
						ln = ln[:strings.Index(ln, "(")] + ln[i+4:]
					}
					keep = append(keep, prog.ReplaceAllString(ln, "[P.main()]"))
				}
			}
			return rc, strings.Join(keep, "\n")
		}
		wantRC, want := run(hap)
		gotRC, got := run(self)
		if gotRC != wantRC || got != want {
			t.Errorf("%s: exit %d\n%s\nhaproxy: exit %d\n%s", groups, gotRC, got, wantRC, want)
		}
	}
}
