package genlog

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testkit"
)

func mustNew(t testing.TB, c Config) *Generator {
	t.Helper()
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func generate(t testing.TB, c Config, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, _, err := mustNew(t, c).Write(&buf, int64(n), 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	c := DefaultConfig()
	c.TCPRatio = 0.1
	a := generate(t, c, 20000)
	b := generate(t, c, 20000)
	if !bytes.Equal(a, b) {
		t.Fatal("two generators with the same Config wrote different bytes")
	}
	c.Seed = 2
	if d := generate(t, c, 20000); bytes.Equal(a, d) {
		t.Fatal("seeds 1 and 2 wrote the same bytes")
	}
	// Next appended one line at a time equals Write.
	g := mustNew(t, DefaultConfig())
	var lines []byte
	for range 1000 {
		lines = append(g.Next(lines), '\n')
	}
	if w := generate(t, DefaultConfig(), 1000); !bytes.Equal(lines, w) {
		t.Fatal("Next and Write disagree")
	}
}

func TestNextAllocs(t *testing.T) {
	c := DefaultConfig()
	c.TCPRatio = 0.2
	c.Prefix = PrefixRFC3339
	g := mustNew(t, c)
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(20000, func() { buf = g.Next(buf[:0]) }); n != 0 {
		t.Fatalf("Next allocates %v times per line, want 0", n)
	}
}

func TestWriteBounds(t *testing.T) {
	g := mustNew(t, DefaultConfig())
	var buf bytes.Buffer
	lines, nb, err := g.Write(&buf, 0, 3_000_000)
	if err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if int64(len(data)) != nb || int64(bytes.Count(data, []byte("\n"))) != lines {
		t.Fatalf("Write reported %d lines / %d bytes, wrote %d / %d", lines, nb, bytes.Count(data, []byte("\n")), len(data))
	}
	last := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	if nb < 3_000_000 || int64(last) >= 3_000_000 {
		t.Fatalf("byte bound 3e6: wrote %d bytes, last line starts at %d", nb, last)
	}
	if _, _, err := g.Write(&buf, 0, 0); err == nil {
		t.Fatal("Write without a bound: no error")
	}
	if s := g.Stats(); s.Lines != lines || s.Bytes+s.Lines != nb {
		t.Fatalf("Stats %+v, want %d lines and %d bytes without newlines", s, lines, nb-lines)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		mod   func(*Config)
		field string
	}{
		{func(c *Config) { c.TCPRatio = 1.5 }, "TCPRatio"},
		{func(c *Config) { c.CacheBust = -0.1 }, "CacheBust"},
		{func(c *Config) { c.Servers = 3 }, "Servers"},
		{func(c *Config) { c.URLs = 5 }, "URLs"},
		{func(c *Config) { c.Clients = -1 }, "Clients"},
		{func(c *Config) { c.Rate = -2 }, "Rate"},
		{func(c *Config) { c.UALen = 5000 }, "UALen"},
		{func(c *Config) { c.Host = "a b" }, "Host"},
		{func(c *Config) { c.Prefix = 7 }, "Prefix"},
		{func(c *Config) { c.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 30)) }, "Start"},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		_, err := New(c)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %v, want one naming the field", tc.field, err)
		}
	}
	if _, err := New(Config{}); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, s := range []string{"classic", "rfc3339", "none"} {
		p, err := ParsePrefix(s)
		if err != nil || p.String() != s {
			t.Errorf("ParsePrefix(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParsePrefix("iso"); err == nil {
		t.Error("ParsePrefix(iso): no error")
	}
}

// TestCivil checks the hand-written calendar against the time package.
func TestCivil(t *testing.T) {
	for d := int64(-800000); d < 800000; d += 13 {
		y, m, day := civil(d)
		ty, tm, td := time.Unix(d*86400, 0).UTC().Date()
		if y != int64(ty) || m != int(tm) || day != td {
			t.Fatalf("civil(%d) = %d-%d-%d, time says %d-%d-%d", d, y, m, day, ty, tm, td)
		}
	}
}

var (
	// The HAProxy payload of httplog and tcplog lines as this package writes them.
	httpRe = regexp.MustCompile(`^(\S+):(\d+) \[(\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] (www~|api~|http-in) ` +
		`([a-z-]+)/(\S+) (-?\d+)/(-?\d+)/(-?\d+)/(-?\d+)/(\d+) (-1|[1-5]\d\d) (\d+) - - ([-A-Za-z]{4}) ` +
		`(\d+)/(\d+)/(\d+)/(\d+)/(\+?\d+) (\d+)/(\d+) ` +
		`(?:"<BADREQ>"|\{([^ {}|"]*(?: [^{}|"]*)?)\|([^{}|"]*)\} \{\} "([A-Z]+) (/\S*) (HTTP/[12]\.[01])")$`)
	tcpRe = regexp.MustCompile(`^(\S+):(\d+) \[(\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] ([a-z]+-in) ` +
		`([a-z]+)/(\S+) (-?\d+)/(-?\d+)/(\d+) (\d+) ([-A-Za-z]{2}) (\d+)/(\d+)/(\d+)/(\d+)/(\d+) 0/0$`)
	classicRe = regexp.MustCompile(`^([A-Z][a-z][a-z] [ 1-3]\d \d\d:\d\d:\d\d) lb1 haproxy\[1234\]: `)
	rfc3339Re = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d) lb1 haproxy\[1234\]: `)
	ipv4Re    = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$`)
	ipv6Re    = regexp.MustCompile(`^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}$|^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){2}::[0-9a-f]{1,4}$`)
)

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// checkLines validates every line of data against the HAProxy formats and
// the consistency rules between termination state, status and timers, and
// returns the number of httplog and tcplog lines.
func checkLines(t *testing.T, data []byte, c Config) (nHTTP, nTCP int) {
	t.Helper()
	var prevAccept time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("line %d: %s\n%s", n, fmt.Sprintf(format, args...), line)
		}
		payload, prefixTime := line, ""
		switch c.Prefix {
		case PrefixClassic:
			m := classicRe.FindStringSubmatch(line)
			if m == nil {
				fail("bad classic prefix")
			}
			payload, prefixTime = line[len(m[0]):], m[1]
		case PrefixRFC3339:
			m := rfc3339Re.FindStringSubmatch(line)
			if m == nil {
				fail("bad rfc3339 prefix")
			}
			payload, prefixTime = line[len(m[0]):], m[1]
		}
		var addr, date string
		var endMs int
		if m := httpRe.FindStringSubmatch(payload); m != nil {
			nHTTP++
			addr, date = m[1], m[3]
			checkHTTP(t, fail, m)
			if len(m[23]) > c.UALen {
				fail("User-Agent capture longer than %d", c.UALen)
			}
			endMs = atoi(t, m[11])
		} else if m := tcpRe.FindStringSubmatch(payload); m != nil {
			nTCP++
			addr, date = m[1], m[3]
			checkTCP(t, fail, m)
			endMs = atoi(t, m[9])
		} else {
			fail("neither httplog nor tcplog")
		}
		if p := atoi(t, payload[len(addr)+1:strings.IndexByte(payload, ' ')]); p < 1024 || p > 65535 {
			fail("port %d", p)
		}
		if m := ipv4Re.FindStringSubmatch(addr); m != nil {
			for _, o := range m[1:] {
				if atoi(t, o) > 255 {
					fail("bad IPv4 %s", addr)
				}
			}
		} else if !ipv6Re.MatchString(addr) {
			fail("bad client address %q", addr)
		}
		acc, err := time.ParseInLocation("02/Jan/2006:15:04:05.000", date, c.Start.Location())
		if err != nil {
			fail("accept date: %v", err)
		}
		if acc.Before(prevAccept) || acc.Before(c.Start) {
			fail("accept date %v goes back (previous %v, start %v)", acc, prevAccept, c.Start)
		}
		prevAccept = acc
		if prefixTime != "" {
			// The prefix is the time the line was emitted: accept + duration.
			want := acc.Add(time.Duration(endMs) * time.Millisecond)
			layout := "Jan _2 15:04:05"
			if c.Prefix == PrefixRFC3339 {
				layout = "2006-01-02T15:04:05-07:00"
			}
			if w := want.Format(layout); prefixTime != w {
				fail("prefix date %q, want accept + duration = %q", prefixTime, w)
			}
		}
		// halog's own line model: the accept field is "[" + 0..3, the
		// timers have 5 (http) or 3 (tcp) parts.
		var l formats.Line
		b := []byte(payload)
		l.Reset(b)
		acf := l.FieldBytes(formats.FieldAccept)
		if len(acf) < 2 || acf[0] != '[' || acf[1] < '0' || acf[1] > '3' {
			fail("halog would reject the accept field %q", acf)
		}
		p, _ := l.Field(formats.FieldTime)
		if parts := formats.CountParts(b, p, 5); parts != 5 && parts != 3 {
			fail("%d timer parts", parts)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return nHTTP, nTCP
}

