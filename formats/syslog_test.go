package formats

import (
	"errors"
	"testing"
)

func TestFacilityNamesRoundTrip(t *testing.T) {
	for f := Facility(0); f < NumFacilities; f++ {
		got, err := ParseFacility(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFacility(%q) = %v, %v; want %v", f.String(), got, err, f)
		}
		got, err = ParseFacility(f.HAProxyName())
		if err != nil {
			t.Errorf("ParseFacility(%q): %v", f.HAProxyName(), err)
		}
		_ = got
	}
	if f, _ := ParseFacility("LOCAL0"); f != Local0 {
		t.Errorf("LOCAL0 = %v", f)
	}
	if _, err := ParseFacility("local8"); !errors.Is(err, ErrUnknownName) {
		t.Errorf("local8: err = %v", err)
	}
}

func TestHAProxyFacilityNumbers(t *testing.T) {
	// Numbers from HAProxy's `log` directive documentation.
	for name, want := range map[string]Facility{"auth2": 10, "cron2": 15, "ntp": 12, "audit": 13, "alert": 14, "local7": 23} {
		if f, err := ParseFacility(name); err != nil || f != want {
			t.Errorf("%s = %v, %v; want %d", name, f, err, want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for s := Severity(0); s < NumSeverities; s++ {
		if got, err := ParseSeverity(s.String()); err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s.String(), got, err)
		}
	}
	for name, want := range map[string]Severity{"warn": Warning, "error": Err, "panic": Emerg} {
		if s, _ := ParseSeverity(name); s != want {
			t.Errorf("%s = %v", name, s)
		}
	}
}

func TestParsePRI(t *testing.T) {
	cases := []struct {
		in     string
		pri, n int
		ok     bool
	}{
		{"<134>Nov", 134, 5, true},
		{"<0>x", 0, 3, true},
		{"<191>", 191, 5, true},
		{"<192>x", 0, 0, false},
		{"<>x", 0, 0, false},
		{"<1a>", 0, 0, false},
		{"<0134>", 0, 0, false},
		{"134>", 0, 0, false},
		{"<13", 0, 0, false},
	}
	for _, c := range cases {
		pri, n, ok := ParsePRI([]byte(c.in))
		if ok != c.ok || (ok && (pri != c.pri || n != c.n)) {
			t.Errorf("ParsePRI(%q) = %d,%d,%v; want %d,%d,%v", c.in, pri, n, ok, c.pri, c.n, c.ok)
		}
	}
	f, s, ok := SplitPRI(134)
	if !ok || f != Local0 || s != Info {
		t.Errorf("SplitPRI(134) = %v %v %v", f, s, ok)
	}
	if got := string(AppendPRI(nil, PRI(Local0, Notice))); got != "<133>" {
		t.Errorf("AppendPRI = %q", got)
	}
}

func TestParsePRINoAlloc(t *testing.T) {
	b := []byte("<134>Nov 21 13:40:01 haproxy[1]: x")
	if n := testing.AllocsPerRun(100, func() { ParsePRI(b) }); n != 0 {
		t.Errorf("ParsePRI allocates %v per run", n)
	}
}

func FuzzParsePRI(f *testing.F) {
	for _, s := range []string{"<134>Nov", "<>", "<0>", "<999>", "<12"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pri, n, ok := ParsePRI(b)
		if !ok {
			return
		}
		if pri < 0 || pri > 191 || n < 3 || n > 5 || n > len(b) || b[n-1] != '>' {
			t.Fatalf("ParsePRI(%q) = %d,%d", b, pri, n)
		}
		if got := string(AppendPRI(nil, pri)); got != string(b[:n]) {
			t.Fatalf("round trip %q -> %q", b[:n], got)
		}
	})
}

func TestEqualFoldASCII(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"Local0", "local0", true}, {"KERN", "kern", true}, {"local0", "local1", false}, {"a", "ab", false},
		{"\u212a", "k", false}, {"@[", "`{", false}, {"", "", true}} {
		if got := EqualFoldASCII(c.a, c.b); got != c.want {
			t.Errorf("EqualFoldASCII(%q, %q) = %v", c.a, c.b, got)
		}
		if got := EqualFoldASCII([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("EqualFoldASCII([]byte %q, %q) = %v", c.a, c.b, got)
		}
	}
}
