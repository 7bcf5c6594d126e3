package syslogd

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"
)

// TestReloadDuringDNSLookup: a reader naming a new sender (a reverse DNS
// lookup that hangs) does not hold up a reload; the message is routed once
// the lookup returns. With a lock held across the lookup, Reload would
// block until the lookup returned.
func TestReloadDuringDNSLookup(t *testing.T) {
	dir := t.TempDir()
	inLookup, release := make(chan struct{}), make(chan struct{})
	lookup := func(netip.Addr) string {
		close(inLookup)
		<-release
		return "slowhost"
	}
	s, stop := testServer(t, "*.* OUTDIR/all.log;RSYSLOG_TraditionalFileFormat\n", dir, Options{LookupAddr: lookup})
	defer stop()
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>Nov 21 13:30:00 h t: one")})
	select {
	case <-inLookup:
	case <-time.After(10 * time.Second):
		t.Fatal("no lookup")
	}
	reloaded := make(chan error, 1)
	go func() { reloaded <- s.Reload() }()
	select {
	case err := <-reloaded:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("Reload waited for a DNS lookup")
	}
	close(release)
	waitReceived(t, s, 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if !waitFileHas(filepath.Join(dir, "all.log"), "one", time.Now().Add(10*time.Second)) {
		t.Fatal("message not written")
	}
}

// TestFilterRouteAllocs: a datagram through a property filter (a regex
// included) and a filtered stop allocates nothing.
func TestFilterRouteAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	s, sinks := countServer(t, "f.conf", ":programname, startswith, \"haproxy\" {\n /x/h.log\n stop\n}\n"+
		":msg, ereregex, \"GET (/|/x)\" /x/get.log\n*.* /x/all.log\n")
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	other := []byte("<13>Nov 21 13:40:01 host app: GET /x")
	w.handleFrom(haproxyLine, from)
	w.handleFrom(other, from)
	allocs := testing.AllocsPerRun(500, func() {
		w.handleFrom(haproxyLine, from)
		w.handleFrom(other, from)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per pair of datagrams, want 0", allocs)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if h, g, a := sinks.get("/x/h.log").lines.Load(), sinks.get("/x/get.log").lines.Load(), sinks.get("/x/all.log").lines.Load(); h != 502 || g != 502 || a != 502 {
		t.Fatalf("h.log %d, get.log %d, all.log %d lines; want 502 each (haproxy stops, the other goes on)", h, g, a)
	}
}
