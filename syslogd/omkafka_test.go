package syslogd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

func TestOmkafkaConfig(t *testing.T) {
	conf := `$WorkDirectory /var/spool/rsyslog
module(load="omkafka")
local0.* action(type="omkafka" name="k1" topic="logs" broker=["a:9092", "b:9092"]
                key="k" partitions.auto="on" template="RSYSLOG_TraditionalFileFormat"
                confParam=["compression.codec=zstd", "queue.buffering.max.ms=5", "client.id=edge1"]
                kafkaHeader=["dc=par1"]
                queue.type="LinkedList" queue.filename="k1q" queue.size="50000"
                queue.maxDiskSpace="1g" queue.saveOnShutdown="on"
                action.resumeRetryCount="-1" action.resumeInterval="1")
`
	cfg, err := ParseConfig("k.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Kafka["omkafka:k1"]
	if a == nil || len(cfg.Rules) != 1 || cfg.Rules[0].Path != "omkafka:k1" {
		t.Fatalf("kafka %+v rules %+v", cfg.Kafka, cfg.Rules)
	}
	if strings.Join(a.Brokers, ",") != "a:9092,b:9092" || a.Topic != "logs" || a.Key != "k" || !a.PartitionsAuto ||
		a.Compression != "zstd" || a.Linger != 5*time.Millisecond || a.ClientID != "edge1" ||
		len(a.Headers) != 1 || a.Headers[0] != [2]string{"dc", "par1"} ||
		a.Queue.Filename != "k1q" || a.Queue.Dir != "/var/spool/rsyslog" || a.Queue.Size != 50000 ||
		a.Queue.MaxDiskSpace != 1<<30 || a.ResumeRetryCount != -1 || a.ResumeInterval != time.Second ||
		cfg.Rules[0].Template != "RSYSLOG_TraditionalFileFormat" || a.Pos != "k.conf:3" {
		t.Errorf("parsed %+v", a)
	}
	// omkafka's default template is RSYSLOG_FileFormat, whatever
	// $ActionFileDefaultTemplate says (it is omfile's).
	cfg, err = ParseConfig("k.conf", []byte("$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat\nmodule(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\")\n"))
	if err != nil || cfg.Rules[0].Template != "RSYSLOG_FileFormat" || cfg.Kafka["omkafka:omkafka-1"].Brokers[0] != "localhost:9092" {
		t.Errorf("defaults: %v %+v", err, cfg)
	}
	for _, bad := range []struct{ conf, want string }{
		{`*.* action(type="omkafka" topic="t")`, `k.conf:1: error: type: action type omkafka: module(load="omkafka") first`},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\")", "k.conf:2: error: topic: omkafka action without topic"},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" dynatopic=\"on\")", `k.conf:2: error: dynatopic: omkafka parameter "dynatopic" is not implemented`},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" confParam=[\"acks=1\"])", "k.conf:2: error: confparam: acks=1: only all (-1) is supported"},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" confParam=[\"batch.size=5\"])", `librdkafka property "batch.size" is not implemented`},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" queue.type=\"Disk\")", "k.conf:2: error: queue.filename: a Disk queue needs queue.filename"},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" queue.filename=\"q\")", "needs queue.spoolDirectory or a work directory"},
		{"module(load=\"omkafka\")\n*.* action(type=\"omkafka\" topic=\"t\" broker=[\"a\" \"b\"])", "want ',' or ']'"},
		{"module(load=\"omkafka\" foo=\"1\")", `k.conf:1: error: foo: module omkafka has no parameter "foo"`},
	} {
		_, err := ParseConfig("k.conf", []byte(bad.conf))
		var ce *ConfigError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.conf, err, bad.want)
		}
	}
}

