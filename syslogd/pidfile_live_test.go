package syslogd

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLiveRsyslogGlobalPidfile: rsyslogd 8.2302 rejects
// global(pidfile=...) (rsyslogd -N1 exits non-zero naming the
// parameter), and so does the configuration parser.
func TestLiveRsyslogGlobalPidfile(t *testing.T) {
	bin := needLiveRsyslogd(t)
	dir := t.TempDir()
	conf := "global(pidfile=\"" + filepath.Join(dir, "x.pid") + "\")\n*.* " + filepath.Join(dir, "x.log") + "\n"
	path := writeRsyslogConf(t, dir, conf)
	out, err := exec.Command(bin, "-N1", "-f", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pidfile") {
		t.Fatalf("rsyslogd -N1 accepted global(pidfile): %v\n%s", err, out)
	}
	if _, err := ParseConfig("g.conf", []byte(conf)); err == nil || !strings.Contains(err.Error(), "g.conf:1:") || !strings.Contains(err.Error(), "pidfile") {
		t.Fatalf("err = %v, want g.conf:1 naming pidfile", err)
	}
}
