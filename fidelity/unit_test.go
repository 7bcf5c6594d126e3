package fidelity

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

// These tests check the harness's own machinery against datagrams HAProxy
// 2.6 really sent (testdata/wire, see its README); they need no haproxy.

type wireFile struct {
	name     string
	framing  framing
	facility int // expected facility (PRI/8) from the capture config; -1: none in the header
	host     string
	format   *lineFormat
}

func wireFiles(t *testing.T) []wireFile {
	t.Helper()
	mk := func(src string, req, resp int) *lineFormat {
		lf, err := newLineFormat(src, req, resp)
		if err != nil {
			t.Fatal(err)
		}
		return lf
	}
	httplog := mk(formats.HTTPLogFormat, 2, 2)
	h5424 := mk(formats.HTTPLogFormat, 2, 0)
	return []wireFile{
		{"http.log", frameLocal, 16, "", httplog},
		{"tcp.log", frameLocal, 16, "", mk(formats.TCPLogFormat, 0, 0)},
		{"clf.log", frameLocal, 16, "", mk(formats.CLFLogFormat, 2, 1)},
		{"custom.log", frameLocal, 16, "", mk(customLogFormat, 2, 0)},
		{"rfc5424-rfc3164.log", frame3164, 16, "corpus-host", h5424},
		{"rfc5424-rfc5424.log", frame5424, 17, "corpus-host", h5424},
		{"rfc5424-short.log", frameShort, -1, "", h5424},
		{"rfc5424-raw.log", frameRaw, -1, "", h5424},
		{"rfc5424-iso.log", frameISO, -1, "", h5424},
		{"rfc5424-timed.log", frameTimed, -1, "", h5424},
		{"rfc5424-priority.log", framePriority, 18, "", h5424},
		{"rfc5424-len4096.log", frame3164, 19, "corpus-host", h5424},
	}
}

func readWire(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "wire", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ln := range strings.SplitAfter(string(data), "\n") {
		if ln != "" {
			out = append(out, ln)
		}
	}
	if len(out) < 10 {
		t.Fatalf("%s: only %d datagrams", name, len(out))
	}
	return out
}

var (
	// A traffic message starts with the client address (IPv4 or IPv6).
	clientStartRe = regexp.MustCompile(`^([0-9]{1,3}\.|[0-9a-f]*:[0-9a-f:]*:)`)
	acceptDateRe  = regexp.MustCompile(`\[([0-3][0-9]/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2})`)
)

// captureNow is a "now" just after the latest accept date of the sample
// (read with a plain regexp, not with the code under test).
func captureNow(t *testing.T, lines []string) time.Time {
	t.Helper()
	var last time.Time
	for _, ln := range lines {
		if m := acceptDateRe.FindStringSubmatch(ln); m != nil {
			tm, err := time.Parse("02/Jan/2006:15:04:05", m[1])
			if err == nil && tm.After(last) {
				last = tm
			}
		}
	}
	if last.IsZero() {
		t.Fatal("no accept date in the sample")
	}
	return last.Add(2 * time.Second)
}

func TestHeaderLayouts(t *testing.T) {
	for _, wf := range wireFiles(t) {
		lines := readWire(t, wf.name)
		now := captureNow(t, lines)
		for i, raw := range lines {
			d := parseDgram(raw, wf.framing)
			if !d.hdr.ok || !d.hdr.lf {
				t.Errorf("%s:%d: header ok=%v lf=%v: %q", wf.name, i+1, d.hdr.ok, d.hdr.lf, raw)
				continue
			}
			if d.hdr.size != len(raw) {
				t.Errorf("%s:%d: size %d, want %d", wf.name, i+1, d.hdr.size, len(raw))
			}
			switch wf.framing {
			case frameLocal, frame3164, frame5424:
				if d.hdr.tag != "haproxy" || d.hdr.pid <= 0 || d.hdr.host != wf.host {
					t.Errorf("%s:%d: host %q tag %q pid %d", wf.name, i+1, d.hdr.host, d.hdr.tag, d.hdr.pid)
				}
			}
			switch {
			case wf.facility >= 0 && d.hdr.pri/8 != wf.facility:
				t.Errorf("%s:%d: PRI %d is not facility %d", wf.name, i+1, d.hdr.pri, wf.facility)
			case wf.framing == frameShort || wf.framing == frameTimed:
				if d.hdr.pri < 0 || d.hdr.pri > 7 {
					t.Errorf("%s:%d: level %d", wf.name, i+1, d.hdr.pri)
				}
			case wf.framing == frameRaw || wf.framing == frameISO:
				if d.hdr.pri != -1 {
					t.Errorf("%s:%d: PRI %d in a layout without one", wf.name, i+1, d.hdr.pri)
				}
			}
			if !stampPlausible(d.hdr.stamp, now, time.UTC) {
				t.Errorf("%s:%d: stamp %q not plausible at %v", wf.name, i+1, d.hdr.stamp, now)
			}
			if stampPlausible(d.hdr.stamp, now.Add(time.Hour), time.UTC) && d.hdr.stamp != "" {
				t.Errorf("%s:%d: stamp %q still plausible an hour later", wf.name, i+1, d.hdr.stamp)
			}
			if d.admin == clientStartRe.MatchString(d.msg) {
				t.Errorf("%s:%d: admin=%v for %q", wf.name, i+1, d.admin, d.msg)
			}
		}
	}
}

