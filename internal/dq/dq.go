package dq

import (
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

// Options configure a queue.
type Options struct {
	// Dir holds the queue's files; "" keeps the queue in memory.
	Dir string
	// Name prefixes the files (rsyslog's queue.filename).
	Name string
	// SegmentSize starts a new segment past this many bytes (default 64 MiB).
	SegmentSize int64
	// MaxRecord bounds a payload (default 1 MiB); Append refuses larger.
	MaxRecord int
	// MaxRecords bounds the records held, acknowledged or not (rsyslog's
	// queue.size; 0: no bound). Append waits EnqueueTimeout for room,
	// then returns ErrFull.
	MaxRecords int
	// MaxBytes bounds the bytes of the segments held (rsyslog's
	// queue.maxDiskSpace; 0: no bound), with the same wait.
	MaxBytes       int64
	EnqueueTimeout time.Duration
	// MaxInflight bounds the records delivered and not acknowledged
	// (default 65536).
	MaxInflight int
	// Sync fsyncs each appended batch (rsyslog's queue.syncqueuefiles).
	Sync bool
	// CheckpointEvery is how often the checkpoint is rewritten (default
	// 100 ms).
	CheckpointEvery time.Duration
}

// Errors.
var (
	ErrClosed   = errors.New("dq: queue closed")
	ErrFull     = errors.New("dq: queue full")
	ErrTooLarge = errors.New("dq: record too large")
	ErrCorrupt  = errors.New("dq: corrupt record")
)

// HeaderSize is the size of a record's header.
const HeaderSize = 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one append-only file (or memory buffer) of records.
type segment struct {
	first uint64 // sequence of its first record
	path  string // "" in memory
	f     *os.File
	mem   []byte
	size  int64 // bytes written (and readable)
}

func (s *segment) readAt(p []byte, off int64) (int, error) {
	if s.f == nil {
		if off >= int64(len(s.mem)) {
			return 0, io.EOF
		}
		return copy(p, s.mem[off:]), nil
	}
	return s.f.ReadAt(p, off)
}

// Queue is a durable FIFO; it is safe for concurrent use by one or more
// appenders and one reader.
type Queue struct {
	o  Options
	id [8]byte

	mu      sync.Mutex
	cond    *sync.Cond // appends, acks and Close
	segs    []*segment // oldest first; the last is appended to
	next    uint64     // sequence of the next appended record
	base    uint64     // lowest sequence not acknowledged
	acked   []bool     // ring of MaxInflight: acked[seq%len] for base <= seq < rd.seq
	saved   uint64     // base as last written to the checkpoint
	closed  bool
	wbuf    []byte
	ckpt    *os.File
	stopped chan struct{}
	done    chan struct{}

	// reader state (Next): the position of the next record to deliver
	rd struct {
		seg  int   // index in segs
		off  int64 // offset in the segment
		seq  uint64
		buf  []byte
		bOff int64 // segment offset of buf[0]
	}
}

// Open opens (or creates) the queue and positions reading at its
// checkpoint.
func Open(o Options) (*Queue, error) {
	if o.SegmentSize <= 0 {
		o.SegmentSize = 64 << 20
		if o.Dir == "" {
			o.SegmentSize = 1 << 20 // memory is freed a segment at a time
		}
	}
	if o.MaxRecord <= 0 {
		o.MaxRecord = 1 << 20
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 1 << 16
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 100 * time.Millisecond
	}
	if o.EnqueueTimeout <= 0 {
		o.EnqueueTimeout = 2 * time.Second
	}
	if o.Name == "" {
		o.Name = "queue"
	}
	q := &Queue{o: o, acked: make([]bool, o.MaxInflight), stopped: make(chan struct{}), done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	if o.Dir == "" {
		if _, err := rand.Read(q.id[:]); err != nil {
			return nil, fmt.Errorf("dq: %w", err)
		}
		q.segs = []*segment{{}}
		close(q.done)
		return q, nil
	}
	if err := q.load(); err != nil {
		q.closeFiles()
		return nil, err
	}
	go q.checkpointer()
	return q, nil
}

func (q *Queue) file(suffix string) string { return filepath.Join(q.o.Dir, q.o.Name+suffix) }

// load reads the id, the checkpoint and the segments, repairs a torn
// tail and positions the reader.
func (q *Queue) load() error {
	if err := os.MkdirAll(q.o.Dir, 0o750); err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	idPath := q.file(".id")
	if b, err := os.ReadFile(idPath); err == nil && len(b) == 8 {
		copy(q.id[:], b)
	} else {
		if _, err := rand.Read(q.id[:]); err != nil {
			return fmt.Errorf("dq: %w", err)
		}
		if err := writeFileSync(idPath, q.id[:]); err != nil {
			return err
		}
	}
	var err error
	if q.ckpt, err = os.OpenFile(q.file(".ckpt"), os.O_RDWR|os.O_CREATE, 0o640); err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	var b [12]byte
	if n, _ := q.ckpt.ReadAt(b[:], 0); n == 12 {
		if crc32.Checksum(b[:8], castagnoli) != binary.LittleEndian.Uint32(b[8:]) {
			return fmt.Errorf("dq: %s: %w: checkpoint CRC", q.file(".ckpt"), ErrCorrupt)
		}
		q.base = binary.LittleEndian.Uint64(b[:8])
	}
	q.saved = q.base
	names, err := filepath.Glob(q.file(".*.seg"))
	if err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	for _, p := range names {
		hexSeq := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), q.o.Name+"."), ".seg")
		first, err := strconv.ParseUint(hexSeq, 16, 64)
		if err != nil || len(hexSeq) != 16 {
			continue
		}
		q.segs = append(q.segs, &segment{first: first, path: p})
	}
	sort.Slice(q.segs, func(i, j int) bool { return q.segs[i].first < q.segs[j].first })
	// Segments entirely before the checkpoint are gone (or were about to be).
	for len(q.segs) > 1 && q.segs[1].first <= q.base {
		os.Remove(q.segs[0].path)
		q.segs = q.segs[1:]
	}
	q.next = q.base
	for i, s := range q.segs {
		flag := os.O_RDONLY
		if i == len(q.segs)-1 {
			flag = os.O_RDWR
		}
		if s.f, err = os.OpenFile(s.path, flag, 0); err != nil {
			return fmt.Errorf("dq: %w", err)
		}
		st, err := s.f.Stat()
		if err != nil {
			return fmt.Errorf("dq: %w", err)
		}
		s.size = st.Size()
		if i == len(q.segs)-1 {
			if err := q.repair(s); err != nil {
				return err
			}
		}
	}
	if len(q.segs) == 0 {
		if err := q.newSegment(q.next); err != nil {
			return err
		}
	}
	if q.next < q.base {
		q.next = q.base
	}
	q.rd.seq = q.segs[0].first
	return q.seekBase()
}

