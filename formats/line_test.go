package formats

import (
	"bytes"
	"testing"
)

func TestFieldStart(t *testing.T) {
	f := func(line string, p, n, want int) {
		t.Helper()
		if got := FieldStart([]byte(line), p, n); got != want {
			t.Errorf("FieldStart(%q, %d, %d) = %d, want %d", line, p, n, got, want)
		}
	}
	f("a bb ccc", 0, 1, 0)
	f("a bb ccc", 0, 2, 2)
	f("a bb ccc", 0, 3, 5)
	f("a bb ccc", 0, 4, 8) // missing: end of line
	f("a bb ccc", 0, 0, 8)
	f("a bb ccc", 0, -3, 8)
	f("  a   b", 0, 1, 2) // leading spaces skipped
	f("  a   b", 0, 2, 6) // runs of spaces are one separator
	f("a\tb c", 0, 2, 4)  // a tab is a field byte
	f("a\x01 b", 0, 2, 3)
	f("Feb  6 12:14:14", 0, 2, 5)
	f("abc def ghi", 1, 1, 1) // from inside a field: that field is field 1
	f("abc def ghi", 1, 2, 4)
	f("abc def ghi", 3, 1, 4) // from a space: the next field is field 1
	f("abc def ghi", 3, 2, 8)
	f("", 0, 1, 0)
	f("   ", 0, 1, 3)
	f("abc", 3, 1, 3)
}

func TestFieldEnd(t *testing.T) {
	f := func(line string, p, want int) {
		t.Helper()
		if got := FieldEnd([]byte(line), p); got != want {
			t.Errorf("FieldEnd(%q, %d) = %d, want %d", line, p, got, want)
		}
	}
	f("abc def", 0, 3)
	f("abc def", 4, 7)
	f("abcdefghijklmnopq rst", 0, 17) // past one 8-byte word
	f("abcdefgh ", 0, 8)
	f("abcdefg\t\x00 x", 0, 9) // only spaces end a field
	f(" x", 0, 0)
	f("", 0, 0)
}

func TestParseInt(t *testing.T) {
	f := func(s string, want int32) {
		t.Helper()
		if got := ParseInt([]byte(s), 0); got != want {
			t.Errorf("ParseInt(%q) = %d, want %d", s, got, want)
		}
	}
	f("200", 200)
	f("-1", -1)
	f("-17/3", -17)
	f("+123", 0) // no '+' handling (logasap values)
	f("12ab", 12)
	f("", 0)
	f("-", 0)
	f("x1", 0)
	f("2147483647", 2147483647)
	f("2147483648", -2147483648)
	f("3000000000", -1294967296) // 32-bit wrap
	f("-3000000000", 1294967296)
	f("2000000000000", -1454759936)
	if got := ParseInt([]byte("12"), 5); got != 0 {
		t.Errorf("ParseInt past the end = %d, want 0", got)
	}
}

func TestParseTimers(t *testing.T) {
	f := func(s string, max int, want []int32, wantNeg bool) {
		t.Helper()
		dst := make([]int32, max)
		n, neg := ParseTimers([]byte(s), 0, dst)
		if n != len(want) || neg != wantNeg || !equal(dst[:n], want) {
			t.Errorf("ParseTimers(%q, %d) = %v %v, want %v %v", s, max, dst[:n], neg, want, wantNeg)
		}
	}
	f("10/0/30/69/109 200", 5, []int32{10, 0, 30, 69, 109}, false)
	f("10/0/30/69/109/7", 5, []int32{10, 0, 30, 69, 109}, false)
	f("10/0/30/69/109", 4, []int32{10, 0, 30, 69}, false)
	f("0/0/5007 212", 5, []int32{0, 0, 5007}, false)
	f("-1/-1/-1/-1/8490", 5, []int32{-1, -1, -1, -1, 8490}, true)
	f("-5/2", 5, []int32{-1, 2}, true) // any negative becomes -1
	f("1//3", 5, []int32{1, 0, 3}, false)
	f("1/2/", 5, []int32{1, 2}, false)
	f("1/2\t/3", 5, []int32{1, 2}, false) // control chars end the field
	f("+6/x", 5, []int32{0, 0}, false)
	f(" 1/2", 5, nil, false)
	f("", 5, nil, false)
}

