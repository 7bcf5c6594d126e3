package syslogd

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/rotate"
)

// receptionTime is when rsyslog received the crafted datagrams (lines
// without a usable timestamp carry it); the fraction differs per line and
// is masked.
var receptionTime = time.Date(2026, 11, 21, 13, 47, 5, 0, time.UTC)

var fracRE = regexp.MustCompile(`13:47:05\.\d{6}`)

func maskFrac(b []byte) []byte { return fracRE.ReplaceAll(b, []byte("13:47:05.XXXXXX")) }

// readDatagrams reads the 4-byte length framed datagrams of a capture.
func readDatagrams(t testing.TB, path string) [][]byte {
	t.Helper()
	data := testfs.ReadFile(t, path)
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 4 {
			t.Fatalf("%s: truncated length", path)
		}
		n := int(binary.BigEndian.Uint32(data))
		data = data[4:]
		if n > len(data) {
			t.Fatalf("%s: truncated datagram", path)
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// testServer starts a server on 127.0.0.1:0 with the given config text (in
// which OUTDIR stands for dir) and a fixed clock.
func testServer(t testing.TB, conf, dir string, o Options) (*Server, func()) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "OUTDIR", dir)
	conf = strings.ReplaceAll(conf, "SPOOLDIR", dir)
	cfg, err := ParseConfig("test.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	o.Config = cfg
	if o.UDP == nil {
		o.UDP = []string{"127.0.0.1:0"}
	}
	if o.TCP == nil {
		o.TCP = []string{}
	}
	if o.Unix == nil {
		o.Unix = []string{}
	}
	if o.Now == nil {
		o.Now = func() time.Time { return receptionTime }
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.LookupAddr == nil {
		o.LookupAddr = func(netip.Addr) string { return "localhost" }
	}
	if o.Readers == 0 {
		o.Readers = 1
	}
	if o.Rotation == nil && o.Open == nil && o.RotateConfig == "" {
		o.Rotation = func(string) rotate.Options { return rotate.Options{} }
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s, runServer(t, s)
}

// runServer runs s until the returned stop is called; stop waits (at most
// 30 s) for Run to return and reports its error. Calls after the first do
// nothing.
func runServer(t testing.TB, s *Server) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}

// waitReceived polls until the server has received n messages.
func waitReceived(t *testing.T, s *Server, n uint64) {
	t.Helper()
	if !testkit.Poll(testkit.Timeout, func() bool { return s.Stats().Received >= n }) {
		t.Fatalf("received %d of %d messages", s.Stats().Received, n)
	}
}

// dialUDP returns a UDP connection to addr, closed at cleanup.
func dialUDP(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// sendOnce connects to addr on network ("tcp", "unixgram"), writes msg and
// closes the connection.
func sendOnce(t testing.TB, network, addr, msg string) {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
}

// sendUDP sends each of msgs as one datagram to the UDP address addr.
func sendUDP(t *testing.T, addr net.Addr, msgs [][]byte) {
	t.Helper()
	sendDatagrams(t, addr, msgs)
}

// sendDatagrams sends each of msgs as one datagram to addr, on its network
// (a *net.UDPAddr or a unixgram *net.UnixAddr).
func sendDatagrams(t *testing.T, addr net.Addr, msgs [][]byte) {
	t.Helper()
	c, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range msgs {
		if _, err := c.Write(m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCraftedConformance sends the 252 crafted datagrams to syslogd with
// the configuration rsyslog 8.2302 ran, and compares every output file with
// the one rsyslog wrote (reception-time fractions masked).
func TestCraftedConformance(t *testing.T) {
	const root = "../testdata/syslog/crafted"
	conf := testfs.ReadFile(t, filepath.Join(root, "rsyslog.conf"))
	dir := t.TempDir()
	s, stop := testServer(t, string(conf), dir, Options{})
	msgs := readDatagrams(t, filepath.Join(root, "datagrams.bin"))
	if len(msgs) != 252 {
		t.Fatalf("%d datagrams, want 252", len(msgs))
	}
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], msgs)
	waitReceived(t, s, uint64(len(msgs)))
	stop()

	want, err := filepath.Glob(filepath.Join(root, "rsyslog", "*.log"))
	if err != nil || len(want) != 15 {
		t.Fatalf("golden files: %v %v", want, err)
	}
	compareGolden(t, want, dir, maskFrac)
}

// compareGolden compares each golden file (rsyslogd's output) with the
// file of the same name in dir, both passed through norm, in a subtest
// named after it.
func compareGolden(t *testing.T, golden []string, dir string, norm func([]byte) []byte) {
	t.Helper()
	for _, w := range golden {
		name := filepath.Base(w)
		t.Run(name, func(t *testing.T) {
			exp := testfs.ReadFile(t, w)
			got := testfs.ReadFile(t, filepath.Join(dir, name))
			testkit.EqualLines(t, "output", norm(got), norm(exp))
		})
	}
}
