package syslogd

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T, network string) string {
	t.Helper()
	var a net.Addr
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a = c.LocalAddr()
		c.Close()
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a = l.Addr()
		l.Close()
	}
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// TestReloadListeners: a reload binds the listeners the new configuration
// adds, closes those it drops (after reading what they hold) and keeps the
// others; a listener that cannot be bound makes the reload fail with the
// previous configuration left in force.
func TestReloadListeners(t *testing.T) {
	dir := t.TempDir()
	confPath := filepath.Join(dir, "s.conf")
	write := func(inputs string) {
		c := "module(load=\"imudp\")\nmodule(load=\"imtcp\")\n" + inputs +
			fmt.Sprintf("$template M,\"%%msg%%\\n\"\n*.* %s/all.log;M\n", dir)
		if err := os.WriteFile(confPath, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	udpIn := func(port string) string {
		return fmt.Sprintf("input(type=\"imudp\" address=\"127.0.0.1\" port=\"%s\")\n", port)
	}
	tcpIn := func(port string) string {
		return fmt.Sprintf("input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%s\")\n", port)
	}
	u1, u2, t1 := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "tcp")
	write(udpIn(u1))
	s, err := New(Options{ConfigPath: confPath, Location: time.UTC,
		LookupAddr: func(netip.Addr) string { return "localhost" }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	addrs := func() string {
		u, tc, _ := s.Addrs()
		return fmt.Sprint(u, tc)
	}
	if got, want := addrs(), fmt.Sprintf("[127.0.0.1:%s] []", u1); got != want {
		t.Fatalf("listening on %s, want %s", got, want)
	}
	udp1, _ := net.ResolveUDPAddr("udp", "127.0.0.1:"+u1)
	sendUDP(t, udp1, [][]byte{[]byte("<13>h t: one")})
	waitReceived(t, s, 1)

	// Datagrams still queued in the socket the reload closes are read.
	var queued [][]byte
	for i := range 50 {
		queued = append(queued, fmt.Appendf(nil, "<13>h t: queued %d", i))
	}
	sendUDP(t, udp1, queued)
	write(udpIn(u2) + tcpIn(t1))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, want := addrs(), fmt.Sprintf("[127.0.0.1:%s] [127.0.0.1:%s]", u2, t1); got != want {
		t.Fatalf("after reload listening on %s, want %s", got, want)
	}
	waitReceived(t, s, 51)
	// The old port is free again.
	c, err := net.ListenPacket("udp", "127.0.0.1:"+u1)
	if err != nil {
		t.Fatalf("the dropped UDP listener is still bound: %v", err)
	}
	c.Close()
	udp2, _ := net.ResolveUDPAddr("udp", "127.0.0.1:"+u2)
	sendUDP(t, udp2, [][]byte{[]byte("<13>h t: two")})
	waitReceived(t, s, 52)
	// Written before "three" comes over TCP (another reader).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = s.Flush()
		if b, _ := os.ReadFile(filepath.Join(dir, "all.log")); strings.HasSuffix(string(b), " two\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("\"two\" not written")
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	tc, err := net.Dial("tcp", "127.0.0.1:"+t1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Write([]byte("<13>h t: three\n")); err != nil {
		t.Fatal(err)
	}
	tc.Close()
	waitReceived(t, s, 53)

	// A port that is taken: the reload fails, nothing changes.
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, bp, _ := net.SplitHostPort(busy.LocalAddr().String())
	write(udpIn(u2) + udpIn(bp))
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), bp) {
		t.Fatalf("reload with a busy port: err = %v, want an error naming port %s", err, bp)
	}
	if got, want := addrs(), fmt.Sprintf("[127.0.0.1:%s] [127.0.0.1:%s]", u2, t1); got != want {
		t.Fatalf("after a failed reload listening on %s, want %s", got, want)
	}
	sendUDP(t, udp2, [][]byte{[]byte("<13>h t: four")})
	waitReceived(t, s, 54)

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil
	got, err := os.ReadFile(filepath.Join(dir, "all.log"))
	if err != nil {
		t.Fatal(err)
	}
	want := " one\n"
	for _, q := range queued {
		want += strings.TrimPrefix(string(q), "<13>h t:") + "\n"
	}
	want += " two\n three\n four\n"
	if string(got) != want {
		t.Fatalf("all.log:\n%s\nwant:\n%s", got, want)
	}
	if st := s.Stats(); st.KernelDrops != 0 || st.Received != 54 || st.Written != 54 {
		t.Fatalf("stats %+v", st)
	}
}