// TestOmkafkaOutage: messages keep being accepted while the broker is
// unreachable (its connections cut); once it is back, all of them reach
// the topic, each once, with its id header, within a second or so.
func TestOmkafkaOutage(t *testing.T) {
	br := testkit.NewBroker(t, "logs", 3)
	dir := t.TempDir()
	conf := fmt.Sprintf(`module(load="omkafka")
template(name="T" type="string" string="%%msg%%")
local0.* action(type="omkafka" topic="logs" broker=["%s"] template="T" partitions.auto="on"
                queue.type="Disk" queue.filename="kq" queue.spoolDirectory="%s")
`, br.Addr, dir)
	s, stop := testServer(t, conf, dir, Options{})
	defer stop()
	topic := testkit.ReadTopic(t, br.Addr, "logs", KafkaIDHeader)
	udp, _, _ := s.Addrs()
	c, err := net.Dial("udp", udp[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			fmt.Fprintf(c, "<134>Dec  5 10:00:00 h app: n=%d", i)
		}
		// accepted (on disk) before going on: kernel-buffer loss is not
		// what this test is about
		testkit.Eventually(t, "messages enqueued", func() bool {
			ks := s.KafkaStats()
			return len(ks) == 1 && ks[0].Enqueued == uint64(to)
		})
	}
	const n1, n2 = 500, 1500
	send(0, n1)
	if !topic.WaitDistinct(n1, 20*time.Second) {
		t.Fatalf("before the outage: %+v", topic.Tally(n1))
	}
	br.Cut()
	send(n1, n2)
	if ks := s.KafkaStats()[0]; ks.Size == 0 {
		t.Errorf("broker cut, yet nothing queued: %+v", ks)
	}
	restored := time.Now()
	br.Restore()
	if !topic.WaitDistinct(n2, 30*time.Second) {
		t.Fatalf("after the outage: %+v, stats %+v", topic.Tally(n2), s.KafkaStats())
	}
	t.Logf("all %d messages on the topic %v after the broker came back", n2, time.Since(restored).Round(time.Millisecond))
	ta := topic.Tally(n2)
	if ta.Missing != 0 || ta.NoID != 0 {
		t.Errorf("tally %+v", ta)
	}
	// Duplicates on the topic (a produce acknowledged but not seen as
	// such before the cut) carry the same id: consumers drop them.
	if ta.DupNumbers != ta.DupIDs {
		t.Errorf("duplicated numbers %d but duplicated ids %d", ta.DupNumbers, ta.DupIDs)
	}
	testkit.Eventually(t, "queue drained", func() bool { return s.KafkaStats()[0].Size == 0 })
	if ks := s.KafkaStats()[0]; ks.Sent < n2 || ks.Failed != 0 {
		t.Errorf("stats %+v", ks)
	}
}

// BenchmarkKafkaVsFile sends batches of 64 HAProxy lines through a
// worker (parse, route, render) to an omkafka action with a disk queue
// (franz-go's kfake as the broker, in process) and, for comparison, to
// an output file; it waits until the broker acknowledged (or the file
// has) every line. msgs/s is the end-to-end rate; cpu-ns/msg the
// process's user+system CPU per message (broker included for Kafka).
func BenchmarkKafkaVsFile(b *testing.B) {
	for _, out := range []string{"file", "kafka"} {
		b.Run(out, func(b *testing.B) {
			dir := b.TempDir()
			conf := "$template T,\"%msg%\\n\"\nlocal0.* " + dir + "/out.log;T\n"
			if out == "kafka" {
				br := testkit.NewBroker(b, "logs", 3)
				conf = fmt.Sprintf("module(load=\"omkafka\")\ntemplate(name=\"T\" type=\"string\" string=\"%%msg%%\")\n"+
					"local0.* action(type=\"omkafka\" topic=\"logs\" broker=[\"%s\"] template=\"T\" partitions.auto=\"on\" "+
					"queue.type=\"Disk\" queue.filename=\"kq\" queue.spoolDirectory=\"%s\")\n", br.Addr, dir)
			}
			s, stop := testServer(b, conf, dir, Options{})
			defer stop()
			w := s.newWorker(false)
			h := w.sender(netip.MustParseAddr("127.0.0.1"))
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.SetBytes(64 * int64(len(haproxyLine)))
			n := 0
			for b.Loop() {
				w.begin()
				for range 64 {
					w.route(haproxyLine, h)
				}
				w.end()
				n += 64
			}
			if out == "kafka" {
				if !testkit.Poll(60*time.Second, func() bool { return s.KafkaStats()[0].Sent >= uint64(n) }) {
					b.Fatalf("only %d of %d acknowledged", s.KafkaStats()[0].Sent, n)
				}
			} else if err := s.Flush(); err != nil {
				b.Fatal(err)
			}
			elapsed := b.Elapsed()
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/msg")
		})
	}
}