// repair reads the last segment through, truncates it after its last
// whole record and sets next.
func (q *Queue) repair(s *segment) error {
	seq, off := s.first, int64(0)
	var h [HeaderSize]byte
	var p []byte
	for {
		if n, _ := s.readAt(h[:], off); n < HeaderSize {
			break
		}
		ln := int64(binary.LittleEndian.Uint32(h[0:]))
		rs := binary.LittleEndian.Uint64(h[8:])
		if ln > int64(q.o.MaxRecord) || off+HeaderSize+ln > s.size || rs != seq {
			break
		}
		p = grow(p, int(ln))
		if n, _ := s.readAt(p, off+HeaderSize); int64(n) < ln {
			break
		}
		if crcOf(rs, p) != binary.LittleEndian.Uint32(h[4:]) {
			break
		}
		off += HeaderSize + ln
		seq++
	}
	if off < s.size {
		if err := s.f.Truncate(off); err != nil {
			return fmt.Errorf("dq: repair %s: %w", s.path, err)
		}
		s.size = off
	}
	if seq > q.next {
		q.next = seq
	}
	return nil
}

// seekBase moves the reader to the first record not acknowledged.
func (q *Queue) seekBase() error {
	q.rd.seg, q.rd.off, q.rd.seq, q.rd.buf, q.rd.bOff = 0, 0, q.segs[0].first, q.rd.buf[:0], 0
	if q.base < q.rd.seq {
		q.base = q.rd.seq // nothing older is held
	}
	for q.rd.seq < q.base {
		if _, err := q.advance(); err != nil {
			if errors.Is(err, io.EOF) {
				// The checkpoint is past what the files hold: the
				// records between were acknowledged.
				q.rd.seq = q.base
				return nil
			}
			return err
		}
	}
	return nil
}

