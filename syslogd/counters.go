package syslogd

import "sync/atomic"

// counters are the server-wide counters, updated atomically.
type counters struct {
	received   atomic.Uint64 // datagrams and frames received
	empty      atomic.Uint64 // empty datagrams (dropped, as rsyslog does)
	malformed  atomic.Uint64 // messages with an invalid PRI (kept, as rsyslog does)
	unrouted   atomic.Uint64 // messages no rule matched
	written    atomic.Uint64 // lines written (one per matching action)
	dropped    atomic.Uint64 // lines that could not be written
	readErrors atomic.Uint64 // socket read errors
	tcpConns   atomic.Uint64 // TCP connections accepted
	tcpErrors  atomic.Uint64 // TCP framing errors (connection closed)
	denied     atomic.Uint64 // datagrams and connections refused ($AllowedSender)
	goneDrops  atomic.Uint64 // kernel drops of closed listeners
}

// Stats is a snapshot of the server's counters.
type Stats struct {
	Received   uint64
	Empty      uint64
	Malformed  uint64
	Unrouted   uint64
	Written    uint64
	Dropped    uint64
	ReadErrors uint64
	TCPConns   uint64
	TCPErrors  uint64
	// Denied counts the datagrams and TCP connections of senders
	// $AllowedSender does not permit (dropped, closed).
	Denied uint64
	// KernelDrops is the number of datagrams the kernel dropped because a
	// socket's receive buffer was full (Linux only; 0 elsewhere).
	KernelDrops uint64
	// RcvBuf is the effective receive buffer of each UDP socket, in bytes.
	RcvBuf []int
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Received: s.stats.received.Load(), Empty: s.stats.empty.Load(),
		Malformed: s.stats.malformed.Load(), Unrouted: s.stats.unrouted.Load(),
		Written: s.stats.written.Load(), Dropped: s.stats.dropped.Load(),
		ReadErrors: s.stats.readErrors.Load(), TCPConns: s.stats.tcpConns.Load(),
		TCPErrors: s.stats.tcpErrors.Load(), Denied: s.stats.denied.Load(),
	}
	st.KernelDrops = s.stats.goneDrops.Load()
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for _, l := range s.ls {
		if l.dg != nil {
			st.KernelDrops += kernelDrops(l.dg.inode)
			st.RcvBuf = append(st.RcvBuf, l.dg.rcvBuf)
		}
	}
	return st
}
