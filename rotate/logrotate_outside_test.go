package rotate

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestRealLogrotateOutside: the real logrotate rotates a file a Writer is
// writing, as from cron, with no signal: with delaycompress (Debian's
// haproxy file), without it (logrotate compresses NAME.1 and removes it
// right after the rename) and with copytruncate. The Writer writes to the
// new file within a second of logrotate's run; no line is duplicated or
// lost; logrotate's files are left as logrotate made them.
func TestRealLogrotateOutside(t *testing.T) {
	bin := testkit.Logrotate(t)
	testkit.Need(t, "gzip")
	for _, tc := range []struct{ name, block string }{
		{"delaycompress", "rotate 7\ncreate\ncompress\ndelaycompress\nmissingok\nnotifempty"},
		{"nodelaycompress", "rotate 7\ncreate\ncompress\nmissingok\nnotifempty"},
		{"nocreate", "rotate 7\ncompress\ndelaycompress"},
		{"copytruncate", "rotate 7\ncopytruncate\ncompress\ndelaycompress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "h.log")
			conf := filepath.Join(dir, "lr.conf")
			os.WriteFile(conf, []byte(path+" {\n"+tc.block+"\n}\n"), 0o644)
			// Our own policy would compress: logrotate's h.log.1 must stay plain.
			w := mustNew(t, path, Options{Compress: Gzip, Keep: 2})
			var seq atomic.Int64 // next line number
			stop := make(chan struct{})
			wrote := make(chan struct{})
			go func() { // about 20,000 lines/s, in 1 ms steps
				defer close(wrote)
				tk := time.NewTicker(time.Millisecond)
				defer tk.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tk.C:
					}
					for range 20 {
						fmt.Fprintf(w, "line %d %s\n", seq.Add(1)-1, strings.Repeat("x", 80))
					}
				}
			}()
			testkit.Eventually(t, "some data", func() bool { fi, err := os.Stat(path); return err == nil && fi.Size() > 200<<10 })
			if out, err := exec.Command(bin, "-f", "-s", filepath.Join(dir, "state"), conf).CombinedOutput(); err != nil || len(out) > 0 {
				t.Fatalf("logrotate: %v\n%s", err, out)
			}
			after := seq.Load() // written after logrotate returned
			start := time.Now()
			testkit.Eventually(t, "writes to the new file", func() bool {
				b, _ := os.ReadFile(path)
				return bytes.Contains(b, []byte("line "+strconv.FormatInt(after+100, 10)+" "))
			})
			if d := time.Since(start); d > time.Second+200*time.Millisecond { // 100 lines take 5 ms
				t.Errorf("line %d reached the new file %v after logrotate returned", after+100, d)
			}
			close(stop)
			<-wrote
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			n := seq.Load()
			names := testfs.Names(t, dir)
			want := "h.log h.log.1 lr.conf state"
			if tc.name == "nodelaycompress" {
				want = "h.log h.log.1.gz lr.conf state"
			}
			if got := strings.Join(names, " "); got != want {
				t.Errorf("files %q, want %q", got, want)
			}
			count := make([]int, n)
			for _, f := range names {
				if !strings.HasPrefix(f, "h.log") {
					continue
				}
				for _, l := range strings.Split(string(readAny(t, filepath.Join(dir, f))), "\n") {
					if l == "" {
						continue
					}
					var i int64
					if _, err := fmt.Sscanf(l, "line %d ", &i); err != nil || i < 0 || i >= n {
						t.Fatalf("%s: bad line %q", f, l)
					}
					count[i]++
				}
			}
			lost, dup := testkit.LostDup(count)
			t.Logf("%d lines, lost %d, duplicated %d", n, lost, dup)
			if tc.name == "copytruncate" && dup == 0 && lost <= (64<<10)/88 {
				// logrotate(8): with copytruncate "some logging data
				// might be lost" between its copy and its truncation:
				// at most the one batch (64 KiB) written then.
				return
			}
			if lost != 0 || dup != 0 {
				t.Errorf("%d lines: lost %d, duplicated %d", n, lost, dup)
			}
		})
	}
}
