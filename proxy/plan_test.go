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
	origin := func(name string) string {
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
	oldSrv, newSrv := origin("a"), origin("b")
	sink := newLogSink(t)
	head := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    option httplog\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"
	parse := func(text string) *config.Config {
		cfg, err := config.ParseReader("plan.cfg", strings.NewReader(text), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
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
	kept, err := net.DialTimeout("tcp", address, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
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
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never reached the origin")
	}

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
