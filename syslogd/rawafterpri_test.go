package syslogd

import (
	"testing"
	"time"
)

// TestRawMsgAfterPRI: %rawmsg-after-pri% strips a PRI of one to three
// digits only, as rsyslogd 8.2302 does (observed: "<0013>c x" and
// "<00013>d x" are written whole, "<13>" alone gives an empty value).
func TestRawMsgAfterPRI(t *testing.T) {
	tmpl, err := CompileTemplate("t", `[%rawmsg-after-pri%]`)
	if err != nil {
		t.Fatal(err)
	}
	p := NewParser(ParserOptions{Location: time.UTC})
	for in, want := range map[string]string{
		"<13>a x": "[a x]", "<013>b x": "[b x]", "<0013>c x": "[<0013>c x]", "<00013>d x": "[<00013>d x]",
		"<1>e x": "[e x]", "<13>": "[]", "nopri f": "[nopri f]",
	} {
		var m Message
		if !p.Parse(&m, []byte(in), receptionTime, nil, nil) {
			t.Fatalf("%q not parsed", in)
		}
		if got := string(tmpl.Append(nil, &m)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}
