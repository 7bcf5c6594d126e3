//go:build linux && (amd64 || arm64)

package syslogd

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// mmsghdr is struct mmsghdr of 64-bit Linux.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
	_   [4]byte
}

// batchedReads tells that datagrams are read in batches.
const batchedReads = true

// batchSize is the number of datagrams one recvmmsg call can return.
const batchSize = 256

// coalesceMinRcvBuf is the smallest effective receive buffer for which a
// reader pauses after a short batch. A pause lets about coalesceTarget
// datagrams in (0.7 MiB at about 1.3 KiB of kernel memory each), more only
// when the rate jumps: the pause at most halves per batch, and its longest
// (maxPause) lets a flood of 1M datagrams/s fill at most half the buffer;
// a smaller buffer (rsyslog's 212 KB default) is read as soon as it holds
// anything. (The default 32 MiB request gives 64 MiB as root, rmem_max
// doubled otherwise.)
const (
	coalesceMinRcvBuf = 8 << 20
	coalesceWait      = 4 * time.Millisecond // first pause
	coalesceMin       = time.Millisecond / 2
	coalesceMax       = 10 * time.Millisecond
	// coalesceTarget is the number of datagrams a pause aims to let in:
	// two full batches (about 0.7 MiB of kernel memory).
	coalesceTarget = 2 * batchSize
)

// mmsgReader reads up to batchSize datagrams per system call with
// recvmmsg(2). The kernel cuts each datagram to the slot size, which is the
// maximum message size: exactly the cut rsyslog applies.
//
// On a detached socket (fd >= 0, see detachUDP) the call blocks in the
// kernel (MSG_WAITFORONE: until one datagram is there, then whatever else
// is queued), so a batch costs one system call and one thread wake-up, not
// an empty read, a netpoller round and a goroutine switch. After a short
// batch (the socket is drained) the reader pauses (see pause) so that the
// next calls return full batches: at 100k msg/s about 512 datagrams per
// wake-up instead of one or two. Otherwise (fd < 0) it waits
// in the Go netpoller.
type mmsgReader struct {
	rc       syscall.RawConn // when fd < 0
	fd       int
	coalesce bool
	hdrs     []mmsghdr
	iovs     []syscall.Iovec
	names    []syscall.RawSockaddrAny
	bufs     [][]byte
	n        int
	errno    syscall.Errno
	eof      bool
	wait     time.Duration // current pause after a short batch
	maxWait  time.Duration // longest pause the receive buffer allows
	got      int           // datagrams read since the last pause
}

func newBatchReader(in *udpInput, slot int) batchReader {
	if in.udp == nil {
		return newSimpleReader(in, slot)
	}
	r := &mmsgReader{fd: in.raw, coalesce: in.raw >= 0 && in.rcvBuf >= coalesceMinRcvBuf, maxWait: maxPause(in.rcvBuf),
		hdrs: make([]mmsghdr, batchSize), iovs: make([]syscall.Iovec, batchSize),
		names: make([]syscall.RawSockaddrAny, batchSize), bufs: make([][]byte, batchSize)}
	if r.fd < 0 {
		rc, err := in.udp.SyscallConn()
		if err != nil {
			return newSimpleReader(in, slot)
		}
		r.rc = rc
	}
	mem := make([]byte, batchSize*slot)
	for i := range r.hdrs {
		r.bufs[i] = mem[i*slot : (i+1)*slot : (i+1)*slot]
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(slot)
		h := &r.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.Iovlen = 1
	}
	return r
}

// detachUDP turns c's socket into a blocking descriptor that the Go
// netpoller does not watch: it duplicates the descriptor and closes c,
// which removes the socket from the netpoller's epoll set (else every
// datagram would also wake the netpoller). A reader then blocks in the
// kernel with no timeout, so an idle server costs nothing; shutdownRead
// wakes it. It returns -1, leaving c as it was, if any step fails.
func detachUDP(c *net.UDPConn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1
	}
	nfd := -1
	_ = rc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			return
		}
		nfd = int(r)
	})
	if nfd < 0 {
		return -1
	}
	if syscall.SetNonblock(nfd, false) != nil {
		_ = syscall.Close(nfd)
		return -1
	}
	_ = c.Close()
	return nfd
}

// shutdownRead shuts a detached socket down for reading: a reader blocked
// in recvmmsg wakes up, gets the datagrams still queued, then end of file.
// (On an unconnected UDP socket the call reports ENOTCONN but does it.)
func shutdownRead(fd int) {
	_ = syscall.Shutdown(fd, syscall.SHUT_RD)
}

