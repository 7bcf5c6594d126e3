package proxy

import "syscall"

// Socket and send flags of the UNIX log socket (logtarget_unix.go).
const (
	unixLogSockFlags = syscall.SOCK_CLOEXEC | syscall.SOCK_NONBLOCK
	unixLogSendFlags = syscall.MSG_DONTWAIT | syscall.MSG_NOSIGNAL
)
