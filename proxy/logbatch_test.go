package proxy

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/haplog/haplog/formats"
)

// recvStatuses reads the next n datagrams from sink and returns their
// status fields (the fixture's lines differ only by %ST).
func recvStatuses(t *testing.T, sink *logSink, n int) []string {
	t.Helper()
	var got []string
	for range n {
		l := sink.next(t, "") // any line: the order is checked
		f := strings.Fields(payload(l))
		if len(f) < 6 {
			t.Fatalf("line %q", l)
		}
		got = append(got, f[5]) // client, date, fe, be/srv, timers, status
	}
	return got
}

// TestQueuedLogLines: request lines queued for a UDP target all arrive, in
// the order they were logged, counted as sent; a line sent at once (an
// admin notice, sendRecord), even through another socket, arrives after
// the queued ones; closing the sinks sends what is still queued; queueing
// allocates nothing.
func TestQueuedLogLines(t *testing.T) {
	sink := newLogSink(t)
	sink.conn.(*net.UDPConn).SetReadBuffer(4 << 20) // the lines come in bursts
	p, fe, r := loggerFixture(t, sink.port())
	var want []string
	const n = 700 // more than logBatchLines: the queue flushes on the caller too
	for i := range n {
		r.Status = 200 + i
		want = append(want, fmt.Sprint(r.Status))
		fe.logs.sendRecordAt(fe, formats.Info, r, p.now(), true)
	}
	// A line sent at once through another socket (the global loggers;
	// the frontend's "log global" has its own) comes after them too.
	g := p.plan().global
	if g == fe.logs || g.sinks[0] == fe.logs.sinks[0] {
		t.Fatal("the frontend shares the global sink: the test needs two sockets")
	}
	r.Status = 99
	want = append(want, "99")
	g.sendRecord(fe, formats.Info, r)
	if got := recvStatuses(t, sink, n+1); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("lines out of order or lost:\ngot  %v\nwant %v", got, want)
	}
	if s, d := p.stats.LogsSent.Load(), p.stats.LogsDropped.Load(); s != n+1 || d != 0 {
		t.Errorf("LogsSent %d LogsDropped %d, want %d and 0", s, d, n+1)
	}

	// Lines queued just before the sinks close are sent by the close.
	for round := range 20 {
		sink := newLogSink(t)
		p, fe, r := loggerFixture(t, sink.port())
		want = want[:0]
		for i := range 10 {
			r.Status = 300 + i
			want = append(want, fmt.Sprint(r.Status))
			fe.logs.sendRecordAt(fe, formats.Info, r, p.now(), true)
		}
		p.plan().closeSinks()
		if got := recvStatuses(t, sink, 10); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("round %d: got %v, want %v", round, got, want)
		}
	}

	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	conn := drainUDP(t)
	go drain(conn)
	p, fe, r = loggerFixture(t, conn.LocalAddr().(*net.UDPAddr).Port)
	fe.logs.sendRecordAt(fe, formats.Info, r, p.now(), true)
	if a := testing.AllocsPerRun(500, func() { fe.logs.sendRecordAt(fe, formats.Info, r, p.now(), true) }); a != 0 {
		t.Errorf("queueing a line allocates %.1f times, want 0", a)
	}
}
