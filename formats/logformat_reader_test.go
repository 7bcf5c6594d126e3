package formats

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// readerRecord is a request with every kind of value the formats show.
func readerRecord() *Record {
	return &Record{
		ClientAddr:   netip.MustParseAddrPort("[2001:db8::1]:4242"),
		FrontendAddr: netip.MustParseAddrPort("10.0.0.1:80"),
		AcceptTime:   time.Date(2026, 11, 21, 8, 0, 0, 17e6, time.UTC),
		Frontend:     "fe", FrontendSSL: true, Backend: "be", Server: "s1",
		Timers: Timers{TR: 1, Tw: -1, Tc: 3, Tr: 40, Ta: 50, Tt: 52, Ti: 2},
		Status: 200, BytesOut: 1234, ReqCookie: "a=b",
		TermState: [4]byte{'S', 'C', 'N', 'I'},
		ActConn:   1, FeConn: 2, BeConn: 3, SrvConn: 4, Retries: 1, Redispatched: true,
		ReqHeaders:  []string{"host x", "ua|1 {2}"},
		RespHeaders: []string{""},
		Method:      "GET", URI: "/p?q=\"1\"", Version: "HTTP/1.1",
	}
}

// TestReaderLocatesEveryVariable renders a record with formats that put
// variables next to literals, quotes and spaces, and checks that the span
// Read finds for each variable holds exactly what Append printed for it.
func TestReaderLocatesEveryVariable(t *testing.T) {
	for _, src := range []string{
		HTTPLogFormat, TCPLogFormat, HTTPSLogFormat, CLFLogFormat,
		`%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`,
		`%{+Q}r %ST %B %b:%s %tsc %TR/%Tw/%Tc/%Tr/%Ta %sq/%bq %ci:%cp [%tr] %ft %hr %hs %CC %CS`,
		`%{+Q}o %ci %{-Q}b %r|%Ts.%ms|%{+X}Tr %{+Q}hr %U`,
	} {
		for _, bad := range []bool{false, true} {
			f, err := Compile(src)
			if err != nil {
				t.Fatal(err)
			}
			r := readerRecord()
			if bad {
				r.Method, r.ReqHeaders, r.RespHeaders = "", nil, nil
			}
			line := f.Append(nil, r)
			rd := f.NewReader(len(r.ReqHeaders), len(r.RespHeaders))
			sp := make([]Span, rd.Slots())
			n, ok, cut := rd.Read(line, sp)
			if !ok || cut || n != len(line) {
				t.Fatalf("%s: Read(%q) = %d, %v", src, line, n, ok)
			}
			slot := 0
			for i := range f.nodes {
				nd := &f.nodes[i]
				if nd.kind != nodeVar {
					continue
				}
				want, printed := appendVar(nil, nd, r)
				// the span excludes the quotes of a quoted value and of a
				// quoted capture block, not those of a list's items
				if nd.flags&flagQuote != 0 && (quotable(nd.v) || nd.v == varHdrReq || nd.v == varHdrResp) && len(want) >= 2 {
					want = want[1 : len(want)-1]
				}
				got := sp[slot].Bytes(line)
				if printed != sp[slot].Present() || !bytes.Equal(got, want) {
					t.Errorf("%s (bad=%v): %%%s = %q (present %v), Append printed %q (%v)", src, bad, nd.text, got, sp[slot].Present(), want, printed)
				}
				slot++
			}
		}
	}
}

func TestReaderRejectsOtherLines(t *testing.T) {
	f, _ := Compile(`%{+Q}r %ST %B %b:%s`)
	rd := f.NewReader(-1, -1)
	sp := make([]Span, rd.Slots())
	for _, l := range []string{
		"Server be_app/s2 is DOWN, reason: Layer4 timeout",
		`"GET / HTTP/1.1" x 12 be:s`,
	} {
		if _, ok, _ := rd.Read([]byte(l), sp); ok {
			t.Errorf("Read(%q) matched", l)
		}
	}
	if rd.Slot("ST") != 1 || rd.Slot("Ta") != -1 {
		t.Errorf("Slot: ST=%d Ta=%d", rd.Slot("ST"), rd.Slot("Ta"))
	}
}

