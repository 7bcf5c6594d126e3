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
	if !waitFileHas(filepath.Join(dir, "all.log"), "one", time.Now().Add(10*time.Second), time.Millisecond) {
		t.Fatal("message not written")
	}
}
