package syslogd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/haplog/haplog/internal/dq"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// IDHeader is the Kafka record header carrying a message's unique id
// (queue instance, "-", id in the queue); imkafka drops ids it already wrote.
const IDHeader = "haplog-id"

// kafkaParams are the parameters of action(type="omkafka"), with the
// names and meanings of rsyslog's omkafka.
type kafkaParams struct {
	brokers      []string
	topic        string
	key          string
	partAuto     bool
	partNumber   int
	partFixed    int32
	closeTimeout time.Duration
	opts         []kgo.Opt
	q            queueParams
}

// omkafkaAction parses action(type="omkafka" ...) into r. It is called
// from cfgParser.action.
func (p *cfgParser) omkafkaAction(r *Rule, params map[string]string, n int) error {
	kp := kafkaParams{q: defaultQueueParams(), closeTimeout: 2 * time.Second, partFixed: -1}
	r.Template = "RSYSLOG_FileFormat" // omkafka's default template
	if _, ok := p.c.Templates[r.Template]; !ok {
		r.Template = p.c.DefaultTemplate
	}
	for k, v := range params {
		if ok, err := p.queueParam(&kp.q, k, v, n); err != nil {
			return err
		} else if ok {
			continue
		}
		switch k {
		case "type":
		case "broker":
			kp.brokers = append(kp.brokers, splitArray(v)...)
		case "topic":
			kp.topic = v
		case "key":
			kp.key = v
		case "template":
			r.Template = v
		case "partitions.auto":
			on, err := onOff(v)
			if err != nil {
				return p.errf(n, k, "%w", err)
			}
			kp.partAuto = on
		case "partitions.number":
			x, err := strconv.Atoi(v)
			if err != nil || x <= 0 {
				return p.errf(n, k, "%q: want a positive number", v)
			}
			kp.partNumber = x
		case "partitions.usefixed":
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return p.errf(n, k, "%q: want a partition number", v)
			}
			kp.partFixed = int32(x)
		case "closetimeout":
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return p.errf(n, k, "%q: want milliseconds", v)
			}
			kp.closeTimeout = time.Duration(x) * time.Millisecond
		case "confparam":
			for _, kv := range splitArray(v) {
				o, err := kafkaConfParam(kv)
				if err != nil {
					return p.errf(n, k, "%w", err)
				}
				kp.opts = append(kp.opts, o...)
			}
		case "resubmitonfailure", "keepfailedmessages":
			// syslogd keeps every message until it is acknowledged.
			p.warn(n, "%s=%q ignored: messages are always kept until acknowledged", k, v)
		case "errorfile", "statsfile", "statsname", "failedmsgfile":
			p.warn(n, "%s=%q ignored: see the metrics endpoint", k, v)
		default:
			return p.errf(n, k, "omkafka parameter %q: %w", k, ErrUnsupported)
		}
	}
	if len(kp.brokers) == 0 {
		kp.brokers = []string{"localhost:9092"} // omkafka's default
	}
	if kp.topic == "" {
		return p.errf(n, "topic", "omkafka action without topic")
	}
	if err := kp.q.validate(p, n); err != nil {
		return err
	}
	r.Path = "omkafka:" + r.Pos
	r.Template += lineSuffix
	if p.c.outputs == nil {
		p.c.outputs = map[string]func(*Server) (Sink, error){}
	}
	name := kp.q.name
	if name == "" {
		name = "omkafka-" + r.Pos
	}
	p.c.outputs[r.Path] = func(s *Server) (Sink, error) { return newKafkaOut(name, kp, s.log) }
	return nil
}

