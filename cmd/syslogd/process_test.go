package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// runMainEnv makes the test binary run the command (TestMain): the
// privilege drop needs a process of its own.
const runMainEnv = "SYSLOGD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// TestLivePrivDrop: with $PrivDropToUser / $PrivDropToGroup (and their
// RainerScript and numeric forms) and $MaxOpenFiles, syslogd ends with the
// same user, group, supplementary groups and open-files limit as rsyslogd
// 8.2302 on the same configuration, once it writes its first line (as the
// new user: the output directory is writable by all). Needs root and
// rsyslogd.
func TestLivePrivDrop(t *testing.T) {
	bin := testbin.Need(t, "rsyslogd")
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, c := range []struct{ head, changed string }{
		{"$PrivDropToUser nobody\n$PrivDropToGroup nogroup", "Uid: 65534"},
		{"$PrivDropToUser nobody", "Uid: 65534"}, // the group stays root's, with nobody's groups
		{"$PrivDropToGroupID 65534", "Gid: 65534"},
		{`global(privDrop.user.id="65534" privDrop.group.name="nogroup")`, "Uid: 65534"},
		{"$MaxOpenFiles 1234", "Max open files 1234 1234"},
	} {
		t.Run(strings.ReplaceAll(c.head, "\n", ";"), func(t *testing.T) {
			want := privDropStatus(t, bin, c.head, nil, "-n")
			got := privDropStatus(t, os.Args[0], c.head, nil)
			if got != want {
				t.Errorf("syslogd:\n%s\nrsyslogd:\n%s", got, want)
			}
			if !strings.Contains(want, c.changed) {
				t.Errorf("rsyslogd's process lacks %q:\n%s", c.changed, want)
			}
		})
	}
}

// TestPrivDropUnnamedUID: a user id with no passwd entry does not keep the
// starting process's supplementary groups (rsyslogd keeps them; started
// from a shell with the adm group, it would keep adm).
func TestPrivDropUnnamedUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := user.LookupId("54321"); err == nil {
		t.Skip("uid 54321 has a name here")
	}
	got := privDropStatus(t, os.Args[0], "$PrivDropToUserID 54321", []uint32{4, 7})
	if !strings.Contains(got, "Uid: 54321") || !strings.Contains(got, "Groups: 0\n") {
		t.Errorf("want uid 54321 with the groups of gid 0 only:\n%s", got)
	}
}

// privDropStatus runs prog (rsyslogd, or this binary as syslogd), started
// with the supplementary groups groups (nil: this process's), with the
// configuration head and a UDP input writing every message to a file,
// waits until a datagram is in the file and returns the Uid, Gid and
// Groups lines of the process's /proc status and its open-files limit.
func privDropStatus(t *testing.T, prog, head string, groups []uint32, args ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "privdrop")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil { // the dropped process writes there
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t, "udp")
	_, port, _ := net.SplitHostPort(addr)
	out := filepath.Join(dir, "out.log")
	conf := filepath.Join(dir, "r.conf")
	testkit.WriteFile(t, conf, fmt.Sprintf("%s\nmodule(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"%s\")\n*.* %s\n", head, port, out))
	cmd := exec.Command(prog, append(args, "-f", conf, "-i", filepath.Join(dir, "pid"))...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	if groups != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Groups: groups}}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !testkit.Poll(testkit.Timeout, func() bool {
		_, _ = c.Write([]byte("<13>h t: written"))
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "written")
	}) {
		t.Fatalf("%s wrote nothing to %s; stderr: %s", prog, out, stderr.String())
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(st), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && slices.Contains([]string{"Uid", "Gid", "Groups"}, k) {
			lines = append(lines, k+": "+strings.Join(strings.Fields(v), " "))
		}
	}
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(limits), "\n") {
		if strings.HasPrefix(l, "Max open files") {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(lines, "\n")
}
