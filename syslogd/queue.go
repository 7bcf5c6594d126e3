package syslogd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/internal/dq"
)

// actionQueue is an action's queue (rsyslog's queue.* parameters): a
// message leaves it only when Ack says the remote side has it.
type actionQueue interface {
	Append(p []byte) (uint64, error)
	Commit() error
	// AppendCommit appends recs and commits them under one lock; it
	// returns how many could not be appended and the last error.
	AppendCommit(recs [][]byte) (dropped int, err error)
	// ReadCopy waits for records and appends up to max to dst, their
	// data copied into buf (appended): valid until the caller reuses
	// buf, whatever the queue does meanwhile.
	ReadCopy(dst []dq.Record, buf []byte, max int, stop <-chan struct{}) ([]dq.Record, []byte, error)
	Ack(ids ...uint64) error
	AckOne(id uint64) error // Ack of one id, allocation-free through the interface
	Rewind()
	Stats() dq.Stats
	Instance() string
	Close() error
}

// queueParams are an action's queue.* and action.* parameters, with
// rsyslog's meanings.
type queueParams struct {
	kind           string // linkedlist, fixedarray, disk, direct
	filename       string
	spoolDir       string
	size           int
	highWatermark  int
	saveOnShutdown bool
	syncQueueFiles bool
	checkpoint     int
	maxDiskSpace   int64
	timeoutEnqueue time.Duration
	resumeRetry    int // -1: for ever
	resumeInterval time.Duration
	name           string
}

func defaultQueueParams() queueParams {
	// rsyslog's action queue defaults: queue.size 1000, timeoutEnqueue
	// 2000 ms, resumeInterval 30 s (syslogd retries sooner: see omkafka).
	return queueParams{kind: "direct", size: 1000, timeoutEnqueue: 2 * time.Second,
		resumeInterval: 30 * time.Second, checkpoint: 1000}
}

// queueParam sets one queue.* or action.* parameter; ok is false when k is
// not one.
func (p *cfgParser) queueParam(q *queueParams, k, v string, n int) (bool, error) {
	num := func() (int64, error) {
		x, err := parseSize(v)
		if err != nil {
			return 0, p.errf(n, k, "%q: %w", v, err)
		}
		return x, nil
	}
	switch k {
	case "name":
		q.name = v
	case "queue.type":
		switch t := strings.ToLower(v); t {
		case "linkedlist", "fixedarray", "disk", "direct":
			q.kind = t
		default:
			return true, p.errf(n, k, "%q: want LinkedList, FixedArray, Disk or Direct", v)
		}
	case "queue.filename":
		q.filename = v
	case "queue.spooldirectory":
		q.spoolDir = v
	case "queue.size":
		x, err := num()
		q.size = int(x)
		return true, err
	case "queue.highwatermark":
		x, err := num()
		q.highWatermark = int(x)
		return true, err
	case "queue.maxdiskspace":
		x, err := num()
		q.maxDiskSpace = x
		return true, err
	case "queue.checkpointinterval":
		x, err := num()
		q.checkpoint = int(x)
		return true, err
	case "queue.saveonshutdown", "queue.syncqueuefiles":
		on, err := onOff(v)
		if err != nil {
			return true, p.errf(n, k, "%w", err)
		}
		if k == "queue.saveonshutdown" {
			q.saveOnShutdown = on
		} else {
			q.syncQueueFiles = on
		}
	case "queue.timeoutenqueue":
		x, err := num()
		q.timeoutEnqueue = time.Duration(x) * time.Millisecond
		return true, err
	case "action.resumeretrycount":
		x, err := strconv.Atoi(v)
		if err != nil || x < -1 {
			return true, p.errf(n, k, "%q: want -1 (for ever) or a count", v)
		}
		q.resumeRetry = x
	case "action.resumeinterval":
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return true, p.errf(n, k, "%q: want seconds", v)
		}
		q.resumeInterval = time.Duration(x) * time.Second
	case "queue.lowwatermark", "queue.discardmark", "queue.discardseverity", "queue.workerthreads",
		"queue.dequeuebatchsize", "queue.maxfilesize", "queue.timeoutshutdown", "queue.timeoutactioncompletion",
		"queue.workerthreadminimummessages", "queue.timeoutworkerthreadshutdown", "action.reportsuspension",
		"action.reportsuspensioncontinuation":
		p.warn(n, "%s=%q ignored (tuning only)", k, v)
	default:
		return false, nil
	}
	return true, nil
}

