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

// ErrBufferFull is returned by Write when the file is not writable and the
// data waiting for it, with the caller's, would exceed Options.MaxBuffer: the
// caller's data was not accepted. It wraps the write error that caused it.
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

	mu     sync.Mutex // guards buf, outLen, closed, werr and the failure reports
	buf    []byte     // accepted, not yet handed to the file
	outLen int        // bytes of out (or of a direct write) not yet written
	closed bool
	werr   error // last write error, nil after a successful write

	reported   bool      // the current failure was logged (so will its end be)
	lastReport time.Time // when a failure was last logged (Options.Now)
	unreported int       // failures since then that were not logged

	ioMu    sync.Mutex // guards everything below; taken before mu
	f       *os.File
	fid     fileID // device and inode of f
	fidOK   bool
	size    int64
	out     []byte    // being written; kept across a failed write
	start   time.Time // when the current file's content starts
	next    time.Time // next period boundary
	uid     int
	gid     int
	pendSeq int
	// rotRetry: after a failed size rotation, the next one is not tried
	// before this time (the file is written on meanwhile).
	rotRetry time.Time
	// rotBusy: a rotation with scripts is asked of the worker and not
	// over; the file is written on past MaxSize meanwhile.
	rotBusy bool

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
	w.wk = startWorker(w.nm, o, &w.st, rotHooks{rename: w.scriptedRename, done: w.rotationDone})
	if o.Every != None && w.size > 0 && periodKey(o.Every, o.Weekday, w.start.In(o.Location)) != periodKey(o.Every, o.Weekday, now.In(o.Location)) {
		if o.Scripts.rotating() {
			w.requestRotation("catch-up")
		} else if err := w.rotateLocked("catch-up"); err != nil {
			// The old file is still open: write on to it.
			o.Logger.Error("rotate: catch-up rotation failed, writing on", "file", abs, "err", err)
		}
	}
	w.quit, w.tickDone = make(chan struct{}), make(chan struct{})
	go w.ticker()
	return w, nil
}

