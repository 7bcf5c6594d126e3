package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// envDaemon names, in the daemonised child, the descriptor of the pipe on
// which it reports that it serves.
const envDaemon = "HAPLOG_DAEMON_READY"

// daemonize is -D / "daemon" in the parent: it starts the same command
// again in a new session, detached from the terminal, and returns once
// the child serves (exit 0) or failed (exit 1). Go cannot fork a running
// process, so the child re-reads the configuration; it prints nothing
// the parent already printed.
func daemonize(args []string, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		alertf(stderr, "cannot find own executable: %v", err)
		return 1
	}
	r, w, err := os.Pipe()
	if err != nil {
		alertf(stderr, "pipe: %v", err)
		return 1
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), envDaemon+"=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = os.Stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		alertf(stderr, "cannot fork: %v", err)
		return 1
	}
	w.Close()
	buf := make([]byte, 8)
	n, _ := r.Read(buf)
	r.Close()
	if string(buf[:n]) == "OK" {
		cmd.Process.Release()
		return 0
	}
	cmd.Wait()
	return 1
}

// daemonChild returns, in a daemonised child, the function to call once
// it serves: it tells the parent and detaches the standard descriptors
// (they go to /dev/null, as haproxy's daemon mode closes them). Nil when
// the process is not a daemon child.
func daemonChild() func() {
	v := os.Getenv(envDaemon)
	if v == "" {
		return nil
	}
	os.Unsetenv(envDaemon)
	fd, err := strconv.Atoi(v)
	if err != nil {
		return nil
	}
	syscall.CloseOnExec(fd)
	pipe := os.NewFile(uintptr(fd), "ready")
	return func() {
		if null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
			for _, std := range []int{0, 1, 2} {
				syscall.Dup3(int(null.Fd()), std, 0)
			}
			null.Close()
		}
		fmt.Fprint(pipe, "OK")
		pipe.Close()
	}
}
