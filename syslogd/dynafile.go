package syslogd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/haplog/haplog/rotate"
)

// A dynaFile action (`?Template` in a selector line, omfile's dynaFile=)
// writes each message to the file its template names. Workers frame each
// message as a record holding the rendered path and line
// (appendDynaRecord) in the batch buffer of the action's sink, a
// dynaSink; the dynaSink hands each line to the fileSink of its path, from
// a cache of at most dynaFileCacheSize open files: when a new path needs
// a place, the least recently used file is closed (as rsyslog's omfile
// does). Each file is opened through the same writer as static files
// (lazySink, rotate.Writer): created with the action's $FileCreateMode,
// $FileOwner, $FileGroup, less $Umask, its missing directories with
// $DirCreateMode, $DirOwner, $DirGroup (unless $CreateDirs is off), and
// rotated by the policy of its path (the logrotate rule whose glob
// matches it, or the default) while it is open.

// appendDynaRecord appends to dst the record of a dynaFile message: the
// 4-byte length of the rest, the 4-byte length of the path, the path
// rendered by name and the line rendered by tmpl.
func appendDynaRecord(dst []byte, name, tmpl *Template, m *Message) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	dst = name.Append(dst, m)
	pathEnd := len(dst)
	dst = tmpl.Append(dst, m)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	binary.BigEndian.PutUint32(dst[start+4:], uint32(pathEnd-start-8))
	return dst
}

// dynaSink is the sink of one dynaFile action: a bounded cache of open
// files by path.
type dynaSink struct {
	s     *Server
	attrs FileAttrs
	umask int
	size  int // most files open at once

	mu    sync.Mutex
	files map[string]*dynaEntry
	clock uint64   // use counter, for the least recently used file
	stats counters // of the files' own sinks (the action counts in the server's)
}

type dynaEntry struct {
	fs   *fileSink
	used uint64
}

// newDynaSink returns the sink of a dynaFile action.
func (s *Server) newDynaSink(a FileAttrs, umask, size int) *dynaSink {
	if size <= 0 {
		size = defaultDynaCache
	}
	return &dynaSink{s: s, attrs: a, umask: umask, size: size, files: map[string]*dynaEntry{}}
}

// WriteRecords writes the records of n messages (appendDynaRecord).
func (d *dynaSink) WriteRecords(framed []byte, n int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var bad int
	var first string // the first refused name, for the error
	for len(framed) >= 8 {
		total := int(binary.BigEndian.Uint32(framed))
		plen := int(binary.BigEndian.Uint32(framed[4:]))
		rec := framed[8 : 4+total]
		framed = framed[4+total:]
		path, line := rec[:plen], rec[plen:]
		e, ok := d.files[string(path)]
		if !ok {
			if len(path) == 0 || path[0] != '/' {
				// rsyslog refuses a relative or empty name too.
				if bad == 0 {
					first = string(path)
				}
				bad++
				continue
			}
			e = d.add(string(path))
		}
		d.clock++
		e.used = d.clock
		e.fs.write(line, 1)
	}
	if bad > 0 {
		return &partialWrite{refused: bad, err: fmt.Errorf("dynaFile: %d file name(s) not absolute, the first %q", bad, first)}
	}
	return nil
}

// add opens the entry of path, closing the least recently used file when
// the cache is full. Called with d.mu held.
func (d *dynaSink) add(path string) *dynaEntry {
	if len(d.files) >= d.size {
		var lru string
		var oldest uint64
		for p, e := range d.files {
			if lru == "" || e.used < oldest {
				lru, oldest = p, e.used
			}
		}
		if err := d.files[lru].fs.close(); err != nil {
			d.s.log.Error("dynaFile: close", "path", lru, "err", err)
		}
		delete(d.files, lru)
	}
	w := newLazySink(path, d.open, d.s.now)
	e := &dynaEntry{fs: newFileSink(0, path, w, d.s.log, &d.stats)}
	d.files[path] = e
	return e
}

// open opens the file of path as static files are opened, with the
// action's attributes.
func (d *dynaSink) open(path string) (Sink, error) {
	s := d.s
	if s.rot == nil { // Options.Open
		return s.open(path)
	}
	if err := makeDirsFor(path, d.attrs, d.umask); err != nil {
		return nil, err
	}
	return openRotate(path, fileOptions(s.rot(path), d.attrs, d.umask), s.now, s.log)
}

// each runs f on every open file.
func (d *dynaSink) each(f func(*fileSink) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, e := range d.files {
		errs = append(errs, f(e.fs))
	}
	return errors.Join(errs...)
}

