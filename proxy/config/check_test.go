package config

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// checkResult is the outcome of a "-c" run, ours or HAProxy's.
type checkResult struct {
	exit   int
	stdout []string
	diags  []diagLine
}

// diagLine is one stderr message: level, location ("" if none), and its
// first line of text (location prefix removed).
type diagLine struct {
	level, loc, text string
}

var (
	diagRe = regexp.MustCompile(`^\[(NOTICE|WARNING|ALERT)\]\s+\(\d+\) : config : (.*)$`)
	locRe  = regexp.MustCompile(`^(?:[Pp]arsing )?\[([^\]]+:\d+)\]\s?: (?:parsing \[[^\]]+\] : )?(.*)$`)
)

func parseDiags(stderr string) []diagLine {
	var out []diagLine
	for _, l := range strings.Split(stderr, "\n") {
		m := diagRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		d := diagLine{level: m[1], text: m[2]}
		if lm := locRe.FindStringSubmatch(m[2]); lm != nil {
			d.loc, d.text = lm[1], lm[2]
		}
		if strings.Contains(d.text, "version is") || strings.Contains(d.text, "path to executable") {
			continue
		}
		out = append(out, d)
	}
	return out
}

// readGolden loads a golden written by testdata/check/regen.sh.
func readGolden(t *testing.T, path string) checkResult {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r checkResult
	lines := strings.Split(string(b), "\n")
	if !strings.HasPrefix(lines[0], "exit: ") {
		t.Fatalf("%s: first line %q is not 'exit: N'", path, lines[0])
	}
	r.exit, err = strconv.Atoi(strings.TrimPrefix(lines[0], "exit: "))
	if err != nil {
		t.Fatal(err)
	}
	var stderr []string
	for _, l := range lines[1:] {
		if s, ok := strings.CutPrefix(l, "stdout: "); ok {
			r.stdout = append(r.stdout, s)
		} else {
			stderr = append(stderr, l)
		}
	}
	r.diags = parseDiags(strings.Join(stderr, "\n"))
	return r
}

func runOurCheck(files ...string) checkResult {
	var out, errb bytes.Buffer
	o := CheckOptions{Options: Options{Env: func(string) (string, bool) { return "", false }}}
	code := o.Check(&out, &errb, files)
	r := checkResult{exit: code, diags: parseDiags(errb.String())}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" {
			r.stdout = append(r.stdout, l)
		}
	}
	return r
}

// ignoredSummary are HAProxy's closing lines whose presence depends on
// where it aborted parsing.
func ignoredSummary(text string) bool {
	return strings.HasPrefix(text, "Error(s) found in configuration file") ||
		strings.HasPrefix(text, "Fatal errors found")
}

// compareCheck checks that ours matches HAProxy's result: same exit status
// and stdout; every HAProxy alert/warning with a location is reported by
// us at the same location and level; every HAProxy message without a
// location is reported by us with the same text. HAProxy stops parsing
// after some errors, so we may report more.
func compareCheck(t *testing.T, want, got checkResult) {
	t.Helper()
	if got.exit != want.exit {
		t.Errorf("exit status %d, HAProxy %d", got.exit, want.exit)
	}
	if strings.Join(got.stdout, "\n") != strings.Join(want.stdout, "\n") {
		t.Errorf("stdout %q, HAProxy %q", got.stdout, want.stdout)
	}
	have := map[string]bool{}
	for _, d := range got.diags {
		have[d.level+" "+d.loc] = true
		have[d.level+" text "+d.text] = true
	}
	for _, d := range want.diags {
		switch {
		case ignoredSummary(d.text):
		case d.loc != "" && !have[d.level+" "+d.loc]:
			t.Errorf("missing %s at %s (HAProxy: %q)", d.level, d.loc, d.text)
		case d.loc == "" && !have[d.level+" text "+d.text]:
			t.Errorf("missing %s %q", d.level, d.text)
		}
	}
	if t.Failed() {
		var b strings.Builder
		for _, d := range got.diags {
			fmt.Fprintf(&b, "  %s [%s] %s\n", d.level, d.loc, d.text)
		}
		t.Logf("ours:\n%s", b.String())
	}
}

