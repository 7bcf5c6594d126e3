package syslogd

import "net/netip"

// batchReader reads datagrams from a socket, possibly several per call.
type batchReader interface {
	// read waits for datagrams and returns how many were received.
	read() (int, error)
	// msg returns datagram i of the last read (valid until the next
	// read) and its source address (invalid for unix sockets).
	msg(i int) ([]byte, netip.Addr)
	// size is the most datagrams one read can return.
	size() int
	// slot is the largest datagram it reads whole.
	slot() int
}

// simpleReader reads one datagram per call.
type simpleReader struct {
	in  *udpInput
	buf []byte
	n   int
	src netip.Addr
}

func newSimpleReader(in *udpInput, slot int) *simpleReader {
	return &simpleReader{in: in, buf: make([]byte, slot)}
}

func (r *simpleReader) read() (int, error) {
	var err error
	if r.in.udp != nil {
		var ap netip.AddrPort
		r.n, ap, err = r.in.udp.ReadFromUDPAddrPort(r.buf)
		r.src = ap.Addr()
	} else {
		r.n, _, err = r.in.ux.ReadFromUnix(r.buf)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

func (r *simpleReader) msg(int) ([]byte, netip.Addr) { return r.buf[:r.n], r.src }

func (r *simpleReader) size() int { return 1 }

func (r *simpleReader) slot() int { return len(r.buf) }
