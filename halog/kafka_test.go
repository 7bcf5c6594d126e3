package halog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/haplog/haplog/internal/testkit"
)

// produce writes each line of the file at path as one record of topic
// (partition i % partitions; every third record keeps its trailing LF, as
// a producer may send it).
func produce(t *testing.T, addr, topic string, partitions int32, lines []string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(lines))
	for i, l := range lines {
		v := l
		if i%3 == 0 {
			v += "\n"
		}
		recs[i] = &kgo.Record{Topic: topic, Partition: int32(i) % partitions, Value: []byte(v)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func runHalog(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, Env{Stdout: &out, Stderr: &errOut, Location: time.UTC})
	return code, out.String(), errOut.String()
}

// TestKafkaSameAsFile reads the same lines from a file and from a
// one-partition topic: the reports are byte-identical, stdout and stderr.
func TestKafkaSameAsFile(t *testing.T) {
	recs := genRecords(3000, 11)
	httpLog, customLog := writeLogs(t, recs, issueFormat)
	b := testkit.NewBroker(t, "http", 1)
	produce(t, b.Addr, "http", 1, fileLines(t, httpLog))
	c := testkit.NewBroker(t, "custom", 1)
	produce(t, c.Addr, "custom", 1, fileLines(t, customLog))
	for _, m := range []string{"-srv -H", "-st", "-u", "-pct", "-c", "-ic"} {
		for _, in := range []struct {
			file, broker, topic string
			pre                 []string
		}{
			{httpLog, b.Addr, "http", nil},
			{customLog, c.Addr, "custom", []string{"-log-format", issueFormat}},
		} {
			base := append(append([]string{}, in.pre...), strings.Fields(m)...)
			fc, fo, fe := runHalog(append(base, in.file)...)
			kc, ko, ke := runHalog(append(base, "-kafka", in.broker, "-topic", in.topic)...)
			if fc != 0 || kc != 0 || fo != ko || fe != ke {
				t.Errorf("%s on %s: file exit %d, kafka exit %d; stdout equal %v, stderr file %q kafka %q",
					m, in.topic, fc, kc, fo == ko, tail(fe), tail(ke))
			}
			if fo == "" {
				t.Errorf("%s on %s: short report %q", m, in.topic, fo)
			}
		}
	}
}

func tail(s string) string {
	if i := strings.LastIndexByte(strings.TrimSuffix(s, "\n"), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

var summaryRe = regexp.MustCompile(`(?m)^(\d+) lines in, (\d+) lines out, (\d+) parsing errors$`)

// linesIn returns N of halog's "N lines in" summary.
func linesIn(t *testing.T, stderr string) int {
	t.Helper()
	m := summaryRe.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary in %q", stderr)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestKafkaGroup splits a two-partition topic between two halogs of one
// group: together they read every line once; a third run of the group
// reads nothing until new lines arrive, then only those; a run without
// -group reads the whole topic.
func TestKafkaGroup(t *testing.T) {
	recs := genRecords(4000, 5)
	httpLog, _ := writeLogs(t, recs, issueFormat)
	lines := fileLines(t, httpLog)
	b := testkit.NewBroker(t, "logs", 2)
	first, second := lines[:3000], lines[3000:]
	produce(t, b.Addr, "logs", 2, first)

	group := []string{"-st", "-kafka", b.Addr, "-topic", "logs", "-group", "g1"}
	var wg sync.WaitGroup
	res := make([]struct {
		code     int
		out, err string
	}, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i].code, res[i].out, res[i].err = runHalog(group...)
		}()
	}
	wg.Wait()
	total := 0
	for i, r := range res {
		if r.code != 0 {
			t.Fatalf("halog %d: exit %d: %s", i, r.code, r.err)
		}
		total += linesIn(t, r.err)
	}
	t.Logf("lines read by the two members: %d, %d", linesIn(t, res[0].err), linesIn(t, res[1].err))
	if total != len(first) {
		t.Errorf("the two members read %d lines in all, want %d (%q, %q)", total, len(first), tail(res[0].err), tail(res[1].err))
	}
	code, _, e := runHalog(group...)
	if code != 0 || linesIn(t, e) != 0 {
		t.Errorf("a third run after the commits: exit %d, %q; want 0 lines in", code, e)
	}
	produce(t, b.Addr, "logs", 2, second)
	code, _, e = runHalog(group...)
	if code != 0 || linesIn(t, e) != len(second) {
		t.Errorf("after %d new lines: exit %d, %q", len(second), code, e)
	}
	// without -group: everything, as from the whole file
	_, want, wantErr := runHalog("-st", httpLog)
	code, got, gotErr := runHalog("-st", "-kafka", b.Addr, "-topic", "logs")
	if code != 0 || got != want || linesIn(t, gotErr) != linesIn(t, wantErr) {
		t.Errorf("without -group: exit %d, %q vs the file's %q", code, got, want)
	}
}

// TestKafkaUnreachable: a refused connection names the broker and exits 1;
// a broker that accepts but never answers is given up after -kafka's
// timeout, which the message names (without that bound the run would hang
// until the test's own timeout).
func TestKafkaUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var errOut bytes.Buffer
	code := mainOpts([]string{"-st", "-kafka", addr, "-topic", "x"}, Env{Stdout: io.Discard, Stderr: &errOut},
		func(o *Options) { o.kafkaTimeout = time.Second })
	if code != 1 || !strings.Contains(errOut.String(), "-kafka "+addr) {
		t.Errorf("exit %d, stderr %q: want 1 and a message naming %s", code, errOut.String(), addr)
	}
	code, _, e := runHalog("-st", "-kafka", addr)
	if code != 1 || !strings.Contains(e, "-topic") {
		t.Errorf("without -topic: exit %d, %q", code, e)
	}

	// a silent broker: connections accepted, held, never answered
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		silent.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	}()
	saddr := silent.Addr().String()
	errOut.Reset()
	code = mainOpts([]string{"-st", "-kafka", saddr, "-topic", "x"}, Env{Stdout: io.Discard, Stderr: &errOut},
		func(o *Options) { o.kafkaTimeout = time.Second })
	if code != 1 || !strings.Contains(errOut.String(), "-kafka "+saddr) || !strings.Contains(errOut.String(), "no answer within 1s") {
		t.Errorf("silent broker: exit %d, stderr %q: want 1 and a message naming %s and the 1s bound", code, errOut.String(), saddr)
	}
}

