package syslogd

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/rotate"
)

// fileSink is one output file shared by every rule that names its path.
type fileSink struct {
	path    string
	w       Sink
	log     *slog.Logger
	stats   *counters
	written atomic.Uint64
	errors  atomic.Uint64
	lastLog atomic.Int64 // unix nanoseconds of the last error report
}

// errorLogEvery rate-limits the error reports of one file.
const errorLogEvery = 10 * time.Second

// write writes one rendered line. A failed line is counted as dropped and
// reported at most once per errorLogEvery per file; the receiver keeps
// going, and writing resumes by itself when the file becomes writable.
func (f *fileSink) write(line []byte) {
	if _, err := f.w.Write(line); err != nil {
		f.errors.Add(1)
		f.stats.dropped.Add(1)
		now := time.Now().UnixNano()
		last := f.lastLog.Load()
		if now-last >= int64(errorLogEvery) && f.lastLog.CompareAndSwap(last, now) {
			f.log.Error("write failed, line dropped", "path", f.path, "err", err,
				"dropped_total", f.errors.Load())
		}
		return
	}
	f.written.Add(1)
	f.stats.written.Add(1)
}

// RotationFunc returns the rotation policy of an output path.
type RotationFunc func(path string) rotate.Options

// DefaultRotation is the policy our users run with logrotate: daily, keep
// 90 backups, gzip.
func DefaultRotation(string) rotate.Options {
	return rotate.Options{Every: rotate.Daily, Keep: 90, Compress: rotate.Gzip}
}

// openRotate opens path as a rotate.Writer with the server's clock and
// logger (unless the policy sets its own).
func openRotate(path string, o rotate.Options, now func() time.Time, log *slog.Logger) (Sink, error) {
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
