package syslogd

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haplog/haplog/internal/dq"
)

// KafkaAction is an action(type="omkafka") of the configuration, with
// rsyslog's omkafka parameters (see syslogd/doc.go for the list and where
// the meaning differs).
type KafkaAction struct {
	Name             string // action name= (statistics); default omkafka-N
	Brokers          []string
	Topic            string
	Key              string
	PartitionsAuto   bool
	PartitionsNumber int // partitions.number, round robin when not auto
	FixedPartition   int // partitions.useFixed; -1 when unset
	Compression      string
	Linger           time.Duration
	ClientID         string
	MaxMessageBytes  int32
	Headers          [][2]string // kafkaHeader "k=v"
	CloseTimeout     time.Duration
	ResumeRetryCount int // -1: retry forever
	ResumeInterval   time.Duration
	Queue            ActionQueue
	Pos              string // file:line of the action
}

// ActionQueue is an action's queue.* parameters.
type ActionQueue struct {
	Type           string // direct, linkedlist, fixedarray or disk
	Dir            string // queue.spoolDirectory, else the work directory
	Filename       string // queue.filename: a disk queue when set
	Size           int    // queue.size (records)
	MaxDiskSpace   int64  // queue.maxDiskSpace (bytes)
	Sync           bool   // queue.syncQueueFiles
	TimeoutEnqueue time.Duration
}

// kafkaKey is the output key (Rule.Path) of an omkafka action.
func kafkaKey(name string) string { return "omkafka:" + name }

// omkafka parses action(type="omkafka" ...).
func (p *cfgParser) omkafka(r *Rule, params map[string]string, n int) error {
	a := &KafkaAction{Brokers: []string{"localhost:9092"}, FixedPartition: -1, PartitionsNumber: 1,
		CloseTimeout: 2 * time.Second, ResumeRetryCount: -1, ResumeInterval: time.Second,
		Queue: ActionQueue{Type: "direct", Size: 1000, TimeoutEnqueue: 2 * time.Second, Dir: p.c.WorkDirectory},
		Pos:   p.pos(n)}
	r.Template = "RSYSLOG_FileFormat" // omkafka's default, not $ActionFileDefaultTemplate
	var err error
	integer := func(k, v string) int {
		i, e := strconv.Atoi(strings.TrimSpace(v))
		if e != nil && err == nil {
			err = p.errf(n, k, "%q: want an integer", v)
		}
		return i
	}
	boolean := func(k, v string) bool {
		on, e := onOff(strings.TrimSpace(v))
		if e != nil && err == nil {
			err = p.errf(n, k, "%w", e)
		}
		return on
	}
	for k, v := range params {
		switch k {
		case "type":
		case "name":
			a.Name = v
		case "broker":
			a.Brokers = arrayValues(v)
		case "topic":
			a.Topic = v
		case "key":
			a.Key = v
		case "template":
			r.Template = v
		case "partitions.auto":
			a.PartitionsAuto = boolean(k, v)
		case "partitions.number":
			a.PartitionsNumber = integer(k, v)
		case "partitions.usefixed":
			a.FixedPartition = integer(k, v)
		case "kafkaheader":
			for _, h := range arrayValues(v) {
				hk, hv, ok := strings.Cut(h, "=")
				if !ok {
					return p.errf(n, k, "%q: want key=value", h)
				}
				a.Headers = append(a.Headers, [2]string{hk, hv})
			}
		case "confparam", "topicconfparam":
			for _, kv := range arrayValues(v) {
				if e := a.confParam(kv); e != nil {
					return p.errf(n, k, "%w", e)
				}
			}
		case "closetimeout":
			a.CloseTimeout = time.Duration(integer(k, v)) * time.Millisecond
		case "resubmitonfailure":
			// Always: a message leaves the queue only when acknowledged.
			boolean(k, v)
		case "action.resumeretrycount":
			a.ResumeRetryCount = integer(k, v)
		case "action.resumeinterval":
			a.ResumeInterval = time.Duration(integer(k, v)) * time.Second
		case "queue.type":
			switch t := strings.ToLower(v); t {
			case "direct", "linkedlist", "fixedarray", "disk":
				a.Queue.Type = t
			default:
				return p.errf(n, k, "%q: want Direct, LinkedList, FixedArray or Disk", v)
			}
		case "queue.filename":
			a.Queue.Filename = v
		case "queue.spooldirectory":
			a.Queue.Dir = v
		case "queue.size":
			a.Queue.Size = integer(k, v)
		case "queue.maxdiskspace":
			sz, e := parseSize(v)
			if e != nil {
				return p.errf(n, k, "%w", e)
			}
			a.Queue.MaxDiskSpace = sz
		case "queue.syncqueuefiles":
			a.Queue.Sync = boolean(k, v)
		case "queue.timeoutenqueue":
			a.Queue.TimeoutEnqueue = time.Duration(integer(k, v)) * time.Millisecond
		case "queue.saveonshutdown":
			// A disk queue always keeps what is not acknowledged.
			boolean(k, v)
		case "queue.highwatermark", "queue.lowwatermark", "queue.checkpointinterval",
			"queue.dequeuebatchsize", "queue.workerthreads":
			// Memory/disk thresholds and batching of rsyslog's queue
			// engine: with a disk queue every message is on disk before
			// it is sent, so these change no delivery.
			integer(k, v)
		default:
			return p.errf(n, k, "omkafka parameter %q is not implemented: %w", k, ErrUnsupported)
		}
		if err != nil {
			return err
		}
	}
	if a.Topic == "" {
		return p.errf(n, "topic", "omkafka action without topic (mandatory)")
	}
	if len(a.Brokers) == 0 {
		return p.errf(n, "broker", "omkafka action without broker")
	}
	if a.Queue.Type == "disk" && a.Queue.Filename == "" {
		return p.errf(n, "queue.filename", "a Disk queue needs queue.filename")
	}
	if a.Queue.Filename != "" && a.Queue.Dir == "" {
		return p.errf(n, "queue.spooldirectory", "queue.filename %q needs queue.spoolDirectory or a work directory ($WorkDirectory, global(workDirectory=...))", a.Queue.Filename)
	}
	if a.ResumeInterval <= 0 {
		a.ResumeInterval = time.Second
	}
	if a.Name == "" {
		a.Name = fmt.Sprintf("omkafka-%d", len(p.c.Kafka)+1)
	}
	if p.c.Kafka == nil {
		p.c.Kafka = map[string]*KafkaAction{}
	}
	key := kafkaKey(a.Name)
	if _, dup := p.c.Kafka[key]; dup {
		return p.errf(n, "name", "a second action named %q", a.Name)
	}
	p.c.Kafka[key] = a
	r.Path = key
	return nil
}

