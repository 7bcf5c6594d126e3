package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// legacyEnv maps a program to the override variable tests used before
// HAPLOG_BIN_<NAME> (still documented, e.g. in fidelity/doc.go).
var legacyEnv = map[string]string{"haproxy": "HAPLOG_HAPROXY"}

// aptPackage maps a program to the Debian package that ships it, when the
// names differ.
var aptPackage = map[string]string{
	"halog":    "haproxy",
	"rsyslogd": "rsyslog",
	"zcat":     "gzip",
}

// dirs are searched after PATH: system directories a user's PATH may lack.
var dirs = []string{"/usr/sbin", "/usr/bin"}

// EnvVar returns the generic override variable of a program:
// HAPLOG_BIN_ followed by name in upper case, with each character other
// than an ASCII letter or digit replaced by '_'.
func EnvVar(name string) string {
	b := []byte("HAPLOG_BIN_" + strings.ToUpper(name))
	for i := len("HAPLOG_BIN_"); i < len(b); i++ {
		if c := b[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// override returns the override variable set for name and its value, or
// "", "" when none is set.
func override(name string) (key, val string) {
	for _, k := range []string{EnvVar(name), legacyEnv[name]} {
		if k == "" {
			continue
		}
		if v := os.Getenv(k); v != "" {
			return k, v
		}
	}
	return "", ""
}

// Path returns the path of the program name and true, or "" and false
// when it is not found. See the package documentation for the search
// order. Each extra is a path, or another name searched in PATH (an
// alternative name of the program); they are tried last. A relative path
// found is made absolute, so that it survives a change of cmd.Dir.
func Path(name string, extra ...string) (string, bool) {
	if _, v := override(name); v != "" {
		return look(v)
	}
	if name == "" {
		return "", false
	}
	if p, ok := look(name); ok {
		return p, true
	}
	if !strings.ContainsRune(name, filepath.Separator) {
		for _, d := range dirs {
			if p, ok := look(filepath.Join(d, name)); ok {
				return p, true
			}
		}
	}
	for _, c := range extra {
		if p, ok := look(c); ok {
			return p, true
		}
	}
	return "", false
}

// look resolves file as exec.LookPath does (a name is searched in PATH, a
// path must be an executable regular file) and makes the result absolute.
func look(file string) (string, bool) {
	p, err := exec.LookPath(file)
	if err != nil {
		return "", false
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p, true
}

// InCI reports whether the tests run in continuous integration: the
// environment variable CI is set to a true value ("true", "1", "yes", as
// CI services and .ci/run set it). There every reference program is
// installed, so a missing one is a failure, not a skip.
func InCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// Need returns the path of the program name (see [Path]). When the
// program is absent it skips the test with a message saying how to
// install it or point to it, or, under CI (see [InCI]), fails the test
// with that message: a differential test must not pass there without its
// reference.
func Need(t testing.TB, name string, extra ...string) string {
	t.Helper()
	if p, ok := Path(name, extra...); ok {
		return p
	}
	msg := Missing(name)
	if InCI() {
		t.Fatalf("CI=%s: %s", os.Getenv("CI"), msg)
		return ""
	}
	t.Skip(msg)
	return ""
}

// Want returns the path of the program name and true, for a test that
// runs a reference comparison only as one part of a larger test. When the
// program is absent it logs why the comparison is left out and returns
// false, or, under CI (see [InCI]), fails the test.
func Want(t testing.TB, name string, extra ...string) (string, bool) {
	t.Helper()
	if p, ok := Path(name, extra...); ok {
		return p, true
	}
	msg := Missing(name)
	if InCI() {
		t.Errorf("CI=%s: %s", os.Getenv("CI"), msg)
		return "", false
	}
	t.Logf("comparison with %s left out: %s", name, msg)
	return "", false
}

// Missing says why name was not found and how to install it or point to
// it.
func Missing(name string) string {
	if k, v := override(name); v != "" {
		return fmt.Sprintf("%s not found: %s=%q is not an executable", name, k, v)
	}
	pkg := aptPackage[name]
	if pkg == "" {
		pkg = name
	}
	return fmt.Sprintf("%s not installed: apt-get install %s (or set %s to its path)", name, pkg, EnvVar(name))
}