// validate checks the combination, as rsyslog does at start.
func (q *queueParams) validate(p *cfgParser, n int) error {
	if q.kind == "disk" && q.filename == "" {
		return p.errf(n, "queue.filename", "queue.type=\"Disk\" needs queue.filename")
	}
	if q.filename != "" && !filepath.IsAbs(q.filename) && q.spoolDir == "" {
		return p.errf(n, "queue.spoolDirectory", "queue.filename %q is relative: set queue.spoolDirectory (global workDirectory is not read yet)", q.filename)
	}
	if q.size <= 0 {
		return p.errf(n, "queue.size", "must be positive")
	}
	return nil
}

// open opens the queue: a disk journal (internal/dq) when queue.filename is
// set, whatever queue.type (syslogd journals every message of a
// disk-assisted queue, not only those above the high watermark), a
// bounded memory queue otherwise.
func (q *queueParams) open() (actionQueue, error) {
	if q.filename == "" {
		return newMemQueue(q.size, q.timeoutEnqueue), nil
	}
	dir := q.filename
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(q.spoolDir, dir)
	}
	o := dq.Options{CheckpointEvery: q.checkpoint, MaxDiskBytes: q.maxDiskSpace, Sync: dq.SyncInterval}
	if q.syncQueueFiles {
		o.Sync = dq.SyncEveryCommit
	}
	dqq, err := dq.Open(dir+".dq", o)
	if err != nil {
		return nil, err
	}
	return dqq, nil
}

// memQueue is a bounded in-memory queue with the acknowledgement semantics
// of dq (LinkedList/FixedArray without queue.filename).
//
// Its records are a ring of (chunk, offset, length), the bytes in 64 KiB
// chunks reused once every record in them is acknowledged: ReadCopy copies
// what it hands out, so nothing outside holds a chunk, and a steady flow
// allocates nothing and leaves the garbage collector no pointers to
// follow per record.
type memQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ents    []memEnt // ring; ents[head] is id base
	head    int
	n       int    // records in the ring, ids base to base+n-1
	base    uint64 // every id below it is acknowledged
	acked   dq.AckSet
	chunks  [][]byte // chunk number chunk0+i; the last one is filled
	chunk0  int
	free    [][]byte // empty chunks to reuse
	rpos    int      // offset from base of the next record to read
	size    int
	timeout time.Duration
	closed  bool
	st      dq.Stats
}

// memEnt is where a record's bytes are: chunks[chunk-chunk0][off:off+n].
type memEnt struct {
	chunk int
	off   int32
	n     int32
}

const (
	memChunk = 64 << 10
	memFree  = 256 // free chunks kept, 16 MiB
)

func newMemQueue(size int, timeout time.Duration) *memQueue {
	m := &memQueue{size: size, timeout: timeout, base: 1}
	m.acked.Reset(1)
	m.cond = sync.NewCond(&m.mu)
	return m
}

func (m *memQueue) Instance() string { return "" }

func (m *memQueue) Append(p []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appendLocked(p)
}

// AppendCommit appends recs and wakes the reader, under one lock.
func (m *memQueue) AppendCommit(recs [][]byte) (dropped int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dropped, err = dq.AppendEach(recs, m.appendLocked)
	m.cond.Broadcast()
	return dropped, err
}

