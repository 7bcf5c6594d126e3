package testkit

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Broker is an in-process Kafka cluster (franz-go's kfake, one broker)
// whose network can be cut: Cut makes it unreachable (open connections
// are closed, new ones are closed as soon as accepted), Restore brings it
// back, with its data.
type Broker struct {
	Addr string
	c    *kfake.Cluster
	ln   *cuttable
}

// NewBroker starts a one-broker cluster with topic (partitions
// partitions); it is closed at the end of the test.
func NewBroker(t testing.TB, topic string, partitions int32) *Broker {
	t.Helper()
	b, err := StartBroker("127.0.0.1:0", topic, partitions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// StartBroker starts a one-broker cluster listening on addr with topic
// (partitions partitions), outside a test (bench/kfakebroker); Close
// stops it.
func StartBroker(addr, topic string, partitions int32) (*Broker, error) {
	b := &Broker{}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			l, err := net.Listen(network, addr)
			if err != nil {
				return nil, err
			}
			b.ln = &cuttable{Listener: l, conns: map[net.Conn]struct{}{}}
			return b.ln, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("kfake on %s: %w", addr, err)
	}
	b.c = c
	b.Addr = c.ListenAddrs()[0]
	return b, nil
}

// Close stops the broker.
func (b *Broker) Close() { b.c.Close() }

// Cluster is the kfake cluster behind b (for its control functions).
func (b *Broker) Cluster() *kfake.Cluster { return b.c }

// Cut makes the broker unreachable.
func (b *Broker) Cut() { b.ln.setDown(true) }

// Restore makes it reachable again.
func (b *Broker) Restore() { b.ln.setDown(false) }

type cuttable struct {
	net.Listener
	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func (l *cuttable) setDown(down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = down
	if down {
		for c := range l.conns {
			c.Close()
		}
		clear(l.conns)
	}
}

func (l *cuttable) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.down {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		return c, nil
	}
}

// Topic reads topic from the start: Count returns the records read so far
// by the value's number (the first "n=N" field of the value) and the id
// header given.
type Topic struct {
	cl     *kgo.Client
	mu     sync.Mutex
	counts map[int]int
	ids    map[string]int
	noID   int
	total  int
	values []string
}

// ReadTopic starts a consumer of topic on broker addr; it stops at the
// end of the test.
func ReadTopic(t testing.TB, addr, topic, idHeader string) *Topic {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Reconnect within a quarter second of a cut broker coming back
		// (franz-go retries failed metadata every 5 s by default), so
		// the reader does not hide the producer's resume time.
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 250 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	tp := &Topic{cl: cl, counts: map[int]int{}, ids: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				tp.mu.Lock()
				defer tp.mu.Unlock()
				tp.total++
				if len(tp.values) < 1000 {
					tp.values = append(tp.values, string(r.Value))
				}
				tp.counts[numberIn(string(r.Value))]++
				found := false
				for _, h := range r.Headers {
					if h.Key == idHeader {
						tp.ids[string(h.Value)]++
						found = true
					}
				}
				if !found {
					tp.noID++
				}
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done; cl.Close() })
	return tp
}

// numberIn returns N of the first "n=N" in s, -1 if none.
func numberIn(s string) int {
	i := strings.Index(s, "n=")
	if i < 0 {
		return -1
	}
	j := i + 2
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(s[i+2 : j])
	if err != nil {
		return -1
	}
	return n
}

// Tally is what a Topic read: of the numbers 0..n-1, how many are
// missing, how many records repeat a number, repeat an id, or have none.
type Tally struct {
	Total, Distinct, Missing, DupNumbers, DupIDs, NoID int
}

// Tally counts what was read for the numbers 0..n-1.
func (tp *Topic) Tally(n int) Tally {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	ta := Tally{Total: tp.total, NoID: tp.noID}
	for i := 0; i < n; i++ {
		c := tp.counts[i]
		if c == 0 {
			ta.Missing++
		} else {
			ta.Distinct++
			ta.DupNumbers += c - 1
		}
	}
	for _, c := range tp.ids {
		ta.DupIDs += c - 1
	}
	return ta
}

// WaitDistinct waits until the numbers 0..n-1 were all read, or timeout.
func (tp *Topic) WaitDistinct(n int, timeout time.Duration) bool {
	return Poll(timeout, func() bool { return tp.Tally(n).Missing == 0 })
}

// Has reports whether one of the first 1,000 records read contains s.
func (tp *Topic) Has(s string) bool {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for _, v := range tp.values {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
