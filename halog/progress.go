package halog

import (
	"fmt"
	"io"
	"time"
)

// isTTY reports whether w is a terminal (a variable for tests).
var isTTY = isTerminal

// progressEvery is the interval between two progress lines; the first is
// shown after it too, so that small inputs show none.
var progressEvery = time.Second

// progress shows, on a terminal, a progress line (lines, lines/s, MB/s)
// rewritten in place on stderr.
type progress struct {
	w           io.Writer
	last        time.Time
	lines, size int64 // at the last line shown
	shown       bool
}

// newProgress returns the progress line of a run writing its diagnostics
// to stderr, nil unless stderr is a terminal.
func newProgress(stderr io.Writer) *progress {
	if !isTTY(stderr) {
		return nil
	}
	return &progress{w: stderr, last: time.Now()}
}

// update shows the totals read so far (lines, bytes), at most once per
// progressEvery; the rates are those since the previous line.
func (p *progress) update(lines, size int64) {
	if p == nil {
		return
	}
	now := time.Now()
	d := now.Sub(p.last)
	if d < progressEvery || d <= 0 {
		return
	}
	s := d.Seconds()
	fmt.Fprintf(p.w, "\rhalog: %d lines, %.0f lines/s, %.1f MB/s\x1b[K", lines,
		float64(lines-p.lines)/s, float64(size-p.size)/s/1e6)
	p.last, p.lines, p.size, p.shown = now, lines, size, true
}

// done erases the progress line (before the summary).
func (p *progress) done() {
	if p != nil && p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}