func TestHeaderMismatch(t *testing.T) {
	f := func(raw string, fr framing) {
		t.Helper()
		if d := parseDgram(raw, fr); d.hdr.ok {
			t.Errorf("%q parsed as %s: %+v", raw, fr, d.hdr)
		}
	}
	f("<134>Nov 21 13:34:50 haproxy[18990] 127.0.0.1:1 x\n", frameLocal)    // no colon
	f("<134>Nov 21 13:34:50 localhost haproxy: 127.0.0.1:1\n", frame3164)   // no pid
	f("Nov 21 13:34:50 haproxy[1]: 127.0.0.1:1\n", frameLocal)              // no PRI
	f("<134>1 2026-11-21T13:32:40 - haproxy 1 - - x\n", frame5424)          // no fraction/offset
	f("<14>127.0.0.1:1 x\n", frameShort)                                    // level > 7
	f("<6>2026-11-21 13:32:40.716201+00:00 127.0.0.1:1 x\n", frameTimed)    // no T
	f("<134>Nov 21 13:34:50 localhost haproxy[1]: 127.0.0.1:1\n", frameISO) // not ISO
}

func TestFieldsOfSamples(t *testing.T) {
	for _, wf := range wireFiles(t) {
		lines := readWire(t, wf.name)
		now := captureNow(t, lines)
		traffic, truncated := 0, 0
		for i, raw := range lines {
			d := parseDgram(raw, wf.framing)
			if d.admin {
				continue
			}
			traffic++
			p := lineFields(d, wf.format, d.hdr.pid, now, time.UTC)
			if p.err != nil {
				t.Errorf("%s:%d: %v\n%s", wf.name, i+1, p.err, raw)
				continue
			}
			// Lines reach the 1024-byte limit (len 4096 for that logger)
			// exactly when HAProxy cut them.
			limit := 1025
			if wf.name == "rfc5424-len4096.log" {
				limit = 4097
			}
			if p.truncated != (len(raw) == limit) {
				t.Errorf("%s:%d: truncated=%v for a %d-byte datagram", wf.name, i+1, p.truncated, len(raw))
			}
			if p.truncated {
				truncated++
			}
			vals := map[string]string{}
			for _, f := range p.fields {
				vals[f.name] = f.value
			}
			if vals["hdr.pid"] != "process" && vals["hdr.pid"] != "none" {
				t.Errorf("%s:%d: hdr.pid %q", wf.name, i+1, vals["hdr.pid"])
			}
			if vals["date"] != "ok" || vals["hdr.time"] != "true" {
				t.Errorf("%s:%d: date %q hdr.time %q", wf.name, i+1, vals["date"], vals["hdr.time"])
			}
			// Every comparable line shows at least the frontend (the
			// custom format has none but shows the backend).
			if vals["ft"] == "" && vals["b"] == "" {
				t.Errorf("%s:%d: no frontend/backend in %v", wf.name, i+1, p.fields)
			}
			compared, diffs := compareFields(p, p, compareOpts{})
			if len(diffs) != 0 || len(compared) < 8 {
				t.Errorf("%s:%d: self-comparison: %d fields compared, diffs %v", wf.name, i+1, len(compared), diffs)
			}
		}
		if traffic == 0 {
			t.Errorf("%s: no traffic line", wf.name)
		}
		t.Logf("%s: %d datagrams, %d traffic lines, %d cut", wf.name, len(lines), traffic, truncated)
	}
}

// A line HAProxy 2.6 logged (conformance capture, http scenario).
const refLine = `<134>Nov 21 13:34:50 haproxy[18990]: 127.0.0.1:57152 [21/Nov/2026:13:34:50.919] fe_web be_rr/a1 0/0/0/0/0 200 4211 - - --NI 1/1/0/0/0 0/0 {www.example.com|curl/7.88.1} {text/plain|corpus-a1} "GET /cart?st=200&sz=4096 HTTP/1.1"` + "\n"

