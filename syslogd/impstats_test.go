package syslogd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestImpstats: the action counters appear on the Prometheus text and, every
// interval, as impstats lines in log.file and as syslog.info messages.
func TestImpstats(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	conf := `module(load="impstats" interval="1" log.file="OUTDIR/stats.log")
module(load="omkafka")
template(name="m" type="string" string="%msg%\n")
syslog.* OUTDIR/syslog.log;m
local0.* action(type="omkafka" name="tokafka" broker=["` + c.ListenAddrs()[0] + `"] topic="logs" template="m")
`
	cfg, err := ParseConfig("s.conf", []byte(strings.ReplaceAll(conf, "OUTDIR", dir)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{}, Readers: 1, Rotation: DefaultRotation})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<134>Nov 21 13:30:00 h t: one"), []byte("<134>Nov 21 13:30:00 h t: two")})
	waitFor(t, func() bool {
		return strings.Contains(s.metricsText(), `syslogd_action_processed_total{action="tokafka",type="omkafka"} 2`)
	})
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "stats.log"))
		return strings.Contains(string(b), "tokafka: origin=core.action processed=2 failed=0")
	})
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "syslog.log"))
		return strings.Contains(string(b), "tokafka queue: origin=core.queue size=0 enqueued=2")
	})
}
