package rotate

import (
	"os"
	"sync"
)

// ownership knows which backups a Writer made itself, so that the backup
// worker renames, compresses and removes those only: a file that another
// program rotated (logrotate's NAME.1 next to a log file we also write) is
// never touched.
//
// A backup is ours when this process rotated or compressed it (its device
// and inode are remembered) or when it carries the extended attribute
// user.haplog.rotated, set on every backup and compressed backup we make,
// which follows the file through renames and across restarts. On a file
// system without user extended attributes, backups left by an earlier run
// are treated as foreign (left alone, and not counted for retention).
// Pending (NAME.pending.N) and temporary (NAME.gz.tmp) names are ours by
// name: no other program makes them.
type ownership struct {
	mu  sync.Mutex
	ids map[fileID]struct{}
}

// ownerXattr marks a backup made by package rotate.
const ownerXattr = "user.haplog.rotated"

func newOwnership() *ownership { return &ownership{ids: map[fileID]struct{}{}} }

// mark records path (a backup we just made) as ours.
func (o *ownership) mark(path string) {
	if id, ok := idAt(path); ok {
		o.mu.Lock()
		o.ids[id] = struct{}{}
		o.mu.Unlock()
	}
	setXattr(path)
}

// owns reports whether the backup at path (fi from its Lstat) is ours.
func (o *ownership) owns(path string, fi os.FileInfo) bool {
	id, ok := idOf(fi)
	if !ok {
		return true // no inode numbers on this system: the old rule (by name)
	}
	o.mu.Lock()
	_, mine := o.ids[id]
	o.mu.Unlock()
	if mine {
		return true
	}
	if hasXattr(path) {
		o.mu.Lock()
		o.ids[id] = struct{}{}
		o.mu.Unlock()
		return true
	}
	return false
}

// unmark undoes mark (a rotation that failed after marking the live file).
func (o *ownership) unmark(path string) {
	o.forget(path)
	removeXattr(path)
}

// forget drops a backup we are about to remove (its inode may be reused).
func (o *ownership) forget(path string) {
	if id, ok := idAt(path); ok {
		o.mu.Lock()
		delete(o.ids, id)
		o.mu.Unlock()
	}
}

// idAt returns the identity of the file at path (not following a link),
// false when it cannot be read or the system has none.
func idAt(path string) (fileID, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileID{}, false
	}
	return idOf(fi)
}
