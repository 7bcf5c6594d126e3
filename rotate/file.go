package rotate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"time"
)

// open opens w.path for appending, creating it (with Mode, or prevMode when
// Mode is 0, then 0644) if it does not exist. It sets w.f, w.size, w.start.
func (w *Writer) open(prevMode os.FileMode, now time.Time) error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = w.create(prevMode)
		if err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("rotate: open %s: %w", w.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("rotate: stat %s: %w", w.path, err)
	}
	w.f, w.size, w.start = f, fi.Size(), now
	w.fid, w.fidOK = idOf(fi)
	return nil
}

// create makes a new file with the exact mode (umask not applied) and owner.
func (w *Writer) create(prevMode os.FileMode) (*os.File, error) {
	mode := w.opts.Mode.Perm()
	if mode == 0 {
		mode = prevMode.Perm()
	}
	if mode == 0 {
		mode = defaultMode
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) { // someone else created it meanwhile
		return os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("rotate: create %s: %w", w.path, err)
	}
	if err := f.Chmod(mode); err != nil {
		w.opts.Logger.Warn("rotate: chmod failed", "file", w.path, "err", err)
	}
	if w.uid >= 0 || w.gid >= 0 {
		if err := f.Chown(w.uid, w.gid); err != nil {
			f.Close()
			os.Remove(w.path)
			return nil, fmt.Errorf("rotate: create %s: set owner %q group %q: %w", w.path, w.opts.Owner, w.opts.Group, err)
		}
	}
	return f, nil
}

// rotateLocked renames the current file to its backup name and opens a new
// one. The caller holds ioMu and has flushed what belongs to the old file.
//
// Nothing is dropped when the new file cannot be created (directory not
// writable, no inode left, chown refused): the backup is renamed back to
// the log file's name and writing goes on in the old file, and the error is
// returned for the caller to log. Size rotation is then retried after
// rotateRetry, time rotation at the next boundary, so a lasting failure is
// not attempted (and logged) at every write.
func (w *Writer) rotateLocked(reason string) error {
	_, err := w.rotateAs(reason, "")
	return err
}

// rotateAs is rotateLocked with the backup's name ("": the date name, or a
// pending name in numbered mode); it returns the name, "" if the file was
// not rotated (notifempty).
func (w *Writer) rotateAs(reason, to string) (string, error) {
	if w.opts.NotIfEmpty && w.size == 0 {
		return "", nil
	}
	var mode os.FileMode
	if w.f != nil {
		if fi, err := w.f.Stat(); err == nil {
			mode = fi.Mode()
		}
	}
	var err error
	switch {
	case to != "":
	case w.opts.DateExt:
		to, err = w.nm.dateName(w.start)
	default:
		to = w.nm.pendingName(&w.pendSeq)
	}
	if err == nil {
		w.nm.stage.Lock()
		defer w.nm.stage.Unlock()
		// Marked ours before it gets a backup name, so that the backup
		// worker never sees it unmarked.
		w.nm.own.mark(w.path)
		if err = os.Rename(w.path, to); err != nil {
			w.nm.own.unmark(w.path)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.missing("rotation")
		to = "" // nothing was rotated: a new file is opened
	case err != nil:
		w.st.rotateErrors.Add(1)
		w.rotRetry = w.opts.Now().Add(rotateRetry)
		if w.f == nil {
			if oerr := w.open(mode, w.opts.Now()); oerr != nil {
				return "", errors.Join(fmt.Errorf("rotate: rename %s: %w", w.path, err), oerr)
			}
		}
		return "", fmt.Errorf("rotate: rename %s: %w", w.path, err)
	}
	old := w.f
	w.f = nil
	if err := w.open(mode, w.opts.Now()); err != nil {
		w.st.rotateErrors.Add(1)
		w.rotRetry = w.opts.Now().Add(rotateRetry)
		if old == nil {
			return "", err
		}
		// Keep writing the old file, under its own name again.
		w.f = old
		if rerr := os.Rename(to, w.path); rerr == nil {
			w.nm.own.unmark(w.path)
		} else {
			// The old file stays open under the backup name: still
			// nothing is lost, and the next rotation tries again.
			return "", errors.Join(err, fmt.Errorf("rotate: rename %s back: %w; writing on to %s", to, rerr, to))
		}
		return "", fmt.Errorf("%w; writing on to the old file", err)
	}
	if old != nil {
		if err := old.Close(); err != nil {
			w.opts.Logger.Error("rotate: close after rotation", "file", to, "err", err)
		}
	}
	w.st.rotations.Add(1)
	w.opts.Logger.Info("rotate: rotated", "file", w.path, "backup", to, "reason", reason)
	w.wk.poke()
	return to, nil
}

// rotateRetry is how long a failed size rotation waits before the next try.
const rotateRetry = time.Minute

// reopenLocked writes complete lines to the open file and reopens the path.
func (w *Writer) reopenLocked() error {
	err := w.flushLocked(false)
	var mode os.FileMode
	if w.f != nil {
		if fi, serr := w.f.Stat(); serr == nil {
			mode = fi.Mode()
		}
		if cerr := w.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("rotate: close %s: %w", w.path, cerr)
		}
		w.f = nil
	}
	if oerr := w.open(mode, w.opts.Now()); oerr != nil {
		return errors.Join(err, oerr)
	}
	return err
}

