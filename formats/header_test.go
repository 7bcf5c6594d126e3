package formats

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseLogFormat(t *testing.T) {
	for i, name := range []string{"local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw"} {
		f, err := ParseLogFormat(name)
		if err != nil || f != LogFormat(i) || f.String() != name {
			t.Errorf("ParseLogFormat(%q) = %v, %v", name, f, err)
		}
	}
	_, err := ParseLogFormat("RFC5424")
	if err == nil || !errors.Is(err, ErrUnknownName) || !strings.Contains(err.Error(), "unknown log format 'RFC5424'") {
		t.Errorf("ParseLogFormat(RFC5424) error = %v", err)
	}
}

func TestFramerSpec(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	at := time.Date(2026, 11, 21, 13, 32, 40, 716170_999, time.UTC)
	msg := []byte("127.0.0.1:53874 x")
	// Expected headers are those printed by HAProxy 2.6 (spec §7.2).
	tests := []struct {
		name string
		fr   *Framer
		sev  Severity
		at   time.Time
		sd   string
		want string
	}{
		{"local", &Framer{Facility: Local0, Tag: "haproxy", PID: 15764}, Info, at, "",
			"<134>Nov 21 13:32:40 haproxy[15764]: 127.0.0.1:53874 x\n"},
		{"local no tag", &Framer{Facility: Local0, PID: 15764}, Info, at, "",
			"<134>Nov 21 13:32:40 127.0.0.1:53874 x\n"},
		{"rfc3164", &Framer{Format: LogRFC3164, Facility: Local1, Tag: "haproxy", PID: 15764}, Info, at, "",
			"<142>Nov 21 13:32:40 localhost haproxy[15764]: 127.0.0.1:53874 x\n"},
		{"rfc3164 host tag", &Framer{Format: LogRFC3164, Facility: Local0, Hostname: "myhost.example", Tag: "mytag", PID: 16560}, Info, at, "",
			"<134>Nov 21 13:32:40 myhost.example mytag[16560]: 127.0.0.1:53874 x\n"},
		{"rfc5424", &Framer{Format: LogRFC5424, Facility: Local2, Tag: "haproxy", PID: 15764}, Info, at, "",
			"<150>1 2026-11-21T13:32:40.716170+00:00 - haproxy 15764 - - 127.0.0.1:53874 x\n"},
		{"rfc5424 sd paris", &Framer{Format: LogRFC5424, Facility: Local0, Tag: "haproxy", PID: 24903}, Info,
			time.Date(2026, 11, 21, 14, 39, 52, 889654_000, paris), `[exampleSDID@1234 status="404"]`,
			`<134>1 2026-11-21T14:39:52.889654+01:00 - haproxy 24903 - [exampleSDID@1234 status="404"] 127.0.0.1:53874 x` + "\n"},
		{"priority", &Framer{Format: LogPriority, Facility: Local5}, Info, at, "", "<174>127.0.0.1:53874 x\n"},
		{"short", &Framer{Format: LogShort, Facility: Local5}, Info, at, "", "<6>127.0.0.1:53874 x\n"},
		{"timed", &Framer{Format: LogTimed, Facility: Local5}, Info, at, "",
			"<6>2026-11-21T13:32:40.716170+00:00 127.0.0.1:53874 x\n"},
		{"iso", &Framer{Format: LogISO}, Info, at, "", "2026-11-21T13:32:40.716170+00:00 127.0.0.1:53874 x\n"},
		{"raw", &Framer{Format: LogRaw}, Info, at, "", "127.0.0.1:53874 x\n"},
		{"padded day", &Framer{Facility: Local0, Tag: "haproxy", PID: 1}, Notice,
			time.Date(2009, 2, 6, 2, 3, 4, 0, time.UTC), "", "<133>Feb  6 02:03:04 haproxy[1]: 127.0.0.1:53874 x\n"},
		{"negative offset", &Framer{Format: LogISO}, Info,
			time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("", -(3*3600+30*60))), "",
			"2026-01-02T03:04:05.000006-03:30 127.0.0.1:53874 x\n"},
	}
	for _, tc := range tests {
		got := string(tc.fr.AppendSD(nil, tc.sev, tc.at, []byte(tc.sd), msg))
		if got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestTargetLevel(t *testing.T) {
	// `log ... local3 info notice` in the rfc5424 capture: emerg, alert and
	// warning went out as notice (<157>), info as info, debug not at all.
	for _, tc := range []struct {
		in, want Severity
		ok       bool
	}{
		{Emerg, Notice, true}, {AlertSev, Notice, true}, {Warning, Notice, true},
		{Notice, Notice, true}, {Info, Info, true}, {Debug, Debug, false},
	} {
		got, ok := TargetLevel(tc.in, Info, Notice)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("TargetLevel(%v, info, notice) = %v, %v", tc.in, got, ok)
		}
	}
}

