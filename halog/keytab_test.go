package halog

import (
	"fmt"
	"testing"
)

// TestKeytab checks keytab against a Go map on keys that defeat its
// shortcuts: empty and short keys, keys that differ only in the middle
// (same first and last 8 bytes), NUL bytes, lengths around 8 and 16.
func TestKeytab(t *testing.T) {
	var keys []string
	for n := 0; n <= 40; n++ {
		for v := range 7 {
			b := make([]byte, n)
			for i := range b {
				b[i] = "ab\x00"[(i*v+i/3)%3]
			}
			keys = append(keys, string(b))
		}
	}
	for i := range 3000 {
		keys = append(keys, fmt.Sprintf("/static/%d/img.png", i), fmt.Sprintf("10.%d.%d.1", i/256, i%256))
	}
	kt := newKeytab[int]()
	want := map[string]int{}
	for round := range 3 {
		for i, k := range keys {
			v, isNew := kt.get([]byte(k))
			_, had := want[k]
			if isNew == had {
				t.Fatalf("round %d: get(%q) isNew = %v, the map had it: %v", round, k, isNew, had)
			}
			*v += i
			want[k] += i
		}
	}
	if kt.len() != len(want) {
		t.Fatalf("%d keys, want %d", kt.len(), len(want))
	}
	for i := range kt.len() {
		k := string(kt.key(i))
		if w, ok := want[k]; !ok || *kt.val(i) != w {
			t.Errorf("entry %d %q = %d, want %d (present %v)", i, k, *kt.val(i), w, ok)
		}
	}
}

// TestKeytabAddAll checks addAll (batched lookups once the table is big)
// against Go maps, with tables on both sides of keyBatchFrom.
func TestKeytabAddAll(t *testing.T) {
	for _, n := range []int{100, 3 * keyBatchFrom} {
		a, b := newKeytab[int](), newKeytab[int]()
		want := map[string]int{}
		for i := range n {
			ka := fmt.Sprintf("10.%d.%d.1", i/256, i%256)
			kb := fmt.Sprintf("10.%d.%d.1/%d", (i+n/2)/256, (i+n/2)%256, i%3)
			v, _ := a.get([]byte(ka))
			*v += i
			want[ka] += i
			v, _ = b.get([]byte(kb))
			*v += 2 * i
			want[kb] += 2 * i
		}
		a.addAll(&b, func(dst, src *int) { *dst += *src })
		if a.len() != len(want) {
			t.Fatalf("n=%d: %d keys, want %d", n, a.len(), len(want))
		}
		for i := range a.len() {
			k := string(a.key(i))
			if w, ok := want[k]; !ok || *a.val(i) != w {
				t.Errorf("n=%d: %q = %d, want %d (present %v)", n, k, *a.val(i), w, ok)
			}
		}
	}
}
