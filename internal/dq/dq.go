package dq

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SyncPolicy says when segment files are fsynced.
type SyncPolicy int

const (
	// SyncNone leaves writing back to the kernel: records survive kill -9,
	// not a power loss.
	SyncNone SyncPolicy = iota
	// SyncEveryCommit fsyncs the segment in every Commit before it returns.
	SyncEveryCommit
	// SyncInterval fsyncs at most every Options.SyncEvery.
	SyncInterval
)

// ErrFull is returned by Append when Options.MaxDiskBytes would be exceeded.
var ErrFull = errors.New("dq: queue full (maxDiskSpace reached)")

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("dq: queue closed")

const (
	headerLen  = 16
	maxPayload = 64 << 20
	segSuffix  = ".seg"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Options tunes a Queue; the zero value is usable.
type Options struct {
	SegmentBytes    int64         // roll to a new segment past this size (default 16 MiB)
	Sync            SyncPolicy    // fsync policy (default SyncNone)
	SyncEvery       time.Duration // for SyncInterval, and checkpoints (default 100 ms)
	CheckpointEvery int           // acks between checkpoint writes (default 1000), checked every SyncEvery
	MaxDiskBytes    int64         // 0: unlimited
}

// Record is one queued message with its id, unique within the queue's
// directory and kept across restarts.
type Record struct {
	ID   uint64
	Data []byte
}

type segment struct {
	first uint64
	path  string
	size  int64 // committed bytes
}

// Stats are the queue's counters.
type Stats struct {
	Enqueued  uint64 // records appended since Open
	Acked     uint64 // records acknowledged since Open
	Replayed  uint64 // un-acknowledged records found at Open
	Size      int64  // records not yet acknowledged
	DiskBytes int64  // bytes in segment files
}

// Queue is a disk queue; its methods are safe for concurrent use by one
// or more producers and one consumer.
type Queue struct {
	dir string
	opt Options

	mu        sync.Mutex
	cond      *sync.Cond
	segs      []segment
	w         *os.File
	wbuf      []byte
	next      uint64  // next id to assign
	committed uint64  // ids < committed are written
	low       uint64  // every id < low is acknowledged
	acked     AckSet  // acknowledged ids at or above low
	pend      []chunk // committed records not yet read, in memory
	pendBytes int
	pendEnd   uint64   // id after the last record in pend
	spent     [][]byte // chunks ReadCopy consumed, free once copied out
	free      [][]byte // write buffers for keepForRead to reuse
	freeBytes int      // their capacity
	maxPend   int      // bound of pendBytes
	sinceCkpt int
	dirty     bool // written, not fsynced
	closed    bool
	instance  string
	st        Stats
	syncErr   error

	rmu   sync.Mutex // reader state
	rseg  uint64     // first id of the segment being read
	rf    *os.File
	rbuf  *bufio.Reader
	rpos  int64
	rnext uint64 // ids below it were read (or skipped)

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating if needed) the queue in dir, repairs a torn tail and
// positions the reader at the first unacknowledged record.
func Open(dir string, opt Options) (*Queue, error) {
	if opt.SegmentBytes <= 0 {
		opt.SegmentBytes = 16 << 20
	}
	if opt.SyncEvery <= 0 {
		opt.SyncEvery = 100 * time.Millisecond
	}
	if opt.CheckpointEvery <= 0 {
		opt.CheckpointEvery = 1000
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dq: %w", err)
	}
	q := &Queue{dir: dir, opt: opt, low: 1, next: 1, maxPend: maxPend}
	q.cond = sync.NewCond(&q.mu)
	if err := q.loadInstance(); err != nil {
		return nil, err
	}
	if err := q.loadCheckpoint(); err != nil {
		return nil, err
	}
	if err := q.loadSegments(); err != nil {
		return nil, err
	}
	if q.next < q.low {
		q.next = q.low
	}
	q.committed = q.next
	q.acked.Reset(q.low)
	if err := q.openWriter(); err != nil {
		return nil, err
	}
	q.rnext = q.low
	q.rseg = q.segFor(q.low)
	q.st.Replayed = q.next - q.low
	q.stop = make(chan struct{})
	q.done = make(chan struct{})
	go q.syncer()
	return q, nil
}

// Instance is a random token created with the queue directory; with a
// record id it makes an id unique across hosts and queues.
func (q *Queue) Instance() string { return q.instance }

func (q *Queue) loadInstance() error {
	p := filepath.Join(q.dir, "instance")
	b, err := os.ReadFile(p)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		q.instance = strings.TrimSpace(string(b))
		return nil
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	q.instance = hex.EncodeToString(r[:])
	if err := writeFileSync(p, []byte(q.instance+"\n")); err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	return nil
}

func (q *Queue) loadCheckpoint() error {
	b, err := os.ReadFile(filepath.Join(q.dir, "checkpoint"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	if len(b) != 12 || crc32.Checksum(b[:8], crcTable) != binary.LittleEndian.Uint32(b[8:]) {
		// A corrupt checkpoint only costs duplicates: replay everything.
		return nil
	}
	q.low = binary.LittleEndian.Uint64(b)
	return nil
}

func (q *Queue) loadSegments() error {
	ents, err := os.ReadDir(q.dir)
	if err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 16, 64)
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return fmt.Errorf("dq: %w", err)
		}
		q.segs = append(q.segs, segment{first: first, path: filepath.Join(q.dir, name), size: fi.Size()})
	}
	sort.Slice(q.segs, func(i, j int) bool { return q.segs[i].first < q.segs[j].first })
	// Drop segments that are wholly acknowledged (a crash between the
	// checkpoint and the unlink).
	for len(q.segs) > 1 && q.segs[1].first <= q.low {
		_ = os.Remove(q.segs[0].path)
		q.segs = q.segs[1:]
	}
	if len(q.segs) == 0 {
		return nil
	}
	last := &q.segs[len(q.segs)-1]
	n, size, err := scanSegment(last.path, last.first)
	if err != nil {
		return err
	}
	if size != last.size {
		if err := os.Truncate(last.path, size); err != nil {
			return fmt.Errorf("dq: repair %s: %w", last.path, err)
		}
		last.size = size
	}
	q.next = last.first + n
	for _, s := range q.segs {
		q.st.DiskBytes += s.size
	}
	return nil
}