func (q *Queue) newSegment(first uint64) error {
	s := &segment{first: first}
	if q.o.Dir != "" {
		s.path = q.file(fmt.Sprintf(".%016x.seg", first))
		f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
		if err != nil {
			return fmt.Errorf("dq: %w", err)
		}
		s.f = f
	}
	q.segs = append(q.segs, s)
	return nil
}

func crcOf(seq uint64, p []byte) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seq)
	return crc32.Update(crc32.Checksum(b[:], castagnoli), castagnoli, p)
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// ID returns the unique name of the record seq: the queue's id and the
// sequence, 32 hex digits, appended to dst.
func (q *Queue) ID(dst []byte, seq uint64) []byte {
	dst = hex.AppendEncode(dst, q.id[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return hex.AppendEncode(dst, b[:])
}

// Append adds the records of a framed batch: each a 4-byte big-endian
// length and the payload. It returns when the batch is written (and
// synced with Sync). A batch is appended whole or not at all.
func (q *Queue) Append(framed []byte, n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	full := func() bool {
		return (q.o.MaxRecords > 0 && int(q.next-q.base)+n > q.o.MaxRecords) ||
			(q.o.MaxBytes > 0 && q.held()+int64(len(framed)+n*(HeaderSize-4)) > q.o.MaxBytes)
	}
	if full() {
		deadline := time.Now().Add(q.o.EnqueueTimeout)
		t := time.AfterFunc(q.o.EnqueueTimeout, func() { q.mu.Lock(); q.cond.Broadcast(); q.mu.Unlock() })
		for !q.closed && full() && time.Now().Before(deadline) {
			q.cond.Wait()
		}
		t.Stop()
		if q.closed {
			return ErrClosed
		}
		if full() {
			return ErrFull
		}
	}
	w := q.wbuf[:0]
	seq := q.next
	for b := framed; len(b) > 0; {
		if len(b) < 4 {
			return fmt.Errorf("dq: %w: short frame", ErrCorrupt)
		}
		ln := int(binary.BigEndian.Uint32(b))
		if ln > len(b)-4 {
			return fmt.Errorf("dq: %w: frame of %d bytes, %d left", ErrCorrupt, ln, len(b)-4)
		}
		if ln > q.o.MaxRecord {
			return fmt.Errorf("%w: %d bytes (max %d)", ErrTooLarge, ln, q.o.MaxRecord)
		}
		p := b[4 : 4+ln]
		h := len(w)
		w = binary.LittleEndian.AppendUint32(w, uint32(ln))
		w = append(w, 0, 0, 0, 0)
		w = binary.LittleEndian.AppendUint64(w, seq)
		crc := crc32.Update(crc32.Checksum(w[h+8:h+16], castagnoli), castagnoli, p)
		binary.LittleEndian.PutUint32(w[h+4:], crc)
		w = append(w, p...)
		seq++
		b = b[4+ln:]
	}
	q.wbuf = w
	if len(w) == 0 {
		return nil
	}
	s := q.segs[len(q.segs)-1]
	if s.size > 0 && s.size+int64(len(w)) > q.o.SegmentSize {
		if s.f != nil && q.o.Sync {
			if err := s.f.Sync(); err != nil {
				return fmt.Errorf("dq: %w", err)
			}
		}
		if err := q.newSegment(q.next); err != nil {
			return err
		}
		s = q.segs[len(q.segs)-1]
	}
	if s.f == nil {
		s.mem = append(s.mem, w...)
	} else {
		if _, err := s.f.WriteAt(w, s.size); err != nil {
			// A partial write is cut off at the next Open (CRC);
			// until then nothing after it is appended.
			return fmt.Errorf("dq: append: %w", err)
		}
		if q.o.Sync {
			if err := s.f.Sync(); err != nil {
				return fmt.Errorf("dq: append: %w", err)
			}
		}
	}
	s.size += int64(len(w))
	q.next = seq
	q.cond.Broadcast()
	return nil
}

// Record is a delivered record. Data is the caller's (a copy).
type Record struct {
	Seq  uint64
	Data []byte
}

// Next returns the next record, waiting for one to be appended and for
// room among the in-flight records; it returns ErrClosed once the queue
// is closed, and stop's error when stop is closed first.
func (q *Queue) Next(stop <-chan struct{}) (Record, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if stop != nil {
		end := q.wakeOn(stop)
		defer end()
	}
	for {
		if q.closed {
			return Record{}, ErrClosed
		}
		if isClosed(stop) {
			return Record{}, errStopped
		}
		if q.rd.seq < q.next && q.rd.seq-q.base < uint64(len(q.acked)) {
			break
		}
		q.cond.Wait()
	}
	r, err := q.advance()
	if err != nil {
		return Record{}, err
	}
	r.Data = append([]byte(nil), r.Data...)
	return r, nil
}

var errStopped = errors.New("dq: stopped")

// ErrStopped is returned by Next when its stop channel was closed.
var ErrStopped = errStopped

func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// wakeOn wakes Next's wait when stop closes; the returned func ends it.
func (q *Queue) wakeOn(stop <-chan struct{}) func() {
	end := make(chan struct{})
	go func() {
		select {
		case <-stop:
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		case <-end:
		}
	}()
	return func() { close(end) }
}

// advance reads the record at the reader's position (q.mu held). Its Data
// points into the read buffer.
func (q *Queue) advance() (Record, error) {
	for {
		s := q.segs[q.rd.seg]
		if q.rd.off >= s.size {
			if q.rd.seg == len(q.segs)-1 {
				return Record{}, io.EOF
			}
			q.rd.seg++
			q.rd.off, q.rd.buf = 0, q.rd.buf[:0]
			continue
		}
		h, err := q.peek(s, HeaderSize)
		if err != nil {
			return Record{}, err
		}
		ln := int(binary.LittleEndian.Uint32(h[0:]))
		seq := binary.LittleEndian.Uint64(h[8:])
		crc := binary.LittleEndian.Uint32(h[4:])
		if ln > q.o.MaxRecord || seq != q.rd.seq {
			return Record{}, fmt.Errorf("%w in %s at %d: length %d, sequence %d (want %d)", ErrCorrupt, s.path, q.rd.off, ln, seq, q.rd.seq)
		}
		b, err := q.peek(s, HeaderSize+ln)
		if err != nil {
			return Record{}, err
		}
		p := b[HeaderSize:]
		if crcOf(seq, p) != crc {
			return Record{}, fmt.Errorf("%w in %s at %d: CRC", ErrCorrupt, s.path, q.rd.off)
		}
		q.rd.off += int64(HeaderSize + ln)
		q.rd.seq++
		return Record{Seq: seq, Data: p}, nil
	}
}

// peek returns n bytes at the reader's offset, reading ahead in chunks.
func (q *Queue) peek(s *segment, n int) ([]byte, error) {
	start := q.rd.off - q.rd.bOff
	if q.rd.off >= q.rd.bOff && start+int64(n) <= int64(len(q.rd.buf)) {
		return q.rd.buf[start : start+int64(n)], nil
	}
	want := max(n, 256<<10)
	if rest := s.size - q.rd.off; int64(want) > rest {
		want = int(rest)
	}
	if want < n {
		return nil, fmt.Errorf("%w in %s at %d: record past the end", ErrCorrupt, s.path, q.rd.off)
	}
	q.rd.buf = grow(q.rd.buf, want)
	got, err := s.readAt(q.rd.buf, q.rd.off)
	if got < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("dq: read %s: %w", s.path, err)
	}
	q.rd.buf, q.rd.bOff = q.rd.buf[:got], q.rd.off
	return q.rd.buf[:n], nil
}

// Ack acknowledges the delivered record seq. Acknowledging a record not
// delivered, or twice, is ignored.
func (q *Queue) Ack(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if seq < q.base || seq >= q.rd.seq {
		return
	}
	q.acked[seq%uint64(len(q.acked))] = true
	moved := false
	for q.base < q.rd.seq && q.acked[q.base%uint64(len(q.acked))] {
		q.acked[q.base%uint64(len(q.acked))] = false
		q.base++
		moved = true
	}
	if moved {
		q.dropAcked()
		q.cond.Broadcast()
	}
}

// Rewind makes the records delivered and not acknowledged deliverable
// again (after the output failed and was restarted).
func (q *Queue) Rewind() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.acked)
	return q.seekBase()
}

