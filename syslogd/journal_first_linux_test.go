//go:build linux

package syslogd

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// gateSink is a recordWriter output whose first WriteRecords blocks until
// release is closed: a journal write that takes its time.
type gateSink struct {
	entered chan struct{}
	release chan struct{}
	calls   atomic.Int32
}

func (g *gateSink) Write(p []byte) (int, error) { return len(p), nil }
func (g *gateSink) Flush() error                { return nil }
func (g *gateSink) Reopen() error               { return nil }
func (g *gateSink) Close() error                { return nil }
func (g *gateSink) WriteRecords(framed []byte, n int) error {
	if g.calls.Add(1) == 1 {
		close(g.entered)
		<-g.release
	}
	return nil
}

// rxQueue is the rx_queue (bytes) of the UDP socket with the given inode,
// from /proc/net/udp.
func rxQueue(t *testing.T, inode uint64) int {
	t.Helper()
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	want := []byte(strconv.FormatUint(inode, 10))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) >= 10 && bytes.Equal(fields[9], want) {
			_, rx, _ := bytes.Cut(fields[4], []byte(":"))
			n, err := strconv.ParseUint(string(rx), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
	}
	t.Fatalf("socket inode %d not in /proc/net/udp", inode)
	return 0
}

// TestQueuedActionJournalsBeforeNextRead: a reader hands its batch to a
// queued action (omkafka, omfwd: the journal) before it reads the socket
// again, so at a kill -9 syslogd holds at most the batch being routed,
// never a batch read but not journalled while it reads more: while the
// first datagram's write is pending, the second stays in the socket.
func TestQueuedActionJournalsBeforeNextRead(t *testing.T) {
	cfg, err := ParseConfig("t.conf", []byte(`local0.* action(type="omfwd" target="127.0.0.1" port="9" protocol="udp")`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := &gateSink{entered: make(chan struct{}), release: make(chan struct{})}
	for path := range cfg.outputs {
		cfg.outputs[path] = func(*Server) (Sink, error) { return g, nil }
	}
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{}, Readers: 1})
	if err != nil {
		t.Fatal(err)
	}
	stop := runServer(t, s)
	released := false
	defer func() {
		if !released {
			close(g.release)
		}
		stop()
	}()
	udp, _, _ := s.Addrs()
	s.lmu.Lock()
	inode := s.ls[0].dg.inode
	s.lmu.Unlock()
	c := dialUDP(t, udp[0].String())
	if _, err := c.Write([]byte("<134>Dec  5 10:00:00 h app: first")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.entered:
	case <-time.After(testkit.Timeout):
		t.Fatal("the first datagram did not reach the action")
	}
	if _, err := c.Write([]byte("<134>Dec  5 10:00:01 h app: second")); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the second datagram queued in the socket", func() bool { return rxQueue(t, inode) > 0 })
	// Bounded look for the opposite: a reader that read on while the
	// write is pending would empty the socket within microseconds.
	if testkit.Poll(200*time.Millisecond, func() bool { return rxQueue(t, inode) == 0 }) {
		t.Fatal("the socket was read while the previous batch's write was pending")
	}
	close(g.release)
	released = true
	testkit.Eventually(t, "both received", func() bool { return s.Stats().Received == 2 && rxQueue(t, inode) == 0 })
	if n := g.calls.Load(); n != 2 {
		t.Errorf("%d writes, want 2 (one batch each)", n)
	}
}
