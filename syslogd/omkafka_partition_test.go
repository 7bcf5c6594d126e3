package syslogd

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestOmkafkaPartitionPerBatch: by default (and with partitions.auto)
// every record of one read from the queue goes to one partition, and
// successive reads go to the topic's partitions in turn, so all of them
// get records; partitions.usefixed puts every record on that partition,
// partitions.number turns over that many. Each chunk is written once the
// previous one was acknowledged, so each is one read.
func TestOmkafkaPartitionPerBatch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fixed     int32
		number    int
		wantParts []int32 // partitions that get records
	}{
		{"auto", -1, 0, []int32{0, 1, 2}},
		{"usefixed", 2, 0, []int32{2}},
		{"number", -1, 2, []int32{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br := testkit.NewBroker(t, "logs", 3)
			kp := kafkaParams{brokers: []string{br.Addr}, topic: "logs", q: defaultQueueParams(),
				closeTimeout: time.Second, partFixed: tc.fixed, partNumber: tc.number, partAuto: true}
			k, err := newKafkaOut("parts", kp, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			const chunks, per = 9, 20
			for c := 0; c < chunks; c++ {
				var b []byte
				for i := 0; i < per; i++ {
					b = fmt.Appendf(b, "chunk=%d n=%d\n", c, c*per+i)
				}
				if _, err := k.Write(b); err != nil {
					t.Fatal(err)
				}
				want := uint64((c + 1) * per)
				testkit.Eventually(t, fmt.Sprintf("chunk %d acknowledged", c), func() bool { return k.sent.Load() >= want })
			}

			cl, err := kgo.NewClient(kgo.SeedBrokers(br.Addr), kgo.ConsumeTopics("logs"),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			chunkPart := map[int]map[int32]bool{}
			perPart := map[int32]int{}
			read := 0
			ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
			defer cancel()
			for read < chunks*per && ctx.Err() == nil {
				cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
					var c, n int
					if _, err := fmt.Sscanf(string(r.Value), "chunk=%d n=%d", &c, &n); err != nil {
						t.Fatalf("record %q: %v", r.Value, err)
					}
					if chunkPart[c] == nil {
						chunkPart[c] = map[int32]bool{}
					}
					chunkPart[c][r.Partition] = true
					perPart[r.Partition]++
					read++
				})
			}
			if read != chunks*per {
				t.Fatalf("read %d records, want %d", read, chunks*per)
			}
			for c := 0; c < chunks; c++ {
				if len(chunkPart[c]) != 1 {
					t.Errorf("chunk %d on partitions %v, want one", c, chunkPart[c])
				}
			}
			if len(perPart) != len(tc.wantParts) {
				t.Errorf("records per partition %v, want records on each of %v and no other", perPart, tc.wantParts)
			}
			for _, p := range tc.wantParts {
				if perPart[p] == 0 {
					t.Errorf("records per partition %v, want records on each of %v", perPart, tc.wantParts)
				}
			}
		})
	}
}
