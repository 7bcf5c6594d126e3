package syslogd

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const kafkaConf = `module(load="omkafka")
template(name="m" type="string" string="%msg%\n")
action(type="omkafka" broker=["BROKER"] topic="logs" template="m" partitions.auto="on"
       confParam=["compression.codec=lz4", "queue.buffering.max.ms=5"]
       queue.type="LinkedList" queue.filename="kq" queue.spoolDirectory="SPOOLDIR" queue.saveOnShutdown="on"
       action.resumeRetryCount="-1" action.resumeInterval="1")
`

// topicSeqs reads the topic from the start until every "seq=N", N < n, is
// there (or the deadline passes) and returns how often each was seen and
// how many distinct id headers.
func topicSeqs(t *testing.T, broker string, n int, deadline time.Duration) (seen []int, ids int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics("logs"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen = make([]int, n)
	idset := map[string]bool{}
	missing := n
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for missing > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			i := strings.Index(v, "seq=")
			k, err := strconv.Atoi(v[i+4:])
			if i < 0 || err != nil || k < 0 || k >= n {
				t.Errorf("bad record %q", v)
				return
			}
			if seen[k] == 0 {
				missing--
			}
			seen[k]++
			for _, h := range r.Headers {
				if h.Key == IDHeader {
					idset[string(h.Value)] = true
				}
			}
		})
	}
	return seen, len(idset)
}

func sendSeqs(t *testing.T, s *Server, c net.Conn, from, to int, base uint64) {
	t.Helper()
	for i := from; i < to; i += 500 {
		for j := i; j < i+500 && j < to; j++ {
			fmt.Fprintf(c, "<134>Nov 21 13:30:00 h t: seq=%d", j)
		}
		waitReceived(t, s, base+uint64(min(i+500, to)))
	}
}

// TestOmkafkaBrokerOutage stops the broker (listener closed, connections
// cut) while messages keep coming, restarts it on the same port with its
// data, and checks that every message reached the topic, each with an id
// header, and that sending resumed within a second or so.
func TestOmkafkaBrokerOutage(t *testing.T) {
	kdir := t.TempDir()
	c1, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(kdir), kfake.SeedTopics(2, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	broker := c1.ListenAddrs()[0]
	_, portS, _ := net.SplitHostPort(broker)
	port, _ := strconv.Atoi(portS)
	dir := t.TempDir()
	s, stop := testServer(t, strings.ReplaceAll(kafkaConf, "BROKER", broker), dir, Options{})
	udp, _, _ := s.Addrs()
	c, err := net.Dial("udp", udp[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 6000
	sendSeqs(t, s, c, 0, 2000, 0)
	// Wait until some were acknowledged, then cut the broker.
	waitProcessed(t, 1)
	c1.Close()
	sendSeqs(t, s, c, 2000, 4000, 0)
	c2, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(kdir), kfake.Ports(port), kfake.SeedTopics(2, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	back := time.Now()
	before := processed()
	sendSeqs(t, s, c, 4000, n, 0)
	waitProcessedMore(t, before)
	resume := time.Since(back)
	t.Logf("resumed %v after the broker came back", resume)
	seen, ids := topicSeqs(t, broker, n, 15*time.Second)
	stop()
	lost, dup := 0, 0
	for _, k := range seen {
		if k == 0 {
			lost++
		}
		if k > 1 {
			dup += k - 1
		}
	}
	if lost != 0 {
		t.Fatalf("%d of %d lost on the topic (%d duplicated)", lost, n, dup)
	}
	if ids < n {
		t.Fatalf("%d distinct id headers for %d messages", ids, n)
	}
	t.Logf("topic: 0 lost, %d duplicated (dropped by imkafka through the id header)", dup)
	if resume > 3*time.Second {
		t.Fatalf("resumed %v after the broker came back", resume)
	}
}

func processed() uint64 {
	var p uint64
	for _, a := range allActionStats() {
		p += a.sent
	}
	return p
}

func waitProcessed(t *testing.T, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for processed() < n {
		if time.Now().After(deadline) {
			t.Fatalf("processed %d of %d: %+v", processed(), n, allActionStats())
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
}

func waitProcessedMore(t *testing.T, before uint64) {
	t.Helper()
	waitProcessed(t, before+1)
}

func TestOmkafkaConfigErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{`action(type="omkafka" topic="t" bogus="1")`, `test.conf:3: error: bogus: omkafka parameter "bogus"`},
		{`action(type="omkafka" broker=["a:1"])`, `test.conf:3: error: topic`},
		{`action(type="omkafka" topic="t" confParam=["acks=1"])`, `acks=all`},
		{`action(type="omkafka" topic="t" confParam=["sasl.mechanisms=PLAIN"])`, `sasl.mechanisms`},
		{`action(type="omkafka" topic="t" queue.type="Disk")`, `queue.filename`},
		{`action(type="omkafka" topic="t" queue.type="Bogus")`, `queue.type`},
	} {
		_, err := ParseConfig("test.conf", []byte("module(load=\"omkafka\")\n"+strings.Replace(c.conf, "action", "\naction", 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.conf, err, c.want)
		}
	}
}

// TestKafkaBackoff: the retry and metadata interval of omkafka/imkafka
// follows action.resumeInterval, within 10 ms..250 ms: a failed request
// is retried a few times a second (resume within a second of the broker's
// return), never in a busy loop.
func TestKafkaBackoff(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{
		{0, 10 * time.Millisecond},
		{20 * time.Millisecond, 10 * time.Millisecond},
		{200 * time.Millisecond, 50 * time.Millisecond},
		{time.Second, 250 * time.Millisecond},
		{30 * time.Second, 250 * time.Millisecond}, // rsyslog's default resumeInterval
	} {
		if got := kafkaBackoff(c.in); got != c.want {
			t.Errorf("kafkaBackoff(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
