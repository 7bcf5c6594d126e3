package halog

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScanNL checks scanNL (the assembly version where there is one) and
// scanNLGeneric against their contract on random bytes with LF and NUL
// bytes at random places, of every length up to 300 and with room for 1 to
// 70 offsets, from any alignment.
func TestScanNL(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 400)
	dst := make([]int32, 70)
	impls := map[string]func([]byte, []int32) (int, int, bool){"scanNL": scanNL, "scanNLGeneric": scanNLGeneric}
	for iter := range 20000 {
		size := rng.IntN(301)
		off := rng.IntN(64)
		b := buf[off : off+size]
		density := 1 + rng.IntN(100)
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
			switch rng.IntN(density + 1) {
			case 0:
				b[i] = '\n'
			case 1:
				if rng.IntN(8) == 0 {
					b[i] = 0
				}
			}
		}
		var lfs []int32
		for i, c := range b {
			if c == '\n' {
				lfs = append(lfs, int32(i))
			}
		}
		room := 1 + rng.IntN(len(dst))
		for name, f := range impls {
			for i := range dst {
				dst[i] = -7
			}
			n, end, nul := f(b, dst[:room])
			got := dst[:n]
			if n > room || n > len(lfs) || !slices.Equal(got, lfs[:n]) {
				t.Fatalf("%s #%d (len %d, room %d): offsets %v, want a prefix of %v", name, iter, size, room, got, lfs)
			}
			if end%32 != 0 || end > len(b)&^31 || end < 0 {
				t.Fatalf("%s #%d (len %d): end %d", name, iter, size, end)
			}
			if k := bytes.Count(b[:end], []byte{'\n'}); k > n {
				t.Fatalf("%s #%d (len %d): %d LF bytes before end %d, %d stored", name, iter, size, k, end, n)
			}
			if n < room && end != len(b)&^31 {
				t.Fatalf("%s #%d (len %d): stopped at %d with room for more offsets", name, iter, size, end)
			}
			if n < room && n < len(lfs) && lfs[n] < int32(len(b)&^31) {
				t.Fatalf("%s #%d (len %d): LF at %d in a whole block left out", name, iter, size, lfs[n])
			}
			checked := b[:end]
			if n > 0 {
				checked = b[:got[n-1]]
			}
			if !nul && bytes.IndexByte(checked, 0) >= 0 {
				t.Fatalf("%s #%d (len %d): a NUL in %q not reported", name, iter, size, checked)
			}
		}
	}
}
