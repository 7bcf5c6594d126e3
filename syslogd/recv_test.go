package syslogd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShutdownDrains checks that datagrams already queued in the socket
// when Run is cancelled are written: the reader keeps reading until the
// socket has been quiet for drainWindow.
func TestShutdownDrains(t *testing.T) {
	dir := t.TempDir()
	s, stop := testServer(t, msgOnlyConf, dir, Options{})
	udp, _, _ := s.Addrs()
	if batchedReads && s.ls[0].dg.raw < 0 {
		t.Fatal("the UDP socket was not detached from the netpoller")
	}
	const n = 100
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "<13>Nov 21 13:30:00 h t: drain %d", i)
	}
	sendUDP(t, udp[0], msgs)
	stop()
	got, err := os.ReadFile(filepath.Join(dir, "all.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines written, want %d (kernel drops %d)", len(lines), n, s.Stats().KernelDrops)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("127.0.0.1 h t:| drain %d", i); l != want {
			t.Fatalf("line %d = %q, want %q", i, l, want)
		}
	}
}
