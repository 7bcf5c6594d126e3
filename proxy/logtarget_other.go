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
