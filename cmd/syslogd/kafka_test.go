package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/syslogd"
)

// enqueued reads syslogd_action_enqueued_total from the metrics endpoint
// (-1 when it cannot be read).
func enqueued(addr string) int { return metric(addr, "syslogd_action_enqueued_total") }

// metric reads the first series of the metric name from the metrics
// endpoint (-1 when it cannot be read).
func metric(addr, name string) int {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+"{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			n, err := strconv.Atoi(v)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// TestKafkaKill9 is issue 15's scenario on a small scale, with the real
// binary and a network cut (syslogd's own TestReceiverKill9 runs a receiver
// in its test binary against a broker restarted): a numbered
// stream into an omkafka action with a disk queue; the broker becomes
// unreachable, syslogd is killed -9 during the outage and started again,
// more messages arrive, the broker comes back: every message accepted by
// syslogd is on the topic (copies, if any, carry the same id). Messages
// are counted as accepted once the action's enqueued counter has them
// (kernel receive-buffer loss at the kill is outside the process).
func TestKafkaKill9(t *testing.T) {
	bin := filepath.Join(testkit.GoBuild(t, "."), "syslogd")
	dir := t.TempDir()
	br := testkit.NewBroker(t, "logs", 3)
	conf := filepath.Join(dir, "s.conf")
	testkit.WriteFile(t, conf, fmt.Sprintf(`module(load="omkafka")
template(name="T" type="string" string="%%msg%%")
local0.* action(type="omkafka" topic="logs" broker=["%s"] template="T"
                partitions.auto="on" queue.type="Disk" queue.filename="kq"
                queue.spoolDirectory="%s")
`, br.Addr, filepath.Join(dir, "spool")))
	udp := testkit.FreeAddr(t, "udp")
	metrics := testkit.FreeAddr(t, "tcp")
	start := func() *testkit.Process {
		cmd := exec.Command(bin, "-f", conf, "-udp", udp, "-tcp", "", "-unix", "", "-metrics", metrics)
		p := testkit.Start(t, cmd)
		p.Eventually(t, "metrics endpoint", func() bool { return enqueued(metrics) >= 0 })
		return p
	}
	c := dialUDP(t, udp)
	send := func(p *testkit.Process, from, to, base int) {
		t.Helper()
		for i := from; i < to; i++ {
			fmt.Fprintf(c, "<134>Dec  5 10:00:00 h app: n=%d", i)
			if i%200 == 199 {
				// paced: the point is the kill, not the socket buffer
				p.Eventually(t, "enqueued", func() bool { return enqueued(metrics) >= base+i+1-from })
			}
		}
		p.Eventually(t, "all enqueued", func() bool { return enqueued(metrics) == base+to-from })
	}
	topic := testkit.ReadTopic(t, br.Addr, "logs", syslogd.IDHeader)
	const n1, n2, n3 = 1000, 3000, 4000
	p := start()
	send(p, 0, n1, 0)
	if !topic.WaitDistinct(n1, 20*time.Second) {
		t.Fatalf("before the outage: %+v", topic.Tally(n1))
	}
	br.Cut()
	send(p, n1, n2, n1)
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	p2 := start()
	send(p2, n2, n3, 0)
	if q := metric(metrics, "syslogd_queue_size"); q != n3-n1 {
		t.Fatalf("queue size %d during the outage, want %d (the journal's and the new messages)", q, n3-n1)
	}
	// Resumed: the broker acknowledged everything queued, so the queue
	// is empty. The wait is bounded; its duration is the figure.
	back := time.Now()
	br.Restore()
	p2.Eventually(t, "queue empty after the outage", func() bool { return metric(metrics, "syslogd_queue_size") == 0 })
	resumed := time.Since(back)
	if !topic.WaitDistinct(n3, 30*time.Second) {
		t.Fatalf("after the outage: %+v\n%s", topic.Tally(n3), p2.Stderr())
	}
	onTopic := time.Since(back)
	ta := topic.Tally(n3)
	t.Logf("%d messages, broker cut, kill -9, restart: queue acknowledged %v and all on the topic %v after the broker came back; %d records read, %d copies (same id: %d)",
		n3, resumed.Round(time.Millisecond), onTopic.Round(time.Millisecond), ta.Total, ta.DupNumbers, ta.DupIDs)
	if ta.Missing != 0 || ta.NoID != 0 || ta.DupNumbers != ta.DupIDs {
		t.Errorf("tally %+v", ta)
	}
	// The resume time is a figure (logged here, measured side by side in
	// bench/kafka.sh), not an assertion: what bounds it, the retry and
	// metadata intervals, is checked in syslogd's TestKafkaBackoff.
}