// scanSegment counts the valid records of a segment and the length of its
// valid prefix.
func scanSegment(path string, first uint64) (uint64, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("dq: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var n uint64
	var off int64
	var hdr [headerLen]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return n, off, nil
		}
		l := binary.LittleEndian.Uint32(hdr[0:])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		id := binary.LittleEndian.Uint64(hdr[8:])
		if l > maxPayload || id != first+n {
			return n, off, nil
		}
		if cap(payload) < int(l) {
			payload = make([]byte, l)
		}
		payload = payload[:l]
		if _, err := io.ReadFull(br, payload); err != nil {
			return n, off, nil
		}
		if recordCRC(hdr[8:16], payload) != sum {
			return n, off, nil
		}
		n++
		off += headerLen + int64(l)
	}
}

func recordCRC(id, payload []byte) uint32 {
	c := crc32.Update(0, crcTable, id)
	return crc32.Update(c, crcTable, payload)
}

func (q *Queue) openWriter() error {
	if len(q.segs) == 0 || q.segs[len(q.segs)-1].size >= q.opt.SegmentBytes {
		s := segment{first: q.next, path: filepath.Join(q.dir, fmt.Sprintf("%016x%s", q.next, segSuffix))}
		q.segs = append(q.segs, s)
	}
	last := q.segs[len(q.segs)-1]
	f, err := os.OpenFile(last.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	if q.w != nil {
		_ = q.w.Close()
	}
	q.w = f
	return nil
}

func (q *Queue) segFor(id uint64) uint64 {
	first := uint64(0)
	for _, s := range q.segs {
		if s.first <= id {
			first = s.first
		}
	}
	return first
}

// Append buffers one record and returns its id; it is written by the next
// Commit and seen by Read only after that.
func (q *Queue) Append(p []byte) (uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.appendLocked(p)
}

// AppendCommit appends each of recs and commits them, under one lock (a
// received batch costs one lock, not one per record). A record that
// cannot be appended (ErrFull, too large) is counted in dropped, the
// others are still appended; err is the last error.
func (q *Queue) AppendCommit(recs [][]byte) (dropped int, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dropped, err = AppendEach(recs, q.appendLocked)
	if e := q.commitLocked(); e != nil {
		return dropped, e
	}
	return dropped, err
}

// AppendEach calls add for each of recs (a queue's Append, its lock held
// by the caller) and returns how many it refused and the last error: the
// loop of an AppendCommit, dq's and syslogd's memory queue's.
func AppendEach(recs [][]byte, add func([]byte) (uint64, error)) (dropped int, err error) {
	for _, p := range recs {
		if _, e := add(p); e != nil {
			dropped++
			err = e
		}
	}
	return dropped, err
}

func (q *Queue) appendLocked(p []byte) (uint64, error) {
	if len(p) > maxPayload {
		return 0, fmt.Errorf("dq: record of %d bytes exceeds %d", len(p), maxPayload)
	}
	if q.closed {
		return 0, ErrClosed
	}
	if q.opt.MaxDiskBytes > 0 && q.st.DiskBytes+int64(len(q.wbuf))+headerLen+int64(len(p)) > q.opt.MaxDiskBytes {
		return 0, ErrFull
	}
	id := q.next
	q.next++
	// The header is written in place: a local array would escape (the
	// CRC's assembly) and cost an allocation per record.
	off := len(q.wbuf)
	q.wbuf = append(q.wbuf, make([]byte, headerLen)...)
	hdr := q.wbuf[off : off+headerLen]
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(p)))
	binary.LittleEndian.PutUint64(hdr[8:], id)
	q.wbuf = append(q.wbuf, p...)
	// The id and the payload follow each other in wbuf: one CRC call
	// over both (recordCRC's value).
	binary.LittleEndian.PutUint32(q.wbuf[off+4:], crc32.Update(0, crcTable, q.wbuf[off+8:]))
	q.st.Enqueued++
	return id, nil
}

