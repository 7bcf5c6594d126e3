package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/haplog/haplog/internal/sdnotify"
	"github.com/haplog/haplog/proxy"
)

// Environment of a worker process: the control socket's descriptor and
// the keys of the listening sockets that follow it (descriptors 4...).
const (
	envWorker = "HAPLOG_MWORKER_CTL"
	envKeys   = "HAPLOG_MWORKER_KEYS"
)

// handover is a set of listening sockets, by proxy.ListenerKey.
type handover struct {
	keys  []string
	files []*os.File
}

func (h *handover) close() {
	for _, f := range h.files {
		f.Close()
	}
	h.keys, h.files = nil, nil
}

// worker is a child process seen from the master.
type worker struct {
	cmd *exec.Cmd
	pid int
	// exited is closed when the process has ended; status is then set.
	exited chan struct{}
	status string
	code   int
}

// masterEvent is what the master's loop waits for besides signals.
type masterEvent struct {
	w     *worker
	ready *handover // nil: the worker exited
}

// master runs HAProxy's master-worker model (-W, -Ws, "master-worker"): it
// never serves itself; it starts one worker, and on SIGUSR2 re-reads the
// configuration and starts a new worker that receives the current
// listening sockets (the same sockets: never closed, never bound again),
// then asks the old worker to finish (SIGUSR1: stop accepting, end the
// sessions in flight, bounded by hard-stop-after).
type master struct {
	o       *options
	args    []string
	stderr  io.Writer
	notify  bool // -Ws: sd_notify as haproxy does
	pid     int
	cur     *worker
	old     map[*worker]bool
	sockets *handover
	events  chan masterEvent
}

func (m *master) notef(format string, a ...any) {
	fmt.Fprintf(m.stderr, "[NOTICE]   (%d) : "+format+"\n", append([]any{m.pid}, a...)...)
}

func (m *master) warnf(format string, a ...any) {
	fmt.Fprintf(m.stderr, "[WARNING]  (%d) : "+format+"\n", append([]any{m.pid}, a...)...)
}

func (m *master) alertf(format string, a ...any) {
	fmt.Fprintf(m.stderr, "[ALERT]    (%d) : "+format+"\n", append([]any{m.pid}, a...)...)
}

func (m *master) sdNotify(state string) {
	if m.notify {
		sdnotify.Notify(state)
	}
}

