package proxy

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/proxy/config"
)

// TestReloadSoftStop plays a reload: a second proxy binds the same port
// while the first still serves (SO_REUSEPORT), the first soft-stops, its
// in-flight request completes, and new requests reach the second one.
func TestReloadSoftStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 1)
	origin := &testbackend.HTTP{Name: "s1", OnRequest: func(target string) {
		if strings.HasPrefix(target, "/slow?") {
			arrived <- struct{}{}
		}
	}}
	go origin.Serve(ctx, bl)
	sink := newLogSink(t)
	// The first proxy binds port 0 and the second one the port it got: a
	// port picked in advance could meanwhile be bound by another test
	// process, and SO_REUSEPORT would then share it with that process.
	text := func(port int) string {
		return "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
			"defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
			"frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(port) + "\n    default_backend be\n" +
			"backend be\n    server s1 " + bl.Addr().String() + "\n"
	}
	start := func(pid, port int) (*Proxy, chan error) {
		cfg, err := config.ParseReader("r.cfg", strings.NewReader(text(port)), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(cfg, Options{PID: pid})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Listen(); err != nil {
			t.Fatalf("proxy %d: %v", pid, err)
		}
		done := make(chan error, 1)
		go func() { done <- p.Serve(ctx) }()
		return p, done
	}
	old, oldDone := start(1111, 0)
	address := addr(t, old, "fe", false)
	port := old.Addrs("fe")[0].(*net.TCPAddr).Port

	inflight := make(chan string, 1)
	go func() { inflight <- roundTrip(t, address, get("/slow?d=800&sz=7")) }()
	// The backend's cumulated count moves when the request reaches it.
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never reached the origin")
	}

	_, newDone := start(2222, port) // binds the same address while the old one listens
	old.SoftStop()
	if line := sink.next(t, `^Proxy fe stopped`); !strings.Contains(line, "haproxy[1111]: Proxy fe stopped (cumulated conns: FE: 1, BE: 0).") || !strings.HasPrefix(line, "<132>") {
		t.Errorf("stopped line = %q", line)
	}
	if line := sink.next(t, `^Proxy be stopped`); !strings.Contains(line, "Proxy be stopped (cumulated conns: FE: 0, BE: 1).") {
		t.Errorf("stopped line = %q", line)
	}
	if resp := <-inflight; !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.HasSuffix(resp, "0123456") {
		t.Errorf("in-flight response = %q", resp)
	}
	if line := sink.next(t, `/slow\?`); !strings.Contains(line, "haproxy[1111]:") || !strings.Contains(line, " 200 ") {
		t.Errorf("in-flight log = %q", line)
	}
	select {
	case <-oldDone:
	case <-time.After(5 * time.Second):
		t.Fatal("old proxy did not exit after draining")
	}
	for i := range 5 {
		if resp := roundTrip(t, address, get("/after?sz=1")); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
			t.Fatalf("request %d after reload: %q", i, resp)
		}
		if line := sink.next(t, `/after`); !strings.Contains(line, "haproxy[2222]:") {
			t.Errorf("request %d logged by %q, want the new process", i, line)
		}
	}
	cancel()
	<-newDone
}
