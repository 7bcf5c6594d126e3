package halog

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestFollowMetrics tails a log through a rename + create rotation and a
// copytruncate, and reads the Prometheus metrics of the lines appended.
func TestFollowMetrics(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "haproxy.log")
	line := func(srv string, ta, st int) string {
		return fmt.Sprintf("Nov 21 08:00:00 lb1 haproxy[1]: 10.0.0.1:1 [21/Nov/2026:08:00:00.000] fe be/%s 1/0/2/3/%d %d 10 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"\n", srv, ta, st)
	}
	os.WriteFile(log, []byte(line("old", 99999, 500)), 0o644) // before -follow: not counted
	metrics, has, stop := startFollow(t, "-follow", "-metrics", "127.0.0.1:0", log)
	defer stop()
	appendTo := func(s string) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	appendTo(line("s1", 7, 200) + line("s1", 300, 200) + "garbage\n")
	testkit.Eventually(t, "the first lines", has(`halog_lines_total 3`, `halog_parse_errors_total 1`,
		`halog_responses_total{code="200"} 2`,
		`halog_timer_milliseconds_bucket{backend="be",server="s1",timer="Ta",le="10"} 1`,
		`halog_timer_milliseconds_bucket{backend="be",server="s1",timer="Ta",le="250"} 1`,
		`halog_timer_milliseconds_bucket{backend="be",server="s1",timer="Ta",le="500"} 2`,
		`halog_timer_milliseconds_sum{backend="be",server="s1",timer="Ta"} 307`))
	// rename + create
	os.Rename(log, log+".1")
	appendTo(line("s2", 4, 503))
	testkit.Eventually(t, "the line after rename+create", has(`halog_lines_total 4`, `halog_responses_total{code="503"} 1`,
		`halog_timer_milliseconds_count{backend="be",server="s2",timer="Tc"} 1`))
	// copytruncate
	os.Truncate(log, 0)
	appendTo(line("s3", 1, 404))
	testkit.Eventually(t, "the line after copytruncate", has(`halog_lines_total 5`, `halog_responses_total{code="404"} 1`))
	if strings.Contains(metrics(), `server="old"`) {
		t.Error("the line present before -follow was counted")
	}
}

// startFollow runs halog with args (a -follow -metrics 127.0.0.1:0 run)
// until stop, which checks that it ends with status 0. metrics returns
// what it serves; has(lines...) is a condition on it for Eventually.
func startFollow(t *testing.T, args ...string) (metrics func() string, has func(want ...string) func() bool, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errOut testfs.LockedBuffer
	done := make(chan int)
	go func() {
		done <- Main(args, Env{Stdout: io.Discard, Stderr: &errOut, Context: ctx})
	}()
	var url string
	testkit.Eventually(t, "the metrics address", func() bool {
		m := regexp.MustCompile(`http://(\S+)/metrics`).FindStringSubmatch(errOut.String())
		if m != nil {
			url = m[0]
		}
		return m != nil
	})
	metrics = func() string {
		resp, err := http.Get(url)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	has = func(want ...string) func() bool {
		return func() bool {
			m := metrics()
			for _, w := range want {
				if !strings.Contains(m, w+"\n") {
					return false
				}
			}
			return true
		}
	}
	stop = func() {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d: %s", code, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("-follow did not stop")
		}
	}
	return metrics, has, stop
}
