package rotate

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// worker runs off the write path: it gives numbered backups their final
// names, removes backups beyond Keep/MaxAge and compresses the others, one
// file at a time. It is the only goroutine that renames or removes backups
// after rotation, so none of these steps race with each other.
//
// A pass runs when the writer asks (start, rotation, Close) and, after a
// failed step (a compression on a full disk), again after a delay that
// starts at retryDelay and doubles up to retryMaxFactor times that while
// the failures go on, so that a backup is compressed soon after space
// returns without the worker spinning while the disk stays full.
type worker struct {
	n        *namer
	opts     Options
	log      *slog.Logger
	st       *counters
	kick     chan struct{}
	quit     chan struct{}
	stop     atomic.Bool
	wg       sync.WaitGroup
	first    bool
	failed   bool          // a step failed in the current round (owned by the running goroutine)
	retryMin time.Duration // first retry delay after a failed round
}

const (
	// defaultRetryDelay is the first delay before the worker retries
	// after a background error.
	defaultRetryDelay = 30 * time.Second
	// retryMaxFactor bounds the retry delay to that many times the first
	// one (10 minutes by default).
	retryMaxFactor = 20
)

func startWorker(n *namer, o Options, st *counters) *worker {
	w := &worker{n: n, opts: o, log: o.Logger, st: st, kick: make(chan struct{}, 1), quit: make(chan struct{}), first: true,
		retryMin: o.retryDelay}
	if w.retryMin <= 0 {
		w.retryMin = defaultRetryDelay
	}
	w.wg.Add(1)
	go w.run()
	w.poke()
	return w
}

// poke asks for a pass without blocking.
func (w *worker) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// close lets the worker finish its backlog for at most wait (0: no limit;
// negative: abort at once), then gives pending backups their final names and
// applies retention. An aborted compression leaves its source in place; the
// next New for the same path compresses it.
func (w *worker) close(wait time.Duration) {
	switch {
	case wait < 0:
		w.stop.Store(true)
	case wait > 0:
		t := time.AfterFunc(wait, func() { w.stop.Store(true) })
		defer t.Stop()
	}
	close(w.quit)
	w.wg.Wait()
	for w.pass() {
	}
}

func (w *worker) run() {
	defer w.wg.Done()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	var delay time.Duration // current retry delay; 0 after a clean round
	for {
		select {
		case <-w.quit:
			return
		case <-w.kick:
			// After a failed round only the retry timer retries, unless a
			// rotation left a new backup to name: the poke of a rotation
			// whose backup the failed round already handled (rename, then
			// poke, with the worker scanning in between) is not a reason
			// to retry early.
			if delay > 0 && !w.hasPending() {
				continue
			}
		case <-retry.C:
		}
		w.failed = false
		for !w.stop.Load() && w.pass() {
		}
		if w.failed {
			delay = nextRetry(delay, w.retryMin)
			retry.Reset(delay)
		} else {
			delay = 0
			retry.Stop()
		}
	}
}

// hasPending reports whether a rotated file waits for its numbered name (or
// the directory cannot be read, which a round reports).
func (w *worker) hasPending() bool {
	_, pending, _, err := w.n.scan()
	return err != nil || len(pending) > 0
}

// nextRetry is the delay after d (0 for the first retry): first, then
// doubling, at most retryMaxFactor times first.
func nextRetry(d, first time.Duration) time.Duration {
	if d <= 0 {
		return first
	}
	return min(2*d, retryMaxFactor*first)
}

