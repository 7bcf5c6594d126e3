package halog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func runMain(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	var o, e bytes.Buffer
	exit = Main(args, Env{Stdin: bytes.NewReader(stdin), Stdout: &o, Stderr: &e, Location: time.UTC})
	return o.String(), e.String(), exit
}

// TestFiles checks that files are read in order whatever their
// compression, that "-" is stdin and that a file without a final LF does
// not merge its last line with the next file's first.
func TestFiles(t *testing.T) {
	plain, err := os.ReadFile(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := runMain(t, plain, "-st")
	wantU, _, _ := runMain(t, plain, "-u")
	// cut in 4 parts, the first without its last LF
	q := len(plain) / 4
	cut1 := bytes.IndexByte(plain[q:], '\n') + q
	cut2 := bytes.IndexByte(plain[2*q:], '\n') + 2*q + 1
	cut3 := bytes.IndexByte(plain[3*q:], '\n') + 3*q + 1
	dir := t.TempDir()
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain[cut1+1 : cut2])
	zw.Close()
	enc, _ := zstd.NewWriter(&zs)
	enc.Write(plain[cut2:cut3])
	enc.Close()
	files := map[string][]byte{"a.log": plain[:cut1], "b.log.gz": gz.Bytes(), "c": zs.Bytes()}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, mode := range []string{"-st", "-u"} {
		out, errOut, exit := runMain(t, plain[cut3:], mode, p("a.log"), p("b.log.gz"), p("c"), "-")
		w := want
		if mode == "-u" {
			w = wantU
		}
		if exit != 0 || out != w {
			t.Errorf("%s: exit %d, stderr %q, stdout differs: %s", mode, exit, errOut, firstDiff([]byte(out), []byte(w)))
		}
	}
	// a single file is the same as stdin
	single, _, _ := runMain(t, nil, "-st", p("c"))
	fromStdin, _, _ := runMain(t, plain[cut2:cut3], "-st")
	if single != fromStdin {
		t.Errorf("single zstd file: %q, stdin: %q", single, fromStdin)
	}
	// a missing file that is not the first is an error naming it
	_, errOut, exit := runMain(t, nil, "-st", p("a.log"), p("nope"))
	if exit != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("missing second file: exit %d, %q", exit, errOut)
	}
	// halog 2.6 ignores a first non-option argument: so do we when it is
	// not a file (stdin is not a terminal here)
	out, _, exit := runMain(t, plain, "-c", "no-such-file-here")
	if n := bytes.Count(plain, []byte{'\n'}); exit != 0 || out != strconv.Itoa(n)+"\n" {
		t.Errorf("compat: exit %d, %q, want %d lines", exit, out, n)
	}
}

// TestHeaderDetection reads the same messages under every syslog header
// (and none) with -log-format httplog: the reports equal halog's on the
// RFC 3164 file.
func TestHeaderDetection(t *testing.T) {
	plain, err := os.ReadFile(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	var mixed []byte
	for i, l := range bytes.SplitAfter(plain, []byte("\n")) {
		msg := l
		if j := bytes.Index(l, []byte("]: ")); j >= 0 {
			msg = l[j+3:]
		}
		switch i % 4 {
		case 0:
			mixed = append(mixed, l...)
		case 1:
			mixed = append(mixed, msg...)
		case 2:
			mixed = append(append(mixed, "<134>1 2026-11-21T13:42:05.009798+00:00 host haproxy 29483 - - "...), msg...)
		case 3:
			mixed = append(append(mixed, "2026-11-21T13:42:05+00:00 host haproxy[29483]: "...), msg...)
		}
	}
	for _, mode := range [][]string{{"-srv"}, {"-u"}, {"-st"}, {"-pct"}, {"-ic"}, {"-tc"}} {
		wantOut, wantErr, _ := runMain(t, plain, mode...)
		out, errOut, exit := runMain(t, mixed, append([]string{"-log-format", "httplog"}, mode...)...)
		if exit != 0 || out != wantOut {
			t.Errorf("%v: exit %d, stdout differs: %s", mode, exit, firstDiff([]byte(out), []byte(wantOut)))
		}
		if stderrShape([]byte(errOut)) != stderrShape([]byte(wantErr)) {
			t.Errorf("%v: stderr %q, want %q", mode, errOut, wantErr)
		}
	}
}

// TestMissingVariable: a report needing a variable the format lacks exits
// 1 naming it.
func TestMissingVariable(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-tc"}, "%tsc"},
		{[]string{"-cc"}, "%tsc"},
		{[]string{"-Q", "-c"}, "%sq"},
		{[]string{"-ac", "1"}, "%tr"},
		{[]string{"-hdr", "2:1"}, "%hs"},
	} {
		_, errOut, exit := runMain(t, nil, append([]string{"-log-format", issueFormat}, tc.args...)...)
		if exit != 1 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, tc.args[0]) {
			t.Errorf("%v: exit %d, %q: want the missing %s named", tc.args, exit, errOut, tc.want)
		}
	}
	o, _ := Parse([]string{"-log-format", "%ci %ST", "-srv"})
	if _, err := resolveFormat(o); !errors.Is(err, ErrMissingVar) {
		t.Errorf("-srv without %%b: %v", err)
	}
}

// TestLogFormatNoAlloc: reading custom-format lines (issue 14's format and
// one with every field) allocates nothing per line once the keys are known.
func TestLogFormatNoAlloc(t *testing.T) {
	recs := genRecords(3000, 5)
	for _, format := range []string{issueFormat, fullFormat} {
		_, customLog := writeLogs(t, recs, format)
		data, err := os.ReadFile(customLog)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range append(allocModes, "-cc", "-Q -c", "-srv -H") {
			if _, c := formatConfig(t, format, m); c != nil {
				checkNoAlloc(t, m+" on "+format, c, data)
			}
		}
	}
}

// formatConfig returns the options and config of mode on lines of format,
// a nil config when the mode needs a variable the format lacks.
func formatConfig(t *testing.T, format, mode string) (*Options, *config) {
	t.Helper()
	o, err := Parse(append([]string{"-log-format", format}, strings.Fields(mode)...))
	if err != nil {
		t.Fatal(err)
	}
	lf, err := resolveFormat(o)
	if err != nil {
		if errors.Is(err, ErrMissingVar) {
			return o, nil
		}
		t.Fatal(err)
	}
	return o, newConfig(o, lf)
}