func checkHTTP(t *testing.T, fail func(string, ...any), m []string) {
	t.Helper()
	fe, be, srv := m[4], m[5], m[6]
	tR, tw, tc, tr, ta := atoi(t, m[7]), atoi(t, m[8]), atoi(t, m[9]), atoi(t, m[10]), atoi(t, m[11])
	status, ts := atoi(t, m[12]), m[14]
	ac, fc, bc, scn := atoi(t, m[15]), atoi(t, m[16]), atoi(t, m[17]), atoi(t, m[18])
	badreq := m[24] == "" // no method: "<BADREQ>"
	if !(ac >= fc && fc >= bc && bc >= scn && fc >= 1) {
		fail("connection counters %d/%d/%d/%d not decreasing", ac, fc, bc, scn)
	}
	if sum := max(tR, 0) + max(tw, 0) + max(tc, 0) + max(tr, 0); ta < sum {
		fail("Ta %d < sum of the other timers %d", ta, sum)
	}
	// -1 propagates: once a phase did not happen, the later ones did not either.
	seen := false
	for _, v := range []int{tR, tw, tc, tr} {
		if v == -1 {
			seen = true
		} else if seen {
			fail("a timer follows a -1")
		}
	}
	nosrv := srv == "<NOSRV>"
	if nosrv != (ts[:2] == "LR" || ts[:2] == "PR" || ts[:2] == "cR" || ts[:2] == "CR" || ts[:2] == "sQ" ||
		(ts[:2] == "SC" && tw == -1)) {
		fail("<NOSRV> and termination state %s disagree", ts)
	}
	if nosrv && be != strings.TrimSuffix(fe, "~") && ts[:2] != "sQ" && ts[:2] != "SC" {
		fail("a request the frontend handled must show the frontend as backend")
	}
	if (fe == "http-in" && !(ts == "LR--" || badreq)) || (ts == "LR--" && fe != "http-in") {
		fail("http-in lines are local redirects, and only them")
	}
	if badreq != (tR == -1) {
		fail("<BADREQ> iff TR = -1")
	}
	if badreq && (ts[1] != 'R' || tw != -1) {
		fail("<BADREQ> with state %s", ts)
	}
	switch ts[:2] {
	case "LR":
		must(fail, status == 301 && tw == -1, "LR is a 301 redirect with -1 timers")
	case "cR":
		must(fail, status == 408, "cR is a 408")
	case "CR":
		must(fail, status == 400, "CR is a 400")
	case "PR":
		must(fail, status == 400 || status == 403, "PR is a 400 or 403")
	case "CH", "CC":
		must(fail, status == -1 && tr == -1, "client abort before the response: status -1")
	case "SC":
		must(fail, status == 503 && tc == -1, "SC is a 503 without connect time")
		must(fail, nosrv || m[19] == "3", "SC after 3 retries")
	case "sH", "SH", "PH":
		must(fail, (status == 504) == (ts[0] == 's') && status >= 502 && tr == -1, "%s: 50x without response time", ts)
	case "sQ":
		must(fail, status == 503 && tw >= 5000 && tc == -1, "sQ is a 503 after the queue timeout")
	case "--", "CD", "cD", "SD":
		must(fail, tR >= 0 && tw >= 0 && tc >= 0 && tr >= 0 && status >= 100, "%s with a -1 timer", ts)
	default:
		fail("unexpected termination state %s", ts)
	}
	if status == -1 && ts[0] != 'C' {
		fail("status -1 without a client abort")
	}
	if ts[2:] != "--" && be != "www" && be != "cart" && be != "admin" {
		fail("cookie flags %s on a backend without persistence", ts[2:])
	}
}

