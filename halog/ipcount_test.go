package halog

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ipOutcome is what a run over some lines leaves for the -ic report.
type ipOutcome struct {
	stats    map[string]urlStat
	parseErr int
	diag     string
	diags    []diag
}

// runIP handles data (whole lines) with the -ic options args, through
// ipChunk when fast, else through the general per-line path.
func runIP(t *testing.T, args []string, data []byte, fast bool) ipOutcome {
	t.Helper()
	o, err := Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	c := newConfig(o, nil)
	if !c.ipDirect() {
		t.Fatalf("%q does not take the -ic fast path", args)
	}
	p := newProc(c)
	r := &chunkOut{}
	p.r, p.ext = r, data
	if fast {
		r.lines = p.ipChunk(data)
	} else {
		r.lines = p.lines(data, bytes.IndexByte(data, 0) >= 0)
	}
	out := ipOutcome{stats: map[string]urlStat{}, parseErr: r.parseErr, diag: string(r.diag), diags: r.diags}
	for i := range p.agg.urls.len() {
		out.stats[string(p.agg.urls.key(i))] = *p.agg.urls.val(i)
	}
	return out
}

// ipEdgeLines are lines of the shapes ipChunk must hand to processLine, or
// whose numbers it must read as halog does.
var ipEdgeLines = []string{
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:35763 [21/Nov/2026:08:00:00.335] fe be/s 6/0/1/250/266 404 11657 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:1 [21/Nov/2026:08:00:00.335] fe be/s -1/0/1/250/-1 404 -5 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:1 [21/Nov/2026:08:00:00.335] fe be/s -0/0/1/250/-0 404 - - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:1 [21/Nov/2026:08:00:00.335] fe be/s -/0/1/250/- 404 -x - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.2:1 [21/Nov/2026:08:00:00.335] fe be/s 12345678/0/1/250/99999999 404 1234567 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.2:1 [21/Nov/2026:08:00:00.335] fe be/s 1234567/0/1/250/9999999 404 12345678 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.2:1 [21/Nov/2026:08:00:00.335] fe be/s 3000000000/0/1/250/4294967297 404 3000000000 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1//2/3/4 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/x/y/z/4x 200 7x - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/ 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5/6 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s \t1/2/3/4/5 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2\t/3/4/5 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/\t5 200 7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 +7 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [21/Nov/2026:08:00:00.335] fe be/s",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [91/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3:1 [ fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.3 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7 - - rest of the line",
	"Nov 21 08:00:00 lb1 haproxy[1]: :1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: a:b:c   [21/Nov/2026:08:00:00.335]   fe  be/s  1/2/3/4/5  200  7",
	"Nov 21 08:00:00 lb1 haproxy[1]: [::1]:443 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.7:123456789012345     [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.7123456789012345     [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 2001:db8:85a3::8a2e:370:7334:51234 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 11111/22222/33333/44444/55555 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5555555555555 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4//5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/\x015 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/////// 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.8:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3 /4/5 200 7",
	"   Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.4:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.4:1\t[21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7 x",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.5:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7\r",
	"",
	"x",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7 - - \x00 after the fields",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7\x00",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7\x009 - -",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5\x00 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4\x00/5 200 7",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1\x00 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"\x00Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.9:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
	"\x00",
	"Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.6:1 [21/Nov/2026:08:00:00.335] fe be/s 1/2/3/4/5 200 7",
}