func TestReaderAllocs(t *testing.T) {
	f, _ := Compile(HTTPSLogFormat)
	line := f.Append(nil, readerRecord())
	rd := f.NewReader(2, 1)
	sp := make([]Span, rd.Slots())
	if a := testing.AllocsPerRun(100, func() { rd.Read(line, sp) }); a != 0 {
		t.Errorf("Read allocates %v times", a)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(`%ci [%trl] %HM "%HU" %hr %r %hrl`, `1.2.3.4 [21/Nov/2026:08:00:00 +0000] GET "/" {a} x`)
	f.Add(HTTPLogFormat, `1.2.3.4:5 [21/Nov/2026:08:00:00.000] fe be/s 1/2/3/4/5 200 1 - - ---- 1/1/1/1/0 0/0 "GET /`)
	f.Add(`%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`,
		`10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET "/" "HTTP/1.1" 404 1 {a|b} s2 be 6/-1//250/266 14/36/28/9/0`)
	f.Add(`%TR/%Tw/%{+X}Tc/%Tr %Ta`, `-1/+2/a/0x10/7 8`)
	f.Fuzz(func(t *testing.T, format, line string) {
		fm, err := Compile(format)
		if err != nil {
			return
		}
		rd := fm.NewReader(1, -1)
		sp := make([]Span, rd.Slots())
		n, ok, cut := rd.Read([]byte(line), sp)
		if n < 0 || n > len(line) {
			t.Fatalf("n = %d", n)
		}
		for k := 0; ok && !cut && k+1 < len(sp); k++ {
			if rd.Joined(k, "/") && (sp[k].Start < 0 || sp[k+1].Start != sp[k].End+1 || line[sp[k].End] != '/') {
				t.Fatalf("slots %d, %d joined by / but read as %v %v in %q", k, k+1, sp[k], sp[k+1], line)
			}
		}
		for k, s := range sp {
			// a decimal number that starts with a digit is its run of digits
			if rd.Decimal(k) && s.Present() && s.Start < s.End && line[s.Start]-'0' < 10 {
				e := int(s.Start)
				for e < len(line) && line[e]-'0' < 10 {
					e++
				}
				if int(s.End) != e {
					t.Fatalf("decimal slot %d read as %v in %q, digits up to %d", k, s, line, e)
				}
			}
			// read up to a present value followed by separators only: a match
			if rd.SepsAfter(k) && s.Present() {
				sp2 := make([]Span, rd.Slots())
				if _, ok2, cut2 := rd.ReadSlots([]byte(line), sp2, k+1); !ok2 || cut2 || sp2[k] != s {
					t.Fatalf("slot %d (%v) has only separators after it but ReadSlots(%d) gives ok %v cut %v %v in %q",
						k, s, k+1, ok2, cut2, sp2[k], line)
				}
			}
		}
		for _, s := range sp {
			if s.Present() && (s.Start > s.End || int(s.End) > len(line)) {
				t.Fatalf("bad span %v in %q", s, line)
			}
		}
	})
}

func TestMessageStart(t *testing.T) {
	const msg = "10.0.0.1:1 [21/Nov/2026:08:00:00.017] fe be/s 0/0/0/0/0 200 1"
	for _, h := range []string{
		"Nov 21 08:00:00 lb1 haproxy[1234]: ",
		"Nov  1 08:00:00 lb1 haproxy[1234]: ",
		"Jan  1 08:00:00 loadbalancer-01.example.com haproxy-frontend[123456]: ",
		"Dec 31 23:59:59 haproxy-frontend[123456]: ",
		"<134>1 2026-11-21T08:00:00.017000+00:00 loadbalancer-01.example.com haproxy-frontend 123456 msgid-long - ",
		"<134>Nov 21 08:00:00 haproxy[1234]: ",
		"<134>1 2026-11-21T08:00:00.017000+00:00 lb1 haproxy 1234 - - ",
		`<134>1 2026-11-21T08:00:00Z lb1 haproxy 1234 - [x@1 a="b \] c"] `,
		"2026-11-21T08:00:00+00:00 lb1 haproxy[1234]: ",
		"<134>",
		"<134>2026-11-21T08:00:00.017000+00:00 ",
		"",
		" ",
	} {
		l := []byte(h + msg)
		if got := MessageStart(l); string(l[got:]) != msg {
			t.Errorf("MessageStart(%q) = %q", h, l[got:])
		}
	}
}

// BenchmarkReader reads a request logged in issue 14's custom format (the
// URL quoted, a capture block, the timers after the names).
func BenchmarkReader(b *testing.B) {
	f, err := Compile(`%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`)
	if err != nil {
		b.Fatal(err)
	}
	r := readerRecord()
	r.URI = "/static/images/logo-large.png?v=20261121&lang=en"
	line := f.Append(nil, r)
	rd := f.NewReader(2, 1)
	sp := make([]Span, rd.Slots())
	if _, ok, cut := rd.Read(line, sp); !ok || cut {
		b.Fatalf("Read(%q) = ok %v, cut %v", line, ok, cut)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Read(line, sp)
	}
}

// readStepwise is ReadSlots as one step per node of the program (the
// literals and separators one by one, no fused prefix): the reference the
// fused reader must agree with.
func readStepwise(r *Reader, line []byte, sp []Span, upto int) (n int, ok, cut bool) {
	sp = sp[:r.nslots]
	absent(sp)
	prog := r.prog[:r.ends[min(max(upto, 0), r.nslots)]]
	pos := 0
	for i := range prog {
		st := &prog[i]
		if st.op == opSep || st.op == opText {
			var done bool
			if pos, ok, done = r.literals(line, pos, i, i+1); done {
				return pos, ok, ok
			}
			continue
		}
		if pos >= len(line) {
			if st.op == opCapBlock || st.op == opCapList {
				continue
			}
			return pos, true, true
		}
		var s, e, next int
		switch st.op {
		case opNum:
			e = numberEnd(line, pos, st.n != 0)
			s, next = pos, e
		case opScan:
			e = scanTo(line, pos, int(st.stop))
			s, next = pos, e
		default:
			s, e, next = st.value(line, pos)
		}
		if next < 0 {
			return pos, false, false
		}
		if s >= 0 {
			sp[st.slot] = Span{int32(s), int32(e)}
		}
		pos = next
	}
	return pos, true, false
}

// FuzzReaderFused checks that ReadSlots (literals matched 8 bytes at once)
// returns what the step-by-step reading does, for every upto, and that the
// values of a Tight slot hold no byte <= ' '.
func FuzzReaderFused(f *testing.F) {
	f.Add(`%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`,
		`10.0.0.1 [21/Nov/2026:08:00:00 +0000] GET "/index.html" "HTTP/1.1" 404 11657 {a|b} s2 be_api 6/0/1/250/266 14/36/28/9/0`)
	f.Add(`%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`,
		`10.0.0.1 [21/Nov/2026:08:00:00 +0000]  GET "/x"  "HTTP/1.1" 404 1 s2 be 6/0/1/250/266 1/2/3/4/`)
	f.Add(HTTPLogFormat, `1.2.3.4:5 [21/Nov/2026:08:00:00.000] fe be/s 1/2/3/4/5 200 1 - - ---- 1/1/1/1/0 0/0 "GET /`)
	f.Add(`%{+Q}r %ST %B %b:%s %tsc %TR/%Tw/%Tc/%Tr/%Ta %sq/%bq %ci:%cp [%tr] %ft %hr %hs %CC %CS`, `"GET / HTTP/1.1" 200 1 be:s ---- 1/2/3/4/5 0/0 1.2.3.4:5 [21/Nov/2026:08:00:00.000] fe`)
	f.Add(`a long literal %ST and [[%B]] end`, `a long literal 200 and [[12]] end`)
	f.Fuzz(func(t *testing.T, format, line string) {
		fm, err := Compile(format)
		if err != nil {
			return
		}
		rd := fm.NewReader(1, -1)
		got, want := make([]Span, rd.Slots()), make([]Span, rd.Slots())
		for u := 0; u <= rd.Slots(); u++ {
			n, ok, cut := rd.ReadSlots([]byte(line), got, u)
			wn, wok, wcut := readStepwise(rd, []byte(line), want, u)
			if n != wn || ok != wok || cut != wcut || !slices.Equal(got, want) {
				t.Fatalf("%q on %q, upto %d: ReadSlots = %d %v %v %v, step by step %d %v %v %v", format, line, u, n, ok, cut, got, wn, wok, wcut, want)
			}
			for k, s := range got {
				if v := s.Bytes([]byte(line)); rd.Tight(k) && bytes.ContainsFunc(v, func(r rune) bool { return r <= ' ' }) {
					t.Fatalf("%q on %q: slot %d is tight but holds %q", format, line, k, v)
				}
			}
		}
	})
}

func TestMonthIndex(t *testing.T) {
	for i, m := range monthNames {
		if got := monthIndex([]byte(m)); got != i {
			t.Errorf("monthIndex(%q) = %d, want %d", m, got, i)
		}
	}
	for _, m := range []string{"jan", "JAN", "Ja", "Janu", "Nav", "Dez", ""} {
		if got := monthIndex([]byte(m)); got != -1 {
			t.Errorf("monthIndex(%q) = %d, want -1", m, got)
		}
	}
}

func TestIsAddrByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b >= '0' && b <= '9' || b == ':' || b == '.' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == '-'
		if isAddrByte(b) != want {
			t.Errorf("isAddrByte(%q) = %v, want %v", b, !want, want)
		}
	}
}