// Commit writes the appended records (one write), fsyncs them if the
// policy says so, and makes them visible to Read.
func (q *Queue) Commit() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.commitLocked()
}

func (q *Queue) commitLocked() error {
	if len(q.wbuf) == 0 {
		return nil
	}
	if q.w == nil {
		return ErrClosed
	}
	if _, err := q.w.Write(q.wbuf); err != nil {
		return fmt.Errorf("dq: write: %w", err)
	}
	if q.opt.Sync == SyncEveryCommit {
		if err := q.w.Sync(); err != nil {
			return fmt.Errorf("dq: fsync: %w", err)
		}
	} else {
		q.dirty = true
	}
	q.segs[len(q.segs)-1].size += int64(len(q.wbuf))
	q.st.DiskBytes += int64(len(q.wbuf))
	q.keepForRead()
	q.committed = q.next
	q.cond.Broadcast()
	if q.segs[len(q.segs)-1].size >= q.opt.SegmentBytes {
		if q.opt.Sync != SyncNone {
			_ = q.w.Sync()
		}
		return q.openWriter()
	}
	return nil
}

// chunk is the buffer of one Commit, kept for Read: off is the offset of
// the next record to read, first its id.
type chunk struct {
	first uint64
	off   int
	buf   []byte
}

// maxPend bounds the committed records kept in memory for Read; past it
// (the consumer is behind: remote side down), Read takes them from the
// segment files.
const maxPend = 16 << 20

// keepForRead hands the committed write buffer to Read, which returns
// records pointing into it instead of reading them back from the file
// (one allocation per Commit, none per record), and starts a new one.
func (q *Queue) keepForRead() {
	n := len(q.wbuf)
	if q.pendBytes+n > q.maxPend || (len(q.pend) > 0 && q.pendEnd != q.committed) {
		q.pend, q.pendBytes = nil, 0
		q.wbuf = q.wbuf[:0]
		return
	}
	q.pend = append(q.pend, chunk{first: q.committed, buf: q.wbuf})
	q.pendBytes += n
	q.pendEnd = q.next
	if k := len(q.free); k > 0 {
		q.wbuf, q.free[k-1] = q.free[k-1][:0], nil
		q.free = q.free[:k-1]
		q.freeBytes -= cap(q.wbuf)
	} else {
		q.wbuf = make([]byte, 0, n+n/4)
	}
}

// readPendLocked appends to dst up to max records from the in-memory
// chunks, from q.rnext on; it returns how many it appended. A chunk read
// to its end goes to q.spent when keep (ReadCopy copies the records out,
// then reuses it), to the garbage collector otherwise.
func (q *Queue) readPendLocked(dst []Record, max int, keep bool) ([]Record, int) {
	n := 0
	for n < max && len(q.pend) > 0 && q.rnext >= q.pend[0].first {
		c := &q.pend[0]
		b := c.buf[c.off:]
		l := int(binary.LittleEndian.Uint32(b[0:]))
		id := binary.LittleEndian.Uint64(b[8:])
		data := b[headerLen : headerLen+l : headerLen+l]
		c.off += headerLen + l
		c.first = id + 1
		if c.off >= len(c.buf) {
			q.pendBytes -= len(c.buf)
			if keep {
				q.spent = append(q.spent, c.buf)
			}
			q.pend[0] = chunk{}
			q.pend = q.pend[1:]
		}
		if id < q.rnext || q.acked.Has(id) {
			continue // read before a Rewind and acknowledged since
		}
		q.rnext = id + 1
		dst = append(dst, Record{ID: id, Data: data})
		n++
	}
	return dst, n
}

