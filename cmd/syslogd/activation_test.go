package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"

	"github.com/haplog/haplog/internal/testkit"
)

// TestKill9SocketActivation: the binary started as systemd starts a
// socket-activated service (the socket open as descriptor 3, LISTEN_FDS=1,
// LISTEN_PID its own pid) reads that socket; killed -9, it loses none of
// the datagrams sent while it is down: they wait in the socket the
// supervisor (here the test) holds, and the restarted syslogd writes them.
// Without activation those sends are refused (ICMP port unreachable) and
// lost.
func TestKill9SocketActivation(t *testing.T) {
	bin := filepath.Join(testkit.GoBuild(t, "."), "syslogd")
	dir := t.TempDir()
	sock, addr := testkit.UDPSocketFile(t)
	out := filepath.Join(dir, "out.log")
	conf := filepath.Join(dir, "s.conf")
	testkit.WriteFile(t, conf, "local0.* "+out+"\n")
	start := func() *testkit.Process {
		cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`,
			bin, "-f", conf, "-udp", addr, "-tcp", "", "-unix", "", "-no-rotate")
		cmd.ExtraFiles = []*os.File{sock}
		return testkit.Start(t, cmd)
	}
	c := dialUDP(t, addr)
	send := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if _, err := fmt.Fprintf(c, "<134>Dec  5 10:00:00 h app: n=%d", i); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
	}
	num := regexp.MustCompile(`n=(\d+)`)
	written := func() map[int]int {
		data, _ := os.ReadFile(out)
		seen := map[int]int{}
		for _, m := range num.FindAllSubmatch(data, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			seen[n]++
		}
		return seen
	}
	// n datagrams in each phase: few enough for the kernel's default
	// receive buffer (a queued datagram takes ~1 KiB of it), and paced in
	// the first run (the point is the kill, not the buffer).
	const n = 100
	p := start()
	for i := 0; i < n; i += 10 {
		send(i, i+10)
		p.Eventually(t, "first run's lines written", func() bool { return len(written()) == i+10 })
	}
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	send(n, 2*n) // syslogd is down
	p = start()
	p.Eventually(t, "lines sent while down written", func() bool { return len(written()) == 2*n })
	for i, k := range written() {
		if k != 1 || i < 0 || i >= 2*n {
			t.Errorf("n=%d written %d times", i, k)
		}
	}
}
