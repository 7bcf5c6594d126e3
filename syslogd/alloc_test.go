package syslogd

import (
	"bytes"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countSink counts lines (newlines) and bytes; it implements Sink.
// sinkSet records the sinks a server opened, by path.
type sinkSet struct {
	mu sync.Mutex
	m  map[string]*countSink
}

func (s *sinkSet) get(path string) *countSink {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[path]
}

type countSink struct {
	lines, bytes atomic.Int64
}

func (c *countSink) Write(p []byte) (int, error) {
	c.lines.Add(int64(bytes.Count(p, []byte{'\n'})))
	c.bytes.Add(int64(len(p)))
	return len(p), nil
}
func (c *countSink) Flush() error  { return nil }
func (c *countSink) Reopen() error { return nil }
func (c *countSink) Close() error  { return nil }

var _ Sink = (*countSink)(nil)

// issueConfig is the configuration of the issue (what our users run).
const issueConfig = `$ModLoad imudp
$UDPServerAddress 127.0.0.1
$UDPServerRun 0
$template Haproxy,"%msg%\n"
local0.=info    /x/haproxy-info.log;Haproxy
local0.notice   /x/haproxy-allbutinfo.log
local0.*        /x/haproxy-traffic.log;RSYSLOG_TraditionalFileFormat
`

var haproxyLine = []byte("<134>Nov 21 13:40:01 haproxy[1234]: 127.0.0.1:5000 [21/Nov/2026:13:40:01.123] fe be/srv1 0/0/1/2/3 200 120 - - ---- 1/1/0/0/0 0/0 \"GET /index.html HTTP/1.1\"\n")

func benchServer(t testing.TB) (*Server, *sinkSet) {
	t.Helper()
	return countServer(t, "issue.conf", issueConfig)
}

// countServer runs a server on configuration text (named file) whose
// outputs are countSinks, found by path in the returned set; it listens
// on one UDP socket only (no TCP or Unix input of the configuration).
func countServer(t testing.TB, file, text string) (*Server, *sinkSet) {
	t.Helper()
	cfg, err := ParseConfig(file, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	sinks := &sinkSet{m: map[string]*countSink{}}
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{},
		LookupAddr: func(netip.Addr) string { return "localhost" },
		Now:        func() time.Time { return receptionTime }, Location: time.UTC,
		Open: func(p string) (Sink, error) {
			c := &countSink{}
			sinks.mu.Lock()
			sinks.m[p] = c
			sinks.mu.Unlock()
			return c, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.closeListeners() })
	return s, sinks
}

// TestHandleAllocs pins the routing of a datagram (parse, route, render,
// write to two files) at zero allocations.
func TestHandleAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	s, sinks := benchServer(t)
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	w.handleFrom(haproxyLine, from) // fill the sender cache
	allocs := testing.AllocsPerRun(1000, func() { w.handleFrom(haproxyLine, from) })
	if allocs != 0 {
		t.Fatalf("%v allocations per datagram, want 0", allocs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := sinks.get("/x/haproxy-traffic.log").lines.Load(); n != 1002 {
		t.Fatalf("traffic lines = %d, want 1002", n)
	}
	if c := sinks.get("/x/haproxy-allbutinfo.log"); c != nil {
		t.Fatalf("allbutinfo opened with %d lines; want it not opened (info is below notice, files are created on first write)", c.lines.Load())
	}
	if n := sinks.get("/x/haproxy-info.log").lines.Load(); n != 1002 {
		t.Fatalf("info lines = %d, want 1002", n)
	}
}

func TestParseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	p := NewParser(ParserOptions{Location: time.UTC})
	var m Message
	inputs := [][]byte{haproxyLine,
		[]byte("<134>1 2026-11-21T13:30:05.123456+00:00 host haproxy 123 - [a b=\"c\"] msg"),
		[]byte("<13>Nov 21 13:30:20 host tag: line1\nline2\x00"),
		[]byte("<999>bad")}
	for _, in := range inputs {
		if a := testing.AllocsPerRun(100, func() { p.Parse(&m, in, receptionTime, nil, nil) }); a != 0 {
			t.Errorf("Parse(%q): %v allocations, want 0", in, a)
		}
	}
}

func BenchmarkHandle(b *testing.B) {
	s, _ := benchServer(b)
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	b.ReportAllocs()
	b.SetBytes(int64(len(haproxyLine)))
	for b.Loop() {
		w.handleFrom(haproxyLine, from)
	}
}

func BenchmarkParse(b *testing.B) {
	p := NewParser(ParserOptions{Location: time.UTC})
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(haproxyLine)))
	for b.Loop() {
		p.Parse(&m, haproxyLine, receptionTime, nil, nil)
	}
}

// BenchmarkRouteOnly is the fast path: a datagram no rule needs parsed
// beyond its PRI (here: a facility nobody writes).
func BenchmarkRouteOnly(b *testing.B) {
	s, _ := benchServer(b)
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	line := []byte("<14>Nov 21 13:40:01 host app: user facility, not routed")
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		w.handleFrom(line, from)
	}
}

// TestDynaFileAllocs pins the routing of a datagram to a dynaFile whose
// file is already open (render the name, find the file in the cache,
// write) at zero allocations.
func TestDynaFileAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	s, sinks := countServer(t, "dyna.conf", "$template D,\"/x/%programname%.log\"\n$template M,\"%msg%\\n\"\nlocal0.* ?D;M\n")
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	w.handleFrom(haproxyLine, from) // open the file, fill the sender cache
	allocs := testing.AllocsPerRun(1000, func() { w.handleFrom(haproxyLine, from) })
	if allocs != 0 {
		t.Fatalf("%v allocations per datagram, want 0", allocs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if c := sinks.get("/x/haproxy.log"); c == nil || c.lines.Load() != 1002 {
		t.Fatalf("/x/haproxy.log: %v, want 1002 lines", c)
	}
}