// confParam applies one librdkafka property "name=value". Those that
// change how records are sent are mapped onto franz-go; the others are
// refused: a silent difference in a delivery setting is worse than an
// error.
func (a *KafkaAction) confParam(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("%q: want name=value", kv)
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	switch k {
	case "compression.codec", "compression.type":
		switch v {
		case "none", "gzip", "snappy", "lz4", "zstd":
			a.Compression = v
		default:
			return fmt.Errorf("%s=%q: want none, gzip, snappy, lz4 or zstd", k, v)
		}
	case "queue.buffering.max.ms", "linger.ms":
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || ms < 0 {
			return fmt.Errorf("%s=%q: want milliseconds", k, v)
		}
		a.Linger = time.Duration(ms * float64(time.Millisecond))
	case "client.id":
		a.ClientID = v
	case "message.max.bytes":
		b, err := strconv.ParseInt(v, 10, 32)
		if err != nil || b < 1000 {
			return fmt.Errorf("%s=%q: want a size in bytes (>= 1000)", k, v)
		}
		a.MaxMessageBytes = int32(b)
	case "acks", "request.required.acks":
		if v != "all" && v != "-1" {
			return fmt.Errorf("%s=%s: only all (-1) is supported: a message leaves the queue when every in-sync replica has it: %w", k, v, ErrUnsupported)
		}
	case "enable.idempotence":
		if v != "true" {
			return fmt.Errorf("%s=%s: the producer is always idempotent: %w", k, v, ErrUnsupported)
		}
	case "socket.keepalive.enable":
		if v != "true" {
			return fmt.Errorf("%s=%s: TCP keepalive is always on: %w", k, v, ErrUnsupported)
		}
	case "security.protocol":
		if !strings.EqualFold(v, "plaintext") {
			return fmt.Errorf("%s=%s: only plaintext is implemented: %w", k, v, ErrUnsupported)
		}
	default:
		return fmt.Errorf("librdkafka property %q is not implemented: %w", k, ErrUnsupported)
	}
	return nil
}