// Write is not used: the workers hand records over (WriteRecords).
func (d *dynaSink) Write(p []byte) (int, error) {
	return 0, errors.New("dynaFile: write without a file name")
}

// Flush writes what the open files hold.
func (d *dynaSink) Flush() error { return d.each((*fileSink).flush) }

// Reopen closes every open file, as rsyslogd does on HUP: the next
// message of each opens it again.
func (d *dynaSink) Reopen() error { return d.Close() }

// Close closes every open file.
func (d *dynaSink) Close() error {
	err := d.each((*fileSink).close)
	d.mu.Lock()
	clear(d.files)
	d.mu.Unlock()
	return err
}

// fileOptions completes the rotation options of a file with the mode,
// owner and group of the rsyslog configuration where o sets none.
func fileOptions(o rotate.Options, a FileAttrs, umask int) rotate.Options {
	if o.Mode == 0 {
		mode := a.Mode
		if mode == 0 {
			mode = 0o644 // rsyslog's default $FileCreateMode
		}
		if umask < 0 {
			umask = 0o022 // the usual daemon umask
		}
		o.Mode = mode &^ os.FileMode(umask)
	}
	if o.Owner == "" {
		o.Owner = a.Owner
	}
	if o.Group == "" {
		o.Group = a.Group
	}
	return o
}

// makeDirsFor creates the missing directories of path as rsyslogd does:
// with mode a.DirMode (0700 by default) less the umask, owned by
// a.DirOwner and a.DirGroup; none when a.NoCreateDirs.
func makeDirsFor(path string, a FileAttrs, umask int) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if a.NoCreateDirs {
		return fmt.Errorf("directory %s does not exist ($CreateDirs off)", dir)
	}
	uid, gid, err := dirOwner(a)
	if err != nil {
		return err
	}
	mode := a.DirMode
	if mode == 0 {
		mode = 0o700
	}
	if umask < 0 {
		umask = 0o022
	}
	mode &^= os.FileMode(umask)
	// MkdirAll's mode is masked by the process umask too: chmod each
	// directory it creates.
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, mode); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	for _, d := range missing {
		if err := os.Chmod(d, mode); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		if uid >= 0 || gid >= 0 {
			if err := os.Chown(d, uid, gid); err != nil {
				return fmt.Errorf("create directory: %w", err)
			}
		}
	}
	return nil
}

// dirOwner resolves $DirOwner and $DirGroup (names or numeric ids); -1:
// unchanged.
func dirOwner(a FileAttrs) (uid, gid int, err error) {
	if uid, err = lookupID(a.DirOwner, "$DirOwner", userID); err != nil {
		return -1, -1, err
	}
	gid, err = lookupID(a.DirGroup, "$DirGroup", groupID)
	return uid, gid, err
}

// userID is the id of the user named name.
func userID(name string) (string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return "", err
	}
	return u.Uid, nil
}

// groupID is the id of the group named name.
func groupID(name string) (string, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return "", err
	}
	return g.Gid, nil
}

// ownerKnown refuses, as rsyslogd -N1 does ("ID for user 'x' could not be
// found"), an owner or group (key: fileowner, filegroup, dirowner,
// dirgroup) this system does not know: found only at the first write, it
// would drop every line of that file. A file's owner and group are set by
// rotate, which takes a number only when it names an existing user or
// group (as logrotate); a directory's take any number.
func ownerKnown(key, v string) error {
	group := strings.HasSuffix(key, "group")
	look := userID
	if group {
		look = groupID
	}
	if _, err := lookupID(v, key, look); err != nil {
		return err
	}
	if _, err := strconv.Atoi(v); err != nil || strings.HasPrefix(key, "dir") {
		return nil
	}
	if _, err := look(v); err == nil { // a name made of digits
		return nil
	}
	var err error
	if group {
		_, err = user.LookupGroupId(v)
	} else {
		_, err = user.LookupId(v)
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", key, v, err)
	}
	return nil
}

// lookupID returns -1 for an empty name, the number of a numeric one, and
// the id lookup finds for the others.
func lookupID(name, what string, lookup func(string) (string, error)) (int, error) {
	if name == "" {
		return -1, nil
	}
	if id, err := strconv.Atoi(name); err == nil {
		return id, nil
	}
	id, err := lookup(name)
	if err != nil {
		return -1, fmt.Errorf("%s %q: %w", what, name, err)
	}
	return strconv.Atoi(id)
}
