package syslogd

import (
	"testing"
	"time"
)

// cacheTemplate prints every field the parser fills.
const cacheTemplate = `%timereported:::date-rfc3339%|%timestamp%|%hostname%|%syslogtag%|%programname%|` +
	`%procid%|%msgid%|%structured-data%|%app-name%|%pri%|%protocol-version%|%msg%\n`

// parsedLine renders b parsed by p at now.
func parsedLine(t testing.TB, p *Parser, tmpl *Template, b []byte, now time.Time) string {
	t.Helper()
	var m Message
	if !p.Parse(&m, b, now, []byte("sender"), []byte("127.0.0.1")) {
		return "<dropped>"
	}
	return string(tmpl.Append(nil, &m))
}

// checkWarm parses warm and then b with one parser (whose caches then hold
// warm's results) and compares b's result with a fresh parser's.
func checkWarm(t *testing.T, tmpl *Template, warm, b []byte, now time.Time) {
	t.Helper()
	p := NewParser(ParserOptions{Location: time.UTC})
	parsedLine(t, p, tmpl, warm, now)
	got := parsedLine(t, p, tmpl, b, now)
	want := parsedLine(t, NewParser(ParserOptions{Location: time.UTC}), tmpl, b, now)
	if got != want {
		t.Fatalf("after %q, %q parsed as\n%s\nwant (fresh parser)\n%s", warm, b, got, want)
	}
}

// TestTimestampCache checks that the per-parser RFC 3164 timestamp cache
// never changes a result: each message is parsed after another that
// primes the cache with a similar timestamp.
func TestTimestampCache(t *testing.T) {
	tmpl, err := CompileTemplate("all", cacheTemplate)
	if err != nil {
		t.Fatal(err)
	}
	base := []byte("<134>Nov 21 13:30:00 host tag: msg")
	others := []string{
		"<134>Nov 21 13:30:00 host tag: msg",
		"<134>Nov 21 13:30:00.5 host tag: msg",  // fraction after the cached text
		"<134>Nov 21 13:30:001 host tag: msg",   // digit after the cached text
		"<134>Nov 21 13:30:00:host tag: msg",    // not a space after it
		"<134>Nov 21 13:30:00",                  // nothing after it
		"<134>Nov 21 13:30:0",                   // shorter
		"<134>Nov 21 13:30:01 host tag: msg",    // next second
		"<134>Dec 31 23:59:59 host tag: msg",    // other year
		"<134>Nov 21 2025 13:30:00 host x: msg", // explicit year
		"<134>Nov 21 13:30:00host tag: msg",
		"<134> Nov 21 13:30:00 host tag: msg",
		"<134>1 2026-11-21T13:30:00Z host app - - - msg",
	}
	for _, o := range others {
		checkWarm(t, tmpl, base, []byte(o), receptionTime)
		checkWarm(t, tmpl, []byte(o), base, receptionTime)
	}
	// Same text, different reception seconds across a year boundary:
	// the inferred year must follow the reception time.
	newYear := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, b := range []string{"<134>Dec 31 23:59:59 host tag: msg", "<134>Nov 21 13:30:00 h t: x", "<134>Jan  1 00:00:00 h t: x"} {
		p := NewParser(ParserOptions{Location: time.UTC})
		for _, now := range []time.Time{newYear.Add(-time.Second), newYear, newYear.Add(time.Second)} {
			got := parsedLine(t, p, tmpl, []byte(b), now)
			want := parsedLine(t, NewParser(ParserOptions{Location: time.UTC}), tmpl, []byte(b), now)
			if got != want {
				t.Fatalf("%q at %v: %s, want %s", b, now, got, want)
			}
		}
	}
	// Zone offsets around a DST change come from the message's date.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	pp := NewParser(ParserOptions{Location: paris})
	now := time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC)
	for _, b := range []string{"<134>Oct 25 01:59:59 h t: x", "<134>Oct 25 03:00:00 h t: x", "<134>Oct 25 01:59:59 h t: x"} {
		got := parsedLine(t, pp, tmpl, []byte(b), now)
		want := parsedLine(t, NewParser(ParserOptions{Location: paris}), tmpl, []byte(b), now)
		if got != want {
			t.Fatalf("%q: %s, want %s", b, got, want)
		}
	}
}

// FuzzTimestampCache is the fuzzing form of TestTimestampCache: parsing
// b after warm must give what a fresh parser gives.
func FuzzTimestampCache(f *testing.F) {
	f.Add([]byte("<134>Nov 21 13:30:00 host tag: msg"), []byte("<134>Nov 21 13:30:00.5 host tag: msg"))
	f.Add([]byte("<13>Nov  1 1:1:1 h t: x"), []byte("<13>Nov  1 1:1:1"))
	f.Add([]byte("<13>Nov 21 2026 13:30:00 h t"), []byte("<13>Nov 21 2026 13:30:00x"))
	tmpl, err := CompileTemplate("all", cacheTemplate)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, warm, b []byte) {
		checkWarm(t, tmpl, warm, b, receptionTime)
	})
}

// TestFirstControl compares the word-at-a-time scan with a byte loop for
// every length up to 40 and every position of one control byte.
func TestFirstControl(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c < 0x20 {
				return i
			}
		}
		return len(b)
	}
	for n := 0; n <= 40; n++ {
		for pos := -1; pos < n; pos++ {
			for _, c := range []byte{0, '\n', 0x1f} {
				b := make([]byte, n)
				for i := range b {
					b[i] = byte(0x20 + i*7%0xdf) // printable and high bytes
				}
				if pos >= 0 {
					b[pos] = c
				}
				if got, want := firstControl(b), naive(b); got != want {
					t.Fatalf("firstControl(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}
