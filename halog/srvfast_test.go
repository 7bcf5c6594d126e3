package halog

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/haplog/haplog/formats"
)

// TestTimerList compares timerList with the format reader and ParseTimers
// on random timer lists (parts of digits, signs, nothing, several
// slashes, a space, 0 to 10 digits) in a line of issue 14's format tail:
// where it takes a list, the reader must read the line as matching with
// those 5 spans and ParseTimers give the same values; the lists it must
// take or leave are checked by name.
func TestTimerList(t *testing.T) {
	f, err := formats.Compile("%b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc")
	if err != nil {
		t.Fatal(err)
	}
	rd := f.NewReader(-1, -1)
	sp := make([]formats.Span, rd.Slots())
	check := func(list, tail string) (ok bool) {
		t.Helper()
		msg := []byte("be " + list + tail)
		// what follows the line: short, then long enough for digitList
		rest := append(append([]byte(nil), msg...), "\nnext 1/2/3/4/5 line"...)
		var tv, tv2 [5]int32
		neg, ok := timerList(rest, len(msg), 3, &tv, 0x1f)
		rest = append(rest, "\n12/34/56/78/90 1/2/3/4/5 12345678901234567890"...)
		neg2, ok2 := timerList(rest, len(msg), 3, &tv2, 0x1f)
		if ok != ok2 || ok && (neg != neg2 || tv != tv2) {
			t.Fatalf("%q: timerList %v %v %v with a short rest, %v %v %v with a long one", msg, ok, neg, tv, ok2, neg2, tv2)
		}
		// -srv's parts only (Tc, Tr): the same where it makes them
		tv3 := [5]int32{-7, -7, -7, -7, -7}
		neg3, ok3 := timerList(rest, len(msg), 3, &tv3, 1<<2|1<<3)
		if ok3 != ok || ok && (neg3 != neg || tv3[2] != tv[2] || tv3[3] != tv[3]) {
			t.Fatalf("%q: timerList of Tc, Tr %v %v %v, of all %v %v %v", msg, ok3, neg3, tv3, ok, neg, tv)
		}
		if !ok {
			return false
		}
		_, rok, cut := rd.ReadSlots(msg, sp, 6)
		if !rok || cut || sp[1].Start != 3 {
			t.Fatalf("%q: timerList takes it, the reader reads ok %v cut %v %v", msg, rok, cut, sp[1:6])
		}
		var want [5]int32
		n, wneg := formats.ParseTimers(msg[:sp[5].End], 3, want[:])
		if n != 5 || wneg != neg || want != tv {
			t.Fatalf("%q: timerList %v neg %v, ParseTimers %d parts %v neg %v", msg, tv, neg, n, want, wneg)
		}
		return true
	}
	for _, c := range []struct {
		list string
		want bool
	}{
		{"6/0/1/250/266", true},
		{"0/-1/-1/-1/1234567", true},
		{"-0/0/0/0/0", true},
		{"1/2/3/4/12345678", false}, // 8 digits
		{"+1/2/3/4/5", false},
		{"1//3/4/5", false},
		{"1/2/3/4", false},
		{"1/2/3/4/", false},
		{"1/2/3/4/-", false},
		{"1/2/3/4 5", false},
		{"a/2/3/4/5", false},
	} {
		if got := check(c.list, " 1/2"); got != c.want {
			t.Errorf("%q: timerList ok %v, want %v", c.list, got, c.want)
		}
	}
	// the line may end right after the list, or 8 bytes after a part
	if !check("1/2/3/4/5", "") || check("1/2/3/4/5", "x") != true {
		t.Error("a list at the end of the line is not taken")
	}
	rng := rand.New(rand.NewPCG(14, 8))
	taken := 0
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for k := 0; k < 4+rng.IntN(3); k++ {
			if k > 0 {
				b.WriteByte("/////// -"[rng.IntN(9)])
			}
			if rng.IntN(8) == 0 {
				b.WriteByte("-+x"[rng.IntN(3)])
			}
			for d := rng.IntN(11); d > 0; d-- {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if check(b.String(), [...]string{"", " 1/2", "/7", "x"}[rng.IntN(4)]) {
			taken++
		}
	}
	if taken < 1000 {
		t.Errorf("timerList took %d random lists: the comparison covers too few", taken)
	}
}

// TestSrvLineTaken checks that issue 14's format takes srvLine for -srv
// and -srv -H and that the comparison of TestDirectMatchesRewrite goes
// through it: srvLine handles the intact lines of the generated log.
func TestSrvLineTaken(t *testing.T) {
	recs := genRecords(500, 3)
	_, customLog := writeLogs(t, recs, issueFormat)
	for _, m := range []string{"-srv", "-srv -H"} {
		_, c := formatConfig(t, issueFormat, m)
		if c == nil || c.srv == nil {
			t.Fatalf("%s: no srvLine plan for issue 14's format", m)
		}
		p := newProc(c)
		p.r = &chunkOut{}
		data, err := os.ReadFile(customLog)
		if err != nil {
			t.Fatal(err)
		}
		handled := 0
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if done, _ := p.srvLine(bytes.TrimSuffix(line, []byte("\n")), line); done {
				handled++
			}
		}
		if handled < len(recs)*9/10 {
			t.Errorf("%s: srvLine handled %d of %d lines", m, handled, len(recs))
		}
	}
	for _, m := range []string{"-srv -e", "-srv -v", "-st", "-srv -rt 10"} {
		if _, c := formatConfig(t, issueFormat, m); c != nil && c.srv != nil {
			t.Errorf("%s: srvLine planned, but it has no way for that run", m)
		}
	}
}