// runMaster is the master process. ready is called once the first worker
// serves (daemon mode: the parent may return then). It returns the exit
// status.
func runMaster(o *options, args []string, stderr io.Writer, ready func()) int {
	m := &master{o: o, args: args, stderr: stderr, notify: o.systemd, pid: os.Getpid(),
		old: map[*worker]bool{}, sockets: &handover{}, events: make(chan masterEvent, 16)}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	m.sdNotify(sdnotify.Reloading)
	w, err := m.start()
	if err != nil {
		m.alertf("%v", err)
		return 1
	}
	// The first worker must come up, or the master gives up.
	if ev := <-m.events; ev.ready == nil {
		m.alertf("Current worker (%d) exited with code %d (%s)", w.pid, w.code, w.status)
		return 1
	} else {
		m.adopt(w, ev.ready)
	}
	m.notef("Loading success.")
	m.sdNotify(sdnotify.Ready(m.pid))
	pidfile := o.pidfile
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(m.pid)+"\n"), 0o644); err != nil {
			m.alertf("cannot create pidfile %s: %v", pidfile, err)
		} else {
			defer removePidfile(pidfile)
		}
	}
	for _, pid := range o.softPIDs {
		syscall.Kill(pid, syscall.SIGUSR1)
	}
	for _, pid := range o.hardPIDs {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	if ready != nil {
		ready()
	}
	var pending *worker // a new worker not ready yet
	stopping, exitCode := false, 0
	for {
		select {
		case sig := <-sigs:
			switch sig {
			case syscall.SIGUSR2:
				if stopping {
					continue
				}
				if pending != nil {
					m.warnf("Reload already in progress: worker (%d) not ready yet.", pending.pid)
					continue
				}
				pending = m.reload()
			case syscall.SIGHUP:
				m.signalAll(syscall.SIGHUP)
			case syscall.SIGUSR1:
				stopping = true
				m.signalAll(syscall.SIGUSR1)
			default:
				if !stopping {
					m.warnf("Exiting Master process...")
					m.sdNotify(sdnotify.Stopping)
				}
				stopping = true
				m.signalAll(syscall.SIGTERM)
			}
		case ev := <-m.events:
			w := ev.w
			switch {
			case ev.ready != nil && w == pending:
				pending = nil
				previous := m.cur
				m.adopt(w, ev.ready)
				m.notef("Loading success.")
				if previous != nil {
					m.old[previous] = true
					previous.cmd.Process.Signal(syscall.SIGUSR1)
				}
				m.sdNotify(sdnotify.Ready(m.pid))
			case ev.ready != nil:
				ev.ready.close() // a late message; nothing to do
			case w == pending:
				pending = nil
				m.alertf("New worker (%d) exited with code %d (%s) before it was ready.", w.pid, w.code, w.status)
				m.warnf("Loading failure!")
				m.sdNotify(sdnotify.Ready(m.pid))
			case m.old[w]:
				delete(m.old, w)
				m.warnf("Former worker (%d) exited with code %d (%s)", w.pid, w.code, w.status)
			case w == m.cur:
				m.cur = nil
				m.alertf("Current worker (%d) exited with code %d (%s)", w.pid, w.code, w.status)
				if !stopping {
					// exit-on-failure, haproxy's default: stop everything.
					m.alertf("exit-on-failure: killing every processes with SIGTERM")
					stopping = true
					m.signalAll(syscall.SIGTERM)
					exitCode = w.code
				}
			}
			if stopping && m.cur == nil && len(m.old) == 0 && pending == nil {
				m.sockets.close()
				m.warnf("All workers exited. Exiting... (%d)", exitCode)
				return exitCode
			}
		}
	}
}

// adopt makes w the current worker, keeping its sockets for the next one.
func (m *master) adopt(w *worker, h *handover) {
	m.sockets.close()
	m.sockets = h
	m.cur = w
}

func (m *master) signalAll(sig os.Signal) {
	if m.cur != nil {
		m.cur.cmd.Process.Signal(sig)
	}
	for w := range m.old {
		w.cmd.Process.Signal(sig)
	}
}

// reload re-reads the configuration and starts a new worker; on failure
// the current worker keeps serving. It returns the new worker, or nil.
func (m *master) reload() *worker {
	m.sdNotify(sdnotify.Reloading)
	m.notef("Reloading HAProxy")
	// haproxy's master re-executes itself, which sends RELOADING=1 again.
	m.sdNotify(sdnotify.Reloading)
	if _, ok := loadConfig(m.o, m.stderr, m.o.quiet); !ok {
		m.warnf("Loading failure!")
		m.sdNotify(sdnotify.Ready(m.pid))
		return nil
	}
	w, err := m.start()
	if err != nil {
		m.alertf("%v", err)
		m.warnf("Loading failure!")
		m.sdNotify(sdnotify.Ready(m.pid))
		return nil
	}
	return w
}

// start forks a worker: the same program and arguments, the control
// socket as descriptor 3 and the current listening sockets after it.
func (m *master) start() (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find own executable: %w", err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "ctl"), os.NewFile(uintptr(fds[1]), "ctl")
	defer theirs.Close()
	ctl, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	cmd := exec.Command(exe, m.args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, m.stderr
	env := []string{envWorker + "=3", envKeys + "=" + strings.Join(m.sockets.keys, ",")}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, sdnotify.Env+"=") && !strings.HasPrefix(e, envWorker+"=") &&
			!strings.HasPrefix(e, envKeys+"=") && !strings.HasPrefix(e, envDaemon+"=") {
			env = append(env, e)
		}
	}
	cmd.Env = env
	cmd.ExtraFiles = append([]*os.File{theirs}, m.sockets.files...)
	if err := cmd.Start(); err != nil {
		ctl.Close()
		return nil, fmt.Errorf("cannot fork a worker: %w", err)
	}
	w := &worker{cmd: cmd, pid: cmd.Process.Pid, exited: make(chan struct{})}
	m.notef("New worker (%d) forked", w.pid)
	go m.readControl(w, ctl.(*net.UnixConn))
	go func() {
		err := cmd.Wait()
		w.code, w.status = exitStatus(err, cmd.ProcessState)
		close(w.exited)
	}()
	return w, nil
}

