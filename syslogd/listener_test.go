package syslogd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// freePort returns a port of 127.0.0.1 that was free a moment ago on
// network ("tcp" or "udp").
func freePort(t *testing.T, network string) string {
	t.Helper()
	_, port, _ := net.SplitHostPort(testkit.FreeAddr(t, network))
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
	stop := runServer(t, s)
	defer stop()
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
	sendOnce(t, "tcp", "127.0.0.1:"+t1, "<13>h t: three\n")
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

	stop()
	got := testfs.ReadFile(t, filepath.Join(dir, "all.log"))
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

// TestReloadRotationPolicy: Reload re-reads the logrotate file; a file
// whose policy changed is reopened under the new one (here: a size limit
// appears and the next lines rotate it), and a logrotate file with an
// error fails the reload, leaving the previous policy in force.
func TestReloadRotationPolicy(t *testing.T) {
	dir := t.TempDir()
	rotPath := filepath.Join(dir, "logrotate.conf")
	writeRot := func(body string) {
		if err := os.WriteFile(rotPath, []byte(dir+"/a.log {\n"+body+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRot("  size 1M\n  rotate 5\n")
	s, stop := testServer(t, "$template M,\"%msg%\\n\"\n*.* OUTDIR/a.log;M\n", dir, Options{RotateConfig: rotPath})
	udp, _, _ := s.Addrs()
	send := func(from, to int) {
		var m [][]byte
		for i := from; i < to; i++ {
			m = append(m, fmt.Appendf(nil, "<13>h t: line %03d %s", i, strings.Repeat("x", 60)))
		}
		sendUDP(t, udp[0], m)
		waitReceived(t, s, uint64(to))
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	send(0, 20)
	writeRot("  size 1M\n  rotate\n") // "rotate" without a count
	if err := s.Reload(); err == nil {
		t.Fatal("reload accepted a logrotate file with an error")
	}
	send(20, 40)
	if _, err := os.Stat(filepath.Join(dir, "a.log.1")); err == nil {
		t.Fatal("rotated under the 1M policy")
	}
	writeRot("  size 500\n  rotate 100\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	send(40, 60)
	stop()
	if _, err := os.Stat(filepath.Join(dir, "a.log.1")); err != nil {
		t.Fatalf("no rotation under the new 500-byte policy: %v", err)
	}
	data, files := readAll(t, filepath.Join(dir, "a.log"))
	if files < 3 {
		t.Fatalf("%d files, want several 500-byte pieces", files)
	}
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		seen[l]++
	}
	for i := range 60 {
		if l := fmt.Sprintf(" line %03d %s", i, strings.Repeat("x", 60)); seen[l] != 1 {
			t.Errorf("%q written %d times", l, seen[l])
		}
	}
}

// TestReloadReceiveOptions: a reload's reception options and maximum
// message size apply to the sockets it keeps, from the next batch on.
func TestReloadReceiveOptions(t *testing.T) {
	dir := t.TempDir()
	confPath := filepath.Join(dir, "s.conf")
	write := func(extra string) {
		c := extra + fmt.Sprintf("$template M,\"%%msg%%\\n\"\n*.* %s/all.log;M\n", dir)
		if err := os.WriteFile(confPath, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("$MaxMessageSize 64\n")
	s, stop := testServer(t, "", dir, Options{ConfigPath: confPath})
	udp, _, _ := s.Addrs()
	long := "<13>h t: " + strings.Repeat("y", 100)
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: a\x01b"), []byte(long)})
	waitReceived(t, s, 2)
	write("$MaxMessageSize 8k\n$EscapeControlCharactersOnReceive off\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	// The reader picks the new options up at the batch after the reload
	// (it may be blocked in a read begun before it); then all count.
	deadline := time.Now().Add(10 * time.Second)
	for sent := 2; ; {
		sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: c\x01d"), []byte(long)})
		sent += 2
		waitReceived(t, s, uint64(sent))
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "all.log"))
		if strings.Contains(string(b), " c\x01d\n") && strings.Contains(string(b), strings.Repeat("y", 100)+"\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new options not applied after the reload:\n%q", b)
		}
	}
	stop()
	b, _ := os.ReadFile(filepath.Join(dir, "all.log"))
	first := strings.SplitN(string(b), "\n", 3)
	if first[0] != " a#001b" || len(first[1]) != 64-len("<13>h t:") {
		t.Fatalf("before the reload: %q", first[:2])
	}
}
