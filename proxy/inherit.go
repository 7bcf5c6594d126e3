package proxy

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// ListenerKey names a listening socket for a hand-over between processes:
// the network ("tcp4", "tcp6") and the address it is bound to.
func ListenerKey(network, addr string) string { return network + " " + addr }

// takeInherited returns the inherited listener for network/addr and
// removes it from the set, or nil when there is none.
func (p *Proxy) takeInherited(network, addr string) (net.Listener, error) {
	key := ListenerKey(network, addr)
	l, ok := p.opts.Inherited[key]
	if !ok {
		return nil, nil
	}
	delete(p.opts.Inherited, key)
	if l == nil {
		return nil, fmt.Errorf("inherited socket %s is not a listener", key)
	}
	return l, nil
}

// ListenerFiles returns a duplicate of every frontend's listening socket
// with its ListenerKey, for handing them to the next process. The caller
// closes the files. Call it after Listen.
func (p *Proxy) ListenerFiles() (keys []string, files []*os.File, err error) {
	for _, fe := range p.plan().frontends {
		for i := range fe.cfg.Binds {
			b := &fe.cfg.Binds[i]
			end := max(b.Addr.PortEnd, b.Addr.Port)
			for port := b.Addr.Port; port <= end; port++ {
				network, addr := listenAddr(b.Addr, port)
				keys = append(keys, ListenerKey(network, addr))
			}
		}
		for _, l := range fe.listeners {
			sc, ok := l.(syscall.Conn)
			if !ok {
				err = fmt.Errorf("listener %v cannot be handed over", l.Addr())
				break
			}
			var f *os.File
			f, err = dupFile(sc)
			if err != nil {
				break
			}
			files = append(files, f)
		}
	}
	if err == nil && len(keys) != len(files) {
		err = fmt.Errorf("%d listener addresses for %d sockets", len(keys), len(files))
	}
	if err != nil {
		for _, f := range files {
			f.Close()
		}
		return nil, nil, err
	}
	return keys, files, nil
}

// dupFile duplicates the descriptor of c (close-on-exec).
func dupFile(c syscall.Conn) (*os.File, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd, derr := -1, error(nil)
	err = rc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		nfd = int(r)
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("dup listener: %w", err)
	}
	return os.NewFile(uintptr(nfd), "listener"), nil
}
