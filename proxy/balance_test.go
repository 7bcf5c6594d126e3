package proxy

import (
	"hash/fnv"
	"testing"
)

// TestFNV1a32MatchesHashFNV checks the allocation-free hash of the source
// and uri balancers against the standard library's FNV-1a.
func TestFNV1a32MatchesHashFNV(t *testing.T) {
	for _, in := range []string{"", "/", "/index.html", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\x00\x01"} {
		f := fnv.New32a()
		f.Write([]byte(in))
		if got, want := fnv1a32(fnvOffset32, []byte(in)), f.Sum32(); got != want {
			t.Errorf("fnv1a32(%q) = %#x, want %#x", in, got, want)
		}
	}
}
