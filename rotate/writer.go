package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrBufferFull is returned by Write when the file has not been writable for
// long enough that Options.MaxBuffer bytes are waiting: the caller's data was
// not accepted. It wraps the write error that caused it.
var ErrBufferFull = errors.New("rotate: buffer full, file not writable")

// ErrClosed is returned by methods called after Close.
var ErrClosed = fmt.Errorf("rotate: %w", os.ErrClosed)

// Writer is a log file that rotates itself. It is an io.WriteCloser safe for
// concurrent use. See the package documentation for its guarantees.
type Writer struct {
	path string
	opts Options
	nm   *namer
	st   counters

	mu     sync.Mutex // guards buf, closed, werr
	buf    []byte     // accepted, not yet handed to the file
	closed bool
	werr   error // last write error, nil after a successful write

	ioMu    sync.Mutex // guards everything below; taken before mu
	f       *os.File
	size    int64
	out     []byte    // being written; kept across a failed write
	start   time.Time // when the current file's content starts
	next    time.Time // next period boundary
	uid     int
	gid     int
	pendSeq int

	wk       *worker
	quit     chan struct{}
	tickDone chan struct{}
}

// New opens (or creates) the log file at path and starts the writer's two
// goroutines (flush/period timer and backup worker); Close stops both. An
// existing file is appended to; if its last modification is in an earlier
// period than now, it is rotated first.
func New(path string, opts Options) (*Writer, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	w := &Writer{path: abs, opts: o, nm: newNamer(abs, o), uid: -1, gid: -1}
	if w.uid, w.gid, err = lookupOwner(o.Owner, o.Group); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("rotate: create log directory: %w", err)
	}
	now := o.Now()
	if err := w.open(0, now); err != nil {
		return nil, err
	}
	if fi, err := w.f.Stat(); err == nil && w.size > 0 {
		w.start = fi.ModTime()
	}
	w.next = nextBoundary(o.Every, o.Weekday, now, o.Location)
	w.wk = startWorker(w.nm, o, &w.st)
	if o.Every != None && w.size > 0 && periodKey(o.Every, o.Weekday, w.start.In(o.Location)) != periodKey(o.Every, o.Weekday, now.In(o.Location)) {
		if err := w.rotateLocked("catch-up"); err != nil {
			w.wk.close(-1)
			w.f.Close()
			return nil, err
		}
	}
	w.quit, w.tickDone = make(chan struct{}), make(chan struct{})
	go w.ticker()
	return w, nil
}

// Write accepts p into the batch buffer and returns len(p), nil. Lines are
// written to the file in whole-line batches, when BufferSize bytes are
// waiting, every FlushInterval, and at Close; a trailing partial line waits
// for its newline (or Close). If the file cannot be written, data stays
// buffered and is retried every FlushInterval; once MaxBuffer bytes wait,
// Write returns 0 and an error wrapping ErrBufferFull and the cause, and p
// is not accepted. After Close it returns ErrClosed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return 0, ErrClosed
	}
	if len(w.buf) > 0 && len(w.buf)+len(p) > w.opts.MaxBuffer {
		w.mu.Unlock()
		_ = w.flush(false)
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return 0, ErrClosed
		}
		if len(w.buf) > 0 && len(w.buf)+len(p) > w.opts.MaxBuffer {
			err := w.werr
			w.mu.Unlock()
			w.st.rejected.Add(int64(len(p)))
			return 0, fmt.Errorf("%w (%d bytes waiting): %w", ErrBufferFull, w.opts.MaxBuffer, err)
		}
	}
	w.buf = append(w.buf, p...)
	full := len(w.buf) >= w.opts.BufferSize ||
		(w.opts.FlushInterval < 0 && bytes.IndexByte(p, '\n') >= 0)
	w.mu.Unlock()
	if full {
		_ = w.flush(false)
	}
	return len(p), nil
}

// Flush writes every complete buffered line to the file. A trailing partial
// line stays buffered (so a rotation never splits it) until its newline
// arrives or Close. It returns the write error if data remains unwritten.
func (w *Writer) Flush() error {
	if w.isClosed() {
		return ErrClosed
	}
	return w.flush(false)
}

// Sync flushes complete lines and fsyncs the file.
func (w *Writer) Sync() error {
	if w.isClosed() {
		return ErrClosed
	}
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	if err := w.flushLocked(false); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("rotate: fsync %s: %w", w.path, err)
	}
	return nil
}

// Rotate flushes complete lines and rotates now: the file becomes a backup
// and a new file is created. With NotIfEmpty, an empty file is left alone.
func (w *Writer) Rotate() error {
	if w.isClosed() {
		return ErrClosed
	}
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	if err := w.flushLocked(false); err != nil {
		return err
	}
	return w.rotateLocked("request")
}

