package rotate

import (
	"context"
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

	// scripted rotations (Options.Scripts)
	hooks  rotHooks
	req    chan rotReq
	exited chan struct{} // closed when run returns
	ctx    context.Context
	cancel context.CancelFunc // ends running scripts (Close after CloseWait)
}

// rotHooks are the Writer's side of a scripted rotation.
type rotHooks struct {
	// rename flushes complete lines, renames the log file to its backup
	// name and creates a new one; it returns the backup's name, or "" when
	// nothing was rotated (notifempty, writer closed).
	rename func(reason string) (string, error)
	// done ends a rotation request (err: it failed before the rename).
	done func(err error)
}

// rotReq asks the worker for a scripted rotation; done (if not nil)
// receives its result.
type rotReq struct {
	reason string
	done   chan error
}

const (
	// defaultRetryDelay is the first delay before the worker retries
	// after a background error.
	defaultRetryDelay = 30 * time.Second
	// retryMaxFactor bounds the retry delay to that many times the first
	// one (10 minutes by default).
	retryMaxFactor = 20
)

func startWorker(n *namer, o Options, st *counters, hooks rotHooks) *worker {
	w := &worker{n: n, opts: o, log: o.Logger, st: st, kick: make(chan struct{}, 1), quit: make(chan struct{}), first: true,
		retryMin: o.retryDelay, hooks: hooks, req: make(chan rotReq, 1), exited: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(context.Background())
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
	stop := func() { w.stop.Store(true); w.cancel() }
	switch {
	case wait < 0:
		stop()
	case wait > 0:
		t := time.AfterFunc(wait, stop)
		defer t.Stop()
	}
	close(w.quit)
	w.wg.Wait()
	for w.pass() {
	}
	w.cancel()
}

func (w *worker) run() {
	defer w.wg.Done()
	defer close(w.exited)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	var delay time.Duration // current retry delay; 0 after a clean round
	for {
		select {
		case <-w.quit:
			return
		case r := <-w.req:
			w.failed = false
			err := w.sequence(r.reason)
			if r.done != nil {
				r.done <- err
			}
			// The sequence did the passes (or, after a failed
			// postrotate, skipped them as logrotate does).
			if w.failed {
				delay = nextRetry(delay, w.retryMin)
				retry.Reset(delay)
			}
			continue
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
	w.n.stage.Lock()
	backups, pending, stale, err := w.n.scan()
	if err != nil {
		w.n.stage.Unlock()
		w.fail("scan", err)
		return false
	}
	for _, s := range stale {
		w.remove(s, staleTemp)
	}
	backups, foreign := w.split(backups)
	if len(pending) > 0 {
		defer w.n.stage.Unlock()
		return w.shift(backups, pending, foreign)
	}
	w.n.stage.Unlock()
	backups = w.dedupe(backups)
	keep := w.keepCount(backups)
	if !w.scripted() {
		// Removing first leaves nothing to compress that is about to go.
		backups = w.prune(backups, keep)
	}
	if w.stop.Load() {
		return false
	}
	last := keep
	if w.scripted() {
		// logrotate compresses a new backup even when the count then
		// removes it (rotate 0): the preremove script sees NAME.1.gz.
		last = len(backups)
	}
	for i := last - 1; i >= 0; i-- { // oldest first
		b := backups[i]
		if b.ext != "" || w.opts.Compress == NoCompression || (i == 0 && w.opts.DelayCompress) {
			continue
		}
		return w.compress(b)
	}
	if w.scripted() {
		// logrotate's order: compress the new backup, then remove
		// those beyond the count (preremove scripts see it so).
		w.prune(backups, keep)
	}
	return false
}

// compress compresses one backup; it reports false when the worker must
// stop (aborted or failed).
func (w *worker) compress(b backup) bool {
	w.n.own.forget(b.path)
	dst, n, err := compressFile(b.path, compressParams{codec: w.opts.Compress, level: w.opts.Level, workers: w.opts.CompressConcurrency, mark: w.n.own.mark, preRemove: w.preRemove}, &w.stop)
	if errors.Is(err, errAborted) {
		return false
	}
	// A preremove script that failed for the source (logged and counted
	// by preRemove) leaves it beside the compressed backup, which exists:
	// not a compression failure.
	var se *ScriptError
	if err != nil && !errors.As(err, &se) {
		w.fail("compress", err)
		return false
	}
	w.st.compressed.Add(1)
	w.st.compressedIn.Add(n)
	w.log.Info("rotate: compressed backup", "file", dst, "bytes", n)
	return err == nil
}

// scripted reports whether rotations run logrotate scripts.
func (w *worker) scripted() bool { return w.opts.Scripts.rotating() }

// split separates our backups from those another program made (foreign:
// their stems).
func (w *worker) split(backups []backup) (mine []backup, foreign map[string]bool) {
	mine = backups[:0:0]
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
	return mine, foreign
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

// keepCount is the number of backups (newest first) that Keep and
// MaxAge keep.
func (w *worker) keepCount(backups []backup) int {
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
	return keep
}

// prune removes the backups after the first keep.
func (w *worker) prune(backups []backup, keep int) []backup {
	for _, b := range backups[keep:] {
		w.remove(b.path, "retention")
	}
	return backups[:keep]
}

func (w *worker) remove(path, why string) {
	if why != staleTemp {
		if err := w.preRemove(path); err != nil {
			return
		}
	}
	w.n.own.forget(path)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.fail("remove", err)
		return
	}
	w.st.removed.Add(1)
	w.log.Info("rotate: removed backup", "file", path, "reason", why)
}

// staleTemp is the reason for removing a temporary file a crash left (not
// a backup: no preremove script).
const staleTemp = "stale temporary file"

// fail logs and counts a failed step (logged first: once the counter shows
// it, the log has it) and makes the worker retry later.
func (w *worker) fail(op string, err error) {
	w.failed = true
	w.log.Error("rotate: background "+op+" failed", "err", err)
	w.st.backgroundErrors.Add(1)
}
