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

	"github.com/haplog/haplog/internal/testkit"
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
// (the queue) to acknowledged by a kfake broker, and the CPU syslogd
// spends per message. One op is one message. broker=process runs the
// broker in its own process (bench/kfakebroker), as a real cluster is:
// cpu-ns/msg is syslogd's alone, the figure to hold against
// BenchmarkFilePath. broker=inproc runs it in the test process, its CPU
// counted too (an upper bound). memqueue is a memory queue, diskqueue the
// journal (queue.filename: each batch written, fsynced every 100 ms),
// diskqueue-fsync the journal fsynced in every batch's commit
// (queue.syncQueueFiles="on"), a batch being 1000 messages here.
func BenchmarkOmkafka(b *testing.B) {
	for _, ext := range []bool{true, false} {
		for _, q := range []string{"memqueue", "diskqueue", "diskqueue-fsync"} {
			name := "broker=inproc/" + q
			if ext {
				name = "broker=process/" + q
			}
			b.Run(name, func(b *testing.B) { benchOmkafka(b, ext, q) })
		}
	}
}

func benchOmkafka(b *testing.B, ext bool, queue string) {
	var addr string
	if ext {
		addr = testkit.StartBrokerProcess(b, "logs", 4).Addr
	} else {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "logs"))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		addr = c.ListenAddrs()[0]
	}
	kp := kafkaParams{brokers: []string{addr}, topic: "logs", q: defaultQueueParams(), closeTimeout: time.Second, partFixed: -1}
	kp.q.size = 1 << 20
	if queue != "memqueue" {
		kp.q.filename = filepath.Join(b.TempDir(), "q")
		kp.q.syncQueueFiles = queue == "diskqueue-fsync"
	}
	k, err := newKafkaOut("bench", kp, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	chunk := benchLines()
	b.SetBytes(int64(len(chunk) / 1000))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i += 1000 {
		if _, err := k.Write(chunk); err != nil {
			b.Fatal(err)
		}
		// A sender at the action's rate, not a flood: at most 64k
		// messages waiting (a flood measures the backlog's growth).
		for k.q.Stats().Size > 64000 {
			time.Sleep(100 * time.Microsecond) // polling interval
		}
	}
	want := uint64((b.N + 999) / 1000 * 1000)
	for k.sent.Load() < want {
		time.Sleep(time.Millisecond) // polling interval
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "msg/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(want), "cpu-ns/msg")
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
