package syslogd

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/dq"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaAckAllocs: queueing a message (queueInput.Write to a memory
// queue and to the journal), reading it (ReadCopy), making its Kafka
// record (sender's records) and acknowledging it through the producer's
// promise allocate nothing per message, nor, in a steady flow, per batch:
// the memory queue's chunks, the journal's write buffers and the records'
// arrays are reused (at most 2 allocations per 1000 messages).
func TestKafkaAckAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	dqq, err := dq.Open(t.TempDir(), dq.Options{CheckpointEvery: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer dqq.Close()
	for _, tc := range []struct {
		name string
		q    actionQueue
	}{{"memqueue", newMemQueue(1<<20, 0)}, {"diskqueue", dqq}} {
		t.Run(tc.name, func(t *testing.T) {
			k := &kafkaOut{queueInput: queueInput{q: tc.q}, log: slog.Default(), inst: "i", kp: kafkaParams{partFixed: -1}}
			lines := bytes.Repeat(append(bytes.Repeat([]byte{'x'}, 200), '\n'), 1000)
			recs := make([]dq.Record, 0, 1000)
			allocs := testing.AllocsPerRun(20, func() {
				if _, err := k.Write(lines); err != nil {
					t.Fatal(err)
				}
				b := k.batch()
				recs, b.data, _ = tc.q.ReadCopy(recs[:0], b.data[:0], 1000, nil)
				k.records(b, recs, nil)
				for i := range b.recs {
					if recordID(&b.recs[i]) != recs[i].ID {
						t.Fatalf("record %d: id header %q, queue id %d", i, b.recs[i].Headers[0].Value, recs[i].ID)
					}
					b.promise(&b.recs[i], nil)
				}
			})
			if len(recs) != 1000 || k.sent.Load() == 0 || tc.q.Stats().Size != 0 {
				t.Fatalf("read %d, sent %d, left %d", len(recs), k.sent.Load(), tc.q.Stats().Size)
			}
			t.Logf("%.0f allocations per 1000 messages", allocs)
			if allocs > 2 {
				t.Errorf("%.0f allocations per 1000 messages", allocs)
			}
		})
	}
}

// recordID is the queue id in the id header of a record sender made.
func recordID(r *kgo.Record) uint64 {
	v := r.Headers[0].Value
	i := bytes.LastIndexByte(v, '-')
	var id uint64
	for _, c := range v[i+1:] {
		id = id*10 + uint64(c-'0')
	}
	return id
}

// TestNextID: the id after each of 0 to 120000 and around the largest
// ids, as strconv formats it, after an instance prefix with digits.
func TestNextID(t *testing.T) {
	ids := []uint64{1<<64 - 3, 1e19 - 1}
	for id := uint64(0); id < 120000; id++ {
		ids = append(ids, id)
	}
	for _, id := range ids {
		v := nextID(strconv.AppendUint([]byte("m9z1-"), id, 10))
		if want := "m9z1-" + strconv.FormatUint(id+1, 10); string(v) != want {
			t.Fatalf("after %d: %q, want %q", id, v, want)
		}
	}
}

// TestKafkaBatchAck: once every promise of a batch ran, the records the
// broker took and those it refused for good (too large) leave the queue
// in one Ack; those that failed otherwise stay for the retry. Sent counts
// the first, failed the other two.
func TestKafkaBatchAck(t *testing.T) {
	q := newMemQueue(1<<10, 0)
	k := &kafkaOut{queueInput: queueInput{q: q}, log: slog.New(slog.DiscardHandler), inst: "i", kp: kafkaParams{partFixed: -1}, retry: time.Hour}
	if _, err := k.Write([]byte("a\nb\nc\nd\ne\nf\n")); err != nil {
		t.Fatal(err)
	}
	b := k.batch()
	recs, data, err := q.ReadCopy(nil, nil, 10, nil)
	if err != nil || len(recs) != 6 {
		t.Fatalf("read %d records: %v", len(recs), err)
	}
	b.data = data
	k.records(b, recs, nil)
	// Out of order, as promises of several partitions may run.
	errs := []error{nil, kerr.MessageTooLarge, errors.New("connection reset"), nil, nil, kerr.RecordListTooLarge}
	for _, i := range []int{5, 2, 0, 4, 1, 3} {
		if q.Stats().Size != 6 {
			t.Fatalf("queue holds %d before the last promise, want 6", q.Stats().Size)
		}
		b.promise(&b.recs[i], errs[i])
	}
	if s, f, n := k.sent.Load(), k.failed.Load(), q.Stats().Size; s != 3 || f != 3 || n != 1 {
		t.Fatalf("sent %d, failed %d, queued %d; want 3, 3, 1", s, f, n)
	}
	q.Rewind()
	left, _, err := q.ReadCopy(nil, nil, 10, nil)
	if err != nil || len(left) != 1 || string(left[0].Data) != "c" {
		t.Fatalf("left in the queue: %d records (%v), want c alone", len(left), err)
	}
	if n := len(k.free); n != 1 {
		t.Fatalf("%d free batches, want the batch back", n)
	}
}
