package halog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// defaultKafkaTimeout bounds the wait for the brokers' first answer (the
// topic's partitions and offsets).
const defaultKafkaTimeout = 10 * time.Second

// kafkaPoll is how long one poll waits for records before the reader looks
// again at its partitions (a group assignment may have changed).
const kafkaPoll = 200 * time.Millisecond

// kafkaReader reads a topic as a log: one line per record (a trailing LF
// of the value dropped, one LF added). Unless it follows, it ends when
// every partition it reads has been read up to the end offset observed
// when it started. In a consumer group it reads the partitions assigned to
// it, from the group's committed offsets, and commits what it read only
// when told to (after the report was written), or when a rebalance takes
// a partition away (so that the next owner does not read it again).
type kafkaReader struct {
	cl      *kgo.Client
	ctx     context.Context
	topic   string
	brokers string
	group   bool
	follow  bool
	buf     []byte
	off     int

	mu        sync.Mutex
	start     map[int32]int64           // log start offsets at startup
	end       map[int32]int64           // end offsets at startup
	assigned  map[int32]bool            // partitions read (all without a group); true once the start offset is known
	next      map[int32]int64           // per partition: offset of the next record to read (known starts)
	counted   map[int32]kgo.EpochOffset // per partition: what was handed over (to commit)
	joined    bool                      // without a group, or once the group assigned partitions
	revokeErr error                     // a commit at a rebalance failed (set by the client's goroutine)
	err       error
}

// openKafka connects to the brokers of o.Kafka and returns a reader of
// o.Topic (from the start, or the group's offsets with o.Group).
func openKafka(ctx context.Context, o *Options, follow bool) (*kafkaReader, error) {
	if o.Topic == "" {
		return nil, errors.New("-kafka needs -topic")
	}
	seeds := strings.Split(o.Kafka, ",")
	timeout := o.kafkaTimeout
	if timeout <= 0 {
		timeout = defaultKafkaTimeout
	}
	r := &kafkaReader{ctx: ctx, topic: o.Topic, brokers: o.Kafka, group: o.Group != "", follow: follow,
		assigned: map[int32]bool{}, next: map[int32]int64{}, counted: map[int32]kgo.EpochOffset{}}
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...), kgo.DialTimeout(timeout), kgo.RetryTimeout(timeout),
		kgo.FetchMaxWait(kafkaPoll), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if r.group {
		opts = append(opts, kgo.ConsumerGroup(o.Group), kgo.ConsumeTopics(o.Topic), kgo.DisableAutoCommit(),
			kgo.BlockRebalanceOnPoll(),
			kgo.OnPartitionsAssigned(r.onAssigned),
			kgo.AdjustFetchOffsetsFn(r.onOffsets),
			kgo.OnPartitionsRevoked(r.onRevoked),
			kgo.OnPartitionsLost(r.onLost))
	}
	// the offsets first, with a client that consumes nothing
	meta, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.DialTimeout(timeout), kgo.RetryTimeout(timeout))
	if err != nil {
		return nil, fmt.Errorf("-kafka %s: %w", o.Kafka, err)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	r.start, r.end, err = topicOffsets(tctx, meta, o.Topic)
	cancel()
	meta.Close()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v: %w", timeout, err)
		}
		return nil, fmt.Errorf("-kafka %s: topic %q: %w", o.Kafka, o.Topic, err)
	}
	if !r.group {
		parts := map[int32]kgo.Offset{}
		for p, s := range r.start {
			parts[p] = kgo.NewOffset().At(s)
			r.assigned[p], r.next[p] = true, s
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{o.Topic: parts}))
		r.joined = true
	}
	if r.cl, err = kgo.NewClient(opts...); err != nil {
		return nil, fmt.Errorf("-kafka %s: %w", o.Kafka, err)
	}
	return r, nil
}

// topicOffsets returns the log start and end offsets of every partition of
// topic.
func topicOffsets(ctx context.Context, cl *kgo.Client, topic string) (start, end map[int32]int64, err error) {
	mreq := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	mreq.Topics = append(mreq.Topics, mt)
	mresp, err := mreq.RequestWith(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	var parts []int32
	for _, t := range mresp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return nil, nil, err
		}
		for _, p := range t.Partitions {
			parts = append(parts, p.Partition)
		}
	}
	if len(parts) == 0 {
		return nil, nil, errors.New("no partitions")
	}
	start, end = map[int32]int64{}, map[int32]int64{}
	for _, ts := range []int64{-2, -1} { // earliest, latest
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for _, p := range parts {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp = p, ts
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return nil, nil, fmt.Errorf("partition %d: %w", p.Partition, err)
				}
				if ts == -2 {
					start[p.Partition] = p.Offset
				} else {
					end[p.Partition] = p.Offset
				}
			}
		}
	}
	return start, end, nil
}