func (q *Queue) syncer() {
	defer close(q.done)
	t := time.NewTicker(q.opt.SyncEvery)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-t.C:
			q.mu.Lock()
			if q.opt.Sync == SyncInterval && q.dirty && q.w != nil {
				if err := q.w.Sync(); err != nil {
					q.syncErr = err
				}
				q.dirty = false
			}
			if q.sinceCkpt >= q.opt.CheckpointEvery && !q.closed {
				if err := q.checkpointLocked(); err != nil {
					q.syncErr = err
				}
			}
			q.mu.Unlock()
		}
	}
}

// Read blocks until at least one committed, unread record exists (or the
// queue is closed, or stop is closed) and returns up to max of them,
// appended to dst.
func (q *Queue) Read(dst []Record, max int, stop <-chan struct{}) ([]Record, error) {
	q.rmu.Lock()
	defer q.rmu.Unlock()
	return q.read(dst, max, stop, false)
}

// ReadCopy is Read with the records' data copied into buf (appended to
// it; the records point there): they stay valid until the caller reuses
// buf, and the queue reuses its write buffers instead of allocating one
// per Commit.
func (q *Queue) ReadCopy(dst []Record, buf []byte, max int, stop <-chan struct{}) ([]Record, []byte, error) {
	q.rmu.Lock()
	defer q.rmu.Unlock()
	n := len(dst)
	dst, err := q.read(dst, max, stop, true)
	buf = CopyData(dst[n:], buf)
	q.mu.Lock()
	// Kept up to maxPend bytes, the most the pending chunks hold: a
	// steady flow reuses them all.
	for i, b := range q.spent {
		if q.freeBytes+cap(b) <= q.maxPend {
			q.free = append(q.free, b)
			q.freeBytes += cap(b)
		}
		q.spent[i] = nil
	}
	q.spent = q.spent[:0]
	q.mu.Unlock()
	return dst, buf, err
}

// CopyData copies the data of recs into buf (appended, buf grown at most
// once) and points the records there; it returns buf.
func CopyData(recs []Record, buf []byte) []byte {
	n := len(buf)
	for _, r := range recs {
		n += len(r.Data)
	}
	if n > cap(buf) {
		buf = append(make([]byte, 0, n+n/4), buf...)
	}
	for i := range recs {
		start := len(buf)
		buf = append(buf, recs[i].Data...)
		recs[i].Data = buf[start:len(buf):len(buf)]
	}
	return buf
}

func (q *Queue) read(dst []Record, max int, stop <-chan struct{}, keep bool) ([]Record, error) {
	q.mu.Lock()
	for q.rnext >= q.committed && !q.closed {
		if stop != nil {
			select {
			case <-stop:
				q.mu.Unlock()
				return dst, ErrClosed
			default:
			}
		}
		q.waitLocked(stop)
	}
	if q.closed {
		q.mu.Unlock()
		return dst, ErrClosed
	}
	limit := q.committed
	if len(q.pend) > 0 && q.rnext >= q.pend[0].first {
		// The reader is not behind: the records are in memory.
		dst, _ = q.readPendLocked(dst, max, keep)
		// The file reader, if ever needed again, restarts at rnext.
		if q.rf != nil {
			_ = q.rf.Close()
			q.rf = nil
		}
		q.rseg = q.segFor(q.rnext)
		q.mu.Unlock()
		return dst, nil
	}
	segs := append([]segment(nil), q.segs...)
	q.mu.Unlock()

	for n := 0; n < max && q.rnext < limit; {
		si := -1
		for i := range segs {
			if segs[i].first == q.rseg {
				si = i
			}
		}
		if si < 0 {
			return dst, fmt.Errorf("dq: segment %016x vanished", q.rseg)
		}
		if q.rf == nil {
			f, err := os.Open(segs[si].path)
			if err != nil {
				return dst, fmt.Errorf("dq: %w", err)
			}
			q.rf, q.rpos = f, 0
			q.rbuf = bufio.NewReaderSize(f, 1<<16)
		}
		if q.rpos >= segs[si].size {
			if si+1 >= len(segs) {
				break
			}
			_ = q.rf.Close()
			q.rf = nil
			q.rseg = segs[si+1].first
			continue
		}
		var hdr [headerLen]byte
		if _, err := io.ReadFull(q.rbuf, hdr[:]); err != nil {
			return dst, fmt.Errorf("dq: read %s: %w", segs[si].path, err)
		}
		l := binary.LittleEndian.Uint32(hdr[0:])
		id := binary.LittleEndian.Uint64(hdr[8:])
		data := make([]byte, l)
		if _, err := io.ReadFull(q.rbuf, data); err != nil {
			return dst, fmt.Errorf("dq: read %s: %w", segs[si].path, err)
		}
		q.rpos += headerLen + int64(l)
		if id < q.rnext {
			continue // before the restart point, or acknowledged before a Rewind
		}
		q.rnext = id + 1
		q.mu.Lock()
		done := q.acked.Has(id)
		q.mu.Unlock()
		if done {
			continue
		}
		dst = append(dst, Record{ID: id, Data: data})
		n++
	}
	return dst, nil
}

