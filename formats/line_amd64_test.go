//go:build amd64 && !purego

package formats

import (
	"slices"
	"testing"
)

// TestFieldIndexVariants checks both amd64 field indexers (SSE2, and AVX2
// when the CPU has it) against the portable one, whichever FieldIndex
// dispatches to.
func TestFieldIndexVariants(t *testing.T) {
	if !useAVX2 {
		t.Log("no AVX2 on this CPU: only the SSE2 variant is checked")
	}
	alphabet := []byte("   ab\t\x00\xa0\n")
	seed := uint32(7)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for ln := 16; ln <= 140; ln++ {
		for range 8 {
			b := make([]byte, ln, ln+32)
			for i := range b {
				b[i] = alphabet[next()%uint32(len(alphabet))]
			}
			b = append(b, "                                "...)[:ln] // ignored spaces
			for p := 0; p <= ln; p += 1 + int(next()%5) {
				for _, size := range []int{0, 1, 2, 5, 13, 40, 200} {
					want := make([]int32, size)
					n := fieldIndexGeneric(b, p, want)
					got := make([]int32, size)
					if k := fieldIndex(b, p, got); k != n || !slices.Equal(got[:k], want[:n]) {
						t.Fatalf("fieldIndex(%q, %d, [%d]) = %v, want %v", b, p, size, got[:k], want[:n])
					}
					if useAVX2 && ln >= 32 {
						clear(got)
						if k := fieldIndexAVX2(b, p, got); k != n || !slices.Equal(got[:k], want[:n]) {
							t.Fatalf("fieldIndexAVX2(%q, %d, [%d]) = %v, want %v", b, p, size, got[:k], want[:n])
						}
					}
				}
			}
		}
	}
}
