package syslogd

import (
	"net/netip"
	"testing"
	"time"
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

// TestIfAllocs pins the routing of a datagram through if/else conditions
// at zero allocations.
func TestIfAllocs(t *testing.T) {
	cfg, err := ParseConfig("if.conf", []byte(`$template M,"%msg%\n"
if ($programname == "haproxy" or $msg contains_i "nomatch") and not ($hostname startswith "web") then /x/if.log;M
else /x/else.log;M
`))
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
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	w.handleFrom(haproxyLine, from)
	if allocs := testing.AllocsPerRun(1000, func() { w.handleFrom(haproxyLine, from) }); allocs != 0 {
		t.Fatalf("%v allocations per datagram, want 0", allocs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := sinks.get("/x/if.log").lines.Load(); n != 1002 {
		t.Fatalf("if.log lines = %d, want 1002", n)
	}
	if c := sinks.get("/x/else.log"); c != nil {
		t.Fatalf("else.log opened with %d lines", c.lines.Load())
	}
}