// missing logs a log file that vanished under the writer.
func (w *Writer) missing(when string) {
	if w.opts.MissingOK {
		w.opts.Logger.Info("rotate: log file missing, recreating", "file", w.path, "during", when)
		return
	}
	w.opts.Logger.Error("rotate: log file missing, recreating", "file", w.path, "during", when)
}

// ticker flushes every FlushInterval, rotates at period boundaries and
// follows a file renamed or deleted by someone else.
func (w *Writer) ticker() {
	defer close(w.tickDone)
	every := w.opts.FlushInterval
	if every <= 0 {
		every = time.Second
	}
	tk := time.NewTicker(every)
	defer tk.Stop()
	boundary := time.NewTimer(w.untilNext())
	defer boundary.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-tk.C:
			w.tick()
		case <-boundary.C:
			w.tick()
			boundary.Reset(w.untilNext())
		}
	}
}

// untilNext is the real time to wait for the next boundary (at most an hour,
// re-armed after it fires, so clock changes are caught up).
func (w *Writer) untilNext() time.Duration {
	w.ioMu.Lock()
	next := w.next
	w.ioMu.Unlock()
	if next.IsZero() {
		return time.Hour
	}
	d := next.Sub(w.opts.Now())
	return min(max(d, time.Millisecond), time.Hour)
}

func (w *Writer) tick() {
	w.ioMu.Lock()
	defer w.ioMu.Unlock()
	w.follow()
	if err := w.flushLocked(false); err != nil {
		return
	}
	now := w.opts.Now()
	if !w.next.IsZero() && !now.Before(w.next) {
		w.next = nextBoundary(w.opts.Every, w.opts.Weekday, now, w.opts.Location)
		if w.opts.MinSize == 0 || w.size >= w.opts.MinSize {
			if w.opts.Scripts.rotating() {
				if !w.opts.NotIfEmpty || w.size > 0 {
					w.requestRotation("time")
				}
			} else if err := w.rotateLocked("time"); err != nil {
				w.opts.Logger.Error("rotate: time rotation failed", "file", w.path, "err", err)
			}
		}
	}
}

// follow reopens the path when the open file is no longer there (renamed
// or removed by another program). What waits to be written goes to the new
// file: the old one may already be in that program's hands (logrotate
// without delaycompress compresses and removes it right after the rename).
// It is called before every batch write and every tick: a stat of the path
// and of the open file.
func (w *Writer) follow() {
	if w.f == nil {
		return
	}
	fi, err := os.Stat(w.path)
	same := false
	if err == nil {
		if id, ok := idOf(fi); ok && w.fidOK {
			same = id == w.fid // no fstat: one stat per batch
		} else if cur, cerr := w.f.Stat(); cerr == nil {
			same = os.SameFile(cur, fi)
		}
	}
	if same {
		if fi.Size() < w.size {
			// Truncated by someone else (logrotate copytruncate):
			// appends go on at the new end; size rotation counts
			// from there.
			w.size = fi.Size()
		}
		return
	}
	if err != nil {
		w.missing("write")
	} else {
		w.opts.Logger.Info("rotate: log file replaced, reopening", "file", w.path)
	}
	var mode os.FileMode
	if cur, cerr := w.f.Stat(); cerr == nil {
		mode = cur.Mode()
	}
	if cerr := w.f.Close(); cerr != nil {
		w.opts.Logger.Error("rotate: close replaced file", "file", w.path, "err", cerr)
	}
	w.f = nil
	if err := w.open(mode, w.opts.Now()); err != nil {
		// w.f stays nil: the next write retries the open.
		w.opts.Logger.Error("rotate: reopen failed", "file", w.path, "err", err)
	}
}

// lookupOwner resolves user and group names (or numeric ids); -1 = unchanged.
func lookupOwner(owner, group string) (uid, gid int, err error) {
	uid, gid = -1, -1
	if owner != "" {
		if uid, err = lookupUser(owner); err != nil {
			return -1, -1, fmt.Errorf("rotate: owner %q: %w", owner, err)
		}
	}
	if group != "" {
		if gid, err = lookupGroup(group); err != nil {
			return -1, -1, fmt.Errorf("rotate: group %q: %w", group, err)
		}
	}
	return uid, gid, nil
}

// lookupUser resolves a user name, or a numeric id that names an existing
// user (logrotate refuses ids with no passwd entry).
func lookupUser(name string) (int, error) {
	return lookupID(name, user.Lookup, user.LookupId, func(u *user.User) string { return u.Uid })
}

// lookupGroup resolves a group name, or a numeric id of an existing group.
func lookupGroup(name string) (int, error) {
	return lookupID(name, user.LookupGroup, user.LookupGroupId, func(g *user.Group) string { return g.Gid })
}

// lookupID resolves name with byName or, when that fails and name is a
// number, with byID, and returns the numeric id of what it found. The
// error is byName's for a name, byID's for a number.
func lookupID[T any](name string, byName, byID func(string) (T, error), id func(T) string) (int, error) {
	v, err := byName(name)
	if _, nerr := strconv.Atoi(name); err != nil && nerr == nil {
		v, err = byID(name)
	}
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(id(v))
}