func checkTCP(t *testing.T, fail func(string, ...any), m []string) {
	t.Helper()
	srv, tw, tc, tt := m[6], atoi(t, m[7]), atoi(t, m[8]), atoi(t, m[9])
	bytesRead, ts := atoi(t, m[10]), m[11]
	ac, fc, bc, scn := atoi(t, m[12]), atoi(t, m[13]), atoi(t, m[14]), atoi(t, m[15])
	if !(ac >= fc && fc >= bc && bc >= scn) {
		fail("connection counters not decreasing")
	}
	switch ts {
	case "SC":
		must(fail, tc == -1 && bytesRead == 0, "SC: no connection, no bytes")
		must(fail, (srv == "<NOSRV>") == (tw == -1), "SC without server has no queue time")
		must(fail, srv == "<NOSRV>" || m[16] == "3", "SC after 3 retries")
	case "--", "CD", "cD", "sD":
		must(fail, tw >= 0 && tc >= 0 && tt >= tw+tc && srv != "<NOSRV>", "%s with -1 timers", ts)
	default:
		fail("unexpected termination state %s", ts)
	}
}

func must(fail func(string, ...any), ok bool, format string, args ...any) {
	if !ok {
		fail(format, args...)
	}
}

func TestLinesWellFormed(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"default", func(*Config) {}},
		{"rfc3339-offset", func(c *Config) {
			c.Prefix = PrefixRFC3339
			c.Start = time.Date(2026, 3, 6, 23, 59, 0, 0, time.FixedZone("", -(5*3600+30*60)))
		}},
		{"none-tcp-heavy", func(c *Config) {
			c.Prefix = PrefixNone
			c.TCPRatio = 0.5
			c.Seed = 42
		}},
		{"small-tables-new-year", func(c *Config) {
			c.Servers, c.URLs, c.Clients, c.UALen, c.Rate = 10, 10, 1, 1, 5
			c.Start = time.Date(2026, 12, 31, 23, 59, 50, 0, time.UTC)
			c.Zipf, c.CacheBust = 0, 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			const n = 10000
			nHTTP, nTCP := checkLines(t, generate(t, c, n), c)
			if nHTTP+nTCP != n {
				t.Fatalf("%d + %d lines, want %d", nHTTP, nTCP, n)
			}
			// 5 standard deviations around the expected TCP share.
			exp := c.TCPRatio * n
			if sd := 5 * (exp*(1-c.TCPRatio) + 1); float64(nTCP) < exp-sd || float64(nTCP) > exp+sd {
				t.Fatalf("%d tcplog lines, expected about %.0f", nTCP, exp)
			}
		})
	}
}

