package syslogd

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const fwdConf = `module(load="omkafka")
template(name="fwd" type="string" string="<%pri%>%timestamp% %hostname% %syslogtag%%msg%")
action(type="omkafka" broker=["BROKER"] topic="logs" template="fwd"
       queue.type="LinkedList" queue.filename="kq" queue.spoolDirectory="SPOOLDIR" action.resumeRetryCount="-1")
`

const archiveConf = `module(load="imkafka")
input(type="imkafka" topic="logs" broker=["BROKER"] consumergroup="archive" stateDirectory="SPOOLDIR")
template(name="m" type="string" string="%msg%\n")
*.* OUTDIR/archive.log;m
`

func startArchive(t *testing.T, broker, dir string) (stop func()) {
	t.Helper()
	cfg, err := ParseConfig("archive.conf", []byte(strings.NewReplacer("BROKER", broker, "SPOOLDIR", dir, "OUTDIR", dir).Replace(archiveConf)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{}, Readers: 1,
		Rotation: DefaultRotation})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func archiveCount(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

// TestKafkaArchiveExactlyOnce: receiver → omkafka → kfake → imkafka →
// omfile, with a broker outage, the archive consumer stopped and restarted
// mid-stream: the archive holds every message exactly once.
func TestKafkaArchiveExactlyOnce(t *testing.T) {
	kdir := t.TempDir()
	c1, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(kdir), kfake.SeedTopics(2, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	broker := c1.ListenAddrs()[0]
	_, portS, _ := net.SplitHostPort(broker)
	port, _ := strconv.Atoi(portS)
	rdir, adir := t.TempDir(), t.TempDir()
	s, stop := testServer(t, strings.ReplaceAll(fwdConf, "BROKER", broker), rdir, Options{})
	udp, _, _ := s.Addrs()
	c, err := net.Dial("udp", udp[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 8000
	stopArchive := startArchive(t, broker, adir)
	sendSeqs(t, s, c, 0, 2000, 0)
	waitFor(t, func() bool { return archiveCount(filepath.Join(adir, "archive.log")) > 0 })
	stopArchive() // consumer restart
	sendSeqs(t, s, c, 2000, 4000, 0)
	stopArchive = startArchive(t, broker, adir)
	c1.Close() // broker outage
	sendSeqs(t, s, c, 4000, 6000, 0)
	c2, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(kdir), kfake.Ports(port), kfake.SeedTopics(2, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	sendSeqs(t, s, c, 6000, n, 0)
	waitFor(t, func() bool { return archiveCount(filepath.Join(adir, "archive.log")) >= n })
	stop()
	stopArchive()
	data, err := os.ReadFile(filepath.Join(adir, "archive.log"))
	if err != nil {
		t.Fatal(err)
	}
	checkSeqs(t, data, n)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 60 s")
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// TestImkafkaDropsDuplicateIDs produces records twice with the same id
// header, and again after the consumer restarted: each is archived once.
func TestImkafkaDropsDuplicateIDs(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	broker := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.DefaultProduceTopic("logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(from, to int) {
		for i := from; i < to; i++ {
			r := &kgo.Record{Value: []byte("<134>Nov 21 13:30:00 h t: seq=" + strconv.Itoa(i)),
				Headers: []kgo.RecordHeader{{Key: IDHeader, Value: []byte("inst-" + strconv.Itoa(i))}}}
			if err := cl.ProduceSync(context.Background(), r, r).FirstErr(); err != nil { // twice
				t.Fatal(err)
			}
		}
	}
	adir := t.TempDir()
	log := filepath.Join(adir, "archive.log")
	produce(0, 50)
	stop := startArchive(t, broker, adir)
	waitFor(t, func() bool { return archiveCount(log) >= 50 })
	stop()
	// The same ids again (as a receiver replaying its queue after kill -9
	// would send them), then new ones, to a restarted consumer.
	produce(0, 100)
	stop = startArchive(t, broker, adir)
	waitFor(t, func() bool { return archiveCount(log) >= 100 })
	stop()
	data, _ := os.ReadFile(log)
	checkSeqs(t, data, 100)
}