func (m *memQueue) appendLocked(p []byte) (uint64, error) {
	if m.n >= m.size && !m.closed {
		// Records appended before this one are not committed yet: let
		// the reader have them, or nothing frees space.
		m.cond.Broadcast()
		t := time.AfterFunc(m.timeout, func() { m.mu.Lock(); m.cond.Broadcast(); m.mu.Unlock() })
		deadline := time.Now().Add(m.timeout)
		for m.n >= m.size && !m.closed && time.Now().Before(deadline) {
			m.cond.Wait()
		}
		t.Stop()
	}
	if m.closed {
		return 0, dq.ErrClosed
	}
	if m.n >= m.size {
		return 0, dq.ErrFull
	}
	if m.n == len(m.ents) {
		// Grow the ring (to twice, at most the queue's size), in order.
		ents := make([]memEnt, min(max(64, 2*len(m.ents)), m.size))
		k := copy(ents, m.ents[m.head:])
		copy(ents[k:], m.ents[:m.head])
		m.ents, m.head = ents, 0
	}
	last := len(m.chunks) - 1
	if last < 0 || cap(m.chunks[last])-len(m.chunks[last]) < len(p) {
		var c []byte
		if k := len(m.free); k > 0 && len(p) <= memChunk {
			c, m.free[k-1] = m.free[k-1], nil
			m.free = m.free[:k-1]
		} else {
			c = make([]byte, 0, max(memChunk, len(p)))
		}
		m.chunks = append(m.chunks, c)
		last++
	}
	c := m.chunks[last]
	m.ents[(m.head+m.n)%len(m.ents)] = memEnt{chunk: m.chunk0 + last, off: int32(len(c)), n: int32(len(p))}
	m.chunks[last] = append(c, p...)
	id := m.base + uint64(m.n)
	m.n++
	m.st.Enqueued++
	return id, nil
}

// Commit wakes the reader, once per batch of Appends (as dq does), not
// once per record.
func (m *memQueue) Commit() error {
	m.mu.Lock()
	m.cond.Broadcast()
	m.mu.Unlock()
	return nil
}

func (m *memQueue) ReadCopy(dst []dq.Record, buf []byte, max int, stop <-chan struct{}) ([]dq.Record, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.rpos >= m.n && !m.closed {
		if stop != nil {
			select {
			case <-stop:
				return dst, buf, dq.ErrClosed
			default:
			}
			woke := make(chan struct{})
			go func() {
				select {
				case <-stop:
					m.mu.Lock()
					m.cond.Broadcast()
					m.mu.Unlock()
				case <-woke:
				}
			}()
			m.cond.Wait()
			close(woke)
		} else {
			m.cond.Wait()
		}
	}
	if m.closed {
		return dst, buf, dq.ErrClosed
	}
	first := len(dst)
	for n := 0; n < max && m.rpos < m.n; m.rpos++ {
		id := m.base + uint64(m.rpos)
		if m.acked.Has(id) {
			continue
		}
		e := m.ents[(m.head+m.rpos)%len(m.ents)]
		c := m.chunks[e.chunk-m.chunk0]
		dst = append(dst, dq.Record{ID: id, Data: c[e.off : e.off+e.n]})
		n++
	}
	// Copied under the lock: a chunk is reused once acknowledged.
	buf = dq.CopyData(dst[first:], buf)
	return dst, buf, nil
}

func (m *memQueue) Ack(ids ...uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.ackLocked(id)
	}
	m.advanceLocked()
	return nil
}

func (m *memQueue) AckOne(id uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ackLocked(id)
	m.advanceLocked()
	return nil
}

func (m *memQueue) ackLocked(id uint64) {
	if id < m.base+uint64(m.n) && m.acked.Set(id) {
		m.st.Acked++
	}
}

