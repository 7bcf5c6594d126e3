package halog

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/haplog/haplog/formats"
)

// hdrSeeds are headers of every kind MessageStart knows, and near misses
// (a PRI above 191, another RFC 5424 version, an RFC 3339 timestamp ending
// in ':', a timestamp alone, a tag after two words, spaces after the tag).
var hdrSeeds = []string{
	"Nov 21 08:00:00 lb1 haproxy[1234]: 10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET",
	"Nov  1 08:00:00 haproxy[1234]: 10.0.0.1 GET",
	"<134>Nov 21 08:00:00 lb1 haproxy[1234]:   10.0.0.1 GET",
	"<134>1 2026-11-21T08:00:00.909000+00:00 lb1 haproxy 1234 - - 10.0.0.3 [21/Nov",
	"<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - [a b=\"c\\]d\"][e] 10.0.0.3 x",
	"<199>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - - 10.0.0.3 x",
	"<134>2 2026-11-21T08:00:00Z lb1 haproxy 1234 - - 10.0.0.3 x",
	"2026-11-21T08:00:00.5+01:00 lb1 haproxy[77]: 10.0.0.1 x",
	"2026-11-21T08:00:00: 10.0.0.1 x: y",
	"2026-11-21T08:0 :00: 10.0.0.1 x: y",
	"Nov 21 08:00:00 10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET",
	"Nov 21 08:00:00 lb1 lb2 haproxy[1]: 10.0.0.1 GET",
	"<13>10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET",
	"10.0.2.13 [21/Nov/2026:08:00:00 +0000] GET",
	"  10.0.2.13 x",
	"Server be/s1 is DOWN",
	"<134>1 a b c d e",
}

// TestHdrCacheMatchesMessageStart feeds one hdrCache with the seeds and
// random mutations of them (bytes replaced by digits, spaces and the
// bytes MessageStart looks for), in random order, and compares every
// result with formats.MessageStart on the line alone.
func TestHdrCacheMatchesMessageStart(t *testing.T) {
	rng := rand.New(rand.NewSource(hdrSeed))
	const alphabet = "0123456789  :<>1-[]\\\"TZNovab"
	var c hdrCache
	var b []byte
	hits := 0
	for it := 0; it < 1000000; it++ {
		b = append(b[:0], hdrSeeds[rng.Intn(len(hdrSeeds))]...)
		for n := rng.Intn(4); n > 0; n-- {
			i := rng.Intn(min(len(b), 48))
			if rng.Intn(2) == 0 && b[i]-'0' <= 9 {
				b[i] = '0' + byte(rng.Intn(10))
			} else {
				b[i] = alphabet[rng.Intn(len(alphabet))]
			}
		}
		if rng.Intn(8) == 0 {
			b = b[:rng.Intn(len(b)+1)]
		}
		hit := false
		for i := 0; i < c.n; i++ {
			hit = hit || c.kind[i].match(b)
		}
		if hit {
			hits++
		}
		if got, want := c.start(b), formats.MessageStart(b); got != want {
			for i := 0; i < c.n; i++ {
				t.Logf("kind %d: m=%d", i, c.kind[i].m)
			}
			t.Fatalf("iteration %d: %q: start %d, MessageStart %d (cache hit %v)", it, b, got, want, hit)
		}
	}
	if hits < 30000 {
		t.Errorf("only %d cache hits in 1000000 lines", hits)
	}
}

// TestHdrCacheMixed checks that headers of three kinds alternating line
// by line are all remembered, and a line of another shape is detected.
func TestHdrCacheMixed(t *testing.T) {
	lines := []string{
		"Nov 21 08:00:00 lb1 haproxy[1234]: a",
		"<134>1 2026-11-21T08:00:00.909000+00:00 lb1 haproxy 1234 - - b",
		"2026-11-21T08:00:00Z lb1 haproxy[1]: c",
		"d e",
	}
	var c hdrCache
	for round := 0; round < 3; round++ {
		for _, l := range lines {
			b := []byte(l)
			if round > 0 && l[0] != 'd' {
				b[strings.Index(l, "08:00:00")+7]++ // another second
			}
			if got, want := c.start(b), formats.MessageStart(b); got != want {
				t.Fatalf("round %d: %q: start %d, want %d", round, b, got, want)
			}
		}
	}
	if c.n != 3 {
		t.Errorf("%d header kinds remembered, want 3", c.n)
	}
	for i, l := range lines[:3] {
		b := []byte(l)
		b[strings.Index(l, "08:00:00")+7] = '9'
		found := false
		for k := 0; k < c.n; k++ {
			found = found || c.kind[k].match(b)
		}
		if !found {
			t.Errorf("line %d (%q): no remembered kind matches", i, b)
		}
	}
	// a space at the message start, or another tag: detected again
	for _, l := range []string{
		"Nov 21 08:00:00 lb1 haproxy[1234]:  a",
		"Nov 21 08:00:00 lb1 haproxy[1235]x a",
		"<134>1 2026-11-21T08:00:00.909000+00:00 lb1 haproxy 1234 - [x] b",
	} {
		if got, want := c.start([]byte(l)), formats.MessageStart([]byte(l)); got != want {
			t.Errorf("%q: start %d, want %d", l, got, want)
		}
	}
	b := []byte(lines[0])
	if n := testing.AllocsPerRun(100, func() { c.start(b) }); n != 0 {
		t.Errorf("start allocates %v times", n)
	}
}

var hdrSeed int64 = 14