func TestReaderDecimalSepsAfter(t *testing.T) {
	f, err := Compile(`%ci %{+X}Tw %TR/%Ta %ac/%B %b "%s"`)
	if err != nil {
		t.Fatal(err)
	}
	rd := f.NewReader(-1, -1)
	for k, want := range []struct{ dec, seps bool }{
		{false, true},  // %ci
		{false, true},  // %Tw in hex
		{true, false},  // %TR then "/"
		{true, true},   // %Ta
		{true, false},  // %ac then "/"
		{true, true},   // %B
		{false, false}, // %b then '"'
		{false, false}, // %s then '"'
	} {
		if got := rd.Decimal(k); got != want.dec {
			t.Errorf("Decimal(%d) = %v, want %v", k, got, want.dec)
		}
		if got := rd.SepsAfter(k); got != want.seps {
			t.Errorf("SepsAfter(%d) = %v, want %v", k, got, want.seps)
		}
	}
	if rd.Decimal(-1) || rd.Decimal(8) || rd.SepsAfter(-1) || rd.SepsAfter(8) {
		t.Error("a slot out of range reads as decimal or followed by separators")
	}
}

func TestReaderJoined(t *testing.T) {
	cases := []struct {
		format string
		k      int
		lit    string
		want   bool
	}{
		{"%TR/%Tw/%Tc/%Tr/%Ta", 0, "/", true},
		{"%TR/%Tw/%Tc/%Tr/%Ta", 3, "/", true},
		{"%TR/%Tw/%Tc/%Tr/%Ta", 4, "/", false}, // no slot 5
		{"%TR/%Tw/%Tc/%Tr/%Ta", 0, "-", false},
		{"%TR/%Tw %Tc", 1, "/", false}, // a separator
		{"%TR//%Tw", 0, "/", false},    // another literal
		{"%TR/%b", 0, "/", false},      // not a number
		{"%ci [%trl] %TR/%Tw", 2, "/", true},
	}
	for _, c := range cases {
		f, err := Compile(c.format)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.NewReader(-1, -1).Joined(c.k, c.lit); got != c.want {
			t.Errorf("%q: Joined(%d, %q) = %v, want %v", c.format, c.k, c.lit, got, c.want)
		}
	}
}
