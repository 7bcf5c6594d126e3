package formats

import (
	"math/rand/v2"
	"testing"
)

// TestHeaderCache compares HeaderCache.MessageStart with MessageStart on
// runs of lines that repeat a few headers with other timestamps, mutated
// (a byte replaced by a space, ':', '-', '[', ']', '1' or a letter, a byte
// removed, the line cut): every line must give MessageStart's offset,
// and the cache must have answered most intact lines itself.
func TestHeaderCache(t *testing.T) {
	headers := []string{
		"Nov 21 08:00:00 lb1 haproxy[1234]: ",
		"Nov  1 08:00:00 lb1 haproxy[1234]:   ",
		"Dec 31 23:59:59 haproxy-frontend[123456]: ",
		"Nov 21 08:00:00 lb1 haproxy[1234] x: ",
		"Nov 21 08:00:00 lb1 haproxy no tag here ",
		"<134>1 2026-11-21T08:00:00.017000+00:00 lb1 haproxy 1234 - - ",
		"<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - - ",
		`<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - [x@1 a="b \] c"] `,
		`<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - [x@1 a="b"][y@2] `,
		"<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - -",
		"<134>Nov 21 08:00:00 haproxy[1234]: ",
		"2026-11-21T08:00:00+00:00 lb1 haproxy[1234]: ",
		"<134>",
		"",
	}
	const msg = "10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET \"/\" \"HTTP/1.1\" 200 1 {|} s1 be 0/0/0/0/0 1/1/1/1/0"
	rng := rand.New(rand.NewPCG(5, 24))
	stamp := func(h string) string {
		// another time of the same shape
		b := []byte(h)
		for i, c := range b {
			if c >= '0' && c <= '9' && i < 40 && rng.IntN(3) == 0 {
				b[i] = byte('0' + rng.IntN(10))
			}
		}
		return string(b)
	}
	var c HeaderCache
	hits, intact := 0, 0
	for i := 0; i < 300000; i++ {
		h := headers[rng.IntN(len(headers))]
		if rng.IntN(4) > 0 {
			h = stamp(h)
		}
		l := []byte(h + msg[:rng.IntN(len(msg)+1)])
		mutated := true
		switch rng.IntN(8) {
		case 0:
			if len(l) > 0 {
				l[rng.IntN(len(l))] = " :-[]1a\""[rng.IntN(8)]
			}
		case 1:
			if len(l) > 0 {
				j := rng.IntN(len(l))
				l = append(l[:j], l[j+1:]...)
			}
		case 2:
			l = l[:rng.IntN(len(l)+1)]
		default:
			mutated = false
		}
		want := MessageStart(l)
		before := c
		got := c.MessageStart(l)
		if got != want {
			t.Fatalf("line %d %q: HeaderCache gives %d, MessageStart %d", i, l, got, want)
		}
		if !mutated && len(l) > len(h) {
			intact++
			if before == c {
				hits++ // answered without learning: a hit, or a header not kept
			}
		}
	}
	if hits < intact/2 {
		t.Errorf("%d of %d intact lines answered from the cache: the test compares too little of it", hits, intact)
	}
}

func TestHeaderCacheAllocs(t *testing.T) {
	var c HeaderCache
	l := []byte("<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - - 10.0.0.1 GET")
	if a := testing.AllocsPerRun(100, func() { c.MessageStart(l) }); a != 0 {
		t.Errorf("HeaderCache.MessageStart allocates %v times", a)
	}
}