func TestCompareDetects(t *testing.T) {
	lf, err := newLineFormat(formats.HTTPLogFormat, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 13, 35, 0, 0, time.UTC)
	const pid = 18990
	f := func(name, from, to string, o compareOpts, want ...string) {
		t.Helper()
		mutated := strings.Replace(refLine, from, to, 1)
		if mutated == refLine {
			t.Fatalf("%s: %q not in the line", name, from)
		}
		ref := lineFields(parseDgram(refLine, frameLocal), lf, pid, now, time.UTC)
		got := lineFields(parseDgram(mutated, frameLocal), lf, pid, now, time.UTC)
		_, diffs := compareFields(ref, got, o)
		var names []string
		for _, d := range diffs {
			names = append(names, d.field)
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%s: differing fields %v, want %v", name, names, want)
		}
	}
	none := compareOpts{}
	f("client port", ":57152 ", ":4242 ", none)
	f("accept date", "13:34:50.919]", "13:34:59.001]", none)
	f("header time", "Nov 21 13:34:50 ", "Nov 21 13:34:51 ", none)
	f("timers", " 0/0/0/0/0 ", " 3/0/1/12/40 ", none)
	f("timer -1", " 0/0/0/0/0 ", " 0/0/-1/-1/40 ", none, "Tc", "Tr")
	f("status", " 200 4211 ", " 404 4211 ", none, "ST")
	f("bytes", " 200 4211 ", " 200 4210 ", none, "B")
	f("bytes masked", " 200 4211 ", " 200 4210 ", compareOpts{mask: map[string]bool{"B": true}})
	f("server", "be_rr/a1 ", "be_rr/a2 ", none, "s")
	f("nosrv", "be_rr/a1 ", "be_rr/<NOSRV> ", none, "s")
	f("backend", "be_rr/a1 ", "be_lc/a1 ", none, "b")
	f("frontend", " fe_web ", " fe_plain ", none, "ft")
	f("termination", " --NI ", " CDNI ", none, "tsc")
	f("cookie flags", " --NI ", " --N- ", none, "tsc")
	f("actconn", " 1/1/0/0/0 ", " 2/1/0/0/0 ", none, "ac")
	f("actconn masked", " 1/1/0/0/0 ", " 2/1/0/0/0 ", compareOpts{mask: map[string]bool{"ac": true}})
	f("retries", " 1/1/0/0/0 ", " 1/1/0/0/+1 ", none, "rc")
	f("queues", " 0/0 {", " 0/2 {", none, "bq")
	f("captured host", "{www.example.com|", "{www.example.org|", none, "hr[0]")
	f("captured server", "|corpus-a1}", "|corpus-a2}", none, "hs[1]")
	f("uri", "/cart?", "/carts?", none, "HU")
	f("version", "HTTP/1.1\"", "HTTP/1.0\"", none, "HV")
	f("badreq", `"GET /cart?st=200&sz=4096 HTTP/1.1"`, `"<BADREQ>"`, none, "HM", "HU", "HV")
	f("pri", "<134>", "<135>", none, "hdr.pri")
	f("pid", "haproxy[18990]", "haproxy[18991]", none, "hdr.pid")
	f("tag", "haproxy[18990]", "proxy[18990]", none, "hdr.tag")
	f("no header", "<134>Nov 21 13:34:50 haproxy[18990]: ", "", none, "hdr.layout", "hdr.pri", "hdr.tag", "hdr.pid")
	f("final LF", "\"\n", "\"", none, "hdr.lf")
	f("old date", "[21/Nov/2026:13:34:50.919]", "[20/Nov/2026:13:34:50.919]", none, "date")
	f("garbage", " 0/0/0/0/0 ", " zero ", none, "parse")
	tw := compareOpts{threshold: map[string]int64{"Tw": 100}}
	f("Tw below threshold", " 0/0/0/0/0 ", " 0/99/0/0/0 ", tw)
	f("Tw above threshold", " 0/0/0/0/0 ", " 0/250/0/0/0 ", tw, "Tw")
	f("Tw without threshold", " 0/0/0/0/0 ", " 0/250/0/0/0 ", none)
}

