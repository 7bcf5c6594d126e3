package syslogd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// The live tests (TestLiveRsyslog, TestLiveRsyslogParserOptions,
// TestLiveRsyslogListTemplates) run the installed rsyslogd with these
// helpers: needLiveRsyslogd, checkGoldenHost (before writing goldens),
// writeRsyslogConf, checkRsyslogConf (rsyslogd -N1), startRsyslogd,
// probeRsyslogd and markRsyslogdStarted, then what each test sends and
// waits for.

// rsyslogProbe is the datagram probeRsyslogd sends until rsyslogd writes it;
// its text ("probe") is what the tests drop from the files.
const rsyslogProbe = "<13>h t: probe"

// rsyslogStarted is the datagram markRsyslogdStarted sends.
const rsyslogStarted = "<13>h t: started"

// needLiveRsyslogd returns the rsyslogd to run; it skips t with -short or
// when rsyslogd is absent.
func needLiveRsyslogd(t *testing.T) string {
	t.Helper()
	bin := testbin.Need(t, "rsyslogd")
	if testing.Short() {
		t.Skip("-short")
	}
	return bin
}

// checkGoldenHost fails t unless 127.0.0.1 resolves to "localhost" here:
// the goldens are compared with a server that names it so (testServer's
// default), so goldens written elsewhere would not match.
func checkGoldenHost(t *testing.T) {
	t.Helper()
	if name := dnsLookup(netip.MustParseAddr("127.0.0.1")); name != "localhost" {
		t.Fatalf("127.0.0.1 resolves to %q here, not localhost: the goldens would not match", name)
	}
}

// writeRsyslogConf writes conf to dir/rsyslog.conf and returns its path.
func writeRsyslogConf(t *testing.T, dir, conf string) string {
	t.Helper()
	path := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkRsyslogConf runs rsyslogd -N1 on confPath and returns its output. A
// configuration rsyslogd rejects would make it run with defaults, so the
// test fails when -N1 exits non-zero.
func checkRsyslogConf(t *testing.T, bin, confPath string) []byte {
	t.Helper()
	out, err := exec.Command(bin, "-N1", "-f", confPath).CombinedOutput()
	if err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	return out
}

// startRsyslogd starts bin in the foreground on confPath, with its pid
// file and stderr (rsyslogdStderr) in dir, kills it at cleanup, and
// returns a UDP connection to 127.0.0.1:port, closed at cleanup. It skips
// t when rsyslogd cannot be started.
func startRsyslogd(t *testing.T, bin, confPath, dir string, port int) net.Conn {
	t.Helper()
	stderr, err := os.Create(filepath.Join(dir, "rsyslogd.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stderr.Close() })
	cmd := exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "pid"))
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("rsyslogd: %v", err)
	}
	// Registered after dir's t.TempDir: rsyslogd stops before dir goes.
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return dialUDP(t, fmt.Sprintf("127.0.0.1:%d", port))
}

// rsyslogdStderr returns what the rsyslogd startRsyslogd started in dir
// has written to its stderr so far.
func rsyslogdStderr(dir string) []byte {
	b, _ := os.ReadFile(filepath.Join(dir, "rsyslogd.stderr"))
	return b
}

// probeRsyslogd sends rsyslogProbe on c every 50ms until file holds
// "probe", that is until rsyslogd has started and writes; it skips t when
// that has not happened by deadline. rsyslogd may write a late probe after
// that.
func probeRsyslogd(t *testing.T, c net.Conn, file string, deadline time.Time) {
	t.Helper()
	for !fileHas(file, "probe") {
		if time.Now().After(deadline) {
			t.Skip("rsyslogd did not start")
		}
		_, _ = c.Write([]byte(rsyslogProbe))
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

// markRsyslogdStarted sends rsyslogStarted on c after probeRsyslogd and
// waits until file holds seen (the marker as the file's template writes
// it): past it, rsyslogd writes no more late probes. It fails t when that
// has not happened by deadline.
func markRsyslogdStarted(t *testing.T, c net.Conn, file, seen string, deadline time.Time) {
	t.Helper()
	_, _ = c.Write([]byte(rsyslogStarted))
	if !waitFileHas(file, seen, deadline) {
		t.Fatal("rsyslogd did not write the start marker")
	}
}

// waitFileHas waits until file holds s, and reports whether it did by
// deadline.
func waitFileHas(file, s string, deadline time.Time) bool {
	return testkit.Poll(time.Until(deadline), func() bool { return fileHas(file, s) })
}
