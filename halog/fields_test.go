package halog

import (
	"testing"

	"github.com/haplog/haplog/formats"
)

// walkQuote is halog's search for the request field, field by field.
func walkQuote(b []byte, e int) int {
	for e < len(b) && b[e] != '"' {
		if b[e] == '\\' && formats.At(b, e+1) == '"' {
			break
		}
		e = formats.FieldStart(b, e, 2)
	}
	return min(e, len(b))
}

// TestQuoteField checks quoteField against the field-by-field walk, and
// fields.at against formats.FieldStart, on random lines.
func TestQuoteField(t *testing.T) {
	alphabet := []byte(`  a\"{|`)
	seed := uint32(3)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for range 20000 {
		b := make([]byte, next()%60)
		for i := range b {
			b[i] = alphabet[next()%uint32(len(alphabet))]
		}
		for n := 0; n <= 3; n++ {
			start := formats.FieldStart(b, 0, n+1)
			if got, want := quoteField(b, start), walkQuote(b, start); got != want {
				t.Fatalf("quoteField(%q, %d) = %d, want %d", b, start, got, want)
			}
		}
		for need := range 6 {
			var f fields
			f.reset(b, need, need+int(next()%4))
			for j := -1; j <= 12; j += 1 + int(next()%3) {
				want := len(b)
				if j >= 1 {
					want = formats.FieldStart(b, 0, j)
				}
				if got, ok := f.at(j); got != want || ok != (want < len(b)) {
					t.Fatalf("need %d limit %d: at(%d) on %q = %d %v, want %d", need, f.limit, j, b, got, ok, want)
				}
			}
		}
	}
}
