package halog

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProgress: with stderr taken for a terminal, a run shows progress
// lines (increasing line counts, lines/s, MB/s) on stderr, erased before the
// summary, and the same report; with stderr a pipe or buffer (not a
// terminal), nothing of it.
func TestProgress(t *testing.T) {
	recs := genRecords(20000, 2)
	httpLog, _ := writeLogs(t, recs, issueFormat)
	run := func(tty bool) (string, string) {
		defer func(f func(any) bool, e time.Duration) { isTTY, progressEvery = f, e }(isTTY, progressEvery)
		isTTY = func(any) bool { return tty }
		progressEvery = time.Nanosecond
		var out, errOut bytes.Buffer
		if code := mainWithSizes([]string{"-st", httpLog}, Env{Stdout: &out, Stderr: &errOut, Workers: 2}, 300<<10, 64<<10); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return out.String(), errOut.String()
	}
	out, errOut := run(false)
	if strings.ContainsAny(errOut, "\r\x1b") {
		t.Errorf("progress shown on a non-terminal stderr: %q", errOut)
	}
	ttyOut, ttyErr := run(true)
	if ttyOut != out {
		t.Errorf("report differs on a terminal:\n%s\nvs\n%s", ttyOut, out)
	}
	re := regexp.MustCompile(`\rhalog: (\d+) lines, \d+ lines/s, \d+\.\d MB/s\x1b\[K`)
	ms := re.FindAllStringSubmatch(ttyErr, -1)
	if len(ms) < 2 {
		t.Fatalf("want several progress lines, got %q", ttyErr)
	}
	prev := 0
	for _, m := range ms {
		n, _ := strconv.Atoi(m[1])
		if n <= prev || n > len(recs)+len(recs)/500+1 {
			t.Errorf("progress line counts %d after %d (input: %d lines)", n, prev, len(recs))
		}
		prev = n
	}
	// erased, then the summary exactly as without a terminal
	if !strings.HasSuffix(ttyErr, "\r\x1b[K"+errOut) {
		t.Errorf("stderr does not end with the erased line and the summary: %q", ttyErr[max(0, len(ttyErr)-200):])
	}
}
