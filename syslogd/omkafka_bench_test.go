//go:build unix

package syslogd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/rotate"
	"github.com/twmb/franz-go/pkg/kfake"
)

// benchLines is a chunk of 1000 HAProxy-like lines of ~200 bytes, as the
// workers hand them to a sink.
func benchLines() []byte {
	var b bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "<134>Nov 21 13:30:00 lb haproxy[1234]: 10.0.0.%d:5123 [21/Nov/2026:13:30:00.123] fe be/srv1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 \"GET /x/%d HTTP/1.1\"\n", i%250, i)
	}
	return b.Bytes()
}

// BenchmarkOmkafka measures messages per second from the action's Write
// (the queue) to acknowledged by an in-process kfake broker (whose CPU is
// counted too). One op is one message.
func BenchmarkOmkafka(b *testing.B) {
	for _, disk := range []bool{false, true} {
		name := "memqueue"
		if disk {
			name = "diskqueue"
		}
		b.Run(name, func(b *testing.B) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "logs"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			kp := kafkaParams{brokers: c.ListenAddrs(), topic: "logs", q: defaultQueueParams(), closeTimeout: time.Second, partFixed: -1}
			kp.q.size = 1 << 20
			if disk {
				kp.q.filename = filepath.Join(b.TempDir(), "q")
			}
			k, err := newKafkaOut("bench", kp, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer k.Close()
			chunk := benchLines()
			b.SetBytes(int64(len(chunk) / 1000))
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i += 1000 {
				if _, err := k.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			want := uint64((b.N + 999) / 1000 * 1000)
			for k.sent.Load() < want {
				time.Sleep(time.Millisecond) // polling interval
			}
			b.StopTimer()
			b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "msg/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(want), "cpu-ns/msg")
		})
	}
}

// BenchmarkFilePath is the file path the same lines take: fileSink to a
// rotate.Writer, flushed; the baseline of CPU per message.
func BenchmarkFilePath(b *testing.B) {
	dir := b.TempDir()
	w, err := openRotate(filepath.Join(dir, "f.log"), rotate.Options{}, time.Now, nil)
	if err != nil {
		b.Fatal(err)
	}
	var st counters
	fs := newFileSink(0, "f.log", w, nil, &st)
	defer fs.close()
	chunk := benchLines()
	b.SetBytes(int64(len(chunk) / 1000))
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i += 1000 {
		fs.write(chunk, 1000)
	}
	if err := fs.flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64((b.N+999)/1000*1000)/b.Elapsed().Seconds(), "msg/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64((b.N+999)/1000*1000), "cpu-ns/msg")
	_ = os.Remove(filepath.Join(dir, "f.log"))
}

// cpuTime is the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
