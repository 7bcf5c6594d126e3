package proxy

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// loggerFixture builds a proxy whose frontend logs httplog to sink.
func loggerFixture(t testing.TB, sinkPort int) (*Proxy, *frontend, *formats.Record) {
	t.Helper()
	text := strings.ReplaceAll(`global
    log 127.0.0.1:PORT local0
defaults
    mode http
    log global
    option httplog
frontend fe
    bind 127.0.0.1:0
    capture request header Host len 32
    capture request header User-Agent len 64
    default_backend be
backend be
    server a1 127.0.0.1:1
`, "PORT", strconv.Itoa(sinkPort))
	cfg, err := config.ParseReader("t.cfg", strings.NewReader(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg, Options{PID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.plan().closeSinks)
	r := &formats.Record{
		ClientAddr: netip.MustParseAddrPort("127.0.0.1:53874"), AcceptTime: time.Now(),
		Frontend: "fe", Backend: "be", Server: "a1", Status: 200, BytesOut: 500,
		TermState: [4]byte{'-', '-', '-', '-'}, ActConn: 1, FeConn: 1,
		ReqHeaders: []string{"www.example.com", "curl/7.88.1"},
		Method:     "GET", URI: "/index.html?x=1", Version: "HTTP/1.1",
	}
	return p, p.plan().frontends[0], r
}

// TestSendRecordAllocs proves that encoding, framing and sending a log line
// allocates nothing.
func TestSendRecordAllocs(t *testing.T) {
	conn := drainUDP(t)
	p, fe, r := loggerFixture(t, conn.LocalAddr().(*net.UDPAddr).Port)
	fe.logs.sendRecord(fe, formats.Info, r) // warm the pools and the timestamp cache
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	go drain(conn)
	want := "127.0.0.1:53874 [" // payload starts with the client
	if !strings.HasPrefix(payload(got), want) || !strings.Contains(got, " haproxy[4242]: ") || !strings.HasPrefix(got, "<134>") {
		t.Fatalf("datagram = %q", got)
	}
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	allocs := testing.AllocsPerRun(200, func() { fe.logs.sendRecord(fe, formats.Info, r) })
	if allocs != 0 {
		t.Errorf("sendRecord allocates %.1f times per line, want 0", allocs)
	}
	if p.stats.LogsSent.Load() == 0 {
		t.Error("LogsSent not counted")
	}
}

// TestSendNeverBlocks fills a receiver that never reads: sends must keep
// returning (dropping lines) instead of blocking.
func TestSendNeverBlocks(t *testing.T) {
	sink := newLogSink(t)
	sink.conn.Close() // nobody reads: the kernel refuses or drops
	p, fe, r := loggerFixture(t, sink.port())
	done := make(chan struct{})
	go func() {
		for range 20000 {
			fe.logs.sendRecord(fe, formats.Info, r)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("sending blocked")
	}
	if p.stats.LogsSent.Load()+p.stats.LogsDropped.Load() != 20000 {
		t.Errorf("sent %d + dropped %d != 20000", p.stats.LogsSent.Load(), p.stats.LogsDropped.Load())
	}
}

// drainUDP opens a UDP socket for log lines.
func drainUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// drain reads datagrams without allocating, so that allocation counts only
// see the sender.
func drain(c *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
			return
		}
	}
}

func BenchmarkSendRecord(b *testing.B) {
	conn := drainUDP(b)
	go drain(conn)
	_, fe, r := loggerFixture(b, conn.LocalAddr().(*net.UDPAddr).Port)
	b.ReportAllocs()
	b.SetBytes(int64(len(fe.format.Append(nil, r))))
	for b.Loop() {
		fe.logs.sendRecord(fe, formats.Info, r)
	}
}