// TestKafkaFollowMetrics follows a topic and serves the metrics of the
// records, including those produced after the start.
func TestKafkaFollowMetrics(t *testing.T) {
	b := testkit.NewBroker(t, "live", 2)
	line := func(srv string, ta, st int) string {
		return fmt.Sprintf("Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:1 [21/Nov/2026:08:00:00.000] fe be/%s 1/0/2/3/%d %d 10 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"", srv, ta, st)
	}
	produce(t, b.Addr, "live", 2, []string{line("s1", 7, 200), line("s1", 300, 200), "garbage"})
	_, has, stop := startFollow(t, "-follow", "-metrics", "127.0.0.1:0", "-kafka", b.Addr, "-topic", "live")
	defer stop()
	testkit.Eventually(t, "the records produced before", has(`halog_lines_total 3`, `halog_parse_errors_total 1`,
		`halog_timer_milliseconds_sum{backend="be",server="s1",timer="Ta"} 307`))
	produce(t, b.Addr, "live", 2, []string{line("s2", 4, 503)})
	testkit.Eventually(t, "the record produced after", has(`halog_lines_total 4`, `halog_responses_total{code="503"} 1`))
}

// TestKafkaGroupSplit joins two members to a group before they read: each
// is assigned one of the two partitions and reports on its half.
func TestKafkaGroupSplit(t *testing.T) {
	recs := genRecords(2000, 9)
	httpLog, _ := writeLogs(t, recs, issueFormat)
	lines := fileLines(t, httpLog)
	b := testkit.NewBroker(t, "split", 2)
	produce(t, b.Addr, "split", 2, lines)
	o, err := Parse([]string{"-st", "-kafka", b.Addr, "-topic", "split", "-group", "g"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var krs [2]*kafkaReader
	for i := range krs {
		if krs[i], err = openKafka(ctx, o, false); err != nil {
			t.Fatal(err)
		}
		defer krs[i].Close()
	}
	parts := func(kr *kafkaReader) int {
		kr.mu.Lock()
		defer kr.mu.Unlock()
		n := 0
		for _, known := range kr.assigned {
			if known {
				n++
			}
		}
		return n
	}
	// the group balances once both members polled (the poll lets the
	// client take part in the rebalance)
	testkit.Eventually(t, "one partition each", func() bool {
		for _, kr := range krs {
			kr.cl.AllowRebalance()
		}
		return parts(krs[0]) == 1 && parts(krs[1]) == 1
	})
	var wg sync.WaitGroup
	var errs [2]bytes.Buffer
	for i, kr := range krs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Run(o, kr, io.Discard, &errs[i]); err != nil {
				t.Error(err)
			}
			if err := kr.commit(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range krs {
		if n := linesIn(t, errs[i].String()); n != len(lines)/2 {
			t.Errorf("member %d read %d lines, want %d (its partition)", i, n, len(lines)/2)
		}
	}
}

// TestKafkaRevokeCommitError: a commit that fails when the group takes a
// partition away ends the read with an error naming it (the next member
// would count those records again); it was dropped.
func TestKafkaRevokeCommitError(t *testing.T) {
	b := testkit.NewBroker(t, "rev", 1)
	produce(t, b.Addr, "rev", 1, []string{"a", "b"})
	o, err := Parse([]string{"-st", "-kafka", b.Addr, "-topic", "rev", "-group", "g"})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := openKafka(context.Background(), o, false)
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Close()
	kr.mu.Lock()
	kr.counted[0] = kgo.EpochOffset{Epoch: -1, Offset: 1}
	kr.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the commit fails
	kr.onRevoked(ctx, kr.cl, map[string][]int32{"rev": {0}})
	if _, err := kr.Read(make([]byte, 64)); err == nil || !strings.Contains(err.Error(), "commit at a rebalance") {
		t.Fatalf("Read after a failed commit at a rebalance: %v", err)
	}
}
