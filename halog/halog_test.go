package halog

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// allocModes are the output modes whose per-line work must not allocate.
var allocModes = []string{"-c -H", "-H", "-st", "-e -st", "-tc", "-cc", "-srv", "-u", "-uc -query",
	"-ic", "-pct", "-gt", "-ac 1", "-hdr 1:2", "-time 1793491200 -Q -tcn -- -c", "-rt 10 -hs 200:299 -st"}

// TestProcessNoAlloc checks that, once the keys of a corpus are known,
// processing it again allocates nothing, in every mode.
func TestProcessNoAlloc(t *testing.T) {
	data, err := os.ReadFile(logDir + "/synth/synth-s1-20k.log")
	if err != nil {
		t.Fatal(err)
	}
	data = data[:bytes.LastIndexByte(data[:400<<10], '\n')+1]
	for _, m := range allocModes {
		o, err := Parse(strings.Fields(m))
		if err != nil {
			t.Fatal(err)
		}
		checkNoAlloc(t, m, newConfig(o, nil), data)
	}
}

// checkNoAlloc processes data (whole lines) once with c, so that its keys
// are known, then checks that processing it again allocates nothing.
func checkNoAlloc(t *testing.T, what string, c *config, data []byte) {
	t.Helper()
	p := newProc(c)
	r := new(chunkOut)
	run := func() {
		r.reset(0)
		p.processChunk(data, data, r)
	}
	run()
	if n := testing.AllocsPerRun(3, run); n != 0 {
		t.Errorf("%s: %v allocations per chunk, want 0", what, n)
	}
}

// TestCompressedInput checks that gzip and zstd input gives the same
// output as the plain log.
func TestCompressedInput(t *testing.T) {
	plain, err := os.ReadFile(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain[:len(plain)/2])
	zw.Close()
	zw = gzip.NewWriter(&gz) // a second member: multistream
	zw.Write(plain[len(plain)/2:])
	zw.Close()
	enc, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	enc.Write(plain)
	enc.Close()
	for _, args := range [][]string{{"-u"}, {"-c"}, {"-st", "-m", "2"}} {
		run := func(in []byte) (string, string, int) {
			var o, e bytes.Buffer
			code := Main(args, Env{Stdin: bytes.NewReader(in), Stdout: &o, Stderr: &e, Location: time.UTC})
			return o.String(), e.String(), code
		}
		wo, we, wc := run(plain)
		if wo == "" || wc != 0 {
			t.Fatalf("%q: plain run gave no output (exit %d)", args, wc)
		}
		for name, in := range map[string][]byte{"gzip": gz.Bytes(), "zstd": zs.Bytes()} {
			o, e, c := run(in)
			if o != wo || e != we || c != wc {
				t.Errorf("%q %s: output differs from the plain input:\n%s\n%s", args, name, firstDiff([]byte(o), []byte(wo)), e)
			}
		}
	}
}

// TestMaxLineEOF checks halog's end of input on a line of 262144 bytes or
// more, at every position relative to the read blocks.
func TestMaxLineEOF(t *testing.T) {
	good := "Feb  6 12:14:14 localhost haproxy[1]: 10.0.0.1:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/1/2/4 200 10 - - ---- 1/1/1/1/0 0/0 \"GET /p HTTP/1.1\"\n"
	for _, tc := range []struct {
		long       int
		tail       bool // lines after the long one
		wantLines  string
		wantStatus string
	}{
		{MaxLine - 1, true, "5", "200 4\n"},
		{MaxLine, true, "2", "200 2\n"},
		{MaxLine + 1, false, "2", "200 2\n"},
		{3 * MaxLine, true, "2", "200 2\n"},
	} {
		in := strings.Repeat(good, 2) + strings.Repeat("x", tc.long) + "\n"
		if tc.tail {
			in += strings.Repeat(good, 2)
		}
		for _, rs := range []int{0, MaxLine + 1, MaxLine + 100} {
			var o, e bytes.Buffer
			env := Env{Stdin: strings.NewReader(in), Stdout: &o, Stderr: &e}
			mainWithSizes([]string{"-c"}, env, rs, 100)
			if got := strings.TrimSpace(o.String()); got != tc.wantLines {
				t.Errorf("long=%d read=%d: -c = %s, want %s", tc.long, rs, got, tc.wantLines)
			}
			o.Reset()
			e.Reset()
			env.Stdin = strings.NewReader(in)
			mainWithSizes([]string{"-st"}, env, rs, 100)
			if o.String() != tc.wantStatus {
				t.Errorf("long=%d read=%d: -st = %q, want %q", tc.long, rs, o.String(), tc.wantStatus)
			}
		}
	}
}