func (r *kafkaReader) onAssigned(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range m[r.topic] {
		if _, ok := r.assigned[p]; !ok {
			r.assigned[p] = false // start not known yet
		}
	}
	r.joined = true
}

// onOffsets learns where each new partition starts (the committed offset,
// or the log start).
func (r *kafkaReader) onOffsets(_ context.Context, m map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, off := range m[r.topic] {
		s := off.EpochOffset().Offset
		if s < 0 {
			s = r.start[p]
		}
		r.assigned[p], r.next[p] = true, s
	}
	return m, nil
}

// onRevoked commits what was counted of the partitions the group takes
// away. A failed commit ends the read (Read returns it): the next member
// would count those records again.
func (r *kafkaReader) onRevoked(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
	if err := r.commitParts(ctx, m[r.topic]); err != nil {
		r.mu.Lock()
		if r.revokeErr == nil {
			r.revokeErr = fmt.Errorf("-kafka %s: commit at a rebalance: %w", r.brokers, err)
		}
		r.mu.Unlock()
	}
	r.onLost(ctx, cl, m)
}

func (r *kafkaReader) onLost(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range m[r.topic] {
		delete(r.assigned, p)
		delete(r.next, p)
		delete(r.counted, p)
	}
}

// finished reports whether every partition read was read up to its end
// offset at startup.
func (r *kafkaReader) finished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.joined {
		return false
	}
	for p, known := range r.assigned {
		if !known || r.next[p] < r.end[p] {
			return false
		}
	}
	return true
}

func (r *kafkaReader) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		if r.err == nil {
			r.mu.Lock()
			r.err = r.revokeErr
			r.mu.Unlock()
		}
		if r.err != nil {
			return 0, r.err
		}
		if r.ctx.Err() != nil || !r.follow && r.finished() {
			return 0, io.EOF
		}
		r.buf, r.off = r.buf[:0], 0
		r.poll()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// poll fetches the next records into r.buf.
func (r *kafkaReader) poll() {
	ctx, cancel := context.WithTimeout(r.ctx, kafkaPoll)
	fs := r.cl.PollFetches(ctx)
	cancel()
	if r.group {
		defer r.cl.AllowRebalance()
	}
	fs.EachError(func(_ string, p int32, err error) {
		if r.err == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			r.err = fmt.Errorf("-kafka %s: topic %q partition %d: %w", r.brokers, r.topic, p, err)
		}
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	var done []int32
	fs.EachRecord(func(rec *kgo.Record) {
		p := rec.Partition
		if _, ok := r.assigned[p]; !ok || !r.follow && rec.Offset >= r.end[p] {
			return
		}
		v := rec.Value
		if n := len(v); n > 0 && v[n-1] == '\n' {
			v = v[:n-1]
		}
		r.buf = append(append(r.buf, v...), '\n')
		r.next[p] = rec.Offset + 1
		r.counted[p] = kgo.EpochOffset{Epoch: rec.LeaderEpoch, Offset: rec.Offset + 1}
		if !r.follow && rec.Offset+1 >= r.end[p] {
			done = append(done, p)
		}
	})
	if len(done) > 0 {
		r.cl.PauseFetchPartitions(map[string][]int32{r.topic: done})
	}
}

// commit commits (in a group) the offsets of every record read.
func (r *kafkaReader) commit(ctx context.Context) error {
	if !r.group {
		return nil
	}
	r.mu.Lock()
	parts := make([]int32, 0, len(r.counted))
	for p := range r.counted {
		parts = append(parts, p)
	}
	r.mu.Unlock()
	return r.commitParts(ctx, parts)
}

func (r *kafkaReader) commitParts(ctx context.Context, parts []int32) error {
	r.mu.Lock()
	offs := map[int32]kgo.EpochOffset{}
	for _, p := range parts {
		if eo, ok := r.counted[p]; ok {
			offs[p] = eo
		}
	}
	r.mu.Unlock()
	if len(offs) == 0 {
		return nil
	}
	var cerr error
	r.cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{r.topic: offs},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			if err != nil {
				cerr = err
				return
			}
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					if err := kerr.ErrorForCode(p.ErrorCode); err != nil && cerr == nil {
						cerr = fmt.Errorf("partition %d: %w", p.Partition, err)
					}
				}
			}
		})
	if cerr != nil {
		ps := make([]int, 0, len(offs))
		for p := range offs {
			ps = append(ps, int(p))
		}
		sort.Ints(ps)
		return fmt.Errorf("-kafka %s: commit of topic %q partitions %v: %w", r.brokers, r.topic, ps, cerr)
	}
	return nil
}

// Close leaves the group and closes the connections.
func (r *kafkaReader) Close() {
	if r.group {
		r.cl.LeaveGroup()
	}
	r.cl.Close()
}
