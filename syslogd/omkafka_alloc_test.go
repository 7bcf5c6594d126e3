package syslogd

import (
	"log/slog"
	"testing"

	"github.com/haplog/haplog/internal/dq"
)

// TestKafkaAckAllocs: queueing a message (memory queue and journal),
// making its Kafka record (sender's records) and acknowledging it through
// the producer's promise allocate per batch, not per message; the
// records' arrays are reused once every promise of a batch ran.
func TestKafkaAckAllocs(t *testing.T) {
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
			line := make([]byte, 200)
			recs := make([]dq.Record, 0, 1000)
			allocs := testing.AllocsPerRun(20, func() {
				for i := 0; i < 1000; i++ {
					tc.q.Append(line)
				}
				tc.q.Commit()
				recs, _ = tc.q.Read(recs[:0], 1000, nil)
				b := k.records(recs, nil)
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
			if allocs > 10 {
				t.Errorf("%.0f allocations per 1000 messages", allocs)
			}
		})
	}
}
