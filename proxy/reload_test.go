package proxy

import (
	"bufio"
	"context"
	"io"
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
	arrived := make(chan struct{}, 1)
	origin := slowOrigin(t, ctx, "s1", arrived)
	sink := newLogSink(t)
	// The first proxy binds port 0 and the second one the port it got: a
	// port picked in advance could meanwhile be bound by another test
	// process, and SO_REUSEPORT would then share it with that process.
	text := func(port int) string {
		return "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
			"defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n" +
			"frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(port) + "\n    default_backend be\n" +
			"backend be\n    server s1 " + origin + "\n"
	}
	start := func(pid, port int) (*Proxy, chan error) {
		p, err := New(parseText(t, text(port)), Options{PID: pid})
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
	waitArrived(t, arrived)

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

// TestReloadSwapsPlan reloads a serving proxy in place: the listener is
// handed to the new plan (same socket, no refusal), a connection accepted
// before the reload keeps the plan it started with (its in-flight request
// and its next keep-alive request go to the old backend), connections
// accepted after it use the new plan, a frontend added by the new
// configuration listens, one removed stops listening, and a configuration
// that cannot be provisioned leaves the running plan in place.
func TestReloadSwapsPlan(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrived := make(chan struct{}, 1)
	oldSrv, newSrv := slowOrigin(t, ctx, "a", arrived), slowOrigin(t, ctx, "b", arrived)
	sink := newLogSink(t)
	head := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"
	parse := func(text string) *config.Config { return parseText(t, text) }
	cfg1 := parse(head + "frontend fe\n    bind 127.0.0.1:0\n    default_backend be1\n" +
		"frontend gone\n    bind 127.0.0.1:0\n    default_backend be1\n" +
		"backend be1\n    server s1 " + oldSrv + "\n")
	p, err := New(cfg1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	address := addr(t, p, "fe", false)
	goneAddr := addr(t, p, "gone", false)
	// A keep-alive connection and an in-flight request, both accepted
	// before the reload.
	kept := mustDial(t, address)
	defer kept.Close()
	kept.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(kept)
	keepReq := "GET /kept?sz=1 HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(kept, keepReq); err != nil {
		t.Fatal(err)
	}
	if err := readBenchResponse(br); err != nil {
		t.Fatal(err)
	}
	sink.next(t, `fe be1/s1 .*"GET /kept`)
	inflight := make(chan string, 1)
	go func() { inflight <- roundTrip(t, address, get("/slow?d=800&sz=7")) }()
	waitArrived(t, arrived)

	port := p.Addrs("fe")[0].(*net.TCPAddr).Port
	cfg2 := parse(head + "frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(port) + "\n    default_backend be2\n" +
		"frontend added\n    bind 127.0.0.1:0\n    default_backend be2\n" +
		"backend be2\n    server s2 " + newSrv + "\n")
	bad := parse(head + "frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(port) + "\n    default_backend be2\n" +
		"backend be2\n    server s2 " + newSrv + "\n")
	bad.Proxies[0].Index = 7 // not built by config.Parse: provisioning fails
	if err := p.Reload(bad); err == nil || !strings.Contains(err.Error(), "Index 7") {
		t.Fatalf("Reload(bad) = %v, want the Index error", err)
	}
	if resp := roundTrip(t, address, get("/still?sz=1")); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
		t.Fatalf("after a failed reload: %q", resp)
	}
	sink.next(t, `fe be1/s1 .*"GET /still`)

	if err := p.Reload(cfg2); err != nil {
		t.Fatal(err)
	}
	if got := p.Addrs("fe")[0].(*net.TCPAddr).Port; got != port {
		t.Fatalf("fe listens on port %d after the reload, want %d", got, port)
	}
	// A new connection runs on the new plan.
	if resp := roundTrip(t, address, get("/new?sz=1")); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
		t.Fatalf("new connection after the reload: %q", resp)
	}
	sink.next(t, `fe be2/s2 .*"GET /new`)
	if resp := roundTrip(t, addr(t, p, "added", false), get("/added?sz=1")); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
		t.Fatalf("added frontend: %q", resp)
	}
	sink.next(t, `added be2/s2 .*"GET /added`)
	if c, err := net.DialTimeout("tcp", goneAddr, 2*time.Second); err == nil {
		c.Close()
		t.Errorf("the removed frontend's address %s still accepts", goneAddr)
	}
	// The connections accepted before finish on the old plan.
	if resp := <-inflight; !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.HasSuffix(resp, "0123456") {
		t.Errorf("in-flight response = %q", resp)
	}
	sink.next(t, `fe be1/s1 .*"GET /slow`)
	if _, err := io.WriteString(kept, keepReq); err != nil {
		t.Fatal(err)
	}
	if err := readBenchResponse(br); err != nil {
		t.Fatal(err)
	}
	sink.next(t, `fe be1/s1 .*"GET /kept`)
	kept.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// slowOrigin serves the test backend named name on a free port and sends
// on arrived when a "/slow?" request reaches it; it returns its address.
func slowOrigin(t *testing.T, ctx context.Context, name string, arrived chan<- struct{}) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &testbackend.HTTP{Name: name, OnRequest: func(target string) {
		if strings.HasPrefix(target, "/slow?") {
			arrived <- struct{}{}
		}
	}}
	go o.Serve(ctx, l)
	return l.Addr().String()
}

// waitArrived waits for a request to reach a slowOrigin.
func waitArrived(t *testing.T, arrived <-chan struct{}) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never reached the origin")
	}
}

// parseText parses a configuration given as text.
func parseText(t *testing.T, text string) *config.Config {
	t.Helper()
	cfg, err := config.ParseReader("r.cfg", strings.NewReader(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