// closeRaw closes a detached socket (no-op for -1).
func closeRaw(fd int) {
	if fd >= 0 {
		_ = syscall.Close(fd)
	}
}

func (r *mmsgReader) recv(fd uintptr) bool {
	r.reset()
	n, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
		uintptr(len(r.hdrs)), syscall.MSG_DONTWAIT, 0, 0)
	if e == syscall.EAGAIN || e == syscall.EWOULDBLOCK {
		return false // wait in the netpoller
	}
	if e == syscall.EINTR {
		return r.recv(fd)
	}
	r.n, r.errno = int(n), e
	if e != 0 {
		r.n = 0
	}
	return true
}

func (r *mmsgReader) reset() {
	for i := range r.hdrs {
		r.hdrs[i].hdr.Namelen = syscall.SizeofSockaddrAny
		r.hdrs[i].hdr.Flags = 0
	}
}

// read returns the number of datagrams received.
func (r *mmsgReader) read() (int, error) {
	if r.fd >= 0 {
		return r.readBlocking()
	}
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.recv); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, r.errno
	}
	return r.n, nil
}

// readBlocking reads from a detached socket. After shutdownRead it returns
// the datagrams still queued, then net.ErrClosed.
func (r *mmsgReader) readBlocking() (int, error) {
	if r.eof {
		return 0, net.ErrClosed
	}
	if r.coalesce && r.n > 0 && r.n < len(r.hdrs) {
		// A short batch drained the socket: let the next one fill up.
		// (A Go sleep, not nanosleep(2): parking keeps the scheduler
		// from taking this goroutine for a long-running one.)
		time.Sleep(r.pause())
	}
	r.n = 0
	for {
		r.reset()
		n, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, uintptr(r.fd), uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), syscall.MSG_WAITFORONE, 0, 0)
		switch e {
		case 0:
			r.n = int(n)
			r.got += r.n
			// End of file (shut down for reading) comes as an empty
			// message with no sender: a real empty datagram has one.
			for i := 0; i < r.n; i++ {
				if r.hdrs[i].len == 0 && r.hdrs[i].hdr.Namelen == 0 {
					r.n, r.eof = i, true
					break
				}
			}
			if r.n == 0 && r.eof {
				return 0, net.ErrClosed
			}
			return r.n, nil
		case syscall.EINTR, syscall.EAGAIN:
			continue
		case syscall.EBADF:
			return 0, net.ErrClosed
		}
		return 0, os.NewSyscallError("recvmmsg", e)
	}
}

// maxPause is the longest pause a receive buffer of rcvBuf bytes allows:
// half of it filled by 1M datagrams/s of 1.3 KiB of kernel memory each,
// within coalesceMin..coalesceMax.
func maxPause(rcvBuf int) time.Duration {
	d := time.Duration(int64(rcvBuf/2) * int64(time.Second) / (1_000_000 * 1300))
	return min(max(d, coalesceMin), coalesceMax)
}

// pause returns how long to wait after a short batch: the last pause
// scaled so that about coalesceTarget datagrams come in during the next one
// at the rate seen during the last (at most halved or doubled at a time,
// within coalesceMin..maxWait). At 100k msg/s that settles at about
// 5 ms; a trickle waits maxWait, a flood coalesceMin.
func (r *mmsgReader) pause() time.Duration {
	w := r.wait
	if w == 0 {
		w = min(coalesceWait, r.maxWait)
	} else {
		next := time.Duration(int64(w) * coalesceTarget / int64(max(r.got, 1)))
		w = min(max(next, w/2, coalesceMin), 2*w, r.maxWait)
	}
	r.wait, r.got = w, 0
	return w
}

// msg returns datagram i of the last read and its source address.
func (r *mmsgReader) msg(i int) ([]byte, netip.Addr) {
	n := int(r.hdrs[i].len)
	b := r.bufs[i][:min(n, len(r.bufs[i]))]
	sa := &r.names[i]
	switch sa.Addr.Family {
	case syscall.AF_INET:
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		return b, netip.AddrFrom4(p.Addr)
	case syscall.AF_INET6:
		p := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		return b, netip.AddrFrom16(p.Addr).Unmap()
	}
	return b, netip.Addr{}
}

func (r *mmsgReader) size() int { return len(r.hdrs) }

func (r *mmsgReader) slot() int { return len(r.bufs[0]) }
