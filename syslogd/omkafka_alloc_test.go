package syslogd

import (
	"log/slog"
	"strconv"
	"testing"

	"github.com/haplog/haplog/internal/dq"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaAckAllocs: queueing a message (memory queue and journal) and
// acknowledging it through the producer's promise allocate per batch, not
// per message.
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
			k := &kafkaOut{queueInput: queueInput{q: tc.q}, log: slog.Default(), inst: "i"}
			line := make([]byte, 200)
			recs := make([]dq.Record, 0, 1000)
			krecs := make([]kgo.Record, 1000)
			hdrs := make([]kgo.RecordHeader, 1000)
			ids := make([][]byte, 1000)
			for i := range ids {
				ids[i] = make([]byte, 0, 32)
			}
			allocs := testing.AllocsPerRun(20, func() {
				for i := 0; i < 1000; i++ {
					tc.q.Append(line)
				}
				tc.q.Commit()
				recs, _ = tc.q.Read(recs[:0], 1000, nil)
				for i, r := range recs {
					ids[i] = strconv.AppendUint(append(ids[i][:0], "i-"...), r.ID, 10)
					hdrs[i] = kgo.RecordHeader{Key: IDHeader, Value: ids[i]}
					krecs[i] = kgo.Record{Value: r.Data, Headers: hdrs[i : i+1]}
					k.promise(&krecs[i], nil)
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