// Write accepts p into the batch buffer and returns len(p), nil. Lines are
// written to the file in whole-line batches, when BufferSize bytes are
// waiting, every FlushInterval, and at Close; a trailing partial line waits
// for its newline (or Close). A run of whole lines of at least BufferSize
// with nothing waiting ahead of it is written at once, without a copy.
//
// If the file cannot be written, data stays in memory and is retried every
// FlushInterval. Write then accepts p only while what waits (Stats().Buffered)
// plus p fits in MaxBuffer; otherwise it returns 0 and an error wrapping
// ErrBufferFull and the cause, and p is not accepted. A writable file never
// refuses data: when nothing waits, or what waited could just be written, p
// is accepted whatever its size (if the file fails during that very write,
// up to len(p) plus a partial line may be held). After Close it returns
// ErrClosed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed || !w.fitsLocked(p) {
		if err := w.admitLocked(p); err != nil {
			w.mu.Unlock()
			return 0, err
		}
	}
	if len(w.buf) == 0 && w.outLen == 0 && len(p) >= w.opts.BufferSize && p[len(p)-1] == '\n' {
		// A big run of whole lines with nothing ahead of it: write it
		// as it is rather than copy it into the buffer first.
		w.mu.Unlock()
		if w.writeDirect(p) {
			return len(p), nil
		}
		// Data got ahead of p meanwhile: p must fit with it.
		w.mu.Lock()
		if err := w.admitLocked(p); err != nil {
			w.mu.Unlock()
			return 0, err
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

// admitLocked decides, with mu held, whether Write may take p: it may when
// p fits in MaxBuffer with what is held (buf and the unwritten out), or when
// nothing is held. Otherwise it writes what it can (releasing mu meanwhile)
// and refuses p if the file is still failing and p still does not fit.
func (w *Writer) admitLocked(p []byte) error {
	if w.closed {
		return ErrClosed
	}
	if w.fitsLocked(p) {
		return nil
	}
	w.mu.Unlock()
	_ = w.flush(false)
	w.mu.Lock()
	if w.closed {
		return ErrClosed
	}
	held := len(w.buf) + w.outLen
	if held == 0 || held+len(p) <= w.opts.MaxBuffer || w.werr == nil {
		return nil
	}
	w.st.rejected.Add(int64(len(p)))
	return fmt.Errorf("%w (%d bytes waiting, MaxBuffer %d): %w", ErrBufferFull, held, w.opts.MaxBuffer, w.werr)
}

// fitsLocked reports, with mu held, whether p may be taken without writing
// first: nothing is held, or p fits in MaxBuffer with what is.
func (w *Writer) fitsLocked(p []byte) bool {
	held := len(w.buf) + w.outLen
	return held == 0 || held+len(p) <= w.opts.MaxBuffer
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
	return w.afterFlush(func() error {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("rotate: fsync %s: %w", w.path, err)
		}
		return nil
	})
}

// Rotate flushes complete lines and rotates now: the file becomes a backup
// and a new file is created. With NotIfEmpty, an empty file is left alone.
//
// With Options.Scripts, Rotate runs the rotation's scripts and returns when
// they are done (lines written meanwhile go to the old file, then the new
// one); a firstaction or prerotate script that fails means no rotation and
// its *ScriptError is returned.
func (w *Writer) Rotate() error {
	if !w.opts.Scripts.rotating() {
		return w.afterFlush(func() error { return w.rotateLocked("request") })
	}
	empty := false
	if err := w.afterFlush(func() error { empty = w.opts.NotIfEmpty && w.size == 0; return nil }); err != nil || empty {
		return err // notifempty: no script runs either (as logrotate)
	}
	done := make(chan error, 1)
	select {
	case w.wk.req <- rotReq{reason: "request", done: done}:
	case <-w.wk.exited:
		return ErrClosed
	}
	select {
	case err := <-done:
		return err
	case <-w.wk.exited:
		select {
		case err := <-done:
			return err
		default:
			return ErrClosed
		}
	}
}

// requestRotation asks the worker for a rotation with scripts, unless one
// is already under way. The caller holds ioMu (or is New).
func (w *Writer) requestRotation(reason string) {
	if w.rotBusy {
		return
	}
	select {
	case w.wk.req <- rotReq{reason: reason}:
		w.rotBusy = true
	default: // a Rotate request is queued: it rotates
	}
}

// scriptedRename is the rename step of a rotation with scripts: it writes
// complete lines to the old file, renames it to NAME.1 (the worker made
// room) or its date name, and creates the new file. "" means nothing was
// rotated (notifempty).
func (w *Writer) scriptedRename(reason string) (string, error) {
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	if w.isClosed() {
		return "", ErrClosed
	}
	if err := w.flushLocked(false); err != nil {
		return "", err
	}
	to := ""
	if !w.opts.DateExt && !exists(w.nm.numbered(1)) {
		to = w.nm.numbered(1)
	}
	return w.rotateAs(reason, to)
}

// rotationDone ends a rotation with scripts; after a failure, size
// rotation is tried again after rotateRetry.
func (w *Writer) rotationDone(err error) {
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	w.rotBusy = false
	if err == nil || errors.Is(err, ErrClosed) {
		return
	}
	w.rotRetry = w.opts.Now().Add(rotateRetry)
	if se := (*ScriptError)(nil); errors.As(err, &se) { // rename failures are counted where they happen
		w.st.rotateErrors.Add(1)
	}
}

// afterFlush writes every complete buffered line, then runs then, with
// ioMu held throughout.
func (w *Writer) afterFlush(then func() error) error {
	if w.isClosed() {
		return ErrClosed
	}
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	if err := w.flushLocked(false); err != nil {
		return err
	}
	return then()
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
		errs = append(errs, fmt.Errorf("rotate: %d bytes not written: %w", w.held(), err))
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

// held is the number of bytes accepted and not yet written.
func (w *Writer) held() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.buf) + w.outLen
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
	w.outLen = cut
	w.mu.Unlock()
	return w.writeOut()
}

