package halog

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/formats"
)

// mutateLines returns the lines of data, each cut, or with a byte
// replaced by one of the bytes that move halog's fields or the format's
// values (space, '/', ':', '"', a date digit), or a byte removed, or left
// as is: lines the direct path must hand to the rewrite, or read the same.
func mutateLines(data []byte, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []byte
	for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		l = append([]byte(nil), l...)
		if len(l) > 2 {
			i := rng.IntN(len(l))
			switch rng.IntN(6) {
			case 0:
				l = l[:i]
			case 1:
				l[i] = " /:\"7{-"[rng.IntN(7)]
			case 2:
				l = append(l[:i], l[i+1:]...)
			case 3:
				l = append(l[:i], append([]byte("  "), l[i:]...)...)
			}
		}
		out = append(out, l...)
		out = append(out, '\n')
	}
	return out
}

// TestDirectMatchesRewrite runs the reports of the direct path on custom
// format lines, intact and mutated, with and without it: the output (and
// the diagnostics) must be the same as through the rewrite.
func TestDirectMatchesRewrite(t *testing.T) {
	recs := genRecords(4000, 21)
	// HTTP/0.9 request lines of every length around the cut after the
	// URL (the rewrite then writes no space after it), with escapes
	for i, n := 0, formats.RequestLineMax-8; n < formats.RequestLineMax+4; i, n = i+37, n+1 {
		r := &recs[i]
		r.Method, r.Version = "GET", ""
		r.URI = "/a#b" + strings.Repeat("y", n-len("GET /a#b"))
		if n%3 == 0 {
			r.URI = "/" + strings.Repeat("z", n-len("GET /"))
		}
	}
	modes := []string{"-st", "-srv", "-srv -H", "-ic", "-pct", "-gt", "-c -H", "-e -st", "-E -srv",
		"-hs 400:499 -ic", "-rt 100 -pct", "-RT 50 -st", "-v -H -ic", "-v -st", "-m 100 -srv", "-H -c -m 7",
		"-u", "-uc -query", "-ua", "-ut", "-ue", "-hs 500:599 -u", "-v -H -u", "-rt 100 -uto", "-m 50 -u"}
	// the request from %HM %HU %HV after every field halog's layout
	// holds before it (-u's direct path checks them)
	const reqFormat = `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs "%HM %HU %HV"`
	// the timers' first slots not one list (Ta's first is before them):
	// the direct path checks their spans itself (lineFormat.timerList)
	const splitFormat = "%Ta " + issueFormat
	used := map[string]int{}
	for _, format := range []string{issueFormat, fullFormat, reqFormat, splitFormat} {
		_, customLog := writeLogs(t, recs, format)
		data, err := os.ReadFile(customLog)
		if err != nil {
			t.Fatal(err)
		}
		for seed, in := range [][]byte{data, mutateLines(data, 1), mutateLines(data, 2)} {
			for _, m := range modes {
				run := func(direct bool) (string, string, directMode) {
					o, c := formatConfig(t, format, m)
					if c == nil {
						return "", "", directOff
					}
					if !direct {
						c.direct = directOff
					}
					var out, diag bytes.Buffer
					if err := runText(o, c, bytes.NewReader(in), &out, &diag, &runStats{}); err != nil {
						t.Fatal(err)
					}
					return out.String(), diag.String(), c.direct
				}
				gotOut, gotErr, d := run(true)
				if d == directOff {
					continue
				}
				used[m]++
				wantOut, wantErr, _ := run(false)
				if gotOut != wantOut {
					t.Errorf("%s on %.12s (input %d): stdout differs, %s", m, format, seed, firstDiff([]byte(gotOut), []byte(wantOut)))
				}
				if gotErr != wantErr {
					t.Errorf("%s on %.12s (input %d): stderr differs, %s", m, format, seed, firstDiff([]byte(gotErr), []byte(wantErr)))
				}
			}
		}
	}
	for _, m := range modes {
		if used[m] == 0 {
			t.Errorf("%s never took the direct path: the test compares nothing for it", m)
		}
	}
}

// TestClean compares clean with a byte-by-byte reading of its rule on
// every length up to 40 with each byte in turn set to a value around the
// bounds (' ', '!', 0, 0x80, 0xa0, 0xff) on a background of '!' or 0xa1.
func TestClean(t *testing.T) {
	want := func(v []byte) bool {
		for _, c := range v {
			if c <= ' ' {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 40; n++ {
		for _, bg := range []byte{'!', 0xa1} {
			v := bytes.Repeat([]byte{bg}, n)
			if !clean(v) {
				t.Fatalf("clean(%q) = false", v)
			}
			for i := range v {
				for _, c := range []byte{' ', '!', 0, 0x1f, 0x80, 0xa0, 0xff} {
					v[i] = c
					if got := clean(v); got != want(v) {
						t.Fatalf("clean(%q) = %v", v, got)
					}
					v[i] = bg
				}
			}
		}
	}
}

// TestTimerDigits compares timerDigits with formats.ParseTimers on every
// list up to 7 bytes over digits, '/', signs and separators, and on parts
// around int32's end: where it takes a list it gives ParseTimers's 5
// values (none negative), and it takes every list of 5 non-empty digit parts
// within int32.
func TestTimerDigits(t *testing.T) {
	check := func(b []byte) {
		var got [5]int32
		ok := timerDigits(b, &got)
		var want [5]int32
		n, neg := formats.ParseTimers(b, 0, want[:])
		if ok && (n != 5 || neg || got != want) {
			t.Fatalf("timerDigits(%q) = %v; ParseTimers: %d parts %v, neg %v", b, got, n, want, neg)
		}
		parts := bytes.Split(b, []byte{'/'})
		plain := len(parts) == 5
		for _, p := range parts {
			v, err := strconv.ParseInt(string(p), 10, 64)
			plain = plain && err == nil && p[0] != '+' && p[0] != '-' && v <= math.MaxInt32
		}
		if plain && !ok {
			t.Fatalf("timerDigits(%q) refused a list of 5 digit parts", b)
		}
	}
	const alpha = "09/-+ a"
	var walk func(b []byte)
	walk = func(b []byte) {
		check(b)
		if len(b) == 7 {
			return
		}
		for i := 0; i < len(alpha); i++ {
			walk(append(b, alpha[i]))
		}
	}
	walk(nil)
	for _, s := range []string{"1/2/3/4/5", "6/0/1/250/266", "2147483647/0/0/0/2147483647",
		"2147483648/0/0/0/1", "1/0/0/0/2147483648", "4294967296/1/1/1/1", "1/1/1/1/99999999999",
		"1//2/3/4", "/1/2/3/4", "1/2/3/4/", "1/2/3/4/5/6", "1/2/3/4"} {
		check([]byte(s))
	}
}
