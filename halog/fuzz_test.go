package halog

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

// fuzzModes are argument sets the fuzz targets pick from. They avoid the
// combinations whose 2.6 output is undefined (spec §5).
var fuzzModes = []string{
	"-c", "-c -H", "-H", "-e", "-E -c", "-st", "-tc", "-cc", "-srv", "-u", "-uc", "-ue", "-ua",
	"-ut", "-uao", "-uto", "-uba", "-ubt", "-u -query", "-ic", "-pct", "-gt", "-ac 1", "-ad 10",
	"-hdr 1:1", "-hdr 2:2", "-Q -c", "-QS -c", "-tcn -- -c", "-TCN CD", "-hs 200:299 -st",
	"-HS 500: -u", "-rt 10 -c", "-RT 10 -st", "-time 1793491200: -c", "-time :1795267800 -st",
	"-v -H", "-m 3", "-m 0 -st", "-m 2 -pct", "-s -4 -st", "-s 0 -srv", "-q -srv", "-m 2 -hdr 1:1",
}

func fuzzSeeds(f *testing.F) {
	for _, name := range []string{"edge/edge-fields.log", "edge/edge-urls.log", "edge/edge-timers.log",
		"edge/edge-codes.log", "edge/edge-dates.log", "edge/edge-srv.log"} {
		data, err := os.ReadFile(logDir + "/" + name)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		for i := 0; i < len(lines); i += 4 {
			f.Add(bytes.Join(lines[i:min(i+4, len(lines))], nil), uint8(i))
		}
	}
}

func runArgs(args []string, in []byte, workers, chunk int) (string, string, int) {
	var o, e bytes.Buffer
	env := Env{Stdin: bytes.NewReader(in), Stdout: &o, Stderr: &e, Location: time.UTC, Workers: workers}
	code := mainWithSizes(args, env, MaxLine+1, chunk)
	return o.String(), e.String(), code
}

// FuzzRun feeds arbitrary input to every mode: nothing may panic, and the
// parallel engine with tiny chunks must print exactly what the sequential
// one prints.
func FuzzRun(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		args := strings.Fields(fuzzModes[int(mode)%len(fuzzModes)])
		so, se, sc := runArgs(args, in, 1, 0)
		po, pe, pc := runArgs(args, in, 3, 16)
		if so != po || se != pe || sc != pc {
			t.Fatalf("%q: parallel output differs:\nstdout %s\nstderr %s", args,
				firstDiff([]byte(po), []byte(so)), firstDiff([]byte(pe), []byte(se)))
		}
	})
}

// FuzzDifferential compares the output with the real halog (skipped when
// it is not installed): same stdout, stderr and exit status.
func FuzzDifferential(f *testing.F) {
	ref := testbin.Need(f, "halog")
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		args := strings.Fields(fuzzModes[int(mode)%len(fuzzModes)])
		if i := bytes.IndexByte(in, 0); i >= 0 && bytes.IndexByte(in[i:], '\n') < 0 {
			// halog reads past a NUL on the last line into stale buffer
			// bytes (undefined); keep the fuzzer to defined inputs.
			return
		}
		if bytes.Contains(in, []byte("\x00")) && (strings.Contains(mode2s(args), "-cc") || strings.Contains(mode2s(args), "-time")) {
			return
		}
		cmd := exec.Command(ref, args...)
		cmd.Env = []string{"TZ=UTC", "LC_ALL=C"}
		cmd.Stdin = bytes.NewReader(in)
		var ro, re bytes.Buffer
		cmd.Stdout, cmd.Stderr = &ro, &re
		rc := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatal(err)
			}
			rc = ee.ExitCode()
		}
		o, e, c := runArgs(args, in, 2, 64)
		if o != ro.String() || e != re.String() || c != rc {
			t.Fatalf("%q on %q:\nstdout %s\nstderr %s\nexit %d, want %d", args, in,
				firstDiff([]byte(o), ro.Bytes()), firstDiff([]byte(e), re.Bytes()), c, rc)
		}
	})
}

func mode2s(args []string) string { return strings.Join(args, " ") }
