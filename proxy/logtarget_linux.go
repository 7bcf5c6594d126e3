package proxy

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Socket and send flags of the UNIX log socket (logtarget_unix.go).
const (
	unixLogSockFlags = syscall.SOCK_CLOEXEC | syscall.SOCK_NONBLOCK
	unixLogSendFlags = syscall.MSG_DONTWAIT | syscall.MSG_NOSIGNAL
)

// sendDatagram sends b on the connected datagram socket fd without
// blocking (MSG_DONTWAIT): sendto(2) without a destination, as a raw
// system call. It never blocks, so the scheduler need not be told about
// it (entersyscall/exitsyscall, about 0.5 % of the proxy's CPU per system
// call of a keep-alive request in the perf profile).
func sendDatagram(fd uintptr, b []byte) error {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	_, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(b)), syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// batchScratch holds sendmmsg's vectors for a sink's queue (logbatch.go),
// reused from one flush to the next, and the function given to the
// socket's RawConn, made once.
type batchScratch struct {
	iov  [logBatchMax]unix.Iovec
	hdrs [logBatchMax]mmsghdr
	k, n int
	err  error
	fn   func(fd uintptr) bool
}

// mmsghdr is struct mmsghdr of sendmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

func (sc *batchScratch) do(fd uintptr) bool {
	r, _, e := syscall.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&sc.hdrs[0])), uintptr(sc.k), syscall.MSG_DONTWAIT, 0, 0)
	switch {
	case e != 0:
		sc.n, sc.err = 0, e
	case r == 0:
		sc.n, sc.err = 0, syscall.EAGAIN
	default:
		sc.n, sc.err = int(r), nil
	}
	return true // never wait for writability: drop instead
}

// sendBatch sends the queued datagrams from the i-th (at byte start) in
// one sendmmsg(2), at most logBatchMax of them, without blocking. It
// returns how many were sent, or 0 and the error of the first.
func sendBatch(s *sink, q *logBatch, start, i int) (int, error) {
	sc := &q.sc
	if sc.fn == nil {
		sc.fn = sc.do
	}
	sc.k = 0
	for j := i; j < len(q.ends) && sc.k < logBatchMax; j++ {
		end := q.ends[j]
		v := &sc.iov[sc.k]
		v.Base, v.Len = nil, 0
		if end > start {
			v.Base = &q.buf[start]
			v.SetLen(end - start)
		}
		h := &sc.hdrs[sc.k]
		*h = mmsghdr{}
		h.hdr.Iov = v
		h.hdr.SetIovlen(1)
		start = end
		sc.k++
	}
	if err := s.raw.Write(sc.fn); err != nil {
		return 0, err
	}
	n, err := sc.n, sc.err
	// Drop the pointers into the queue's buffer.
	clear(sc.iov[:sc.k])
	sc.err = nil
	return n, err
}

// do is rawWrite's send(2) with MSG_DONTWAIT|MSG_NOSIGNAL, as a raw
// system call: it never blocks, so the scheduler need not be told about
// it (and cannot hand the P to another thread meanwhile).
func (w *rawWrite) do(fd uintptr) bool {
	for len(w.b) > 0 {
		r, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&w.b[0])), uintptr(len(w.b)), syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			break
		}
		w.n += int(r)
		w.b = w.b[r:]
	}
	return true // never wait for writability: the caller's write does
}