func equal(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCountParts(t *testing.T) {
	f := func(s string, want int) {
		t.Helper()
		if got := CountParts([]byte(s), 0, 4); got != want {
			t.Errorf("CountParts(%q) = %d, want %d", s, got, want)
		}
	}
	f("10/0/30/69/109", 4)
	f("0/0/5007", 3)
	f("a/b/c/d", 4)
	f("1//", 2)
	f("", 0)
	// fields longer than a machine word
	f("12345678/1/2/3 x", 4)
	f("1234567/\t1/2/3", 1) // a '/' before the end does not start a part
	f("\xff\xff\xff\xff\xff\xff\xff\xff/1", 2)
	f("1/2/3/          ", 3)
	f("1234567/", 1)
	f("12345678/", 1)
	f("123456789012/1\x01/2/3", 2)
}

func TestLineField(t *testing.T) {
	line := []byte("Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] " +
		"http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\"")
	want := bytes.Fields(line) // no tabs here, so Fields agrees with the space-only model
	var l Line
	l.Reset(line)
	// forward, backward and repeated lookups all give the same fields
	for _, n := range []int{7, 10, 11, 3, 3, 20, 1, 22, 23, 24, 8} {
		got := l.FieldBytes(n)
		var w []byte
		if n <= len(want) {
			w = want[n-1]
		}
		if !bytes.Equal(got, w) {
			t.Errorf("field %d = %q, want %q", n, got, w)
		}
	}
	if p, ok := l.Field(0); ok || p != len(line) {
		t.Errorf("Field(0) = %d %v, want %d false", p, ok, len(line))
	}
	if p, ok := l.Field(99); ok || p != len(line) {
		t.Errorf("Field(99) = %d %v, want %d false", p, ok, len(line))
	}
	if !bytes.Equal(l.Bytes(), line) {
		t.Error("Bytes changed the line")
	}
}

func TestAt(t *testing.T) {
	b := []byte("ab")
	if At(b, 0) != 'a' || At(b, 1) != 'b' || At(b, 2) != 0 || At(b, -1) != 0 {
		t.Error("At does not read b with NUL outside")
	}
}

func TestLineNoAlloc(t *testing.T) {
	line := []byte("Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] " +
		"http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"")
	var l Line
	var tv [5]int32
	allocs := testing.AllocsPerRun(100, func() {
		l.Reset(line)
		p, _ := l.Field(7)
		tp, _ := l.Field(10)
		ParseTimers(line, tp, tv[:])
		sp, _ := l.Field(11)
		_ = ParseInt(line, sp) + ParseInt(line, p)
		_ = l.FieldBytes(9)
	})
	if allocs != 0 {
		t.Errorf("Line allocates %v times per line, want 0", allocs)
	}
}

func BenchmarkLineFields(b *testing.B) {
	line := []byte("Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] " +
		"http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\"")
	var l Line
	var tv [5]int32
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		l.Reset(line)
		l.Field(7)
		tp, _ := l.Field(10)
		ParseTimers(line, tp, tv[:])
		sp, _ := l.Field(11)
		ParseInt(line, sp)
		l.Field(18)
	}
}

// TestFieldScanImpls checks the platform field scanners (FieldStart,
// FieldEnd, FieldIndex; SIMD on amd64) against the portable ones and the
// naive model, for every start offset and field number of lines of every
// length up to 80 bytes.
func TestFieldScanImpls(t *testing.T) {
	alphabet := []byte("  a\t\x00\xa0!\n")
	seed := uint32(1)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for ln := 0; ln <= 80; ln++ {
		for rep := 0; rep < 20; rep++ {
			b := make([]byte, ln, ln+8)
			for i := range b {
				b[i] = alphabet[next()%uint32(len(alphabet))]
			}
			if rep == 0 {
				copy(b, bytes.Repeat([]byte{'x'}, ln)) // no space at all
			}
			b = append(b, "        "...)[:ln] // spaces past len must be ignored
			for p := 0; p <= ln+1; p++ {
				// naive: field starts counted from p, where p itself starts a field
				var starts []int
				for i := p; i < ln; i++ {
					if b[i] != ' ' && (i == p || b[i-1] == ' ') {
						starts = append(starts, i)
					}
				}
				for n := 1; n <= len(starts)+2; n++ {
					want := ln
					if n <= len(starts) {
						want = starts[n-1]
					}
					if got := FieldStart(b, p, n); got != want {
						t.Fatalf("FieldStart(%q, %d, %d) = %d, want %d", b, p, n, got, want)
					}
					if got := fieldStartGeneric(b, p, n); got != want {
						t.Fatalf("fieldStartGeneric(%q, %d, %d) = %d, want %d", b, p, n, got, want)
					}
				}
				for size := 0; size <= len(starts)+1; size++ {
					dst := make([]int32, size)
					for _, impl := range []func([]byte, int, []int32) int{FieldIndex, fieldIndexGeneric} {
						k := impl(b, p, dst)
						if k != min(size, len(starts)) {
							t.Fatalf("FieldIndex(%q, %d, [%d]) stored %d fields, want %d", b, p, size, k, min(size, len(starts)))
						}
						for i := range k {
							if int(dst[i]) != starts[i] {
								t.Fatalf("FieldIndex(%q, %d, [%d])[%d] = %d, want %d", b, p, size, i, dst[i], starts[i])
							}
						}
					}
				}
				want := p
				for want < ln && b[want] != ' ' {
					want++
				}
				if got := FieldEnd(b, p); got != want {
					t.Fatalf("FieldEnd(%q, %d) = %d, want %d", b, p, got, want)
				}
				if got := fieldEndGeneric(b, p); got != want {
					t.Fatalf("fieldEndGeneric(%q, %d) = %d, want %d", b, p, got, want)
				}
			}
		}
	}
}