// splitArray splits a ["a", "b"] value (given joined by commas).
func splitArray(v string) []string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	var out []string
	for _, e := range strings.Split(v, ",") {
		e = strings.Trim(strings.TrimSpace(e), "\"")
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// kafkaConfParam maps a librdkafka property (confParam) onto franz-go.
// Properties that would weaken delivery or that syslogd does not know are
// errors, as librdkafka rejects unknown properties.
func kafkaConfParam(kv string) ([]kgo.Opt, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return nil, fmt.Errorf("confParam %q: want name=value", kv)
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	ms := func() (time.Duration, error) {
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return 0, fmt.Errorf("confParam %s=%q: want milliseconds", k, v)
		}
		return time.Duration(x) * time.Millisecond, nil
	}
	switch k {
	case "compression.codec", "compression.type":
		var c kgo.CompressionCodec
		switch v {
		case "none":
			c = kgo.NoCompression()
		case "gzip":
			c = kgo.GzipCompression()
		case "snappy":
			c = kgo.SnappyCompression()
		case "lz4":
			c = kgo.Lz4Compression()
		case "zstd":
			c = kgo.ZstdCompression()
		default:
			return nil, fmt.Errorf("confParam %s=%q: want none, gzip, snappy, lz4 or zstd", k, v)
		}
		return []kgo.Opt{kgo.ProducerBatchCompression(c)}, nil
	case "queue.buffering.max.ms", "linger.ms":
		d, err := ms()
		if err != nil {
			return nil, err
		}
		return []kgo.Opt{kgo.ProducerLinger(d)}, nil
	case "client.id":
		return []kgo.Opt{kgo.ClientID(v)}, nil
	case "message.max.bytes", "batch.size":
		x, err := strconv.Atoi(v)
		if err != nil || x <= 0 {
			return nil, fmt.Errorf("confParam %s=%q: want bytes", k, v)
		}
		return []kgo.Opt{kgo.ProducerBatchMaxBytes(int32(x))}, nil
	case "queue.buffering.max.messages":
		x, err := strconv.Atoi(v)
		if err != nil || x <= 0 {
			return nil, fmt.Errorf("confParam %s=%q: want a count", k, v)
		}
		return []kgo.Opt{kgo.MaxBufferedRecords(x)}, nil
	case "socket.timeout.ms", "request.timeout.ms":
		d, err := ms()
		if err != nil {
			return nil, err
		}
		return []kgo.Opt{kgo.ProduceRequestTimeout(d)}, nil
	case "acks", "request.required.acks":
		if v == "all" || v == "-1" {
			return nil, nil
		}
		return nil, fmt.Errorf("confParam %s=%q: syslogd always waits for all in-sync replicas (acks=all)", k, v)
	case "enable.idempotence":
		if v == "true" {
			return nil, nil
		}
		return nil, fmt.Errorf("confParam %s=%q: the producer is always idempotent", k, v)
	}
	return nil, fmt.Errorf("confParam %q: %w", k, ErrUnsupported)
}

// kafkaOut is the Sink of an omkafka action: rendered lines go into the
// action queue (journalled first when the queue has a file), a sender
// produces them and removes each from the queue once the broker
// acknowledged it (acks=all, idempotent producer).
type kafkaOut struct {
	queueInput
	kp   kafkaParams
	cl   *kgo.Client
	log  *slog.Logger
	inst string

	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}
	done   chan struct{}
	seq    atomic.Uint64
	// free are the kafkaBatches no record of which is under way (a
	// sync.Pool would drop them at each garbage collection, and a batch
	// of 512 records is a quarter of a megabyte).
	freeMu sync.Mutex
	free   []*kafkaBatch

	retry        time.Duration
	sent, failed atomic.Uint64
	suspends     atomic.Uint64
	suspended    atomic.Bool
}

// kafkaBackoff is how long omkafka and imkafka wait before retrying a
// failed request: a quarter of action.resumeInterval, at most 250 ms and
// at least 10 ms (never a busy loop). It is also their MetadataMinAge: a
// failed metadata request is retried no sooner (franz-go's default, 5 s,
// was the resume time after a network cut), so they resume within a
// second of the broker coming back.
func kafkaBackoff(resumeInterval time.Duration) time.Duration {
	return max(min(resumeInterval, time.Second)/4, 10*time.Millisecond)
}