// writeOut writes w.out, rotating by size between lines.
func (w *Writer) writeOut() error {
	if len(w.out) > 0 {
		w.follow()
	}
	done, err := w.writeData(w.out)
	if err != nil {
		return w.failed(done, err)
	}
	w.out = w.out[:0]
	if cap(w.out) > 4*w.opts.BufferSize {
		w.out = nil
	}
	w.setState(0, nil)
	return nil
}

// writeDirect writes p (whole lines) to the file without copying it, when
// no data waits ahead of it; it reports false, having done nothing,
// otherwise. While it writes, p counts as held (so that concurrent Writes
// respect MaxBuffer with it). If the write fails, the unwritten rest of p is
// kept in w.out (a copy: p belongs to the caller) and retried like any
// failed write.
func (w *Writer) writeDirect(p []byte) bool {
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	if len(w.out) > 0 {
		return false
	}
	w.mu.Lock()
	ok := len(w.buf) == 0 && !w.closed
	if ok {
		w.outLen = len(p)
	}
	w.mu.Unlock()
	if !ok {
		return false
	}
	w.follow()
	done, err := w.writeData(p)
	if err != nil {
		w.out = append(w.out[:0], p[done:]...)
		_ = w.failed(0, err)
		return true
	}
	w.setState(0, nil)
	return true
}

// writeData writes p, rotating by size between lines, and returns the
// number of bytes written.
func (w *Writer) writeData(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		if w.f == nil {
			if err := w.open(0, w.opts.Now()); err != nil {
				return done, err
			}
		}
		chunk := w.sizeChunk(p[done:])
		if chunk == nil && (w.rotBusy || w.opts.Now().Before(w.rotRetry)) {
			chunk = p[done:] // a rotation is under way or failed lately: write on, past MaxSize
		} else if chunk == nil && w.opts.Scripts.rotating() {
			w.requestRotation("size") // its scripts run on the worker
			chunk = p[done:]
		} else if chunk == nil { // the file is full: rotate first
			if err := w.rotateLocked("size"); err != nil {
				w.st.rotateErrors.Add(1)
				w.opts.Logger.Error("rotate: size rotation failed, writing on", "file", w.path, "err", err)
				chunk = p[done:]
			} else {
				continue
			}
		}
		n, err := w.f.Write(chunk)
		w.size += int64(n)
		w.st.written.Add(int64(n))
		done += n
		if err != nil {
			return done, err // an *os.PathError: "write PATH: cause"
		}
	}
	return done, nil
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

// failLogEvery is the shortest time between two logged write failures: a
// disk that fills and empties at every flush does not flood the log.
const failLogEvery = time.Minute

// failed keeps the unwritten part of w.out for the next attempt.
func (w *Writer) failed(done int, err error) error {
	w.out = w.out[:copy(w.out, w.out[done:])]
	w.st.writeErrors.Add(1)
	if report, before := w.setState(len(w.out), err); report {
		if before > 0 {
			w.opts.Logger.Error("rotate: write failed, buffering", "file", w.path, "err", err, "unreported_failures", before)
		} else {
			w.opts.Logger.Error("rotate: write failed, buffering", "file", w.path, "err", err)
		}
	}
	return fmt.Errorf("rotate: %w", err)
}

// setState records, after a write attempt, the bytes of out still to write
// and the write state. A failure is to be logged (report) if it is not
// already, unless another was logged less than failLogEvery ago; it is then
// logged at a later failed attempt, if it lasts. before is the number of
// failures, over since the last one logged, that were not logged. The end of
// a failure is logged here if the failure was.
func (w *Writer) setState(outLen int, err error) (report bool, before int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.outLen = outLen
	was := w.werr
	w.werr = err
	switch {
	case err == nil:
		if was != nil {
			if w.reported {
				w.opts.Logger.Info("rotate: writing again", "file", w.path)
			} else {
				w.unreported++
			}
		}
		w.reported = false
		return false, 0
	case w.reported:
		return false, 0
	}
	now := w.opts.Now()
	if !w.lastReport.IsZero() && now.Sub(w.lastReport) < failLogEvery && !now.Before(w.lastReport) {
		return false, 0
	}
	before = w.unreported
	w.reported, w.lastReport, w.unreported = true, now, 0
	return true, before
}
