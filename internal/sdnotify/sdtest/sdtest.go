// Package sdtest plays systemd's side of the notify protocol in tests: a
// unix datagram socket with SO_PASSCRED, so that each datagram comes with
// the sender's credentials, as systemd checks them (NotifyAccess=main).
package sdtest

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// Message is one datagram and the pid that sent it.
type Message struct {
	State string
	PID   int
}

// Listener receives notifications.
type Listener struct {
	// Path is the value for NOTIFY_SOCKET.
	Path string
	msgs chan Message
}

// Listen binds a unixgram socket at path with SO_PASSCRED; it is closed
// at the end of the test.
func Listen(t testing.TB, path string) *Listener {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	}); err != nil || serr != nil {
		t.Fatalf("SO_PASSCRED: %v %v", err, serr)
	}
	l := &Listener{Path: path, msgs: make(chan Message, 100)}
	go func() {
		buf := make([]byte, 4096)
		oob := make([]byte, syscall.CmsgSpace(syscall.SizeofUcred))
		for {
			n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
			if err != nil {
				close(l.msgs)
				return
			}
			m := Message{State: string(buf[:n]), PID: -1}
			if cms, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
				for _, cm := range cms {
					if cred, err := syscall.ParseUnixCredentials(&cm); err == nil {
						m.PID = int(cred.Pid)
					}
				}
			}
			l.msgs <- m
		}
	}()
	t.Cleanup(func() { c.Close() })
	return l
}

// Next returns the next datagram, failing the test after 10 seconds.
func (l *Listener) Next(t testing.TB) Message {
	t.Helper()
	select {
	case m, ok := <-l.msgs:
		if !ok {
			t.Fatal("notify socket closed")
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s")
	}
	return Message{}
}

// None reports whether no datagram is pending.
func (l *Listener) None() bool { return len(l.msgs) == 0 }
