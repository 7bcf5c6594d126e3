package rotate

import (
	"errors"
	"fmt"
	"os"
)

// sequence runs one rotation with scripts, in logrotate's order: the
// firstaction script; numbered backups each renamed one up (NAME.1 free);
// the prerotate script; the rename of the log file to NAME.1 (or its date
// name) and the creation of the new file; the postrotate script; the
// compression of the new backup and the removal of backups beyond the
// count (each removal after the preremove script); the lastaction script.
// Lines go on being written meanwhile: to the old file until the rename,
// then to the new one.
//
// As logrotate: a firstaction that fails stops everything; a prerotate that
// fails means no rotation this time, and a postrotate that fails skips the
// compression and removals of this rotation (the next pass does them); the
// lastaction runs whenever the firstaction succeeded. Unlike logrotate, the
// backups renamed one up for a rotation that does not happen get their
// names back.
func (w *worker) sequence(reason string) (err error) {
	sc := w.opts.Scripts
	pat := w.scriptPattern()
	defer func() { w.hooks.done(err) }()
	if sc.FirstAction != "" {
		if err := w.script("firstaction", sc.FirstAction, pat); err != nil {
			w.log.Error("rotate: error running first action script for "+pat, "err", err)
			return err
		}
	}
	defer func() {
		if sc.LastAction == "" {
			return
		}
		if lerr := w.script("lastaction", sc.LastAction, pat); lerr != nil {
			w.log.Error("rotate: error running last action script for "+pat, "err", lerr)
		}
	}()
	var undo func()
	if !w.opts.DateExt {
		if undo, err = w.makeRoom(); err != nil {
			w.fail("shift", err)
			return err
		}
	}
	restore := func() {
		if undo != nil {
			undo()
		}
	}
	arg := w.n.path
	failed := func(script string, err error) error {
		if sc.Shared {
			w.log.Error(fmt.Sprintf("rotate: error running shared %s script for '%s'", script, pat), "err", err)
		} else {
			w.log.Error(fmt.Sprintf("rotate: error running non-shared %s script for %s of '%s'", script, w.n.path, pat), "err", err)
		}
		return err
	}
	if sc.Shared {
		arg = pat
	}
	if sc.PreRotate != "" {
		if err := w.script("prerotate", sc.PreRotate, arg); err != nil {
			restore()
			return failed("prerotate", err)
		}
	}
	backup, err := w.hooks.rename(reason)
	if err != nil || backup == "" {
		restore()
		return err
	}
	if sc.PostRotate != "" {
		args := []string{arg, backup}
		if sc.Shared {
			args = args[:1]
		}
		if err := w.script("postrotate", sc.PostRotate, args...); err != nil {
			failed("postrotate", err)
			return nil // rotated
		}
	}
	for !w.stop.Load() && w.pass() {
	}
	return nil
}

// script runs one script, bounded by Scripts.Timeout and ended by Close
// (after CloseWait).
func (w *worker) script(name, text string, args ...string) error {
	w.st.scripts.Add(1)
	err := runScript(w.ctx, name, text, w.opts.Scripts.Timeout, args...)
	if err != nil {
		w.st.scriptErrors.Add(1)
	}
	return err
}

// scriptPattern is the block's pattern text scripts get as $1 (the log
// file's path when there is none).
func (w *worker) scriptPattern() string {
	if p := w.opts.Scripts.Pattern; p != "" {
		return p
	}
	return w.n.path
}

// preRemove runs the preremove script for path, if there is one; an error
// means path must stay (logged as logrotate does; the worker retries later).
func (w *worker) preRemove(path string) error {
	sc := w.opts.Scripts
	if sc.PreRemove == "" {
		return nil
	}
	err := w.script("preremove", sc.PreRemove, path)
	if err != nil {
		w.failed = true
		w.log.Error(fmt.Sprintf("rotate: error running preremove script for %s of '%s'. Not removing this file.", path, w.scriptPattern()), "err", err)
	}
	return err
}

// makeRoom gives the pending backups their numbers, then renames every
// numbered backup of ours one up, highest first, so that NAME.1 is free
// for the rotation (logrotate renames them before its prerotate script).
// undo renames them back down.
func (w *worker) makeRoom() (undo func(), err error) {
	mine, pending, foreign, err := w.scanMine()
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		if !w.shift(mine, pending, foreign) {
			return nil, errors.New("pending backups could not be numbered")
		}
		if mine, _, foreign, err = w.scanMine(); err != nil {
			return nil, err
		}
	}
	if w.opts.DelayCompress && w.opts.Compress != NoCompression && len(mine) > 0 && mine[0].seq == 1 && mine[0].ext == "" {
		// logrotate compresses the backup delaycompress left plain
		// before it renames the backups up. If that fails (logged), it
		// is renamed up plain and compressed by a later pass.
		w.compress(mine[0])
		if mine, _, foreign, err = w.scanMine(); err != nil {
			return nil, err
		}
	}
	type move struct{ from, to string }
	var done []move
	undo = func() {
		for i := len(done) - 1; i >= 0; i-- {
			if err := os.Rename(done[i].to, done[i].from); err != nil {
				w.fail("shift back", err)
			}
		}
	}
	taken := func(seq int) error {
		if !foreign[w.n.numbered(seq)] {
			return nil
		}
		undo()
		return fmt.Errorf("%s is taken by a file this writer did not rotate (another program rotates %s too)", w.n.numbered(seq), w.n.path)
	}
	for i := len(mine) - 1; i >= 0; i-- { // highest number first
		b := mine[i]
		if err := taken(b.seq + 1); err != nil {
			return nil, err
		}
		to := w.n.numbered(b.seq+1) + b.ext
		if err := os.Rename(b.path, to); err != nil {
			undo()
			return nil, err
		}
		done = append(done, move{b.path, to})
	}
	if err := taken(1); err != nil {
		return nil, err
	}
	return undo, nil
}

// scanMine lists the backups, split into ours and the stems of those
// another program made, and the pending ones.
func (w *worker) scanMine() (mine, pending []backup, foreign map[string]bool, err error) {
	backups, pending, _, err := w.n.scan()
	if err != nil {
		return nil, nil, nil, err
	}
	mine, foreign = w.split(backups)
	return mine, pending, foreign, nil
}
