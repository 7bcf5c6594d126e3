package syslogd

import (
	"fmt"
	"net/netip"
	"testing"
)

// FuzzIfCondition: any condition parses or fails without a panic, and a
// parsed one evaluates.
func FuzzIfCondition(f *testing.F) {
	f.Add(`$msg contains 'abc' and not ($hostname startswith_i "WEB") or $programname != "x"`)
	f.Add(`((($msg == "a")))`)
	f.Add(`not not ($msg contains "\"q\"")`)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseExpr(s)
		if err != nil {
			return
		}
		m := Message{Msg: []byte(" abc"), Hostname: []byte("web1"), Tag: []byte("app:")}
		var ev evalCtx
		ev.begin(0)
		ev.evalBool(e, &m)
	})
}

// countingServer returns a server on conf whose files are countSinks,
// and a worker of it.
func countingServer(t testing.TB, conf string) (*worker, *Server, *sinkSet) {
	t.Helper()
	s, sinks := countServer(t, "alloc.conf", conf)
	return s.newWorker(false), s, sinks
}

// routeNoAllocs routes haproxyLine 1002 times through w, failing t if
// that allocates, and flushes s.
func routeNoAllocs(t *testing.T, w *worker, s *Server) {
	t.Helper()
	from := netip.MustParseAddr("127.0.0.1")
	w.handleFrom(haproxyLine, from)
	if allocs := testing.AllocsPerRun(1000, func() { w.handleFrom(haproxyLine, from) }); allocs != 0 {
		t.Fatalf("%v allocations per datagram, want 0", allocs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestIfAllocs pins the routing of a datagram through if/else conditions
// at zero allocations.
func TestIfAllocs(t *testing.T) {
	w, s, sinks := countingServer(t, `$template M,"%msg%\n"
if ($programname == "haproxy" or $msg contains_i "nomatch") and not ($hostname startswith "web") then /x/if.log;M
else /x/else.log;M
`)
	routeNoAllocs(t, w, s)
	if n := sinks.get("/x/if.log").lines.Load(); n != 1002 {
		t.Fatalf("if.log lines = %d, want 1002", n)
	}
	if c := sinks.get("/x/else.log"); c != nil {
		t.Fatalf("else.log opened with %d lines", c.lines.Load())
	}
}

// rainerAllocConf routes haproxyLine through set statements, numeric
// comparisons, else if, a called ruleset and a template that renders
// variables.
const rainerAllocConf = `$template M,"%msg%\n"
template(name="V" type="string" string="%$!who%|%$.n%|%msg%\n")
ruleset(name="hap") {
  set $.n = $syslogseverity * 10 + strlen($programname);
  if $.n > 60 and re_match($msg, '^ ?[0-9.]+:[0-9]+ ') then /x/hap.log;V
  else if $.n == 0 then /x/zero.log;M
  else /x/other.log;M
}
set $!who = $programname & "@" & $hostname;
if $!who startswith "haproxy@" then call hap
if $syslogseverity <> 6 then stop
/x/all.log;V
`

// TestRainerAllocs pins at zero allocations the routing of a datagram
// through set statements, numeric comparisons, else if, a called ruleset
// and a template that renders variables.
func TestRainerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	w, s, sinks := countingServer(t, rainerAllocConf)
	routeNoAllocs(t, w, s)
	for _, p := range []string{"/x/hap.log", "/x/all.log"} {
		if c := sinks.get(p); c == nil || c.lines.Load() != 1002 {
			t.Fatalf("%s: %v, want 1002 lines", p, c)
		}
	}
}

// BenchmarkRainer routes haproxyLine with rainerAllocConf.
func BenchmarkRainer(b *testing.B) {
	w, _, _ := countingServer(b, rainerAllocConf)
	from := netip.MustParseAddr("127.0.0.1")
	benchRoute(b, len(haproxyLine), func(int) { w.handleFrom(haproxyLine, from) })
}

// benchRoute reports the speed of route, called with 0, 1, 2 ..., per
// message of n bytes.
func benchRoute(b *testing.B, n int, route func(i int)) {
	b.ReportAllocs()
	b.SetBytes(int64(n))
	i := 0
	for b.Loop() {
		route(i)
		i++
	}
}

// BenchmarkDynaFile writes haproxy lines to 8 dynaFiles (by programname)
// through the default cache of 10 open files.
func BenchmarkDynaFile(b *testing.B) {
	w, _, _ := countingServer(b, `$template M,"%msg%\n"
$template D,"/x/%programname%.log"
*.* ?D;M
`)
	from := netip.MustParseAddr("127.0.0.1")
	var lines [8][]byte
	for i := range lines {
		lines[i] = []byte(fmt.Sprintf("<134>Nov 21 13:40:01 host prog%d[1]: 127.0.0.1:5000 [21/Nov/2026:13:40:01.123] fe be/srv1 0/0/1/2/3 200 120", i))
	}
	for _, l := range lines {
		w.handleFrom(l, from)
	}
	if a := testing.AllocsPerRun(100, func() { w.handleFrom(lines[3], from) }); a != 0 {
		b.Fatalf("%v allocations per datagram to an open dynaFile, want 0", a)
	}
	benchRoute(b, len(lines[0]), func(i int) { w.handleFrom(lines[i&7], from) })
}
