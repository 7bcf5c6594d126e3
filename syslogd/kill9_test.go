//go:build unix

package syslogd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/twmb/franz-go/pkg/kfake"
)

// receiverChild runs a receiver (UDP -> omkafka with a disk queue) in this
// test binary when KAFKA_RECEIVER_CHILD is set, for TestReceiverKill9.
func receiverChild() {
	conf, udp := os.Getenv("KAFKA_RECEIVER_CHILD"), os.Getenv("KAFKA_RECEIVER_UDP")
	cfg, err := LoadConfig(conf)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	s, err := New(Options{Config: cfg, UDP: []string{udp}, TCP: []string{}, Unix: []string{}, Readers: 1})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	go http.Serve(ln, s.MetricsHandler())
	fmt.Println("METRICS", ln.Addr().String())
	_ = s.Run(context.Background())
}

func TestMain(m *testing.M) {
	if os.Getenv("KAFKA_RECEIVER_CHILD") != "" {
		receiverChild()
		return
	}
	os.Exit(m.Run())
}

func startReceiver(t *testing.T, conf, udp string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KAFKA_RECEIVER_CHILD="+conf, "KAFKA_RECEIVER_UDP="+udp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "METRICS ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("receiver: %q %v", line, err)
	}
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "METRICS "))
}

// metric reads one counter summed over its series from the child's
// metrics endpoint.
func metric(addr, name string) int64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum int64
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+"{") || strings.HasPrefix(l, name+" ") {
			f := strings.Fields(l)
			v, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
			sum += v
		}
	}
	return sum
}

// durableBroker starts a one-broker kfake cluster keeping its data in dir,
// with topic "logs" of two partitions, and returns it and its address. An
// empty addr takes any port; else the broker listens on addr's port again
// (a restart after an outage).
func durableBroker(t testing.TB, dir, addr string) (*kfake.Cluster, string) {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SeedTopics(2, "logs")}
	if addr != "" {
		_, p, _ := net.SplitHostPort(addr)
		port, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("broker address %q: %v", addr, err)
		}
		opts = append(opts, kfake.Ports(port))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, c.ListenAddrs()[0]
}

// TestReceiverKill9: receiver (a child process) -> omkafka with a disk
// queue -> kfake -> imkafka -> archive. The broker goes down, the receiver
// takes more messages (journalled, not acknowledged), is killed with
// SIGKILL and started again, the broker comes back: the archive holds
// every message exactly once.
func TestReceiverKill9(t *testing.T) {
	kdir := t.TempDir()
	c1, broker := durableBroker(t, kdir, "")
	rdir, adir := t.TempDir(), t.TempDir()
	conf := testkit.WriteFile(t, filepath.Join(rdir, "r.conf"), strings.NewReplacer("BROKER", broker, "SPOOLDIR", rdir).Replace(fwdConf))
	udp := testkit.FreeAddr(t, "udp")
	child, maddr := startReceiver(t, conf, udp)
	defer func() { child.Process.Kill(); child.Wait() }()
	stopArchive := startArchive(t, broker, adir)
	defer func() { stopArchive() }()
	c := dialUDP(t, udp)
	send := func(from, to, base int) {
		for i := from; i < to; i += 200 {
			for j := i; j < i+200 && j < to; j++ {
				fmt.Fprintf(c, "<134>Nov 21 13:30:00 h t: seq=%d", j)
			}
			want := int64(min(i+200, to))
			testkit.EventuallyWithin(t, time.Minute, fmt.Sprintf("%d messages enqueued", want-int64(base)), func() bool {
				return metric(maddr, "syslogd_action_enqueued_total") >= want-int64(base)
			})
		}
	}
	// KAFKA_N (bench/kafka.sh) sets the number of messages; a third
	// goes before the outage, a third during it, a third after.
	n := 6000
	if v, err := strconv.Atoi(os.Getenv("KAFKA_N")); err == nil && v >= 30 {
		n = v
	}
	third := n / 3
	start := time.Now()
	send(0, third, 0)
	c1.Close() // broker outage
	send(third, 2*third, 0)
	// Journalled, not acknowledged: kill -9 and start again.
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	child, maddr = startReceiver(t, conf, udp)
	c2, _ := durableBroker(t, kdir, broker)
	defer c2.Close()
	back := time.Now()
	send(2*third, n, 2*third)
	testkit.EventuallyWithin(t, time.Minute, fmt.Sprintf("%d messages archived", n), func() bool {
		return archiveCount(filepath.Join(adir, "archive.log")) >= n
	})
	t.Logf("%d messages in %v; archive complete %v after the broker and receiver came back", n, time.Since(start), time.Since(back))
	stopArchive()
	stopArchive = func() {}
	data, _ := os.ReadFile(filepath.Join(adir, "archive.log"))
	checkSeqs(t, data, n)
}