// dropAcked removes the segments whose records are all acknowledged
// (never the one appended to, nor the one being read).
func (q *Queue) dropAcked() {
	for len(q.segs) > 1 && q.rd.seg > 0 && q.segs[1].first <= q.base {
		s := q.segs[0]
		if s.f != nil {
			s.f.Close()
			os.Remove(s.path)
		}
		q.segs = q.segs[1:]
		q.rd.seg--
	}
}

// held returns the bytes of the segments held (q.mu held).
func (q *Queue) held() int64 {
	var b int64
	for _, s := range q.segs {
		b += s.size
	}
	return b
}

// Stats are a queue's counts.
type Stats struct {
	Size     int   // records held (not acknowledged)
	Inflight int   // delivered, not acknowledged
	Bytes    int64 // bytes of the segments held
}

// Stats returns the queue's counts.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{Size: int(q.next - q.base), Inflight: int(q.rd.seq - q.base), Bytes: q.held()}
}

func (q *Queue) checkpointer() {
	defer close(q.done)
	t := time.NewTicker(q.o.CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-q.stopped:
			return
		case <-t.C:
			q.mu.Lock()
			err := q.checkpointLocked()
			q.mu.Unlock()
			_ = err // retried at the next tick, reported by Close
		}
	}
}

func (q *Queue) checkpointLocked() error {
	if q.ckpt == nil || q.base == q.saved {
		return nil
	}
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], q.base)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	if _, err := q.ckpt.WriteAt(b[:], 0); err != nil {
		return fmt.Errorf("dq: checkpoint: %w", err)
	}
	if q.o.Sync {
		if err := q.ckpt.Sync(); err != nil {
			return fmt.Errorf("dq: checkpoint: %w", err)
		}
	}
	q.saved = q.base
	return nil
}

// Close writes the checkpoint and closes the files. Records not
// acknowledged stay in the files for the next Open.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	if q.o.Dir != "" {
		close(q.stopped)
	}
	<-q.done
	q.mu.Lock()
	defer q.mu.Unlock()
	err := q.checkpointLocked()
	if s := q.segs[len(q.segs)-1]; s.f != nil && q.o.Sync {
		if e := s.f.Sync(); e != nil && err == nil {
			err = fmt.Errorf("dq: %w", e)
		}
	}
	q.closeFiles()
	return err
}

func (q *Queue) closeFiles() {
	for _, s := range q.segs {
		if s.f != nil {
			s.f.Close()
		}
	}
	if q.ckpt != nil {
		q.ckpt.Close()
	}
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("dq: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("dq: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("dq: %w", err)
	}
	return f.Close()
}