// TestCheckGolden compares Check with HAProxy's recorded verdicts on valid
// and broken configurations (goldens from testdata/check/regen.sh).
func TestCheckGolden(t *testing.T) {
	cfgs, _ := filepath.Glob("testdata/check/*.cfg")
	if len(cfgs) == 0 {
		t.Fatal("no testdata/check/*.cfg")
	}
	for _, cfg := range cfgs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			want := readGolden(t, strings.TrimSuffix(cfg, ".cfg")+".golden")
			compareCheck(t, want, runOurCheck(cfg))
		})
	}
}

// TestCheckVsHAProxy runs the real haproxy -c side by side on every
// configuration of testdata (skipped when haproxy is not installed).
func TestCheckVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	var cfgs []string
	for _, g := range []string{"testdata/check/*.cfg", "testdata/conformance/*.cfg", "testdata/seed/*.cfg", "testdata/debian/*.cfg"} {
		m, _ := filepath.Glob(g)
		cfgs = append(cfgs, m...)
	}
	for _, cfg := range cfgs {
		t.Run(cfg, func(t *testing.T) {
			cmd := exec.Command(bin, "-c", "-f", cfg)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			want := checkResult{diags: parseDiags(errb.String())}
			if ee, ok := err.(*exec.ExitError); ok {
				want.exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if l != "" {
					want.stdout = append(want.stdout, l)
				}
			}
			compareCheck(t, want, runOurCheck(cfg))
		})
	}
}

func TestCheckOutputLayout(t *testing.T) {
	var out, errb bytes.Buffer
	code := CheckOptions{PID: 42}.Check(&out, &errb, []string{"testdata/check/missing-timeouts.cfg"})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	wantOut := "Warnings were found.\nConfiguration file is valid\n"
	if out.String() != wantOut {
		t.Errorf("stdout %q, want %q", out.String(), wantOut)
	}
	// Layout copied from a real haproxy 2.6 run (see missing-timeouts.golden).
	wantErr := "[WARNING]  (42) : config : missing timeouts for frontend 'f'.\n" +
		"   | While not properly invalid, you will certainly encounter various problems\n" +
		"   | with such a configuration. To fix this, please ensure that all following\n" +
		"   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.\n"
	if errb.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errb.String(), wantErr)
	}
}

func TestCheckQuietAndMissingFile(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Check(&out, &errb, []string{"testdata/check/references.cfg"}, true); code != 1 {
		t.Errorf("quiet broken config: exit %d, want 1", code)
	}
	if out.Len()+errb.Len() != 0 {
		t.Errorf("quiet mode wrote %q / %q", out.String(), errb.String())
	}
	missing := filepath.Join(t.TempDir(), "nope.cfg")
	code := CheckOptions{PID: 7}.Check(&out, &errb, []string{missing})
	if code != 1 || out.Len() != 0 {
		t.Errorf("missing file: exit %d stdout %q", code, out.String())
	}
	want := "[ALERT]    (7) : config : Cannot open configuration file/directory " + missing + " : No such file or directory\n"
	if !strings.HasPrefix(errb.String(), want) {
		t.Errorf("stderr %q, want prefix %q", errb.String(), want)
	}
}

func TestCheckZeroWarning(t *testing.T) {
	var out, errb bytes.Buffer
	o := CheckOptions{Options: Options{ZeroWarning: true}}
	if code := o.Check(&out, &errb, []string{"testdata/check/missing-timeouts.cfg"}); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "Some warnings were found and 'zero-warning' is set. Aborting.") {
		t.Errorf("stderr %q", errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}

func TestCheckMasterWorkerNoListener(t *testing.T) {
	var out, errb bytes.Buffer
	o := CheckOptions{MasterWorker: true}
	if code := o.Check(&out, &errb, []string{"testdata/check/no-listener.cfg"}); code != 0 {
		t.Errorf("-W without listener: exit %d, want 0 (as haproxy -c -W)", code)
	}
}
