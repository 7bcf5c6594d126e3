//go:build linux && (amd64 || arm64)

package syslogd

import (
	"net/netip"
	"syscall"
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
const batchSize = 64

// mmsgReader reads up to batchSize datagrams per system call with
// recvmmsg(2), waiting in the Go netpoller when the socket is empty. The
// kernel cuts each datagram to the slot size, which is the maximum message
// size: exactly the cut rsyslog applies.
type mmsgReader struct {
	rc    syscall.RawConn
	hdrs  []mmsghdr
	iovs  []syscall.Iovec
	names []syscall.RawSockaddrAny
	bufs  [][]byte
	n     int
	errno syscall.Errno
}

func newBatchReader(in *udpInput, slot int) batchReader {
	if in.udp == nil {
		return newSimpleReader(in, slot)
	}
	rc, err := in.udp.SyscallConn()
	if err != nil {
		return newSimpleReader(in, slot)
	}
	r := &mmsgReader{rc: rc, hdrs: make([]mmsghdr, batchSize), iovs: make([]syscall.Iovec, batchSize),
		names: make([]syscall.RawSockaddrAny, batchSize), bufs: make([][]byte, batchSize)}
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

func (r *mmsgReader) recv(fd uintptr) bool {
	for i := range r.hdrs {
		r.hdrs[i].hdr.Namelen = syscall.SizeofSockaddrAny
		r.hdrs[i].hdr.Flags = 0
	}
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

// read returns the number of datagrams received.
func (r *mmsgReader) read() (int, error) {
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.recv); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, r.errno
	}
	return r.n, nil
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
