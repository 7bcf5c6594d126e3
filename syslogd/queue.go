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
	Read(dst []dq.Record, max int, stop <-chan struct{}) ([]dq.Record, error)
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
type memQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	recs    []dq.Record // un-acknowledged, ids contiguous from base
	base    uint64
	acked   dq.AckSet // watermark base
	arena   []byte    // the records' bytes are appended here
	rpos    int
	size    int
	timeout time.Duration
	closed  bool
	st      dq.Stats
}

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
	if len(m.recs) >= m.size && !m.closed {
		// Records appended before this one are not committed yet: let
		// the reader have them, or nothing frees space.
		m.cond.Broadcast()
		t := time.AfterFunc(m.timeout, func() { m.mu.Lock(); m.cond.Broadcast(); m.mu.Unlock() })
		deadline := time.Now().Add(m.timeout)
		for len(m.recs) >= m.size && !m.closed && time.Now().Before(deadline) {
			m.cond.Wait()
		}
		t.Stop()
	}
	if m.closed {
		return 0, dq.ErrClosed
	}
	if len(m.recs) >= m.size {
		return 0, dq.ErrFull
	}
	id := m.base + uint64(len(m.recs))
	// Records are copied into an arena, a new one when it is full (the
	// old one lives as long as records in it are in use): one
	// allocation per 64 KiB of records, not one per record.
	if cap(m.arena)-len(m.arena) < len(p) {
		m.arena = make([]byte, 0, max(64<<10, len(p)))
	}
	n := len(m.arena)
	m.arena = append(m.arena, p...)
	m.recs = append(m.recs, dq.Record{ID: id, Data: m.arena[n:len(m.arena):len(m.arena)]})
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

func (m *memQueue) Read(dst []dq.Record, max int, stop <-chan struct{}) ([]dq.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.rpos >= len(m.recs) && !m.closed {
		if stop != nil {
			select {
			case <-stop:
				return dst, dq.ErrClosed
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
		return dst, dq.ErrClosed
	}
	for n := 0; n < max && m.rpos < len(m.recs); m.rpos++ {
		r := m.recs[m.rpos]
		if m.acked.Has(r.ID) {
			continue
		}
		dst = append(dst, r)
		n++
	}
	return dst, nil
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
	if id < m.base+uint64(len(m.recs)) && m.acked.Set(id) {
		m.st.Acked++
	}
}

// advanceLocked drops the acknowledged head.
func (m *memQueue) advanceLocked() {
	k := int(m.acked.Advance() - m.base)
	if k > 0 {
		clear(m.recs[:k])
		// Reslice; copy down only once the dead head is large, so
		// acknowledging costs O(1) amortised.
		m.recs = m.recs[k:]
		if cap(m.recs) > 2*len(m.recs)+1024 {
			m.recs = append([]dq.Record(nil), m.recs...)
		}
		m.base += uint64(k)
		m.rpos -= k
		if m.rpos < 0 {
			m.rpos = 0
		}
		m.cond.Broadcast()
	}
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
	s.Size = int64(len(m.recs) - m.acked.Len())
	return s
}

func (m *memQueue) Close() error {
	m.mu.Lock()
	m.closed = true
	m.cond.Broadcast()
	m.mu.Unlock()
	return nil
}

// appendRecords appends each record of a framed batch (a 4-byte
// big-endian length, then the rendered message) to q and commits them
// with one write. One final line feed of a rendering is not part of the
// record (a template written for files ends in one; a record is a
// message, not a line), unless keepLF (omfwd over UDP sends the rendering
// as it is, as rsyslogd). It returns how many records could not be
// appended and the last error.
func appendRecords(q actionQueue, framed []byte, keepLF bool) (dropped int, err error) {
	for b := framed; len(b) >= 4; {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-4 {
			return dropped + 1, fmt.Errorf("record of %d bytes, %d framed: %w", n, len(b)-4, errBadFrame)
		}
		rec := b[4 : 4+n]
		b = b[4+n:]
		if len(rec) > 0 && rec[len(rec)-1] == '\n' && !keepLF {
			rec = rec[:len(rec)-1]
		}
		if _, e := q.Append(rec); e != nil {
			dropped++
			err = e
		}
	}
	if e := q.Commit(); e != nil {
		return dropped, e
	}
	return dropped, err
}

var errBadFrame = errors.New("bad record framing")

// queueInput is the enqueueing side of the queued actions (omkafka,
// omfwd): Write and WriteRecords append to the action queue and commit
// under one lock, counting the messages it refuses.
type queueInput struct {
	name    string
	q       actionQueue
	mu      sync.Mutex // serialises Append+Commit
	keepLF  bool       // records keep a final line feed (appendRecords)
	enqDrop atomic.Uint64
}

// Write queues each line of p as one message.
func (a *queueInput) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if _, e := a.q.Append(line); e != nil {
			a.enqDrop.Add(1)
			err = e
		}
	}
	if e := a.q.Commit(); e != nil {
		return 0, e
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", a.name, err)
	}
	return len(p), nil
}

// WriteRecords queues the messages of a framed batch (recordWriter):
// one record each, whatever their line feeds.
func (a *queueInput) WriteRecords(framed []byte, n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	dropped, err := appendRecords(a.q, framed, a.keepLF)
	a.enqDrop.Add(uint64(dropped))
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	return nil
}
