package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestBinaries is TestPipeline's traffic through the commands as users run
// them: bin/syslogd -f rsyslog.conf -rotate-config logrotate.conf,
// bin/proxy -db -f haproxy.cfg, then bin/halog -srv -H < traffic file. It
// builds the three commands (skipped with -short).
func TestBinaries(t *testing.T) {
	bin := testkit.GoBuild(t, "../cmd/proxy", "../cmd/syslogd", "../cmd/halog")
	dir := t.TempDir()
	ports := startBackends(t)

	// syslogd: listens on a port of its choice, which -v reports.
	conf := strings.ReplaceAll(readTestdata(t, "rsyslog-haproxy.conf"), "/var/log/haproxy", dir)
	rot := strings.ReplaceAll(readTestdata(t, "logrotate-haproxy"), "/var/log/haproxy", dir)
	testkit.WriteFile(t, filepath.Join(dir, "rsyslog.conf"), conf)
	testkit.WriteFile(t, filepath.Join(dir, "logrotate.conf"), rot)
	syslogd := exec.Command(filepath.Join(bin, "syslogd"), "-v", "-f", filepath.Join(dir, "rsyslog.conf"),
		"-rotate-config", filepath.Join(dir, "logrotate.conf"), "-udp", "127.0.0.1:0", "-tcp", "")
	var stderr testfs.LockedBuffer
	syslogd.Stderr = &stderr
	start(t, syslogd)
	var logPort string
	portRe := regexp.MustCompile(`udp="?\[127\.0\.0\.1:(\d+)\]`)
	testkit.Eventually(t, "UDP port in syslogd -v output", func() bool {
		if m := portRe.FindStringSubmatch(stderr.String()); m != nil {
			logPort = m[1]
		}
		return logPort != ""
	})

	// proxy: its listeners need known ports; take free ones below the
	// ephemeral range, so that no port-0 listener elsewhere can get them.
	cfg := readTestdata(t, "haproxy.cfg")
	for _, fe := range []string{"WEB", "ECHO"} {
		ports["FE_"+fe] = testkit.FreePort(t)
	}
	cfg = strings.Replace(cfg, "bind 127.0.0.1:0", "bind 127.0.0.1:@FE_WEB@", 1)
	cfg = strings.Replace(cfg, "bind 127.0.0.1:0", "bind 127.0.0.1:@FE_ECHO@", 1)
	cfg = strings.ReplaceAll(cfg, "@LOG@", logPort)
	for name, port := range ports {
		cfg = strings.ReplaceAll(cfg, "@"+name+"@", strconv.Itoa(port))
	}
	testkit.WriteFile(t, filepath.Join(dir, "haproxy.cfg"), cfg)
	proxy := exec.Command(filepath.Join(bin, "proxy"), "-db", "-f", filepath.Join(dir, "haproxy.cfg"))
	start(t, proxy)
	web := "127.0.0.1:" + strconv.Itoa(ports["FE_WEB"])
	echo := "127.0.0.1:" + strconv.Itoa(ports["FE_ECHO"])

	// Wait for web3 DOWN, then send the traffic.
	traffic := filepath.Join(dir, trafficFile)
	testkit.Eventually(t, "web3 DOWN in "+adminFile, func() bool {
		for _, ln := range readLines(t, filepath.Join(dir, adminFile), true) {
			if downRe.MatchString(payload(ln)) {
				return true
			}
		}
		return false
	})
	for _, a := range []string{web, echo} {
		testkit.WaitDial(t, "tcp", a)
	}
	reqs := plan(40)
	sendHTTP(t, web, reqs, 2, true)
	sendTCP(t, echo, echoMsg)
	// syslogd writes within its flush interval (100 ms).
	testkit.Eventually(t, "traffic lines in "+trafficFile, func() bool {
		return countTraffic(readLines(t, traffic, true)) >= len(reqs)+1
	})
	stop(t, proxy)
	stop(t, syslogd)

	lines := readLines(t, traffic, false)
	admin := checkTraffic(t, trafficFile, lines, reqs, len(echoMsg))
	cmd := exec.Command(filepath.Join(bin, "halog"), "-srv", "-H")
	f, err := os.Open(traffic)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdin = f
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("halog: %v\n%s", err, errOut.String())
	}
	want := strconv.Itoa(len(lines)) + " lines in, " + strconv.Itoa(len(expectedSrv(reqs))) + " lines out, " + strconv.Itoa(admin) + " parsing errors\n"
	if errOut.String() != want {
		t.Errorf("halog stderr %q, want %q", errOut.String(), want)
	}
	checkSrv(t, out.String(), reqs)
}

// start starts cmd and makes sure it is killed at the end of the test.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
}

// stop sends SIGTERM and waits for the exit: a clean stop for syslogd; the
// proxy, as haproxy 2.6 outside master-worker mode, dies of the signal.
func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM &&
			filepath.Base(cmd.Path) == "proxy" {
			err = nil
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(cmd.Path), err)
		}
	case <-time.After(waitFor):
		_ = cmd.Process.Kill()
		t.Errorf("%s did not stop after SIGTERM", filepath.Base(cmd.Path))
		<-done
	}
}
