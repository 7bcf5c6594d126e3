package halog

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// caseDir holds the golden runs of the real halog 2.6 (see
// testdata/halog/README or shared/conformance/README.md): args, input,
// stdout, stderr, exit.
const (
	caseDir = "../testdata/halog"
	logDir  = "../testdata/logs"
)

type golden struct {
	name           string
	args           []string
	input          string
	stdout, stderr []byte
	exit           int
}

func loadCases(t testing.TB) []golden {
	t.Helper()
	dirs, err := os.ReadDir(caseDir)
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}
	var cases []golden
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(caseDir, d.Name())
		read := func(f string) []byte {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("case %s: %v", d.Name(), err)
			}
			return b
		}
		g := golden{name: d.Name(), stdout: read("stdout"), stderr: read("stderr")}
		if a := read("args"); len(a) > 0 {
			g.args = strings.Split(strings.TrimSuffix(string(a), "\n"), "\n")
		}
		in := strings.SplitN(string(read("input")), "\n", 2)[0]
		g.input = filepath.Join(logDir, in)
		g.exit, err = strconv.Atoi(strings.TrimSpace(string(read("exit"))))
		if err != nil {
			t.Fatalf("case %s: exit: %v", d.Name(), err)
		}
		cases = append(cases, g)
	}
	return cases
}

// firstDiff describes how got and want differ (testkit.LineDiff).
func firstDiff(got, want []byte) string { return testkit.LineDiff(got, want) }

// runCase runs one golden case in process with the given parallelism and
// block sizes (0 = defaults). With file set, stdin is the open file (which
// the engine maps), otherwise a bytes.Reader (read in blocks).
func runCase(t *testing.T, g golden, file bool, workers, readSize, chunkSize int) {
	t.Helper()
	var in io.Reader
	if file {
		f, err := os.Open(g.input)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		in = f
	} else {
		b, err := os.ReadFile(g.input)
		if err != nil {
			t.Fatal(err)
		}
		in = bytes.NewReader(b)
	}
	var stdout, stderr bytes.Buffer
	env := Env{Stdin: in, Stdout: &stdout, Stderr: &stderr,
		Location: time.UTC, Workers: workers}
	exit := mainWithSizes(g.args, env, readSize, chunkSize)
	if exit != g.exit {
		t.Errorf("exit = %d, want %d", exit, g.exit)
	}
	if !bytes.Equal(stdout.Bytes(), g.stdout) {
		t.Errorf("stdout differs, %s", firstDiff(stdout.Bytes(), g.stdout))
	}
	if !bytes.Equal(stderr.Bytes(), g.stderr) {
		t.Errorf("stderr differs, %s", firstDiff(stderr.Bytes(), g.stderr))
	}
}

// runCases runs every recorded case in parallel subtests with runCase's
// parameters.
func runCases(t *testing.T, file bool, workers, readSize, chunkSize int) {
	for _, g := range loadCases(t) {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			runCase(t, g, file, workers, readSize, chunkSize)
		})
	}
}

// TestConformance runs every recorded halog case in process.
func TestConformance(t *testing.T) { runCases(t, true, 0, 0, 0) }

// TestConformanceReader runs every case with the input read through
// read(2) in default blocks, as from a pipe.
func TestConformanceReader(t *testing.T) {
	if raceEnabled {
		t.Skip("covered by TestConformanceSmallChunks under the race detector")
	}
	runCases(t, false, 0, 0, 0)
}

// TestConformanceMappedSmallChunks runs every case on the mapped input cut
// into tiny chunks.
func TestConformanceMappedSmallChunks(t *testing.T) {
	if raceEnabled {
		t.Skip("covered by TestConformanceSmallChunks under the race detector")
	}
	runCases(t, true, 3, 0, 1024)
}

// TestConformanceSmallChunks runs every case again with tiny chunks and
// several workers, so that the in-order merge of per-chunk output,
// diagnostics and aggregates is exercised on every input.
func TestConformanceSmallChunks(t *testing.T) { runCases(t, false, 3, MaxLine+1, 2048) }
