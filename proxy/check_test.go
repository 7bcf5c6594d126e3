package proxy

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// TestHealthCheckDownUp watches an HTTP-checked server go DOWN (nothing
// listens) then UP (an origin appears), and a 503-answering server fail its
// expect rule, with HAProxy's messages and levels.
func TestHealthCheckDownUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := newLogSink(t)
	port := testkit.FreePort(t)
	text := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    timeout connect 500ms\n    timeout check 500ms\n" +
		"backend be\n    option httpchk HEAD /_health HTTP/1.1\\r\\nHost:\\ localhost\n    http-check expect status 200\n" +
		"    server s1 127.0.0.1:" + strconv.Itoa(port) + " check inter 50 fall 2 rise 2\n" +
		"    server s2 127.0.0.1:" + strconv.Itoa(port) + " check inter 50 fall 1 rise 1 backup\n"
	runProxy(t, text)

	// Both servers start UP with health at rise, so each goes DOWN on its
	// first failed check (fall does not apply yet); the checks start
	// together (inter < 1s, no spread), in either order.
	first := sink.next(t, `is DOWN`)
	second := sink.next(t, `is DOWN`)
	s2Left, s1Left := `1 active and 0 backup servers left\.`, `0 active and 0 backup servers left\.`
	if strings.Contains(payload(first), "be/s1") { // s1 went first
		first, second = second, first
		s2Left, s1Left = `0 active and 0 backup servers left\.`, `0 active and 1 backup servers left\. Running on backup\.`
	}
	if !regexp.MustCompile(`^<129>.*: Backup Server be/s2 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. ` + s2Left + ` 0 sessions active`).MatchString(first) {
		t.Errorf("backup DOWN line = %q", first)
	}
	re := regexp.MustCompile(`^<129>.* haproxy\[\d+\]: Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. ` + s1Left + ` 0 sessions active, 0 requeued, 0 remaining in queue\.\n$`)
	if !re.MatchString(second) {
		t.Errorf("DOWN line = %q", second)
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

// startStateConfig has a dead server with the default rise 2 / fall 3, a
// dead one with rise 3 / fall 2 and a live one, with log-health-checks.
func startStateConfig(logPort, bindPort, dead, live int) string {
	return "global\n    log 127.0.0.1:" + strconv.Itoa(logPort) + " local0\n" +
		"defaults\n    mode http\n    log global\n    timeout connect 500ms\n    timeout client 5s\n    timeout server 5s\n    timeout check 500ms\n" +
		"frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(bindPort) + "\n    default_backend be\n" +
		"backend be\n    option log-health-checks\n" +
		"    server d1 127.0.0.1:" + strconv.Itoa(dead) + " check inter 300\n" +
		"    server d2 127.0.0.1:" + strconv.Itoa(dead) + " check inter 300 rise 3 fall 2\n" +
		"    server a1 127.0.0.1:" + strconv.Itoa(live) + " check inter 300\n"
}

// firstCheckLines returns, per server, the first "Health check" line and
// the first "is DOWN"/"is UP" line, check durations masked.
func firstCheckLines(t *testing.T, sink *logSink) map[string]string {
	t.Helper()
	got := map[string]string{}
	dur := regexp.MustCompile(`check duration: \d+ms`)
	name := regexp.MustCompile(`be/(\w+)`)
	for len(got) < 5 {
		d := sink.next(t, `^(Health check for|Server be/)`)
		p := dur.ReplaceAllString(payload(d), "check duration: Nms")
		key := name.FindStringSubmatch(p)[1]
		if strings.HasPrefix(p, "Server") {
			key += "-state"
		}
		if _, ok := got[key]; !ok {
			got[key] = d[:5] + " " + p
		}
	}
	return got
}

// TestHealthCheckStartState checks HAProxy's initial check state: servers
// start UP with health at rise, so the first failed check logs
// "status: 0/<rise> DOWN" and takes the server DOWN whatever fall is, and
// the first passed check goes straight to "<fall>/<fall> UP". The expected
// lines were logged by haproxy 2.6.12 (TestDifferentialHealthCheckStart
// compares live).
func TestHealthCheckStartState(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := newLogSink(t)
	live, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.TCP{Mode: testbackend.Echo}).Serve(ctx, live)
	runProxy(t, startStateConfig(sink.port(), 0, testkit.FreePort(t), live.Addr().(*net.TCPAddr).Port))
	got := firstCheckLines(t, sink)
	want := map[string]string{
		"d1":       `<133> Health check for server be/d1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms, status: 0/2 DOWN.`,
		"d1-state": `<129> Server be/d1 is DOWN. `,
		"d2":       `<133> Health check for server be/d2 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms, status: 0/3 DOWN.`,
		"d2-state": `<129> Server be/d2 is DOWN. `,
		"a1":       `<133> Health check for server be/a1 succeeded, reason: Layer4 check passed, check duration: Nms, status: 3/3 UP.`,
	}
	for k, w := range want {
		if !strings.HasPrefix(got[k], w) {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// TestDifferentialHealthCheckStart runs the same configuration in the
// real haproxy and compares the first check lines (skips without it).
func TestDifferentialHealthCheckStart(t *testing.T) {
	haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.TCP{Mode: testbackend.Echo}).Serve(ctx, live)
	dead, lp := testkit.FreePort(t), live.Addr().(*net.TCPAddr).Port
	sinkH, sinkP := newLogSink(t), newLogSink(t)
	testkit.StartHAProxy(t, startStateConfig(sinkH.port(), testkit.FreePort(t), dead, lp))
	runProxy(t, startStateConfig(sinkP.port(), 0, dead, lp))
	want, got := firstCheckLines(t, sinkH), firstCheckLines(t, sinkP)
	left := regexp.MustCompile(`\d+ active and \d+ backup servers left\.`) // order-dependent
	for k, w := range want {
		if g := left.ReplaceAllString(got[k], "N left."); g != left.ReplaceAllString(w, "N left.") {
			t.Errorf("%s:\n got %q\nwant %q", k, got[k], w)
		}
	}
}
