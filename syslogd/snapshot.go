package syslogd

import (
	"sync"
	"sync/atomic"
)

// snapshot is one configuration in force: the routing table, the output
// files and what the parsers need. It is immutable once published; Server
// keeps the current one behind an atomic.Pointer. A worker holds one (a
// reference, not a lock) for the length of a batch; Reload builds the next
// one off the hot path, publishes it, and waits for the workers still
// holding the old one to finish their batch before it closes the files
// the new one no longer uses. Batches started after the swap use the new
// snapshot at once: nothing waits for the reload, and the reload holds no
// lock while it waits.
type snapshot struct {
	cfg     *Config
	router  *router
	sinks   map[string]*fileSink // every open sink, by path
	maxSize int
	gen     uint64 // readers rebuild their parser when it changes

	refs    atomic.Int64 // batches using this snapshot
	retired atomic.Bool  // a newer snapshot was published
	once    sync.Once
	drained chan struct{} // closed when retired and no batch uses it
}

func newSnapshot(cfg *Config, r *router, sinks map[string]*fileSink, maxSize int, gen uint64) *snapshot {
	return &snapshot{cfg: cfg, router: r, sinks: sinks, maxSize: maxSize, gen: gen, drained: make(chan struct{})}
}

// acquire returns the current snapshot, referenced until release. The
// re-check after the increment makes sure a retired snapshot is never
// used once its retirement has seen no reference.
func (s *Server) acquire() *snapshot {
	for {
		sn := s.snap.Load()
		sn.refs.Add(1)
		if s.snap.Load() == sn {
			return sn
		}
		sn.release()
	}
}

// release drops a reference taken by acquire.
func (sn *snapshot) release() {
	if sn.refs.Add(-1) == 0 && sn.retired.Load() {
		sn.once.Do(func() { close(sn.drained) })
	}
}

// retire marks sn as replaced and waits until no batch uses it.
func (sn *snapshot) retire() {
	sn.retired.Store(true)
	if sn.refs.Load() == 0 {
		sn.once.Do(func() { close(sn.drained) })
	}
	<-sn.drained
}
