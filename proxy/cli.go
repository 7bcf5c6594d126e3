package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// The stats socket: a minimal HAProxy CLI ("stats socket <path> [mode m]
// [level l]" in global). Commands: help, prompt, quit, operator, user,
// show info, show stat, show servers state, show backend, show cli level,
// show version, disable/enable server, set server <b>/<s> state. Replies
// follow HAProxy 2.6's texts; every reply ends with an empty line. Without
// "prompt" the connection closes once the commands received are answered.

// CLI privilege levels.
const (
	levelUser = iota
	levelOperator
	levelAdmin
)

func parseLevel(s string) int {
	switch s {
	case "user":
		return levelUser
	case "operator":
		return levelOperator
	}
	return levelAdmin
}

// cliListener is one bound stats socket.
type cliListener struct {
	ln    net.Listener
	cfg   config.StatsSocket
	path  string      // UNIX socket path ("" for TCP)
	inode os.FileInfo // the socket file we created, to remove only ours
}

// cliState is the Proxy's CLI concern (stats sockets): its listeners and
// open connections, and the commands (cli_cmds.go).
type cliState struct {
	p         *Proxy
	mu        sync.Mutex
	listeners []*cliListener
	conns     map[net.Conn]struct{}
	closed    bool
	wg        sync.WaitGroup
	// accepted counts CLI connections: haproxy's CumConns includes them
	// (CurrConns does not).
	accepted atomic.Int64
}

// listenCLI binds the stats sockets. A UNIX socket is bound under a
// temporary name and renamed over the configured path, so a reloading
// process takes the path over from the old one, as HAProxy does.
func (cl *cliState) listenCLI() error {
	for _, sc := range cl.p.cfg.Global.StatsSockets {
		l, err := bindCLI(sc, cl.p.opts.PID)
		if err != nil {
			cl.closeCLI()
			return fmt.Errorf("stats socket [%s:%d]: %w", sc.File, sc.Line, err)
		}
		cl.listeners = append(cl.listeners, l)
	}
	return nil
}

func bindCLI(sc config.StatsSocket, pid int) (*cliListener, error) {
	a := sc.Addr
	if a.Path == "" {
		network := "tcp"
		if a.Network == "tcp4" || a.Network == "tcp6" {
			network = a.Network
		}
		addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
		ln, err := net.Listen(network, addr)
		if err != nil {
			return nil, fmt.Errorf("cannot bind %s: %w", addr, err)
		}
		return &cliListener{ln: ln, cfg: sc}, nil
	}
	tmp := fmt.Sprintf("%s.%d.tmp", a.Path, pid)
	os.Remove(tmp)
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("cannot bind UNIX socket (%w) [%s]", err, a.Path)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (*cliListener, error) {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	if sc.UID >= 0 || sc.GID >= 0 {
		if err := os.Lchown(tmp, sc.UID, sc.GID); err != nil {
			return fail(fmt.Errorf("cannot change UNIX socket ownership (%w) [%s]", err, a.Path))
		}
	}
	if sc.Mode != 0 {
		if err := os.Chmod(tmp, sc.Mode); err != nil {
			return fail(fmt.Errorf("cannot change UNIX socket permissions (%w) [%s]", err, a.Path))
		}
	}
	if err := os.Rename(tmp, a.Path); err != nil {
		return fail(fmt.Errorf("cannot switch final and temporary UNIX sockets (%w) [%s]", err, a.Path))
	}
	fi, err := os.Lstat(a.Path)
	if err != nil {
		return fail(fmt.Errorf("cannot stat UNIX socket (%w) [%s]", err, a.Path))
	}
	return &cliListener{ln: ln, cfg: sc, path: a.Path, inode: fi}, nil
}

// serveCLI accepts CLI connections on every stats socket.
func (cl *cliState) serveCLI() {
	cl.mu.Lock() // SoftStop may be closing them already
	ls := cl.listeners
	cl.mu.Unlock()
	for _, l := range ls {
		cl.wg.Add(1)
		go func() {
			defer cl.wg.Done()
			for {
				c, err := l.ln.Accept()
				if err != nil {
					if errors.Is(err, net.ErrClosed) {
						return
					}
					cl.p.log.Warn("stats socket accept failed", "err", err)
					if !sleepCtxStop(cl.p.stopped, 100*time.Millisecond) {
						return
					}
					continue
				}
				cl.accepted.Add(1)
				if !cl.track(c) {
					c.Close()
					return
				}
				cl.wg.Add(1)
				go func() {
					defer cl.wg.Done()
					defer cl.untrack(c)
					cl.cliConn(c, parseLevel(l.cfg.Level))
				}()
			}
		}()
	}
}

func sleepCtxStop(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

func (cs *cliState) track(c net.Conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return false
	}
	if cs.conns == nil {
		cs.conns = make(map[net.Conn]struct{})
	}
	cs.conns[c] = struct{}{}
	return true
}

func (cs *cliState) untrack(c net.Conn) {
	c.Close()
	cs.mu.Lock()
	delete(cs.conns, c)
	cs.mu.Unlock()
}

// closeCLI closes the stats sockets and their connections, and removes
// the socket files that are still ours (a new process may have taken the
// path over).
func (cl *cliState) closeCLI() {
	cs := &cl.p.cli
	cs.mu.Lock()
	cs.closed = true
	for c := range cs.conns {
		c.Close()
	}
	ls := cs.listeners
	cs.listeners = nil
	cs.mu.Unlock()
	for _, l := range ls {
		l.ln.Close()
		if l.path == "" {
			continue
		}
		if fi, err := os.Lstat(l.path); err == nil && os.SameFile(fi, l.inode) {
			os.Remove(l.path)
		}
	}
}

// cliConn runs one CLI connection.
func (cl *cliState) cliConn(c net.Conn, level int) {
	timeout := cl.p.cfg.Global.StatsTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	br := bufio.NewReaderSize(c, 4096)
	interactive := false
	var out bytes.Buffer
	for {
		c.SetReadDeadline(cl.p.now().Add(timeout))
		line, err := br.ReadString('\n')
		if err != nil && line == "" {
			return
		}
		if len(line) > 65536 {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		out.Reset()
		quit := false
		if line == "" && interactive {
			// an empty line only shows the prompt again
		} else {
			for _, cmd := range strings.Split(line, ";") {
				if cl.cliCommand(&out, strings.Fields(cmd), &level, &interactive) {
					quit = true
					break
				}
			}
		}
		if quit {
			c.SetWriteDeadline(cl.p.now().Add(timeout))
			c.Write(out.Bytes())
			return
		}
		if interactive {
			out.WriteString("> ")
		}
		c.SetWriteDeadline(cl.p.now().Add(timeout))
		if _, err := c.Write(out.Bytes()); err != nil {
			return
		}
		if !interactive && br.Buffered() == 0 {
			return
		}
	}
}
