package formats

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestIndexFrom compares indexFrom with bytes.IndexByte on random lines
// of every length up to 200 bytes (all byte values, the searched byte
// placed at random, several times or not at all) from every start.
func TestIndexFrom(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	b := make([]byte, 200)
	for it := 0; it < 3000; it++ {
		n := rng.Intn(len(b) + 1)
		line := b[:n]
		c := byte(rng.Intn(256))
		for i := range line {
			line[i] = byte(rng.Intn(256))
			if line[i] == c {
				line[i]++
			}
		}
		for k := rng.Intn(3); k > 0 && n > 0; k-- {
			line[rng.Intn(n)] = c
		}
		for pos := 0; pos <= n; pos++ {
			want := n
			if i := bytes.IndexByte(line[pos:], c); i >= 0 {
				want = pos + i
			}
			if got := indexFrom(line, pos, c); got != want {
				t.Fatalf("indexFrom(%q, %d, %q) = %d, want %d", line, pos, c, got, want)
			}
		}
	}
}
