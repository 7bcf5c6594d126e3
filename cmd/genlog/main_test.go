package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var o, e bytes.Buffer
	if rc := run(args, &o, &e); rc != 0 {
		t.Fatalf("genlog %v: exit %d\n%s", args, rc, e.String())
	}
	return o.String(), e.String()
}

func TestRunDeterministicFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	runOK(t, "-lines", "5000", "-seed", "9", "-tcp-ratio", "0.3", "-o", a)
	runOK(t, "-lines", "5000", "-seed", "9", "-tcp-ratio", "0.3", "-o", b)
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(da, db) || bytes.Count(da, []byte("\n")) != 5000 {
		t.Fatalf("two runs differ or wrong line count (%d)", bytes.Count(da, []byte("\n")))
	}
	// stdout gets the same bytes as -o.
	out, _ := runOK(t, "-lines", "5000", "-seed", "9", "-tcp-ratio", "0.3")
	if out != string(da) {
		t.Fatal("stdout and -o differ")
	}
}

func TestRunSizeBoundAndStats(t *testing.T) {
	out, errs := runOK(t, "-mb", "0.5", "-prefix", "none", "-stats")
	if len(out) < 500000 || len(out) > 500000+2048 {
		t.Fatalf("-mb 0.5 wrote %d bytes", len(out))
	}
	if !strings.HasPrefix(errs, "genlog: ") || !strings.Contains(errs, " lines (") || !strings.Contains(errs, "MB/s") {
		t.Fatalf("-stats: %q", errs)
	}
	if strings.HasPrefix(out, "Nov") {
		t.Fatal("-prefix none wrote a syslog prefix")
	}
	out, _ = runOK(t, "-lines", "3", "-start", "2027-02-06T10:00:00+01:00", "-host", "edge7")
	if !strings.HasPrefix(out, "Feb  6 10:00:00 edge7 haproxy[1234]: ") || !strings.Contains(out, "[06/Feb/2027:10:00:00.") {
		t.Fatalf("-start/-host not honoured:\n%s", out)
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-prefix", "iso"},
		{"-start", "yesterday"},
		{"-tcp-ratio", "2"},
		{"-lines", "-1"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var o, e bytes.Buffer
		if rc := run(args, &o, &e); rc != 2 || e.Len() == 0 || o.Len() != 0 {
			t.Errorf("genlog %v: exit %d, stderr %q, stdout %d bytes; want exit 2 with a message", args, rc, e.String(), o.Len())
		}
	}
	var o, e bytes.Buffer
	if rc := run([]string{"-lines", "1", "-o", filepath.Join(t.TempDir(), "no", "such", "dir")}, &o, &e); rc != 1 {
		t.Errorf("unwritable -o: exit %d, want 1", rc)
	}
}