func newKafkaOut(name string, kp kafkaParams, log *slog.Logger) (*kafkaOut, error) {
	q, err := kp.q.open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	retry := kafkaBackoff(kp.q.resumeInterval)
	opts := []kgo.Opt{
		kgo.SeedBrokers(kp.brokers...),
		kgo.DefaultProduceTopic(kp.topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Records are retried for ever (franz-go's default) and so is an
		// unknown topic: the queue holds them meanwhile.
		kgo.UnknownTopicRetries(-1),
		// Reconnect and retry quickly (rsyslog waits
		// action.resumeInterval): see kafkaBackoff.
		kgo.RetryBackoffFn(func(int) time.Duration { return retry }),
		kgo.MetadataMinAge(retry),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.MaxBufferedRecords(100000),
		// librdkafka's and so rsyslog's default: no compression
		// (confParam compression.codec sets one; zstd costs about
		// 1 us of CPU per 200-byte message here, lz4 a fraction).
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.AllowAutoTopicCreation(),
	}
	if kp.partFixed >= 0 || kp.partNumber > 0 || kp.key == "" {
		// The partition of a read batch is chosen once by sender (see
		// batchPartitioner); a key is hashed by franz-go's default.
		opts = append(opts, kgo.RecordPartitioner(batchPartitioner{}))
	}
	opts = append(opts, kp.opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	k := &kafkaOut{queueInput: queueInput{name: name, q: q}, kp: kp, cl: cl, log: log, retry: retry, stop: make(chan struct{}), done: make(chan struct{})}
	if log == nil {
		k.log = slog.Default()
	}
	k.inst = q.Instance()
	if k.inst == "" {
		k.inst = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	registerAction(k)
	go k.sender()
	return k, nil
}

// kafkaBatch holds the records sender made of one read from the queue
// while franz-go has them. It goes back to kafkaOut.free once the last
// of its records' promises returned (franz-go does not touch a record
// after its promise), so a steady flow allocates no arrays.
//
// The records a broker acknowledged leave the queue together, with one
// Ack (one lock) once every promise of the batch ran, not one per record.
// A promise writes its record's outcome in its own slot of acked (no lock,
// whichever goroutine runs it) and takes one atomic step, left's; the last
// one, after its step, reads every slot, counts and acknowledges.
type kafkaBatch struct {
	recs     []kgo.Record
	hdrs     []kgo.RecordHeader
	qids     []uint64 // queue id of each record
	acked    []bool   // by record: its promise says it leaves the queue
	data     []byte   // the records' values (ReadCopy)
	ids      []byte
	done     []uint64     // the queue ids of a partly acknowledged batch
	left     atomic.Int64 // records whose promise has not run yet
	rejected atomic.Int64 // records the broker refused for good
	promise  func(*kgo.Record, error)
}

// batch returns a kafkaBatch, reused when one is free.
func (k *kafkaOut) batch() *kafkaBatch {
	var b *kafkaBatch
	k.freeMu.Lock()
	if n := len(k.free); n > 0 {
		b, k.free[n-1] = k.free[n-1], nil
		k.free = k.free[:n-1]
	}
	k.freeMu.Unlock()
	if b == nil {
		b = &kafkaBatch{}
		b.promise = func(r *kgo.Record, err error) {
			ok := err == nil
			if !ok && k.dropFailed(err) {
				ok = true // rejected for good: it leaves the queue
				b.rejected.Add(1)
			}
			b.acked[b.index(r)] = ok
			if b.left.Add(-1) == 0 {
				k.ackBatch(b)
			}
		}
	}
	return b
}

// kafkaReadMax is the most records sender reads from the queue at once,
// and what every kafkaBatch holds. A read at full rate is a received
// batch or two (~250 records): batches of 4096 grown by the largest read
// they had held ~15 times the records under way (tens of batches, 40-50
// MB at 500k msg/s), cold in the caches and scanned by the garbage
// collector; batches of 512 hold about 2 times.
const kafkaReadMax = 512

// ackBatch acknowledges the records of b whose promise said so, once
// every promise of b ran (one Ack, one lock), and makes b free.
func (k *kafkaOut) ackBatch(b *kafkaBatch) {
	ids := b.qids
	if n := countTrue(b.acked); n < len(b.acked) {
		ids = b.done[:0]
		for i, ok := range b.acked {
			if ok {
				ids = append(ids, b.qids[i])
			}
		}
	}
	if len(ids) > 0 {
		_ = k.q.Ack(ids...)
	}
	// Records leaving the queue are sent, but for those the broker
	// refused for good (counted failed by dropFailed).
	k.sent.Add(uint64(int64(len(ids)) - b.rejected.Swap(0)))
	clear(b.recs) // reset what franz-go set
	k.putBatch(b)
}

// countTrue is the number of true values in v.
func countTrue(v []bool) int {
	n := 0
	for _, ok := range v {
		if ok {
			n++
		}
	}
	return n
}

// putBatch makes b free for batch.
func (k *kafkaOut) putBatch(b *kafkaBatch) {
	k.freeMu.Lock()
	k.free = append(k.free, b)
	k.freeMu.Unlock()
}

// records makes the Kafka records of recs in b: value, key, the id header
// and the partition when it is set by the configuration.
func (k *kafkaOut) records(b *kafkaBatch, recs []dq.Record, key []byte) {
	n := len(recs)
	if cap(b.recs) < n {
		// Every batch holds a full read: a read may get any of them.
		c := max(n, kafkaReadMax)
		b.recs = make([]kgo.Record, c)
		b.hdrs = make([]kgo.RecordHeader, c)
		b.qids = make([]uint64, c)
		b.acked = make([]bool, c)
		b.done = make([]uint64, c)
	}
	b.recs, b.hdrs, b.qids, b.acked, b.done = b.recs[:n], b.hdrs[:n], b.qids[:n], b.acked[:n], b.done[:n]
	if need := n * (len(k.inst) + 21); cap(b.ids) < need {
		b.ids = make([]byte, 0, need)
	}
	b.ids = b.ids[:0]
	b.left.Store(int64(n))

	// One timestamp per batch: franz-go would read the clock for each
	// record without one (a tenth of the CPU per message).
	now := time.Now().Truncate(time.Millisecond)
	part := k.partition()
	var prev []byte // the previous record's header value
	for i, r := range recs {
		start := len(b.ids)
		if i > 0 && r.ID == recs[i-1].ID+1 {
			b.ids = nextID(append(b.ids, prev...))
		} else {
			b.ids = append(b.ids, k.inst...)
			b.ids = append(b.ids, '-')
			b.ids = strconv.AppendUint(b.ids, r.ID, 10)
		}
		prev = b.ids[start:len(b.ids):len(b.ids)]
		b.hdrs[i] = kgo.RecordHeader{Key: IDHeader, Value: prev}
		b.qids[i] = r.ID
		rec := &b.recs[i]
		rec.Value, rec.Key, rec.Headers, rec.Timestamp = r.Data, key, b.hdrs[i:i+1:i+1], now
		rec.Partition = part
	}
}

// partition is what sender puts in the Partition field of every record of
// a read batch, for batchPartitioner: the fixed partition
// (partitions.usefixed), the next of partitions.number in turn, or, by
// default and with partitions.auto, the batch's number, which
// batchPartitioner turns into the next of the topic's writable
// partitions. One partition per batch instead of one per record
// (rsyslog's omkafka turns per message) still spreads the flow evenly,
// and lets franz-go append each record to the batch of the previous one.
func (k *kafkaOut) partition() int32 {
	switch {
	case k.kp.partFixed >= 0:
		return k.kp.partFixed
	case k.kp.partNumber > 0:
		return int32(k.seq.Add(1) % uint64(k.kp.partNumber))
	}
	return -1 - int32(k.seq.Add(1)&(1<<30-1))
}

// batchPartitioner is franz-go's partitioner for sender's records: a
// Partition field >= 0 is the partition (a fixed one, or one of
// partitions.number: it must exist, and records wait for it as rsyslog's
// do); a negative one, -1 - the batch's number, picks in turn among the
// topic's partitions that have a leader (from franz-go's metadata), so an
// unavailable partition does not hold messages back. It keeps no state,
// so franz-go takes no partitioner lock while buffering a record.
type batchPartitioner struct{}

func (batchPartitioner) ForTopic(string) kgo.TopicPartitioner { return batchPartitioner{} }

func (batchPartitioner) RequiresConsistency(r *kgo.Record) bool { return r.Partition >= 0 }

func (batchPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return int(-1-r.Partition) % n
}

// nextID adds one to the decimal number ending v (the id after the
// previous one in a batch, where ids mostly follow each other: cheaper
// than formatting it).
func nextID(v []byte) []byte {
	i := len(v) - 1
	for ; i >= 0 && v[i] == '9'; i-- {
		v[i] = '0'
	}
	if i >= 0 && v[i] >= '0' && v[i] < '9' {
		v[i]++
		return v
	}
	// All nines: one more digit, a 1 before the zeros.
	v = append(v, '0')
	copy(v[i+2:], v[i+1:len(v)-1])
	v[i+1] = '1'
	return v
}

// index is the position of r in b.recs: franz-go hands the promise the
// pointer it was given, &b.recs[i].
func (b *kafkaBatch) index(r *kgo.Record) int {
	i := int((uintptr(unsafe.Pointer(r)) - uintptr(unsafe.Pointer(unsafe.SliceData(b.recs)))) / unsafe.Sizeof(*r))
	if i < 0 || i >= len(b.recs) || &b.recs[i] != r {
		panic("omkafka: promise for a record not of its batch")
	}
	return i
}

// sender produces what the queue holds, one kafkaBatch per read from the
// queue; nothing is allocated per message.
func (k *kafkaOut) sender() {
	defer close(k.done)
	var recs []dq.Record
	var key []byte
	if k.kp.key != "" {
		key = []byte(k.kp.key)
	}
	for {
		// The data are copied into the batch, which lives as long as
		// franz-go has its records.
		b := k.batch()
		var err error
		recs, b.data, err = k.q.ReadCopy(recs[:0], b.data[:0], kafkaReadMax, k.stop)
		if err != nil || len(recs) == 0 {
			k.putBatch(b)
			if err != nil {
				return
			}
			continue
		}
		k.records(b, recs, key)
		for i := range b.recs {
			k.cl.Produce(k.ctx, &b.recs[i], b.promise)
		}
	}
}

// dropFailed is called for a record whose promise failed; it reports
// whether the record is to leave the queue all the same (ackBatch counts
// the records that succeeded, once per batch).
func (k *kafkaOut) dropFailed(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		// Shutting down: the record stays queued.
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge),
		errors.Is(err, kerr.InvalidRecord), errors.Is(err, kerr.CorruptMessage):
		// The broker will never take it: rsyslog drops it too; count
		// it.
		k.failed.Add(1)
		k.log.Error("omkafka: record rejected", "action", k.name, "err", err)
		return true
	default:
		// Keep it: send everything unacknowledged again after
		// action.resumeInterval (at most 1 s).
		k.failed.Add(1)
		if k.suspended.CompareAndSwap(false, true) {
			k.suspends.Add(1)
			k.log.Warn("omkafka: action suspended", "action", k.name, "err", err)
			time.AfterFunc(k.retry, func() { k.suspended.Store(false); k.q.Rewind() })
		}
	}
	return false
}

// Flush and Reopen have nothing to do: the queue is the buffer.
func (k *kafkaOut) Flush() error  { return nil }
func (k *kafkaOut) Reopen() error { return nil }

// Close stops the sender, waits up to closeTimeout for the records under
// way to be acknowledged, and closes the queue (whatever is not
// acknowledged stays in a disk queue for the next start).
func (k *kafkaOut) Close() error {
	unregisterAction(k)
	close(k.stop)
	<-k.done
	ctx, cancel := context.WithTimeout(context.Background(), k.kp.closeTimeout)
	_ = k.cl.Flush(ctx)
	cancel()
	k.cancel()
	k.cl.Close()
	return k.q.Close()
}

func (k *kafkaOut) actionStats() actionStats {
	qs := k.q.Stats()
	return actionStats{name: k.name, kind: "omkafka", enqueued: qs.Enqueued, sent: k.sent.Load(),
		failed: k.failed.Load() + k.enqDrop.Load(), suspended: k.suspends.Load(), size: qs.Size, diskBytes: qs.DiskBytes}
}

// lineSuffix marks the template of a forwarding action: the action's Sink
// receives lines, so the template is used with a LF appended when it does
// not end with one (the LF is not sent). Control characters are escaped on
// reception, so a LF inside a message cannot split it.
const lineSuffix = "\x00lf"

// lineTemplates defines the templates named with lineSuffix.
func (c *Config) lineTemplates() {
	for i := range c.Rules {
		r := &c.Rules[i]
		base, ok := strings.CutSuffix(r.Template, lineSuffix)
		if !ok {
			continue
		}
		t, ok := c.Templates[base]
		if !ok {
			r.Template = base // "template ... is not defined"
			continue
		}
		if n := len(t.parts); n > 0 && !t.parts[n-1].isProp && bytes.HasSuffix(t.parts[n-1].literal, []byte("\n")) {
			c.Templates[r.Template] = t
			continue
		}
		cl := *t
		cl.parts = append(append([]part(nil), t.parts...), part{literal: []byte("\n")})
		c.Templates[r.Template] = &cl
	}
}