// advanceLocked drops the acknowledged head and frees the chunks before
// the first record left.
func (m *memQueue) advanceLocked() {
	k := int(m.acked.Advance() - m.base)
	if k <= 0 {
		return
	}
	m.head = (m.head + k) % len(m.ents)
	m.n -= k
	m.base += uint64(k)
	m.rpos = max(m.rpos-k, 0)
	keep := len(m.chunks) - 1 // the chunk being filled
	if m.n > 0 {
		keep = m.ents[m.head].chunk - m.chunk0
	}
	if m.n == 0 && keep >= 0 {
		m.chunks[keep] = m.chunks[keep][:0] // nothing in it is live
	}
	if keep > 0 {
		for i, c := range m.chunks[:keep] {
			// Up to memFree chunks are kept (a steady flow reuses
			// them all); a burst's beyond that go back to the
			// garbage collector.
			if cap(c) == memChunk && len(m.free) < memFree {
				m.free = append(m.free, c[:0])
			}
			m.chunks[i] = nil
		}
		rest := copy(m.chunks, m.chunks[keep:])
		clear(m.chunks[rest:])
		m.chunks = m.chunks[:rest]
		m.chunk0 += keep
	}
	m.cond.Broadcast()
}

func (m *memQueue) Rewind() {
	m.mu.Lock()
	m.rpos = 0
	m.mu.Unlock()
}

func (m *memQueue) Stats() dq.Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.st
	s.Size = int64(m.n - m.acked.Len())
	return s
}

func (m *memQueue) Close() error {
	m.mu.Lock()
	m.closed = true
	m.cond.Broadcast()
	m.mu.Unlock()
	return nil
}

// splitRecords appends to dst each record of a framed batch (a 4-byte
// big-endian length, then the rendered message). One final line feed of a
// rendering is not part of the record (a template written for files ends
// in one; a record is a message, not a line), unless keepLF (omfwd over
// UDP sends the rendering as it is, as rsyslogd). A bad frame ends the
// batch: bad is 1 then, and err says why.
func splitRecords(dst [][]byte, framed []byte, keepLF bool) (recs [][]byte, bad int, err error) {
	for b := framed; len(b) >= 4; {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-4 {
			return dst, 1, fmt.Errorf("record of %d bytes, %d framed: %w", n, len(b)-4, errBadFrame)
		}
		rec := b[4 : 4+n]
		b = b[4+n:]
		if len(rec) > 0 && rec[len(rec)-1] == '\n' && !keepLF {
			rec = rec[:len(rec)-1]
		}
		dst = append(dst, rec)
	}
	return dst, 0, nil
}

var errBadFrame = errors.New("bad record framing")

// queueInput is the enqueueing side of the queued actions (omkafka,
// omfwd): Write and WriteRecords append a batch to the action queue and
// commit it under one lock, counting the messages it refuses.
type queueInput struct {
	name    string
	q       actionQueue
	mu      sync.Mutex // serialises the batches; guards lines
	lines   [][]byte   // the records of the batch being queued
	keepLF  bool       // records keep a final line feed (splitRecords)
	enqDrop atomic.Uint64
}

// Write queues each line of p as one message.
func (a *queueInput) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		a.lines = append(a.lines, line)
	}
	if err := a.queueLines(0, nil); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteRecords queues the messages of a framed batch (recordWriter):
// one record each, whatever their line feeds.
func (a *queueInput) WriteRecords(framed []byte, n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var bad int
	var err error
	a.lines, bad, err = splitRecords(a.lines, framed, a.keepLF)
	return a.queueLines(bad, err)
}

// queueLines appends and commits a.lines, counting bad records (and those
// the queue refuses) as dropped; err is a framing error.
func (a *queueInput) queueLines(bad int, err error) error {
	dropped, e := a.q.AppendCommit(a.lines)
	clear(a.lines) // they point into the caller's buffer
	a.lines = a.lines[:0]
	a.enqDrop.Add(uint64(dropped + bad))
	if e != nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	return nil
}
