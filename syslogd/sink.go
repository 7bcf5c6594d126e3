package syslogd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/rotate"
)

// fileSink is one output file shared by every rule that names its path.
// Readers append rendered lines to a pending buffer and never touch the
// disk: a flusher goroutine hands the pending lines to the Sink in batches,
// so that a slow disk (writeback throttling, a rotation, compression)
// does not stop the sockets from being read. When maxPending bytes wait,
// readers block (the kernel receive buffer then absorbs the burst) for at
// most blockFor, after which lines are dropped and counted.
type fileSink struct {
	id    int // index of the file in the workers' batch buffers
	path  string
	w     Sink
	log   *slog.Logger
	stats *counters

	mu      sync.Mutex
	space   *sync.Cond // signalled when pending shrinks
	pending []byte
	spare   []byte
	closed  bool
	kick    chan struct{}
	done    chan struct{}
	ioMu    sync.Mutex // serialises hand-overs to w

	written atomic.Uint64
	errors  atomic.Uint64
	lastLog atomic.Int64 // unix nanoseconds of the last error report
}

const (
	// batchBytes is the pending size that wakes the flusher.
	batchBytes = 256 << 10
	// maxPending bounds the memory of one file's pending lines.
	maxPending = 32 << 20
	// flushEvery is the longest a line waits before being handed over.
	flushEvery = 100 * time.Millisecond
	// blockFor is how long a reader waits for room before dropping.
	blockFor = 2 * time.Second
)

func newFileSink(id int, path string, w Sink, log *slog.Logger, st *counters) *fileSink {
	f := &fileSink{id: id, path: path, w: w, log: log, stats: st,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	f.space = sync.NewCond(&f.mu)
	go f.flusher()
	return f
}

// write queues rendered lines (whole lines only).
func (f *fileSink) write(line []byte) {
	f.mu.Lock()
	if len(f.pending)+len(line) > maxPending && !f.closed {
		deadline := time.Now().Add(blockFor)
		t := time.AfterFunc(blockFor, func() { f.mu.Lock(); f.space.Broadcast(); f.mu.Unlock() })
		for len(f.pending)+len(line) > maxPending && !f.closed && time.Now().Before(deadline) {
			f.space.Wait()
		}
		t.Stop()
	}
	if f.closed || len(f.pending)+len(line) > maxPending {
		f.mu.Unlock()
		f.dropped(bytes.Count(line, []byte{'\n'}), errors.New("output stalled: pending buffer full"))
		return
	}
	f.pending = append(f.pending, line...)
	wake := len(f.pending) >= batchBytes
	f.mu.Unlock()
	if wake {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
}

func (f *fileSink) flusher() {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-f.done:
			return
		case <-f.kick:
		case <-t.C:
		}
		f.handOver()
	}
}

// handOver gives the pending lines to the Sink.
func (f *fileSink) handOver() {
	f.ioMu.Lock()
	defer f.ioMu.Unlock()
	f.mu.Lock()
	chunk := f.pending
	f.pending = f.spare[:0]
	f.space.Broadcast()
	f.mu.Unlock()
	if len(chunk) > 0 {
		lines := bytes.Count(chunk, []byte{'\n'})
		if _, err := f.w.Write(chunk); err != nil {
			f.dropped(lines, err)
		} else {
			f.written.Add(uint64(lines))
			f.stats.written.Add(uint64(lines))
		}
	}
	f.mu.Lock()
	if cap(chunk) <= 4*batchBytes {
		f.spare = chunk[:0]
	} else {
		f.spare = nil
	}
	f.mu.Unlock()
}

// dropped counts lost lines and reports them at most once per
// errorLogEvery per file; writing resumes by itself when the file becomes
// writable again.
func (f *fileSink) dropped(lines int, err error) {
	f.errors.Add(uint64(lines))
	f.stats.dropped.Add(uint64(lines))
	now := time.Now().UnixNano()
	last := f.lastLog.Load()
	if now-last >= int64(errorLogEvery) && f.lastLog.CompareAndSwap(last, now) {
		f.log.Error("write failed, lines dropped", "path", f.path, "err", err, "dropped_total", f.errors.Load())
	}
}

// flush hands the pending lines over and flushes the Sink.
func (f *fileSink) flush() error {
	f.handOver()
	return f.w.Flush()
}

// reopen hands the pending lines over, then reopens the file.
func (f *fileSink) reopen() error {
	f.handOver()
	return f.w.Reopen()
}

// close writes what is pending and closes the file; later writes are
// dropped.
func (f *fileSink) close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.space.Broadcast()
	f.mu.Unlock()
	close(f.done)
	f.handOver()
	return f.w.Close()
}

// errorLogEvery rate-limits the error reports of one file.
const errorLogEvery = 10 * time.Second

// RotationFunc returns the rotation policy of an output path.
type RotationFunc func(path string) rotate.Options

// DefaultRotation is the policy our users run with logrotate: daily, keep
// 90 backups, gzip.
func DefaultRotation(string) rotate.Options {
	return rotate.Options{Every: rotate.Daily, Keep: 90, Compress: rotate.Gzip}
}

// openRotate opens path as a rotate.Writer with the server's clock and
// logger (unless the policy sets its own) and single-goroutine compression.
func openRotate(path string, o rotate.Options, now func() time.Time, log *slog.Logger) (Sink, error) {
	if o.CompressConcurrency == 0 {
		// One core for compression: the other stays free for the
		// socket readers (measured: parallel compression of a 20 MB backup
		// makes the receive buffer overflow on a 2-core machine).
		o.CompressConcurrency = 1
	}
	if o.Now == nil {
		o.Now = now
	}
	if o.Logger == nil {
		o.Logger = log
	}
	return rotate.New(path, o)
}

var _ Sink = (*rotate.Writer)(nil)

// retrySink stands for a file that could not be opened (missing directory,
// permissions): writes fail and are counted while it retries the open, at
// most once per retryEvery, so that writing resumes once the file can be
// created.
type retrySink struct {
	mu      sync.Mutex
	path    string
	open    func(string) (Sink, error)
	now     func() time.Time
	w       Sink
	err     error
	lastTry time.Time
}

// retryEvery paces the open attempts of a retrySink.
const retryEvery = 5 * time.Second

func newRetrySink(path string, open func(string) (Sink, error), now func() time.Time, err error) *retrySink {
	return &retrySink{path: path, open: open, now: now, err: err, lastTry: now()}
}

func (r *retrySink) sink() (Sink, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		return r.w, nil
	}
	if now := r.now(); now.Sub(r.lastTry) >= retryEvery {
		r.lastTry = now
		r.w, r.err = r.open(r.path)
		if r.err == nil {
			return r.w, nil
		}
	}
	return nil, fmt.Errorf("open %s: %w", r.path, r.err)
}

func (r *retrySink) Write(p []byte) (int, error) {
	w, err := r.sink()
	if err != nil {
		return 0, err
	}
	return w.Write(p)
}

func (r *retrySink) Flush() error {
	if w, err := r.sink(); err == nil {
		return w.Flush()
	}
	return nil
}

func (r *retrySink) Reopen() error {
	r.mu.Lock()
	r.lastTry = time.Time{} // retry now
	r.mu.Unlock()
	w, err := r.sink()
	if err != nil {
		return err
	}
	return w.Reopen()
}

func (r *retrySink) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		return r.w.Close()
	}
	return nil
}