// TestNonDigits compares nonDigits with a byte-by-byte reading on words of
// random bytes, of digits with one byte from around the digits' bounds,
// and every byte value in every lane.
func TestNonDigits(t *testing.T) {
	check := func(w uint64) {
		t.Helper()
		var want uint32
		for i := 0; i < 8; i++ {
			if c := byte(w >> (8 * i)); c < '0' || c > '9' {
				want |= 1 << i
			}
		}
		if got := nonDigits(w); got != want {
			t.Fatalf("nonDigits(%#x) = %08b, want %08b", w, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		for i := 0; i < 8; i++ {
			check(0x3535353535353535&^(0xff<<(8*i)) | uint64(c)<<(8*i))
			check(0x2f3a2f3a2f3a2f3a&^(0xff<<(8*i)) | uint64(c)<<(8*i))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		check(rng.Uint64())
	}
}

// TestSrvCacheManyServers runs -srv on lines of many backends and
// servers, with names of 0 to 20 bytes (some past the cache's 16), more
// pairs than srvEntry's cache has slots: the report must be the one
// directLine (no srvLine) and the rewrite give.
func TestSrvCacheManyServers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	name := func(n int) string { return randName(rng, n) }
	var bes, srvs []string
	for i := 0; i < 40; i++ {
		bes = append(bes, name(1+i%20))
		srvs = append(srvs, name(i%13))
	}
	// names that differ only past 8 bytes, or only in length
	bes = append(bes, "be_1234567", "be_1234568", "be_12345", "be_1234")
	srvs = append(srvs, "srv_abcdX", "srv_abcdY", "srv_ab", "srv_a")
	recs := genRecords(6000, 5)
	for i := range recs {
		recs[i].Backend = bes[rng.IntN(len(bes))]
		if recs[i].Server != "" {
			recs[i].Server = srvs[rng.IntN(len(srvs))]
		}
	}
	_, customLog := writeLogs(t, recs, issueFormat)
	in, err := os.ReadFile(customLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"-srv", "-srv -H"} {
		run := func(way string) string {
			o, c := formatConfig(t, issueFormat, m)
			switch way {
			case "directLine":
				c.srv = nil
			case "rewrite":
				c.direct, c.srv = directOff, nil
			}
			if way == "srvLine" && c.srv == nil {
				t.Fatalf("%s: no srvLine plan", m)
			}
			var out, diag bytes.Buffer
			if err := runText(o, c, bytes.NewReader(in), &out, &diag, &runStats{}); err != nil {
				t.Fatal(err)
			}
			return out.String() + diag.String()
		}
		got := run("srvLine")
		if strings.Count(got, "\n") < 200 {
			t.Fatalf("%s: %d lines of report: too few servers to fill the cache", m, strings.Count(got, "\n"))
		}
		for _, way := range []string{"directLine", "rewrite"} {
			if want := run(way); got != want {
				t.Errorf("%s: srvLine and %s differ: %s", m, way, firstDiff([]byte(got), []byte(want)))
			}
		}
	}
}

// TestSrvEntry looks up random pairs of backend and server names, many
// of the same lengths and sharing their first bytes (more than srvEntry's
// cache holds), and checks that each lookup returns the entry of the key
// "backend/server", cached or not.
func TestSrvEntry(t *testing.T) {
	_, c := formatConfig(t, issueFormat, "-srv")
	p := newProc(c)
	rng := rand.New(rand.NewPCG(3, 9))
	name := func(n int) string { return randName(rng, n) }
	// random names: consecutive ones would spread over the cache's slots
	// without ever sharing one
	bes := []string{"", "be_123456789", "be_123456780"}
	for i := 0; i < 6; i++ {
		bes = append(bes, name(1+i))
	}
	var srvs []string
	for i := 0; i < 60; i++ {
		srvs = append(srvs, name([...]int{2, 3, 9, 10}[i%4]))
	}
	// names of 9 to 16 bytes that differ only in their last 8 (and of
	// the same length: only the last word tells them apart), and longer
	for i := 0; i < 12; i++ {
		bes = append(bes, "backend_"+name(8))
		srvs = append(srvs, "server__"+name(4), "server__"+name(1+i%8))
	}
	bes = append(bes, "backend_"+name(9), "backend_"+name(9))
	// pairs that differ in their 9th byte only: 16 bytes (the two words
	// must cover every byte), 17 (too long for the cache)
	bes = append(bes, "backend_A1234567", "backend_B1234567", "backend_A12345678", "backend_B12345678")
	hits := 0
	for i := 0; i < 50000; i++ {
		be, srv := bes[rng.IntN(len(bes))], srvs[rng.IntN(len(srvs))]
		msg := []byte(be + " " + srv + " 1/2/3/4/5 0/0/0/0/0")
		rest := msg
		if i%2 == 0 {
			rest = append(msg[:len(msg):len(msg)], "\nnext line"...)
		}
		b := formats.Span{Start: 0, End: int32(len(be))}
		s := formats.Span{Start: int32(len(be) + 1), End: int32(len(be) + 1 + len(srv))}
		n := p.agg.servers.len()
		e := p.srvEntry(msg, rest, b, s)
		if got, want := string(p.agg.servers.key(e)), be+"/"+srv; got != want {
			t.Fatalf("lookup %d: srvEntry gives the entry of %q, want %q", i, got, want)
		}
		if p.agg.servers.len() == n {
			hits++
		}
	}
	if p.srvc == nil || hits < 30000 {
		t.Errorf("cache %v, %d lookups of a known server: the test compares too little", p.srvc != nil, hits)
	}
}

// randName returns n random bytes of the ones server names hold.
func randName(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcs_-.019XY"[rng.IntN(12)]
	}
	return string(b)
}
