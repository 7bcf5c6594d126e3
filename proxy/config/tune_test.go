package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// tuneCfg is a minimal configuration with global line g (line 2).
func tuneCfg(g string) string {
	return "global\n    " + g + "\ndefaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n" +
		"    timeout connect 1s\nfrontend f\n    bind 127.0.0.1:18099\n    default_backend b\nbackend b\n    server s 127.0.0.1:1\n"
}

// tuneCases are global lines and the Tune they give (zero: refused).
var tuneCases = []struct {
	line string
	want Tune
}{
	{"tune.bufsize 4096", Tune{4096, 1024, 101}},
	{"tune.bufsize 4000", Tune{4000, 1024, 101}},
	{"tune.bufsize 4001", Tune{4016, 1024, 101}}, // rounded up to 16
	{"tune.bufsize 1000x", Tune{1008, 504, 101}}, // atol; maxrewrite capped at bufsize/2
	{"tune.bufsize 352", Tune{352, 176, 101}},
	{"tune.bufsize 0", Tune{}},
	{"tune.bufsize -5", Tune{}},
	{"tune.bufsize abc", Tune{}},
	{"tune.bufsize", Tune{}},
	{"tune.bufsize 4096 1", Tune{}},
	{"tune.bufsize 2147483647", Tune{}}, // overflows the int once rounded
	{"tune.maxrewrite 0", Tune{16384, 0, 101}},
	{"tune.maxrewrite abc", Tune{16384, 0, 101}},
	{"tune.maxrewrite 100000", Tune{16384, 8192, 101}},
	{"tune.maxrewrite -1", Tune{}},
	{"tune.maxrewrite", Tune{}},
	{"tune.http.maxhdr 10", Tune{16384, 1024, 10}},
	{"tune.http.maxhdr 10x", Tune{16384, 1024, 10}},
	{"tune.http.maxhdr 32767", Tune{16384, 1024, 32767}},
	{"tune.http.maxhdr 5", Tune{16384, 1024, 5}},
	{"tune.http.maxhdr 4", Tune{}}, // the built-in error pages have 4 fields
	{"tune.http.maxhdr 1", Tune{}},
	{"tune.http.maxhdr 0", Tune{}},
	{"tune.http.maxhdr 32768", Tune{}},
	{"tune.http.maxhdr -1", Tune{}},
	{"tune.http.maxhdr abc", Tune{}},
	{"tune.http.maxhdr", Tune{}},
	{"tune.http.maxhdr 10 20", Tune{}},
}

func TestTuneParse(t *testing.T) {
	for _, tc := range tuneCases {
		cfg, err := ParseReader("t.cfg", strings.NewReader(tuneCfg(tc.line)), nil)
		switch {
		case tc.want == Tune{} && err == nil:
			t.Errorf("%q: accepted (%+v)", tc.line, cfg.Global.Tune)
		case tc.want != Tune{} && err != nil:
			t.Errorf("%q: %v", tc.line, err)
		case tc.want != Tune{} && cfg.Global.Tune != tc.want:
			t.Errorf("%q: %+v, want %+v", tc.line, cfg.Global.Tune, tc.want)
		case err != nil && !strings.Contains(err.Error(), "t.cfg:2"):
			t.Errorf("%q: error without file:line: %v", tc.line, err)
		}
	}
	// A bufsize too small for the error pages is reported at its line
	// once the whole configuration is read; a later line may raise it.
	if _, err := ParseReader("t.cfg", strings.NewReader(tuneCfg("tune.bufsize 336")), nil); err == nil || !strings.Contains(err.Error(), "t.cfg:2") {
		t.Errorf("tune.bufsize 336: %v", err)
	}
	if _, err := ParseReader("t.cfg", strings.NewReader(tuneCfg("tune.bufsize 336\n    tune.bufsize 4096")), nil); err != nil {
		t.Errorf("tune.bufsize 336 then 4096: %v", err)
	}
}

// TestTuneVsHAProxy: haproxy -c gives the same verdict and, for a line
// it refuses, the same alert text at the same line.
func TestTuneVsHAProxy(t *testing.T) {
	bin := testbin.Need(t, "haproxy")
	dir := t.TempDir()
	lines := []string{"tune.bufsize 336", "tune.bufsize 100"}
	for _, tc := range tuneCases {
		lines = append(lines, tc.line)
	}
	for _, line := range lines {
		path := filepath.Join(dir, "t.cfg")
		if err := os.WriteFile(path, []byte(tuneCfg(line)), 0o600); err != nil {
			t.Fatal(err)
		}
		// Lines without a location: the summary, or the error pages of
		// a small bufsize.
		checkLikeHAProxy(t, bin, path, line, false)
	}
}

// checkLikeHAProxy runs haproxy -c and our check on path (label names the
// case): the verdicts must agree, and every alert or warning haproxy
// prints at a location must be ours at the same location. With locless,
// haproxy's lines without a location (other than its summary) must be
// ours too, at any location.
func checkLikeHAProxy(t *testing.T, bin, path, label string, locless bool) {
	t.Helper()
	compareWithHAProxy(t, bin, path, label, locless)
}

// checkSameAsHAProxy is checkLikeHAProxy, and every warning or alert of
// ours must be haproxy's too (none more, the summary lines apart).
func checkSameAsHAProxy(t *testing.T, bin, path, label string) {
	t.Helper()
	theirs, ours := compareWithHAProxy(t, bin, path, label, true)
	for _, o := range ours {
		summary := strings.Contains(o.text, "Error(s) found") || strings.Contains(o.text, "Fatal errors") ||
			strings.Contains(o.text, "Warnings were found")
		found := summary
		for _, d := range theirs {
			found = found || o.level == d.level && (o.loc == d.loc || d.loc == "") && o.text == d.text
		}
		if !found {
			t.Errorf("%q: ours %s [%s] %q; haproxy %+v", label, o.level, o.loc, o.text, theirs)
		}
	}
}

// compareWithHAProxy runs both checks, compares as checkLikeHAProxy says
// and returns both sides' diagnostics.
func compareWithHAProxy(t *testing.T, bin, path, label string, locless bool) (theirs, oursDiags []diagLine) {
	t.Helper()
	cmd := exec.Command(bin, "-c", "-f", path)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	herr := cmd.Run()
	ours := runOurCheck(path)
	theirs, oursDiags = parseDiags(errb.String()), ours.diags
	if (herr != nil) != (ours.exit != 0) {
		t.Errorf("%q: haproxy %v %s; ours exit %d %+v", label, herr, errb.String(), ours.exit, ours.diags)
		return theirs, oursDiags
	}
	for _, d := range theirs {
		summary := strings.Contains(d.text, "Error(s) found") || strings.Contains(d.text, "Fatal errors")
		if d.loc == "" && (!locless || summary) {
			continue
		}
		found := false
		for _, o := range ours.diags {
			found = found || o.level == d.level && (o.loc == d.loc || d.loc == "") && o.text == d.text
		}
		if !found {
			t.Errorf("%q: haproxy %s [%s] %q; ours %+v", label, d.level, d.loc, d.text, ours.diags)
		}
	}
	return theirs, oursDiags
}
