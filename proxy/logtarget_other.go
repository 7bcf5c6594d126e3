//go:build !linux

package proxy

import "syscall"

// Socket and send flags of the UNIX log socket (logtarget_unix.go):
// MSG_DONTWAIT keeps sends non-blocking where SOCK_NONBLOCK is missing.
const (
	unixLogSockFlags = 0
	unixLogSendFlags = syscall.MSG_DONTWAIT
)

// sendDatagram sends b on the connected datagram socket fd without
// blocking (MSG_DONTWAIT).
func sendDatagram(fd uintptr, b []byte) error {
	_, err := syscall.SendmsgN(int(fd), b, nil, nil, syscall.MSG_DONTWAIT)
	return err
}

// batchScratch is empty where datagrams are sent one at a time.
type batchScratch struct{}

// sendBatch sends the i-th queued datagram (at byte start) without
// blocking: one at a time where sendmmsg(2) is missing.
func sendBatch(s *sink, q *logBatch, start, i int) (int, error) {
	var err error
	if werr := s.raw.Write(func(fd uintptr) bool { err = sendDatagram(fd, q.buf[start:q.ends[i]]); return true }); werr != nil {
		return 0, werr
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// do sends nothing where the raw send is not wired: the caller's
// ordinary write does it all.
func (w *rawWrite) do(fd uintptr) bool { return true }