func runHalog(t *testing.T, bin, file string, args ...string) (stdout, stderr string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = f
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("halog %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

// TestRealHalog feeds generated logs to the reference halog: no parsing
// errors, and its counts agree with what the generator wrote.
func TestRealHalog(t *testing.T) {
	bin := testkit.Halog(t)
	for _, tc := range []struct {
		prefix Prefix
		skip   string
	}{{PrefixClassic, "1"}, {PrefixRFC3339, "-1"}, {PrefixNone, "-4"}} {
		t.Run(tc.prefix.String(), func(t *testing.T) {
			c := DefaultConfig()
			c.Prefix = tc.prefix
			n := 100000
			if tc.prefix != PrefixClassic {
				n = 20000
			}
			g := mustNew(t, c)
			path := filepath.Join(t.TempDir(), "gen.log")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := g.Write(f, int64(n), 0); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// tcplog lines are the ones without a request line.
			var nTCP int64
			for l := range bytes.Lines(data) {
				if bytes.IndexByte(l, '"') < 0 {
					nTCP++
				}
			}
			if nTCP == 0 {
				t.Fatal("no tcplog line")
			}
			out, errs := runHalog(t, bin, path, "-s", tc.skip, "-srv", "-H")
			if want := fmt.Sprintf("%d lines in, %d lines out, 0 parsing errors\n", n,
				strings.Count(out, "\n")-1); errs != want {
				t.Fatalf("halog -srv -H stderr %q, want %q", errs, want)
			}
			// Every server of every backend shows up (61 with the <NOSRV> rows).
			if rows := strings.Count(out, "\n") - 1; rows < c.Servers {
				t.Fatalf("halog -srv -H: %d rows, want at least %d", rows, c.Servers)
			}
			out, _ = runHalog(t, bin, path, "-s", tc.skip, "-c", "-H")
			if got := strings.TrimSpace(out); got != strconv.FormatInt(int64(n)-nTCP, 10) {
				t.Fatalf("halog -c -H = %s, want %d httplog lines", got, int64(n)-nTCP)
			}
			// -pct counts the tcplog lines (3 timers) as parse errors and
			// nothing else.
			_, errs = runHalog(t, bin, path, "-s", tc.skip, "-pct")
			if !strings.HasSuffix(errs, fmt.Sprintf(" %d parsing errors\n", nTCP)) {
				t.Fatalf("halog -pct: %q, want %d parsing errors", errs, nTCP)
			}
		})
	}
}

func FuzzGenerator(f *testing.F) {
	f.Add(uint64(1), 0.02, 0.02, 1.0, 60, 50000, 200000, 250.0, 40, int64(0), 0)
	f.Add(uint64(7), 1.0, 1.0, 0.0, 10, 10, 1, 1e7, 1, int64(-86399), 1)
	f.Add(uint64(0), 0.5, 0.0, 3.0, 11, 11, 3, 0.5, 1024, int64(1e9), 2)
	f.Fuzz(func(t *testing.T, seed uint64, tcp, bust, zipf float64, servers, urls, clients int,
		rate float64, uaLen int, startSec int64, prefix int) {
		c := Config{Seed: seed, TCPRatio: tcp, CacheBust: bust, Zipf: zipf,
			Servers: servers, URLs: urls % 100000, Clients: clients, Rate: rate, UALen: uaLen,
			Start: time.Unix(1795248000+startSec%(50*365*86400), 0).UTC(), Prefix: Prefix(prefix)}
		if c.Servers > 1000 {
			c.Servers = 1000
		}
		g, err := New(c)
		if err != nil {
			return // invalid configurations are rejected, not used
		}
		c, _ = c.withDefaults()
		var buf bytes.Buffer
		if _, _, err := g.Write(&buf, 300, 0); err != nil {
			t.Fatal(err)
		}
		checkLines(t, buf.Bytes(), c)
	})
}
