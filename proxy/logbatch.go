package proxy

import (
	"runtime"
	"sync"
)

// Request log lines to a UDP target are queued on their sink and sent
// together, one system call for up to logBatchMax lines (sendmmsg on
// Linux), by the sink's flusher goroutine. A line sent on its own cost
// the request path a sendto and, nearly every time, a wake-up of the
// syslog receiver, which then took the CPU from the proxy: with httplog
// over UDP, logging was a quarter of the proxy's CPU per keep-alive
// request and a third of its involuntary context switches (perf and
// /proc/PID/task/*/status, bench/proxy-vs.sh). The flusher runs once the
// goroutines runnable at the time have run (runtime.Gosched sends it to
// the back of the run queue), so a line waits at most one round of the
// scheduler and the lines of that round go out together; when the proxy
// is idle a line leaves at once. The lines keep the order they were
// logged in, with each other and with the lines sent at once (admin
// notices, sendRecord), to any target: such a send first sends every
// queue of the process (logOutput.flushQueues), as a request logged before
// a server went down must reach the syslog daemon before the DOWN notice.

const (
	// logBatchMax is the most datagrams given to one system call.
	logBatchMax = 64
	// logBatchLines and logBatchBytes bound what waits in the queue: the
	// line that would pass either is preceded by a flush of the queue on
	// the caller's goroutine (never blocking: the sends are non-blocking).
	logBatchLines = 128
	logBatchBytes = 64 << 10
)

// logBatch is the queue of a UDP sink.
type logBatch struct {
	mu   sync.Mutex
	buf  []byte // the queued datagrams back to back
	ends []int  // the end of each in buf
	// wake tells the flusher that the queue is no longer empty; done
	// ends it (close).
	wake, done chan struct{}
	closed     bool
	out        *logOutput
	s          *sink        // the queue's target
	sc         batchScratch // the system call's vectors (logtarget_*.go)
}

// newLogBatch makes the queue of s and registers it with o.
func newLogBatch(o *logOutput, s *sink) *logBatch {
	q := &logBatch{buf: make([]byte, 0, logBatchBytes), ends: make([]int, 0, logBatchLines),
		wake: make(chan struct{}, 1), done: make(chan struct{}), out: o, s: s}
	o.qmu.Lock()
	o.queues = append(o.queues, q)
	o.qmu.Unlock()
	return q
}

// queue adds the datagram b (copied) to s's queue and wakes the flusher
// when the queue was empty. It never blocks and allocates nothing.
func (s *sink) queue(b []byte) {
	q := s.batch
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		q.out.deliver(s, b)
		return
	}
	if len(q.ends) == logBatchLines || len(q.buf)+len(b) > logBatchBytes {
		s.flushLocked()
	}
	q.buf = append(q.buf, b...)
	q.ends = append(q.ends, len(q.buf))
	first := len(q.ends) == 1
	q.mu.Unlock()
	if first {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// flusher sends the queue of s whenever it fills, until close.
func (s *sink) flusher() {
	q := s.batch
	for {
		select {
		case <-q.wake:
		case <-q.done:
			return
		}
		// Woken by the first line of a round: let the goroutines
		// runnable now add theirs.
		runtime.Gosched()
		q.mu.Lock()
		s.flushLocked()
		q.mu.Unlock()
	}
}

// flushLocked sends the queued datagrams (q.mu held), counting each as
// sent or dropped as deliver does.
func (s *sink) flushLocked() {
	q := s.batch
	start := 0
	for i := 0; i < len(q.ends); {
		n, err := sendBatch(s, q, start, i)
		if n > 0 {
			q.out.p.stats.LogsSent.Add(int64(n))
			i += n
			start = q.ends[i-1]
			continue
		}
		// The first datagram left was refused: dropped, as a line
		// sent on its own would be; the next ones are tried.
		q.out.p.stats.LogsDropped.Add(1)
		q.out.sendFailed(s, err)
		start = q.ends[i]
		i++
	}
	q.buf, q.ends = q.buf[:0], q.ends[:0]
}

// flushQueues sends what every queue of the process holds.
func (o *logOutput) flushQueues() {
	o.qmu.Lock()
	defer o.qmu.Unlock()
	for _, q := range o.queues {
		q.mu.Lock()
		q.s.flushLocked()
		q.mu.Unlock()
	}
}

// closeBatch sends what is queued and stops the flusher; later lines are
// sent on their own (to the closed socket: counted as dropped).
func (s *sink) closeBatch() {
	q := s.batch
	if q == nil {
		return
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	s.flushLocked()
	q.closed = true
	close(q.done)
	q.mu.Unlock()
	o := q.out
	o.qmu.Lock()
	defer o.qmu.Unlock()
	for i, x := range o.queues {
		if x == q {
			o.queues = append(o.queues[:i], o.queues[i+1:]...)
			break
		}
	}
}