// readControl receives the worker's sockets ("L <key>" with one
// descriptor each) and "READY", then reports the worker's exit.
func (m *master) readControl(w *worker, c *net.UnixConn) {
	defer c.Close()
	h := &handover{}
	buf := make([]byte, 4096)
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			break
		}
		msg := string(buf[:n])
		switch {
		case strings.HasPrefix(msg, "L "):
			fd, ok := oneFD(oob[:oobn])
			if !ok {
				continue
			}
			h.keys = append(h.keys, msg[2:])
			h.files = append(h.files, os.NewFile(uintptr(fd), msg[2:]))
		case msg == "READY":
			m.events <- masterEvent{w: w, ready: h}
			h = &handover{}
		}
	}
	h.close()
	<-w.exited
	m.events <- masterEvent{w: w}
}

// oneFD extracts the single descriptor of an SCM_RIGHTS message.
func oneFD(oob []byte) (int, bool) {
	cms, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return -1, false
	}
	for _, cm := range cms {
		fds, err := syscall.ParseUnixRights(&cm)
		if err == nil && len(fds) > 0 {
			for _, extra := range fds[1:] {
				syscall.Close(extra)
			}
			syscall.CloseOnExec(fds[0])
			return fds[0], true
		}
	}
	return -1, false
}

// exitStatus is haproxy's "code N (text)" of an ended worker: the exit
// status ("Exit"), or 128+signal and the signal's name.
func exitStatus(err error, st *os.ProcessState) (int, string) {
	if st == nil {
		return 255, "Exit"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), sigText(ws.Signal())
	}
	code := st.ExitCode()
	if code > 128 && code < 128+65 {
		return code, sigText(syscall.Signal(code - 128))
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 255, "Exit"
	}
	return code, "Exit"
}

func sigText(s syscall.Signal) string {
	t := s.String()
	if t != "" && t[0] >= 'a' && t[0] <= 'z' {
		t = string(t[0]-'a'+'A') + t[1:]
	}
	return t
}

// workerControl is the worker's side of the control socket, or nil when
// the process is not a worker.
type workerControl struct {
	c *net.UnixConn
}

// inheritWorker reads the worker environment: the control socket and the
// listening sockets handed over, as listeners by key.
func inheritWorker() (*workerControl, map[string]net.Listener, error) {
	v := os.Getenv(envWorker)
	if v == "" {
		return nil, nil, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%s=%q: %w", envWorker, v, err)
	}
	f := os.NewFile(uintptr(fd), "ctl")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("control socket: %w", err)
	}
	wc := &workerControl{c: c.(*net.UnixConn)}
	inherited := map[string]net.Listener{}
	if keys := os.Getenv(envKeys); keys != "" {
		for i, k := range strings.Split(keys, ",") {
			lf := os.NewFile(uintptr(fd+1+i), k)
			l, err := net.FileListener(lf)
			lf.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("inherited socket %s: %w", k, err)
			}
			inherited[k] = l
		}
	}
	os.Unsetenv(envWorker)
	os.Unsetenv(envKeys)
	return wc, inherited, nil
}

// ready sends the worker's listening sockets and "READY" to the master.
func (wc *workerControl) ready(p *proxy.Proxy) error {
	keys, files, err := p.ListenerFiles()
	if err != nil {
		return err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for i, k := range keys {
		if _, _, err := wc.c.WriteMsgUnix([]byte("L "+k), syscall.UnixRights(int(files[i].Fd())), nil); err != nil {
			return fmt.Errorf("hand over %s: %w", k, err)
		}
	}
	if _, err := wc.c.Write([]byte("READY")); err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	return nil
}

// masterGone returns a channel closed when the master's end of the
// control socket closes (the master died).
func (wc *workerControl) masterGone() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := wc.c.Read(buf); err != nil {
				close(ch)
				return
			}
		}
	}()
	return ch
}