// TestCompareTruncated: two lines cut at 1024 bytes whose timers have
// other widths match; a difference before the cut does not.
func TestCompareTruncated(t *testing.T) {
	lf, err := newLineFormat(formats.HTTPLogFormat, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 13, 35, 0, 0, time.UTC)
	long := strings.Replace(refLine, "/cart?", "/cart/"+strings.Repeat("x", 1200)+"?", 1)
	cut := func(s string) string { return s[:1024] + "\n" }
	ref := lineFields(parseDgram(cut(long), frameLocal), lf, 18990, now, time.UTC)
	if !ref.truncated {
		t.Fatal("line not seen as truncated")
	}
	wider := lineFields(parseDgram(cut(strings.Replace(long, " 0/0/0/0/0 ", " 10/20/30/400/5000 ", 1)), frameLocal), lf, 18990, now, time.UTC)
	if _, diffs := compareFields(ref, wider, compareOpts{}); len(diffs) != 0 {
		t.Errorf("wider timers: %v", diffs)
	}
	other := lineFields(parseDgram(cut(strings.Replace(long, "/cart/x", "/cart/y", 1)), frameLocal), lf, 18990, now, time.UTC)
	if _, diffs := compareFields(ref, other, compareOpts{}); len(diffs) != 1 || diffs[0].field != "HU" {
		t.Errorf("other URI: %v", diffs)
	}
	short := lineFields(parseDgram(refLine, frameLocal), lf, 18990, now, time.UTC)
	if _, diffs := compareFields(ref, short, compareOpts{}); len(diffs) == 0 {
		t.Error("a cut line matches an uncut one with another URI")
	}
}

func TestAdminKey(t *testing.T) {
	a := parseDgram("<129>Nov 21 13:34:48 haproxy[1]: Server be_down/d1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left.\n", frameLocal)
	b := parseDgram("<129>Nov 21 13:35:00 haproxy[2]: Server be_down/d1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 12ms. 0 active and 0 backup servers left.\n", frameLocal)
	c := parseDgram("<128>Nov 21 13:35:00 haproxy[2]: Server be_down/d1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 12ms. 0 active and 0 backup servers left.\n", frameLocal)
	if !a.admin || !b.admin {
		t.Fatal("not classified as admin")
	}
	if adminKey(a) != adminKey(b) {
		t.Errorf("keys differ:\n%s\n%s", adminKey(a), adminKey(b))
	}
	if adminKey(b) == adminKey(c) {
		t.Error("level not part of the key")
	}
}

// TestScenarios checks the scenario tables and that every template
// renders (without starting anything).
func TestScenarios(t *testing.T) {
	e := &env{backends: map[string]string{}, dead: "127.0.0.1:9", flap: &flapper{addr: "127.0.0.1:11", release: func() {}}}
	for _, n := range []string{"a1", "a2", "a3", "slow1", "q1", "echo1", "echo2", "banner1", "silent1", "closer"} {
		e.backends[n] = "127.0.0.1:10"
	}
	for _, sc := range scenarios() {
		for fe, lf := range sc.formats {
			if lf.f == nil {
				t.Errorf("%s: format of %q does not compile: %s", sc.name, fe, lf.src)
			}
		}
		if _, ok := sc.loggers["main"]; !ok {
			t.Errorf("%s: no main logger", sc.name)
		}
		names := map[string]bool{}
		for _, st := range sc.steps {
			if names[st.name] {
				t.Errorf("%s: duplicate step %s", sc.name, st.name)
			}
			names[st.name] = true
			if st.run == nil || st.lines < 0 {
				t.Errorf("%s: step %s incomplete", sc.name, st.name)
			}
		}
		s := newSide("render", "", sc)
		path := s.render(t, e, sc, t.TempDir())
		s.releasePorts()
		for _, c := range s.cols {
			c.close()
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "frontend fe_sync") || strings.Contains(string(data), "{{") {
			t.Errorf("%s: rendered config lacks fe_sync or has template text:\n%s", sc.name, data)
		}
		if _, ok := s.ports["fe_sync"]; !ok {
			t.Errorf("%s: fe_sync has no port", sc.name)
		}
		for _, st := range sc.steps {
			if st.cond != nil && !st.cond(e) {
				continue
			}
			if _, ok := s.ports[st.fe]; !ok {
				t.Errorf("%s: step %s uses frontend %s, which the config does not bind", sc.name, st.name, st.fe)
			}
		}
		if hap, ok := testkit.Want(t, "haproxy"); ok {
			// The reference must accept what the harness renders.
			if out, err := exec.Command(hap, "-c", "-q", "-f", path).CombinedOutput(); err != nil {
				t.Errorf("%s: haproxy -c: %v\n%s", sc.name, err, out)
			}
		}
		if len(s.cols) != len(sc.loggers) {
			t.Errorf("%s: %d loggers in the config, %d framings", sc.name, len(s.cols), len(sc.loggers))
		}
	}
}
