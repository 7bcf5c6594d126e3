package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeExe writes an executable (or, with mode 0o644, a non-executable)
// file name in dir and returns its path.
func fakeExe(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// isolate points PATH and the fallback directories at empty temporary
// directories and returns them, so that only what a test creates exists.
func isolate(t *testing.T) (pathDir, sysDir string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("executable bits and /usr/sbin are Unix notions")
	}
	pathDir, sysDir = t.TempDir(), t.TempDir()
	t.Setenv("PATH", pathDir)
	old := dirs
	dirs = []string{sysDir}
	t.Cleanup(func() { dirs = old })
	return pathDir, sysDir
}

func TestEnvVar(t *testing.T) {
	for name, want := range map[string]string{
		"haproxy":  "HAPLOG_BIN_HAPROXY",
		"rsyslogd": "HAPLOG_BIN_RSYSLOGD",
		"x-y.z+2":  "HAPLOG_BIN_X_Y_Z_2",
		"été":      "HAPLOG_BIN___T__", // each É is 2 bytes in UTF-8
	} {
		if got := EnvVar(name); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestPathSearchOrder(t *testing.T) {
	pathDir, sysDir := isolate(t)
	const name = "testbin-fake"
	extraDir := t.TempDir()
	extra := fakeExe(t, extraDir, "other-name", 0o755)

	if p, ok := Path(name); ok || p != "" {
		t.Fatalf("Path(%q) with nothing installed = %q, %v", name, p, ok)
	}
	if p, ok := Path(name, filepath.Join(extraDir, "missing")); ok {
		t.Fatalf("Path with a missing extra = %q, true", p)
	}
	if p, ok := Path(name, extra); !ok || p != extra {
		t.Fatalf("Path(%q, %q) = %q, %v; want the extra path", name, extra, p, ok)
	}
	// an extra may be another name searched in PATH
	alt := fakeExe(t, pathDir, "testbin-alt", 0o755)
	if p, ok := Path(name, "testbin-alt"); !ok || p != alt {
		t.Fatalf("Path with an alternative name = %q, %v; want %q", p, ok, alt)
	}

	// a non-executable file in the system directory does not count
	sys := fakeExe(t, sysDir, name, 0o644)
	if p, ok := Path(name); ok {
		t.Fatalf("Path found non-executable %q", p)
	}
	if err := os.Chmod(sys, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := Path(name, extra); !ok || p != sys {
		t.Fatalf("Path = %q, %v; want the system directory %q before the extra", p, ok, sys)
	}

	// PATH comes before the system directories
	inPath := fakeExe(t, pathDir, name, 0o755)
	if p, ok := Path(name, extra); !ok || p != inPath {
		t.Fatalf("Path = %q, %v; want PATH's %q", p, ok, inPath)
	}

	// a directory is not a program
	if err := os.Mkdir(filepath.Join(extraDir, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := Path("testbin-none", filepath.Join(extraDir, "dir")); ok {
		t.Fatalf("Path found directory %q", p)
	}
	if p, ok := Path(""); ok {
		t.Fatalf("Path(\"\") = %q, true", p)
	}
}

func TestPathOverride(t *testing.T) {
	pathDir, _ := isolate(t)
	const name = "testbin-fake"
	inPath := fakeExe(t, pathDir, name, 0o755)
	dir := t.TempDir()
	ovr := fakeExe(t, dir, "my-build", 0o755)

	t.Setenv(EnvVar(name), ovr)
	if p, ok := Path(name); !ok || p != ovr {
		t.Fatalf("Path with %s=%s = %q, %v", EnvVar(name), ovr, p, ok)
	}
	// the override may be a name searched in PATH
	t.Setenv(EnvVar(name), name)
	if p, ok := Path(name); !ok || p != inPath {
		t.Fatalf("Path with %s=%s = %q, %v; want %q", EnvVar(name), name, p, ok, inPath)
	}
	// a relative override is made absolute
	t.Chdir(dir)
	t.Setenv(EnvVar(name), "./my-build")
	if p, ok := Path(name); !ok || p != ovr {
		t.Fatalf("Path with a relative override = %q, %v; want %q", p, ok, ovr)
	}
	// a wrong override is not silently replaced by PATH's program
	t.Setenv(EnvVar(name), filepath.Join(dir, "missing"))
	if p, ok := Path(name, ovr); ok {
		t.Fatalf("Path with a wrong override = %q, true", p)
	}
}

func TestPathLegacyHAProxy(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	legacy := fakeExe(t, dir, "haproxy-legacy", 0o755)
	generic := fakeExe(t, dir, "haproxy-generic", 0o755)
	t.Setenv("HAPLOG_BIN_HAPROXY", "")
	t.Setenv("HAPLOG_HAPROXY", legacy)
	if p, ok := Path("haproxy"); !ok || p != legacy {
		t.Fatalf("Path(haproxy) with HAPLOG_HAPROXY = %q, %v; want %q", p, ok, legacy)
	}
	t.Setenv("HAPLOG_BIN_HAPROXY", generic)
	if p, ok := Path("haproxy"); !ok || p != generic {
		t.Fatalf("Path(haproxy) with both variables = %q, %v; want HAPLOG_BIN_HAPROXY's %q", p, ok, generic)
	}
	// the legacy variable belongs to haproxy only
	t.Setenv("HAPLOG_BIN_HAPROXY", "")
	if p, ok := Path("halog"); ok {
		t.Fatalf("Path(halog) found %q with PATH and system directories empty", p)
	}
}

// skipRecorder is a testing.TB whose Skip, Fatalf, Errorf and Logf record
// the message instead of ending the goroutine or reporting.
type skipRecorder struct {
	testing.TB
	skipped, failed, logged string
}

func (r *skipRecorder) Helper() {}

func (r *skipRecorder) Skip(args ...any) { r.skipped = fmt.Sprint(args...) }

func (r *skipRecorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func (r *skipRecorder) Errorf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func (r *skipRecorder) Logf(format string, args ...any) { r.logged = fmt.Sprintf(format, args...) }

func TestNeed(t *testing.T) {
	pathDir, _ := isolate(t)
	t.Setenv("CI", "")
	for _, c := range []struct{ name, want string }{
		{"haproxy", "haproxy not installed: apt-get install haproxy (or set HAPLOG_BIN_HAPROXY to its path)"},
		{"halog", "halog not installed: apt-get install haproxy (or set HAPLOG_BIN_HALOG to its path)"},
		{"rsyslogd", "rsyslogd not installed: apt-get install rsyslog (or set HAPLOG_BIN_RSYSLOGD to its path)"},
		{"testbin-fake", "testbin-fake not installed: apt-get install testbin-fake (or set HAPLOG_BIN_TESTBIN_FAKE to its path)"},
	} {
		t.Setenv(EnvVar(c.name), "")
		t.Setenv("HAPLOG_HAPROXY", "")
		r := &skipRecorder{TB: t}
		if p := Need(r, c.name); p != "" || r.skipped != c.want {
			t.Errorf("Need(%q) = %q, skipped %q; want a skip %q", c.name, p, r.skipped, c.want)
		}
	}

	t.Setenv("HAPLOG_BIN_TESTBIN_FAKE", "/nonexistent/fake")
	r := &skipRecorder{TB: t}
	want := `testbin-fake not found: HAPLOG_BIN_TESTBIN_FAKE="/nonexistent/fake" is not an executable`
	if p := Need(r, "testbin-fake"); p != "" || r.skipped != want {
		t.Errorf("Need with a wrong override = %q, skipped %q; want %q", p, r.skipped, want)
	}

	t.Setenv("HAPLOG_BIN_TESTBIN_FAKE", "")
	exe := fakeExe(t, pathDir, "testbin-fake", 0o755)
	r = &skipRecorder{TB: t}
	if p := Need(r, "testbin-fake"); p != exe || r.skipped != "" {
		t.Errorf("Need with the program in PATH = %q, skipped %q; want %q", p, r.skipped, exe)
	}
}

// TestNeedSkips checks, with the real testing package, that Need ends a
// test with a skip (not a failure) when the program is absent.
func TestNeedSkips(t *testing.T) {
	isolate(t)
	t.Setenv("CI", "")
	var sub *testing.T
	var after bool
	ok := t.Run("absent", func(t *testing.T) {
		sub = t
		Need(t, "testbin-absent")
		after = true
	})
	if !ok || after || !sub.Skipped() {
		t.Fatalf("subtest ok=%v, ran past Need=%v, skipped=%v; want a skip", ok, after, sub.Skipped())
	}
}

// TestNeedFailsInCI: under CI=true a missing program fails the test (Need
// and Want alike) with the same message; a present one is returned.
func TestNeedFailsInCI(t *testing.T) {
	pathDir, _ := isolate(t)
	t.Setenv("HAPLOG_BIN_TESTBIN_FAKE", "")
	for _, ci := range []string{"true", "1", "TRUE", "yes"} {
		t.Setenv("CI", ci)
		if !InCI() {
			t.Errorf("InCI() = false with CI=%q", ci)
		}
		want := "CI=" + ci + ": testbin-fake not installed: apt-get install testbin-fake (or set HAPLOG_BIN_TESTBIN_FAKE to its path)"
		r := &skipRecorder{TB: t}
		if p := Need(r, "testbin-fake"); p != "" || r.failed != want || r.skipped != "" {
			t.Errorf("CI=%s: Need = %q, failed %q, skipped %q; want the failure %q", ci, p, r.failed, r.skipped, want)
		}
		r = &skipRecorder{TB: t}
		if p, ok := Want(r, "testbin-fake"); ok || p != "" || r.failed != want {
			t.Errorf("CI=%s: Want = %q, %v, failed %q; want the failure %q", ci, p, ok, r.failed, want)
		}
	}
	for _, ci := range []string{"", "false", "0"} {
		t.Setenv("CI", ci)
		if InCI() {
			t.Errorf("InCI() = true with CI=%q", ci)
		}
		r := &skipRecorder{TB: t}
		if p, ok := Want(r, "testbin-fake"); ok || p != "" || r.failed != "" || !strings.Contains(r.logged, "left out") {
			t.Errorf("CI=%q: Want = %q, %v, failed %q, logged %q; want a log line", ci, p, ok, r.failed, r.logged)
		}
	}
	t.Setenv("CI", "true")
	exe := fakeExe(t, pathDir, "testbin-fake", 0o755)
	r := &skipRecorder{TB: t}
	if p := Need(r, "testbin-fake"); p != exe || r.failed != "" {
		t.Errorf("CI: Need with the program in PATH = %q, failed %q", p, r.failed)
	}
	if p, ok := Want(r, "testbin-fake"); p != exe || !ok || r.failed != "" {
		t.Errorf("CI: Want with the program in PATH = %q, %v, failed %q", p, ok, r.failed)
	}
}

// TestNeedFailsInCIReal checks, with the real testing package, that Need
// under CI=true ends the test as failed, not skipped. The failing subtest
// runs in a child process so that its failure does not fail this test.
func TestNeedFailsInCIReal(t *testing.T) {
	if os.Getenv("TESTBIN_CHILD") == "1" {
		isolate(t)
		Need(t, "testbin-absent")
		t.Log("ran past Need")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestNeedFailsInCIReal$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTBIN_CHILD=1", "CI=true")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL: TestNeedFailsInCIReal") ||
		strings.Contains(string(out), "ran past Need") || strings.Contains(string(out), "SKIP") {
		t.Fatalf("child under CI=true: err=%v, output:\n%s", err, out)
	}
}
