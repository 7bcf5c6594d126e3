package syslogd

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
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
	pendN   int // messages in pending
	spare   []byte
	closed  bool
	kick    chan struct{}
	timer   *time.Timer // armed when the first line waits
	done    chan struct{}
	ioMu    sync.Mutex // serialises hand-overs to w

	// direct, when set, takes each batch of framed records from the
	// workers at once (an action queue: omkafka, omfwd): no pending
	// buffer, no flusher, nothing held in memory between the socket and
	// the queue's journal.
	direct recordWriter

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
		kick: make(chan struct{}, 1), done: make(chan struct{}), timer: time.NewTimer(time.Hour)}
	f.timer.Stop()
	f.space = sync.NewCond(&f.mu)
	go f.flusher()
	return f
}

// partialWrite is the error of a recordWriter that took a batch's
// messages but refused some of them (a dynaFile name that is not
// absolute): only those count as dropped.
type partialWrite struct {
	refused int
	err     error
}

func (e *partialWrite) Error() string { return e.err.Error() }
func (e *partialWrite) Unwrap() error { return e.err }

// recordWriter is a Sink that takes messages as records: each a 4-byte
// big-endian length and the rendered message (the workers frame them).
type recordWriter interface {
	WriteRecords(framed []byte, n int) error
}

// newDirectSink is the fileSink of an output fed straight from the
// workers' batches.
func newDirectSink(id int, key string, w Sink, rw recordWriter, log *slog.Logger, st *counters) *fileSink {
	f := &fileSink{id: id, path: key, w: w, log: log, stats: st, direct: rw,
		kick: make(chan struct{}, 1), done: make(chan struct{}), timer: time.NewTimer(time.Hour)}
	f.timer.Stop()
	f.space = sync.NewCond(&f.mu)
	return f
}

// write queues the rendering of n messages (whole lines only; framed
// records for a direct sink).
func (f *fileSink) write(line []byte, n int) {
	if f.direct != nil {
		if err := f.direct.WriteRecords(line, n); err != nil {
			var pw *partialWrite
			if !errors.As(err, &pw) {
				f.dropped(n, err)
				return
			}
			f.dropped(pw.refused, err)
			n -= pw.refused
		}
		f.written.Add(uint64(n))
		f.stats.written.Add(uint64(n))
		return
	}
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
		f.dropped(n, errors.New("output stalled: pending buffer full"))
		return
	}
	first := len(f.pending) == 0
	f.pending = append(f.pending, line...)
	f.pendN += n
	wake := len(f.pending) >= batchBytes
	f.mu.Unlock()
	if first {
		// The lines wait at most flushEvery; an idle file has no timer.
		f.timer.Reset(flushEvery)
	}
	if wake {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
}

func (f *fileSink) flusher() {
	defer f.timer.Stop()
	for {
		select {
		case <-f.done:
			return
		case <-f.kick:
		case <-f.timer.C:
		}
		f.handOver()
	}
}

// handOver gives the pending lines to the Sink.
func (f *fileSink) handOver() {
	f.ioMu.Lock()
	defer f.ioMu.Unlock()
	f.handOverLocked()
}

func (f *fileSink) handOverLocked() {
	f.mu.Lock()
	chunk, lines := f.pending, f.pendN
	f.pending, f.pendN = f.spare[:0], 0
	f.space.Broadcast()
	f.mu.Unlock()
	if len(chunk) > 0 || lines > 0 {
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

// reopen hands the pending lines over, then reopens the file, with no
// hand-over in between.
func (f *fileSink) reopen() error {
	f.ioMu.Lock()
	defer f.ioMu.Unlock()
	f.handOverLocked()
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
	if o.BufferSize == 0 {
		// The fileSink is the one buffer between the router and the
		// file: each of its hand-overs (whole lines) goes straight to
		// write(2), not into a second batch buffer in the Writer. The
		// Writer still holds data while the file cannot be written.
		o.BufferSize = 1
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

// lazySink opens its file on the first write, as rsyslog's omfile does:
// a rule that never matches creates no file. A file that cannot be opened
// (missing directory, permissions) does not stop the server: writes fail and
// are counted while the open is retried, at most once per retryEvery (or at
// the next write after Reopen), so that writing resumes once the file can
// be created.
//
// When the rotation policy comes from a logrotate file, the sink remembers
// the policy its file was opened under; a reload that changes it (setPolicy)
// makes the next Reopen close the file, which the next write opens under
// the new policy.
type lazySink struct {
	mu      sync.Mutex
	path    string
	open    func(string) (Sink, error)
	now     func() time.Time
	policy  func(string) rotate.Options // nil: no policy tracking
	w       Sink
	err     error
	tried   bool
	lastTry time.Time
	opened  rotate.Options // policy of the open file
	stale   bool           // the policy changed: reopen under the new one
}

// setPolicy records the policy a reload gives the file.
func (r *lazySink) setPolicy(o rotate.Options) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil && r.policy != nil && !reflect.DeepEqual(o, r.opened) {
		r.stale = true
	}
}

// retryEvery paces the open attempts of a lazySink whose file cannot be
// opened.
const retryEvery = 5 * time.Second

func newLazySink(path string, open func(string) (Sink, error), now func() time.Time) *lazySink {
	return &lazySink{path: path, open: open, now: now}
}

// sink returns the open Sink, opening it if it is time to try.
func (r *lazySink) sink() (Sink, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		return r.w, nil
	}
	if now := r.now(); !r.tried || now.Sub(r.lastTry) >= retryEvery {
		r.tried, r.lastTry = true, now
		if r.policy != nil {
			r.opened = r.policy(r.path)
		}
		r.w, r.err = r.open(r.path)
		if r.err == nil {
			return r.w, nil
		}
		r.w = nil
	}
	return nil, fmt.Errorf("open %s: %w", r.path, r.err)
}

// current returns the Sink if the file is open.
func (r *lazySink) current() Sink {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w
}

func (r *lazySink) Write(p []byte) (int, error) {
	w, err := r.sink()
	if err != nil {
		return 0, err
	}
	return w.Write(p)
}

func (r *lazySink) Flush() error {
	if w := r.current(); w != nil {
		return w.Flush()
	}
	return nil
}

// Reopen reopens an open file; a file not open yet stays so (it is created
// by the next write, which retries a failed open at once).
func (r *lazySink) Reopen() error {
	r.mu.Lock()
	w := r.w
	if w == nil {
		r.tried = false
		r.mu.Unlock()
		return nil
	}
	if r.stale {
		// Closed under the lock, so that no write opens the file
		// meanwhile; the next write opens it under the new policy.
		defer r.mu.Unlock()
		r.w, r.tried, r.stale = nil, false, false
		return w.Close()
	}
	r.mu.Unlock()
	return w.Reopen()
}

func (r *lazySink) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		return r.w.Close()
	}
	return nil
}
