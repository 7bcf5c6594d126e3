package formats

import "testing"

// TestUnescape: a backslash makes the next byte plain (rsyslog's property
// filter values, HAProxy's E flag); a final lone backslash stays.
func TestUnescape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{`x\(y\)`, "x(y)"},
		{`a\\b`, `a\b`},
		{`q\"uote`, `q"uote`},
		{`end\`, `end\`},
		{`\n`, "n"},
	} {
		if got := Unescape(tc.in); got != tc.want {
			t.Errorf("Unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { _ = Unescape("no escapes here") }); n != 0 {
		t.Errorf("Unescape without a backslash: %v allocations", n)
	}
}