// arrayValues splits an array parameter (parseObject joins its elements
// with newlines); a plain string is a one-element array.
func arrayValues(v string) []string {
	var out []string
	for _, e := range strings.Split(v, "\n") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// queueOut is an output fed straight from the workers' batches (no
// pending buffer in memory): each batch is framed records.
type queueOut interface {
	append(framed []byte, n int) error
	close() error
}

// kafkaOut is a running omkafka action: the action queue and the
// producer that drains it.
type kafkaOut struct {
	a    *KafkaAction
	q    *dq.Queue
	cl   *kgo.Client
	log  *slog.Logger
	key  []byte
	hdrs []kgo.RecordHeader

	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	rr     atomic.Uint32

	enqueued, sent, failed, full atomic.Uint64
	suspended                    atomic.Bool
}

// openKafka starts the action: the queue (its unacknowledged records are
// sent again first) and the producer.
func openKafka(a *KafkaAction, log *slog.Logger) (*kafkaOut, error) {
	qo := dq.Options{Name: a.Queue.Filename, MaxRecords: a.Queue.Size, MaxBytes: a.Queue.MaxDiskSpace,
		Sync: a.Queue.Sync, EnqueueTimeout: a.Queue.TimeoutEnqueue}
	if a.Queue.Filename != "" {
		qo.Dir = a.Queue.Dir
		qo.MaxRecords = 0 // a disk queue is bounded by queue.maxDiskSpace
	}
	q, err := dq.Open(qo)
	if err != nil {
		return nil, fmt.Errorf("%s: omkafka %s: queue %s: %w", a.Pos, a.Name, filepath.Join(qo.Dir, qo.Name), err)
	}
	k := &kafkaOut{a: a, q: q, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	if a.Key != "" {
		k.key = []byte(a.Key)
	}
	for _, h := range a.Headers {
		k.hdrs = append(k.hdrs, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(a.Brokers...),
		kgo.DefaultProduceTopic(a.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		kgo.RecordPartitioner(kgo.BasicConsistentPartitioner(k.partitioner)),
		// Back within a second of the broker: short backoffs, capped by
		// action.resumeInterval, and metadata refreshed as often.
		kgo.RetryBackoffFn(func(n int) time.Duration {
			d := 50 * time.Millisecond << min(n, 10)
			return min(d, a.ResumeInterval)
		}),
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.DialTimeout(5 * time.Second),
	}
	if a.ResumeRetryCount >= 0 {
		opts = append(opts, kgo.RecordRetries(a.ResumeRetryCount))
	}
	switch a.Compression {
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	}
	if a.Linger > 0 {
		opts = append(opts, kgo.ProducerLinger(a.Linger))
	}
	if a.ClientID != "" {
		opts = append(opts, kgo.ClientID(a.ClientID))
	}
	if a.MaxMessageBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(a.MaxMessageBytes))
	}
	if k.cl, err = kgo.NewClient(opts...); err != nil {
		q.Close()
		return nil, fmt.Errorf("%s: omkafka %s: %w", a.Pos, a.Name, err)
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	go k.pump()
	return k, nil
}

// partitioner: with partitions.auto, librdkafka's consistent_random
// (CRC-32 of the key; records without a key spread); otherwise
// partitions.useFixed, else round robin over partitions.number.
func (k *kafkaOut) partitioner(string) func(r *kgo.Record, n int) int {
	return func(r *kgo.Record, n int) int {
		a := k.a
		switch {
		case a.PartitionsAuto && len(r.Key) > 0:
			return int(crc32.ChecksumIEEE(r.Key) % uint32(n))
		case a.PartitionsAuto:
			return int(k.rr.Add(1) % uint32(n))
		case a.FixedPartition >= 0:
			return min(a.FixedPartition, n-1)
		}
		return int(k.rr.Add(1)%uint32(max(a.PartitionsNumber, 1))) % n
	}
}

func (k *kafkaOut) append(framed []byte, n int) error {
	if err := k.q.Append(framed, n); err != nil {
		if errors.Is(err, dq.ErrFull) {
			k.full.Add(uint64(n))
		}
		return err
	}
	k.enqueued.Add(uint64(n))
	return nil
}

// pump sends the queue's records in order; a record is acknowledged to
// the queue when the broker acknowledged it.
func (k *kafkaOut) pump() {
	defer close(k.done)
	for {
		r, err := k.q.Next(k.stop)
		if err != nil {
			return
		}
		rec := &kgo.Record{Key: k.key, Value: r.Data,
			Headers: append(append(make([]kgo.RecordHeader, 0, len(k.hdrs)+1), k.hdrs...),
				kgo.RecordHeader{Key: KafkaIDHeader, Value: k.q.ID(make([]byte, 0, 32), r.Seq)})}
		seq := r.Seq
		k.cl.Produce(k.ctx, rec, func(_ *kgo.Record, err error) {
			switch {
			case err == nil:
				k.sent.Add(1)
				k.suspended.Store(false)
				k.q.Ack(seq)
			case errors.Is(err, context.Canceled):
				// Shutting down: stays queued (on disk) for the next start.
			case errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) || k.a.ResumeRetryCount >= 0:
				// Dropped, as rsyslog drops what the broker refuses
				// for its size or after action.resumeRetryCount.
				k.failed.Add(1)
				k.q.Ack(seq)
				k.log.Error("omkafka: message dropped", "action", k.a.Name, "err", err)
			default:
				k.suspended.Store(true)
			}
		})
	}
}

// KafkaIDHeader is the record header holding a message's unique id (the
// queue's id and the message's sequence, 32 hex digits): the same for a
// message sent again after a crash, so that consumers can drop copies.
const KafkaIDHeader = "haplog-id"

// close stops taking records, gives the producer closeTimeout to send
// what it holds, and closes the queue (what is not acknowledged stays in
// a disk queue for the next start).
func (k *kafkaOut) close() error {
	var err error
	k.once.Do(func() {
		close(k.stop)
		<-k.done
		ctx, cancel := context.WithTimeout(context.Background(), k.a.CloseTimeout)
		if e := k.cl.Flush(ctx); e != nil {
			k.log.Warn("omkafka: not all messages sent at close", "action", k.a.Name, "queued", k.q.Stats().Size, "err", e)
		}
		cancel()
		k.cancel()
		k.cl.Close()
		err = k.q.Close()
	})
	return err
}

// KafkaStats are an omkafka action's counts, as rsyslog's impstats
// reports an action and its queue.
type KafkaStats struct {
	Name                         string
	Enqueued, Sent, Failed, Full uint64
	Size, Inflight               int
	DiskBytes                    int64
	Suspended                    bool
}

func (k *kafkaOut) stats() KafkaStats {
	qs := k.q.Stats()
	return KafkaStats{Name: k.a.Name, Enqueued: k.enqueued.Load(), Sent: k.sent.Load(), Failed: k.failed.Load(),
		Full: k.full.Load(), Size: qs.Size, Inflight: qs.Inflight, DiskBytes: qs.Bytes, Suspended: k.suspended.Load()}
}

// KafkaStats returns the counts of the running omkafka actions, by name.
func (s *Server) KafkaStats() []KafkaStats {
	var out []KafkaStats
	for _, fs := range s.snap.Load().sinks {
		if k, ok := fs.direct.(*kafkaOut); ok {
			out = append(out, k.stats())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// writeActionMetrics adds impstats' action and queue counters of the
// omkafka actions to the Prometheus text.
func writeActionMetrics(b *strings.Builder, sinks map[string]*fileSink) {
	var ks []KafkaStats
	for _, fs := range sinks {
		if k, ok := fs.direct.(*kafkaOut); ok {
			ks = append(ks, k.stats())
		}
	}
	if len(ks) == 0 {
		return
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].Name < ks[j].Name })
	family := func(name, typ, help string, v func(KafkaStats) string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, k := range ks {
			fmt.Fprintf(b, "%s{action=%q} %s\n", name, k.Name, v(k))
		}
	}
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	family("syslogd_action_enqueued_total", "counter", "Messages put in the action queue (impstats enqueued).", func(k KafkaStats) string { return u(k.Enqueued) })
	family("syslogd_action_processed_total", "counter", "Messages the broker acknowledged (impstats processed).", func(k KafkaStats) string { return u(k.Sent) })
	family("syslogd_action_failed_total", "counter", "Messages dropped after a permanent failure (impstats failed).", func(k KafkaStats) string { return u(k.Failed) })
	family("syslogd_action_full_total", "counter", "Messages refused because the queue was full (impstats full).", func(k KafkaStats) string { return u(k.Full) })
	family("syslogd_action_suspended", "gauge", "1 while the broker cannot be reached (impstats suspended).", func(k KafkaStats) string {
		if k.Suspended {
			return "1"
		}
		return "0"
	})
	family("syslogd_queue_size", "gauge", "Messages in the action queue not yet acknowledged (impstats size).", func(k KafkaStats) string { return strconv.Itoa(k.Size) })
	family("syslogd_queue_disk_bytes", "gauge", "Bytes of the queue's files on disk (impstats DiskSpace).", func(k KafkaStats) string { return strconv.FormatInt(k.DiskBytes, 10) })
}
