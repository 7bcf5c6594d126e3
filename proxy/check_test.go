package proxy

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"testing"

	"github.com/haplog/haplog/internal/testbackend"
)

// TestHealthCheckDownUp watches an HTTP-checked server go DOWN (nothing
// listens) then UP (an origin appears), and a 503-answering server fail its
// expect rule, with HAProxy's messages and levels.
func TestHealthCheckDownUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := newLogSink(t)
	port := freePort(t, "tcp4")
	text := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    timeout connect 500ms\n    timeout check 500ms\n" +
		"backend be\n    option httpchk HEAD /_health HTTP/1.1\\r\\nHost:\\ localhost\n    http-check expect status 200\n" +
		"    server s1 127.0.0.1:" + strconv.Itoa(port) + " check inter 50 fall 2 rise 2\n" +
		"    server s2 127.0.0.1:" + strconv.Itoa(port) + " check inter 50 fall 1 rise 1 backup\n"
	runProxy(t, text)

	// s2 (fall 1) goes first, while s1 (fall 2) still runs.
	if line := sink.next(t, `^Backup Server be/s2 is DOWN`); !regexp.MustCompile(`: Backup Server be/s2 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 1 active and 0 backup servers left\. 0 sessions active`).MatchString(line) {
		t.Errorf("backup DOWN line = %q", line)
	}
	down := sink.next(t, `^Server be/s1 is DOWN`)
	re := regexp.MustCompile(`^<129>.* haproxy\[\d+\]: Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 0 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.\n$`)
	if !re.MatchString(down) {
		t.Errorf("DOWN line = %q", down)
	}
	if line := sink.next(t, `no server available`); !regexp.MustCompile(`^<128>.*: backend be has no server available!\n$`).MatchString(line) {
		t.Errorf("no-server line = %q", line)
	}

	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", port, err)
	}
	go (&testbackend.HTTP{Name: "s1"}).Serve(ctx, l)
	up := sink.next(t, `^Server be/s1 is UP`)
	re = regexp.MustCompile(`^<133>.*: Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: \d+ms\. 1 active and (0|1) backup servers online\. 0 sessions requeued, 0 total in queue\.\n$`)
	if !re.MatchString(up) {
		t.Errorf("UP line = %q", up)
	}
}
