package testkit

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haplog/haplog/internal/testbackend"
)

// FreePort returns a TCP port of 127.0.0.1 that is free now, for a program
// that is given its port in a configuration (haproxy, the proxy) and cannot
// report a port 0; see [testbackend.FreePort] for why it is taken below the
// ephemeral range.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := testbackend.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// FreeAddr returns an address "127.0.0.1:PORT" that was free a moment ago
// on network ("tcp" or "udp"), taken from the kernel (port 0), for a
// program that is told where to listen on its command line.
func FreeAddr(t testing.TB, network string) string {
	t.Helper()
	var (
		a   net.Addr
		err error
	)
	switch network {
	case "udp":
		var c net.PacketConn
		if c, err = net.ListenPacket("udp", "127.0.0.1:0"); err == nil {
			a = c.LocalAddr()
			c.Close()
		}
	default:
		var l net.Listener
		if l, err = net.Listen(network, "127.0.0.1:0"); err == nil {
			a = l.Addr()
			l.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return a.String()
}

// UDPSocketFile binds a UDP socket on a free port of 127.0.0.1 and
// returns it as a file, the way a supervisor passes a socket to a
// program it starts (systemd's socket activation), with its address. Only
// the file holds the socket; it is closed when the test ends.
func UDPSocketFile(t testing.TB) (*os.File, string) {
	t.Helper()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	f, err := uc.File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, uc.LocalAddr().String()
}

// WriteFile writes text to the file path (mode 0644), failing the test if
// it cannot, and returns path: a configuration for a program under test,
// typically in t.TempDir().
func WriteFile(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Run runs cmd to its end and returns its exit status, stdout and stderr
// (those cmd.Stdout and cmd.Stderr do not already take); a program killed
// by a signal has status -1. One that cannot be started fails the test.
func Run(t testing.TB, cmd *exec.Cmd) (rc int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &errb
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		rc = ee.ExitCode()
	default:
		t.Fatalf("run %s %v: %v", cmd.Path, cmd.Args[1:], err)
	}
	return rc, out.String(), errb.String()
}

// GoBuild builds the packages pkgs (paths as "go build" takes them,
// relative to the test's directory) into a new temporary directory and
// returns that directory, where each command is named after its package.
// The test is skipped with -short or when the go command is not found.
func GoBuild(t testing.TB, pkgs ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds commands; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build ", pkgs)
	}
	dir := t.TempDir()
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)
	if out, err := exec.Command(gobin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", pkgs, err, out)
	}
	return dir
}
