//go:build unix

package testkit

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// BrokerProc is bench/kfakebroker run as a child process: a broker whose
// CPU is not the test's (benchmarks of CPU per message) and that other
// programs can reach on a fixed port.
type BrokerProc struct {
	Addr string
	*Process
}

// StartBrokerProcess builds bench/kfakebroker and runs it on a free
// loopback port with topic (partitions partitions) for the rest of the test.
func StartBrokerProcess(t testing.TB, topic string, partitions int32) *BrokerProc {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kfakebroker")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/haplog/haplog/bench/kfakebroker").CombinedOutput(); err != nil {
		t.Fatalf("build kfakebroker: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := Start(t, exec.Command(bin, "-addr", addr, "-topic", topic, "-partitions", strconv.Itoa(int(partitions))))
	p.WaitDial(t, "tcp", addr)
	return &BrokerProc{Addr: addr, Process: p}
}

// Cut makes the broker unreachable (SIGUSR1).
func (b *BrokerProc) Cut() error { return b.Cmd.Process.Signal(syscall.SIGUSR1) }

// Restore makes it reachable again (SIGUSR2).
func (b *BrokerProc) Restore() error { return b.Cmd.Process.Signal(syscall.SIGUSR2) }