// waitLocked waits on the condition; a stop channel wakes it through a
// helper goroutine.
func (q *Queue) waitLocked(stop <-chan struct{}) {
	if stop == nil {
		q.cond.Wait()
		return
	}
	woke := make(chan struct{})
	go func() {
		select {
		case <-stop:
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		case <-woke:
		}
	}()
	q.cond.Wait()
	close(woke)
}

// Rewind makes Read return again every record not yet acknowledged (after
// a connection loss, for records that were sent but not acknowledged).
func (q *Queue) Rewind() {
	q.rmu.Lock()
	defer q.rmu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.rf != nil {
		_ = q.rf.Close()
		q.rf = nil
	}
	q.rnext = q.low
	q.rseg = q.segFor(q.low)
}

// Ack acknowledges records; segments wholly acknowledged are deleted and
// the checkpoint rewritten every Options.CheckpointEvery acknowledgements.
func (q *Queue) Ack(ids ...uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		q.ackLocked(id)
	}
	q.low = q.acked.Advance()
	// The checkpoint is written by the syncer: Ack does no I/O.
	return nil
}

// AckOne is Ack of one id, without the variadic slice (which escapes when
// called through an interface: an allocation per record).
func (q *Queue) AckOne(id uint64) error {
	q.mu.Lock()
	q.ackLocked(id)
	q.low = q.acked.Advance()
	q.mu.Unlock()
	return nil
}

func (q *Queue) ackLocked(id uint64) {
	if id < q.low || id >= q.committed || !q.acked.Set(id) {
		return
	}
	q.st.Acked++
	q.sinceCkpt++
}

func (q *Queue) checkpointLocked() error {
	q.sinceCkpt = 0
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:], q.low)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], crcTable))
	p := filepath.Join(q.dir, "checkpoint")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b[:], 0o600); err != nil {
		return fmt.Errorf("dq: checkpoint: %w", err)
	}
	if q.opt.Sync != SyncNone {
		if f, err := os.Open(tmp); err == nil {
			_ = f.Sync()
			_ = f.Close()
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("dq: checkpoint: %w", err)
	}
	// Delete segments wholly below the watermark (never the one written).
	for len(q.segs) > 1 && q.segs[1].first <= q.low {
		if err := os.Remove(q.segs[0].path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("dq: %w", err)
		}
		q.st.DiskBytes -= q.segs[0].size
		q.segs = q.segs[1:]
	}
	return nil
}

// Stats returns the queue's counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.st
	s.Size = int64(q.next-q.low) - int64(q.acked.Len())
	return s
}

// Close commits what is buffered, writes the checkpoint and closes the
// files; a blocked Read returns ErrClosed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	err := q.commitLocked()
	if e := q.checkpointLocked(); err == nil {
		err = e
	}
	if q.w != nil {
		if q.opt.Sync != SyncNone {
			_ = q.w.Sync()
		}
		if e := q.w.Close(); err == nil && e != nil {
			err = fmt.Errorf("dq: %w", e)
		}
		q.w = nil
	}
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	close(q.stop)
	<-q.done
	q.rmu.Lock()
	if q.rf != nil {
		_ = q.rf.Close()
		q.rf = nil
	}
	q.rmu.Unlock()
	return err
}

func writeFileSync(p string, b []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