// pass does one round of housekeeping and compresses at most one file. It
// reports whether more work may remain.
func (w *worker) pass() bool {
	backups, pending, stale, err := w.n.scan()
	if err != nil {
		w.fail("scan", err)
		return false
	}
	for _, s := range stale {
		w.remove(s, "stale temporary file")
	}
	var foreign map[string]bool // stems of backups another program made
	mine := backups[:0:0]
	for _, b := range backups {
		if b.foreign {
			if foreign == nil {
				foreign = map[string]bool{}
			}
			foreign[b.stem] = true
			continue
		}
		mine = append(mine, b)
	}
	backups = mine
	if len(pending) > 0 {
		return w.shift(backups, pending, foreign)
	}
	backups = w.dedupe(backups)
	backups = w.prune(backups)
	if w.stop.Load() {
		return false
	}
	for i := len(backups) - 1; i >= 0; i-- { // oldest first
		b := backups[i]
		if b.ext != "" || w.opts.Compress == NoCompression || (i == 0 && w.opts.DelayCompress) {
			continue
		}
		w.n.own.forget(b.path)
		dst, n, err := compressFile(b.path, compressParams{codec: w.opts.Compress, level: w.opts.Level, workers: w.opts.CompressConcurrency, mark: w.n.own.mark}, &w.stop)
		if errors.Is(err, errAborted) {
			return false
		}
		if err != nil {
			w.fail("compress", err)
			return false
		}
		w.st.compressed.Add(1)
		w.st.compressedIn.Add(n)
		w.log.Info("rotate: compressed backup", "file", dst, "bytes", n)
		return true
	}
	return false
}

// shift gives pending numbered backups their final names: every existing
// NAME.N becomes NAME.N+1 and the oldest pending file becomes NAME.1. A name
// taken by a backup another program made (foreign, by stem) is not
// overwritten: the pending file waits, and the error is retried.
func (w *worker) shift(backups, pending []backup, foreign map[string]bool) bool {
	for _, p := range pending {
		for i := len(backups) - 1; i >= 0; i-- { // highest number first
			b := &backups[i]
			to := w.n.numbered(b.seq+1) + b.ext
			if foreign[w.n.numbered(b.seq+1)] {
				w.fail("shift", fmt.Errorf("%s is taken by a file this writer did not rotate (another program rotates %s too); %s keeps its name", w.n.numbered(b.seq+1), w.n.path, p.path))
				return false
			}
			if err := os.Rename(b.path, to); err != nil {
				w.fail("shift", err)
				return false
			}
			b.seq++
			b.path, b.stem = to, w.n.numbered(b.seq)
		}
		to := w.n.numbered(1)
		if foreign[to] {
			w.fail("shift", fmt.Errorf("%s is taken by a file this writer did not rotate (another program rotates %s too); %s keeps its name", to, w.n.path, p.path))
			return false
		}
		if err := os.Rename(p.path, to); err != nil {
			w.fail("rename pending", err)
			return false
		}
		backups = append([]backup{{path: to, stem: to, seq: 1}}, backups...)
	}
	return true
}

// dedupe removes an uncompressed backup whose compressed copy exists: a crash
// happened after the compressed file was complete and renamed into place.
func (w *worker) dedupe(backups []backup) []backup {
	out := backups[:0]
	for i, b := range backups {
		if b.ext == "" && ((i > 0 && backups[i-1].stem == b.stem) || (i+1 < len(backups) && backups[i+1].stem == b.stem)) {
			w.remove(b.path, "already compressed")
			continue
		}
		out = append(out, b)
	}
	return out
}

// prune removes backups beyond Keep and older than MaxAge.
func (w *worker) prune(backups []backup) []backup {
	keep := len(backups)
	switch {
	case w.opts.Keep < 0:
		keep = 0
	case w.opts.Keep > 0 && w.opts.Keep < keep:
		keep = w.opts.Keep
	}
	if w.opts.MaxAge > 0 {
		limit := w.opts.Now().Add(-w.opts.MaxAge)
		for i := 0; i < keep; i++ {
			if backups[i].mtime.Before(limit) {
				keep = i
			}
		}
	}
	for _, b := range backups[keep:] {
		w.remove(b.path, "retention")
	}
	return backups[:keep]
}

func (w *worker) remove(path, why string) {
	w.n.own.forget(path)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.fail("remove", err)
		return
	}
	w.st.removed.Add(1)
	w.log.Info("rotate: removed backup", "file", path, "reason", why)
}

// fail logs and counts a failed step (logged first: once the counter shows
// it, the log has it) and makes the worker retry later.
func (w *worker) fail(op string, err error) {
	w.failed = true
	w.log.Error("rotate: background "+op+" failed", "err", err)
	w.st.backgroundErrors.Add(1)
}
