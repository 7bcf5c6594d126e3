package formats

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"testing"
)

// naiveFieldStarts returns the start offset of every field of b, splitting
// on spaces only (the reference model for FieldStart).
func naiveFieldStarts(b []byte) []int {
	var starts []int
	for i := range b {
		if b[i] != ' ' && (i == 0 || b[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	return starts
}

// naiveInt is str2ic written differently: the digits prefix is parsed with
// strconv and reduced modulo 2^32.
func naiveInt(b []byte) (int32, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, true
	}
	if i > 18 {
		return 0, false // beyond what ParseUint can check here
	}
	v, err := strconv.ParseUint(string(b[:i]), 10, 64)
	if err != nil {
		return 0, false
	}
	r := int32(uint32(v % (1 << 32)))
	if neg {
		r = -r
	}
	return r, true
}

// naiveTimers is ParseTimers written differently: the field is cut at its
// first byte <= 0x20 and split on '/'; a trailing empty part does not count.
func naiveTimers(b []byte, max int) (parts []int32, neg, ok bool) {
	end := 0
	for end < len(b) && b[end] > ' ' {
		end++
	}
	if end == 0 {
		return nil, false, true
	}
	split := bytes.Split(b[:end], []byte("/"))
	if len(split[len(split)-1]) == 0 {
		split = split[:len(split)-1]
	}
	for _, part := range split[:min(len(split), max)] {
		v, ok := naiveInt(part)
		if !ok {
			return nil, false, false
		}
		if v < 0 {
			v, neg = -1, true
		}
		parts = append(parts, v)
	}
	return parts, neg, true
}

func FuzzLine(f *testing.F) {
	for _, name := range []string{"../testdata/logs/edge/edge-fields.log", "../testdata/logs/edge/edge-timers.log"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			f.Add(l, 7)
		}
	}
	f.Add([]byte("  a\tb  c "), 2)
	f.Add([]byte("-3000000000/+1//x y"), 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		starts := naiveFieldStarts(b)
		var idx [8]int32
		if k := FieldIndex(b, 0, idx[:]); k != min(len(idx), len(starts)) {
			t.Fatalf("FieldIndex stored %d fields, want %d", k, min(len(idx), len(starts)))
		}
		for i := range min(len(idx), len(starts)) {
			if int(idx[i]) != starts[i] {
				t.Fatalf("FieldIndex[%d] = %d, want %d", i, idx[i], starts[i])
			}
		}
		var l Line
		l.Reset(b)
		// every field, in a scrambled order to exercise the cache
		for _, k := range []int{n, 1, len(starts), n + 1, n - 1, 3, len(starts) + 1} {
			p, ok := l.Field(k)
			want := len(b)
			if k >= 1 && k <= len(starts) {
				want = starts[k-1]
			}
			if p != want || ok != (want < len(b)) {
				t.Fatalf("Field(%d) = %d %v, want %d", k, p, ok, want)
			}
			if ok {
				e := FieldEnd(b, p)
				if e < p || bytes.IndexByte(b[p:e], ' ') >= 0 || (e < len(b) && b[e] != ' ') {
					t.Fatalf("FieldEnd(%d) = %d", p, e)
				}
			}
		}
		for _, s := range starts {
			got := ParseInt(b, s)
			if want, ok := naiveInt(b[s:]); ok && got != want {
				t.Fatalf("ParseInt(%q) = %d, want %d", b[s:], got, want)
			}
			var tv [5]int32
			k, neg := ParseTimers(b, s, tv[:])
			if want, wantNeg, ok := naiveTimers(b[s:], len(tv)); ok {
				if k != len(want) || neg != wantNeg || !slices.Equal(tv[:k], want) {
					t.Fatalf("ParseTimers(%q) = %v %v, want %v %v", b[s:], tv[:k], neg, want, wantNeg)
				}
			}
			if c := CountParts(b, s, 4); c != min(k, 4) {
				t.Fatalf("CountParts(%q) = %d, ParseTimers = %d", b[s:], c, k)
			}
		}
	})
}