func TestFramerCut(t *testing.T) {
	fr := &Framer{Facility: Local0, Tag: "haproxy", PID: 15764, MaxLen: 80}
	at := time.Date(2026, 11, 21, 13, 33, 1, 0, time.UTC)
	msg := []byte("127.0.0.1:41762 [21/Nov/2026:13:33:01.181] fe_tcp be_tcp/app1 1/0/2 360 -- 1/1/0/0/0 0/0\n\x00\n")
	got := fr.Append(nil, Info, at, msg)
	// As verified with `log ... len 80`: 80 bytes then '\n'.
	want := "<134>Nov 21 13:33:01 haproxy[15764]: 127.0.0.1:41762 [21/Nov/2026:13:33:01.181] \n" // 37 + 43 bytes
	if string(got) != want || len(got) != 81 {
		t.Errorf("got %d bytes %q, want %q", len(got), got, want)
	}
	// Trailing LF and NUL bytes are stripped before framing.
	short := &Framer{Format: LogRaw}
	if got := string(short.Append(nil, Info, at, []byte("abc\n\x00\n"))); got != "abc\n" {
		t.Errorf("stripping: got %q", got)
	}
}

func TestFramerConcurrent(t *testing.T) {
	fr := &Framer{Facility: Local0, Tag: "haproxy", PID: 1}
	base := time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var buf []byte
			for i := 0; i < 500; i++ {
				sec := (g + i) % 60
				at := base.Add(time.Duration(sec) * time.Second)
				buf = fr.Append(buf[:0], Info, at, []byte("m"))
				want := "<134>Nov 21 13:00:" + string(rune('0'+sec/10)) + string(rune('0'+sec%10)) + " haproxy[1]: m\n"
				if string(buf) != want {
					errs <- string(buf) + " != " + want
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestFramerAllocs(t *testing.T) {
	at := time.Date(2026, 11, 21, 13, 32, 40, 716170_000, time.UTC)
	msg := []byte(strings.Repeat("x", 1100))
	buf := make([]byte, 0, 2048)
	for f := LogLocal; f <= LogRaw; f++ {
		fr := &Framer{Format: f, Facility: Local0, Tag: "haproxy", PID: 15764}
		if n := testing.AllocsPerRun(100, func() { buf = fr.Append(buf[:0], Info, at, msg) }); n != 0 {
			t.Errorf("%v: %v allocations per datagram", f, n)
		}
	}
}

func BenchmarkFramerLocal(b *testing.B) {
	benchFramer(b, LogLocal)
}

func BenchmarkFramerRFC5424(b *testing.B) {
	benchFramer(b, LogRFC5424)
}

func benchFramer(b *testing.B, f LogFormat) {
	fr := &Framer{Format: f, Facility: Local0, Tag: "haproxy", PID: 15764}
	at := time.Date(2026, 11, 21, 13, 32, 40, 716170_000, time.UTC)
	msg := []byte(`127.0.0.1:53874 [21/Nov/2026:13:32:40.707] fe_http be_app/app1 0/0/0/7/7 404 500 - - ---- 1/1/0/0/0 0/0 "GET /index.html?x=1 HTTP/1.1"`)
	buf := fr.Append(make([]byte, 0, 1100), Info, at, msg)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = fr.Append(buf[:0], Info, at, msg)
	}
}

// BenchmarkLogLine is the proxy's whole per-request encoding: httplog with
// captures into a pooled buffer, framed for the default local target.
func BenchmarkLogLine(b *testing.B) {
	f := mustCompile(b, HTTPLogFormat)
	fr := &Framer{Facility: Local0, Tag: "haproxy", PID: 15764}
	r := specRecord()
	var line, dgram []byte
	line = f.Append(make([]byte, 0, 1100), r)
	dgram = fr.Append(make([]byte, 0, 1100), Info, r.AcceptTime, line)
	b.SetBytes(int64(len(dgram)))
	b.ReportAllocs()
	for b.Loop() {
		line = f.Append(line[:0], r)
		dgram = fr.Append(dgram[:0], Info, r.AcceptTime, line)
	}
}
