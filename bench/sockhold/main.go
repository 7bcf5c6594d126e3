// Command sockhold plays systemd's part in socket activation for the
// side-by-side harness (bench/kafka.sh): it binds a UDP socket, passes it
// to a program (LISTEN_FDS=1, LISTEN_PID set to the program's pid, the
// socket as fd 3) and keeps its own copy open; when the program dies, for
// whatever reason (kill -9), it starts it again at once with the same
// socket, as a service with Restart=always and RestartSec=0. Datagrams
// that arrive while no program runs, and those the killed program had not
// read yet, wait in the socket's receive buffer for the next one.
//
//	sockhold -udp 127.0.0.1:5514 [-rcvbuf 33554432] -pidfile FILE -- PROG ARGS...
//
// FILE holds the pid of the running program (written before it is
// started again, replaced by rename). SIGINT/SIGTERM are passed to the
// program, and sockhold exits when it has.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("udp", "127.0.0.1:5514", "UDP address to bind")
	rcv := flag.Int("rcvbuf", 32<<20, "receive buffer to request (SO_RCVBUFFORCE, else SO_RCVBUF), as systemd's ReceiveBuffer=")
	pidfile := flag.String("pidfile", "", "file to write the running program's pid to")
	flag.Parse()
	if flag.NArg() == 0 || *pidfile == "" {
		fmt.Fprintln(os.Stderr, "usage: sockhold -udp ADDR -pidfile FILE -- PROG ARGS...")
		os.Exit(2)
	}
	if err := run(*addr, *rcv, *pidfile, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "sockhold:", err)
		os.Exit(1)
	}
}

func run(addr string, rcv int, pidfile string, argv []string) error {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("-udp %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return err
	}
	sock, err := c.File() // a dup: the copy passed to each program
	if err != nil {
		return err
	}
	_ = c.Close()
	if err := setRcvBuf(sock, rcv); err != nil {
		return err
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	quick := 0 // programs in a row that lived less than a second
	for {
		// LISTEN_PID must be the program's pid, known only after the
		// fork: a shell sets it to its own and execs the program.
		cmd := exec.Command("/bin/sh", append([]string{"-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`}, argv...)...)
		cmd.ExtraFiles = []*os.File{sock}
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		if err := writePid(pidfile, cmd.Process.Pid); err != nil {
			_ = cmd.Process.Kill()
			return err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case s := <-sig:
			_ = cmd.Process.Signal(s)
			<-exited
			return nil
		case err := <-exited:
			fmt.Fprintf(os.Stderr, "sockhold: %s exited (%v): started again\n", argv[0], err)
		}
		if time.Since(start) < time.Second {
			quick++
		} else {
			quick = 0
		}
		if quick >= 5 {
			return errors.New("the program died 5 times within a second of its start: given up")
		}
	}
}

func setRcvBuf(f *os.File, n int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) != nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("SO_RCVBUF %d: %w", n, serr)
	}
	return nil
}

func writePid(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