// TestIPChunkMatchesGeneral checks that the -ic fast path leaves the same
// statistics, parse errors and diagnostics as the general per-line path
// (checked against halog by the conformance runs) on edge lines (NUL
// bytes among them), on the test logs, on mutated copies of them, on more
// addresses than are looked up one by one, on addresses that evict each
// other from ipCache, on lines of every length (LF at every place of
// scanNL's blocks and batches) and on lines with mixed headers, with -s 1,
// 2, 0 and -4, and with the last line with and without its LF (numbers at
// the very end of a chunk).
func TestIPChunkMatchesGeneral(t *testing.T) {
	var corpus []string
	corpus = append(corpus, ipEdgeLines...)
	for _, dir := range []string{"http", "tcp", "edge", "synth"} {
		files, _ := filepath.Glob(filepath.Join(logDir, dir, "*.log"))
		for _, f := range files {
			if len(corpus) >= 20000 {
				break
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			corpus = append(corpus, strings.Split(string(b), "\n")...)
		}
	}
	if len(corpus) < 1000 {
		t.Fatalf("only %d lines in the corpus", len(corpus))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = " /:-[0123456789\t\r\n.x\x00"
	mutated := make([]string, 0, len(corpus))
	for _, l := range corpus {
		b := []byte(l)
		for range rng.IntN(3) {
			if len(b) == 0 {
				break
			}
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			}
		}
		mutated = append(mutated, string(b))
	}
	// more addresses than keyBatchFrom: looked up in batches
	var many []string
	for i := range 3 * keyBatchFrom {
		a := rng.IntN(2 * keyBatchFrom)
		l := fmt.Sprintf("Nov 21 08:00:00 lb1 haproxy[1]: 10.%d.%d.%d:%d [21/Nov/2026:08:00:00.335] fe be/s %d/0/1/2/%d %d %d - -",
			a>>16, a>>8&255, a&255, i, rng.IntN(20)-1, rng.IntN(5000)-1, 200+rng.IntN(300), rng.IntN(1<<20))
		if i%50 == 0 {
			l = mutated[i%len(mutated)]
		}
		many = append(many, l)
	}
	// lines of every length from 0 to 140, cut from a valid one, each
	// alone, with a NUL at its middle, or with the line after it: every
	// place of the LF in a block of 32 bytes, and batches of LF offsets
	// that run out between two lines and inside a block
	var lengths []string
	whole := ipEdgeLines[0] + strings.Repeat(" x", 40)
	for n := range 141 {
		l := whole[:n]
		lengths = append(lengths, l, l, "")
		if n > 0 {
			lengths = append(lengths, l[:n/2]+"\x00"+l[n/2+1:])
		}
	}
	// a line without LF in many blocks of 32 bytes, then short lines
	lengths = append(lengths, whole+strings.Repeat("y", 1000)+whole, "1", "", "2")
	// ipCache: 3000 addresses of 1 to 20 bytes (keys above 16 bytes bypass
	// it), many sharing their first or last 8 bytes or differing only in
	// length, in random order, so that slots are evicted and reused
	var cached []string
	for i := range 6000 {
		a := rng.IntN(3000)
		addr := fmt.Sprintf("%d.0.0.%d", a%7, a/7)
		if a%5 == 0 {
			addr = fmt.Sprintf("2001:db8::%x:%x", a%7, a/7)
		}
		addr = addr[:min(len(addr), 1+a%20)]
		cached = append(cached, fmt.Sprintf("Nov 21 08:00:00 lb1 haproxy[1]: %s:%d [21/Nov/2026:08:00:00.335] fe be/s %d/0/1/2/%d 200 %d - -",
			addr, i, rng.IntN(20)-1, rng.IntN(5000)-1, rng.IntN(1<<20)))
	}
	// mixed headers: every other line without its syslog header, one in
	// four with an RFC 5424 one
	var mixed []string
	for i, l := range append(append([]string{}, ipEdgeLines...), cached[:500]...) {
		switch _, msg, _ := strings.Cut(l, ": "); i % 4 {
		case 1, 3:
			l = msg
		case 2:
			l = "<134>1 2026-11-21T08:00:00.335000+00:00 lb1 haproxy 1234 - - " + msg
		}
		mixed = append(mixed, l)
	}
	cases := map[string][]string{"edge": ipEdgeLines, "corpus": corpus, "mutated": mutated, "many": many, "lengths": lengths, "cached": cached, "mixed": mixed}
	for name, lines := range cases {
		for _, args := range [][]string{{"-ic"}, {"-ic", "-s", "2"}, {"-ic", "-s", "0"}, {"-ic", "-s", "-4"}, {"-ic", "-q"}, {"-u", "-ic"}} {
			for _, lf := range []string{"", "\n"} {
				data := []byte(strings.Join(lines, "\n") + lf)
				t.Run(fmt.Sprintf("%s/%s/lf=%q", name, strings.Join(args, "_"), lf), func(t *testing.T) {
					got, want := runIP(t, args, data, true), runIP(t, args, data, false)
					if got.parseErr != want.parseErr {
						t.Errorf("parse errors %d, general path %d", got.parseErr, want.parseErr)
					}
					if got.diag != want.diag || fmt.Sprint(got.diags) != fmt.Sprint(want.diags) {
						t.Errorf("diagnostics\n%q %v\ngeneral path\n%q %v", got.diag, got.diags, want.diag, want.diags)
					}
					if len(got.stats) != len(want.stats) {
						t.Errorf("%d addresses, general path %d", len(got.stats), len(want.stats))
					}
					for k, w := range want.stats {
						if g, ok := got.stats[k]; !ok || g != w {
							t.Errorf("%q: %+v (present %v), general path %+v", k, g, ok, w)
						}
					}
				})
			}
		}
	}
}

// TestIPChunkAllocs checks that the -ic fast path allocates nothing per
// line once the addresses are known.
func TestIPChunkAllocs(t *testing.T) {
	data := []byte(strings.Repeat(strings.Join(ipEdgeLines, "\n")+"\n", 50))
	o, err := Parse([]string{"-ic", "-q"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProc(newConfig(o, nil))
	r := &chunkOut{}
	p.r, p.ext = r, data
	p.ipChunk(data) // every address inserted once
	if n := testing.AllocsPerRun(20, func() { p.ipChunk(data) }); n != 0 {
		t.Errorf("%v allocations per chunk of %d lines", n, bytes.Count(data, []byte{'\n'}))
	}
}