// Reopen flushes complete lines to the open file, closes it and opens the
// path again, creating it if needed. Use it after an outside tool (logrotate
// without copytruncate) renamed the file. The writer also notices a renamed
// or deleted file by itself within a FlushInterval.
func (w *Writer) Reopen() error {
	if w.isClosed() {
		return ErrClosed
	}
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	return w.reopenLocked()
}

// Close stops the timer, writes everything buffered (including a partial
// last line), fsyncs and closes the file, then lets the backup worker finish
// its backlog (compression included) for at most Options.CloseWait before
// stopping it; backup names are final when Close returns. Close reports
// every error, including the number of bytes it could not write. Further
// calls return nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.tickDone

	w.ioMu.Lock()
	var errs []error
	if err := w.flushLocked(true); err != nil {
		errs = append(errs, fmt.Errorf("rotate: %d bytes not written: %w", len(w.out)+w.bufLen(), err))
	}
	if w.f != nil {
		if err := w.f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("rotate: fsync %s: %w", w.path, err))
		}
		if err := w.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("rotate: close %s: %w", w.path, err))
		}
		w.f = nil
	}
	w.ioMu.Unlock()
	w.wk.close(w.opts.CloseWait)
	return errors.Join(errs...)
}

// Path returns the absolute path of the log file.
func (w *Writer) Path() string { return w.path }

func (w *Writer) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

func (w *Writer) bufLen() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.buf)
}

func (w *Writer) flush(all bool) error {
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	return w.flushLocked(all)
}

// flushLocked writes what a previous failed write left, then the complete
// lines of buf (all of buf when all is set, or when a partial line alone
// fills MaxBuffer).
func (w *Writer) flushLocked(all bool) error {
	if err := w.writeOut(); err != nil {
		return err
	}
	w.mu.Lock()
	cut := len(w.buf)
	if !all && cut < w.opts.MaxBuffer {
		cut = bytes.LastIndexByte(w.buf, '\n') + 1
	}
	if cut == 0 {
		w.mu.Unlock()
		return nil
	}
	rest := append(w.out[:0], w.buf[cut:]...)
	w.out, w.buf = w.buf[:cut], rest
	w.mu.Unlock()
	return w.writeOut()
}

// writeOut writes w.out, rotating by size between lines.
func (w *Writer) writeOut() error {
	done := 0
	for done < len(w.out) {
		if w.f == nil {
			if err := w.open(0, w.opts.Now()); err != nil {
				return w.failed(done, err)
			}
		}
		chunk := w.sizeChunk(w.out[done:])
		if chunk == nil { // the file is full: rotate first
			if err := w.rotateLocked("size"); err != nil {
				w.st.rotateErrors.Add(1)
				w.opts.Logger.Error("rotate: size rotation failed, writing on", "file", w.path, "err", err)
				chunk = w.out[done:]
			} else {
				continue
			}
		}
		n, err := w.f.Write(chunk)
		w.size += int64(n)
		w.st.written.Add(int64(n))
		done += n
		if err != nil {
			return w.failed(done, fmt.Errorf("write %s: %w", w.path, err))
		}
	}
	w.out = w.out[:0]
	if cap(w.out) > 4*w.opts.BufferSize {
		w.out = nil
	}
	w.setErr(nil)
	return nil
}

// sizeChunk returns the longest prefix of p made of whole lines that fits
// under MaxSize, or nil when the current file must be rotated first. An
// empty file always takes at least one line, however long.
func (w *Writer) sizeChunk(p []byte) []byte {
	max := w.opts.MaxSize
	if max <= 0 || w.size+int64(len(p)) <= max {
		return p
	}
	if room := max - w.size; room > 0 {
		if i := bytes.LastIndexByte(p[:room], '\n'); i >= 0 {
			return p[:i+1]
		}
	}
	if w.size > 0 {
		return nil
	}
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return p[:i+1]
	}
	return p
}

// failed keeps the unwritten part of w.out for the next attempt.
func (w *Writer) failed(done int, err error) error {
	w.out = w.out[:copy(w.out, w.out[done:])]
	w.st.writeErrors.Add(1)
	if w.setErr(err) {
		w.opts.Logger.Error("rotate: write failed, buffering", "file", w.path, "err", err)
	}
	return fmt.Errorf("rotate: %w", err)
}

// setErr records the current write state; it reports a change from ok to failing.
func (w *Writer) setErr(err error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	was := w.werr
	w.werr = err
	if was != nil && err == nil {
		w.opts.Logger.Info("rotate: writing again", "file", w.path)
	}
	return was == nil && err != nil
}
