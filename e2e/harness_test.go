package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/halog"
	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy"
	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/rotate"
	"github.com/haplog/haplog/syslogd"
)

// waitFor bounds every poll of the tests.
const waitFor = 20 * time.Second

// File names written by syslogd with testdata/rsyslog-haproxy.conf.
const (
	infoFile    = "haproxy-info.log"
	adminFile   = "haproxy-allbutinfo.log"
	trafficFile = "haproxy-traffic.log"
)

// pipeline is one running instance of backends -> proxy -> syslogd.
type pipeline struct {
	dir string // where syslogd writes
	srv *syslogd.Server
	px  *proxy.Proxy

	web, echo string // frontend addresses

	stopProxy   func() // hard stop; waits for Serve to return
	stopSyslogd func() // drains, flushes, closes; waits for Run to return
}

// startPipeline starts the demo backends, syslogd with the users' rsyslog
// configuration (paths moved to a temporary directory) and the rotation
// policy in logrotateConf, then the proxy. It returns once the dead server
// web3 has been reported DOWN in the admin file, so that no request is
// balanced to it.
func startPipeline(t *testing.T, logrotateConf string) *pipeline {
	t.Helper()
	pl := &pipeline{dir: t.TempDir()}
	ports := startBackends(t)

	// syslogd.
	conf := readTestdata(t, "rsyslog-haproxy.conf")
	conf = strings.ReplaceAll(conf, "/var/log/haproxy", pl.dir)
	confPath := testkit.WriteFile(t, filepath.Join(pl.dir, "rsyslog.conf"), conf)
	rc, err := rotate.ParseConfig(strings.NewReader(strings.NewReplacer("@DIR@", pl.dir, "/var/log/haproxy", pl.dir).Replace(logrotateConf)), "logrotate.conf")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := syslogd.New(syslogd.Options{
		ConfigPath: confPath,
		UDP:        []string{"127.0.0.1:0"},
		TCP:        []string{},
		Unix:       []string{},
		Rotation: func(path string) rotate.Options {
			o, ok := rc.OptionsFor(path)
			if !ok {
				t.Errorf("no logrotate rule for %s", path)
				return syslogd.DefaultRotation(path)
			}
			return o
		},
		Location:   time.UTC,
		LookupAddr: func(netip.Addr) string { return "localhost" },
	})
	if err != nil {
		t.Fatal(err)
	}
	pl.srv = srv
	udp, _, _ := srv.Addrs()
	if len(udp) != 1 {
		t.Fatalf("syslogd UDP addresses: %v", udp)
	}
	pl.stopSyslogd = runStoppable(t, "syslogd", srv.Run)

	// Proxy.
	cfgText := readTestdata(t, "haproxy.cfg")
	ports["LOG"] = udp[0].(*net.UDPAddr).Port
	for name, port := range ports {
		cfgText = strings.ReplaceAll(cfgText, "@"+name+"@", strconv.Itoa(port))
	}
	cfg, err := config.ParseReader("haproxy.cfg", strings.NewReader(cfgText), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("proxy config: %v\n%s", err, cfgText)
	}
	px, err := proxy.New(cfg, proxy.Options{Hostname: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if err := px.Listen(); err != nil {
		t.Fatal(err)
	}
	pl.px = px
	pl.web = px.Addrs("web")[0].String()
	pl.echo = px.Addrs("echo")[0].String()
	pl.stopProxy = runStoppable(t, "proxy", px.Serve)

	pl.waitLines(t, adminFile, "web3 DOWN line", func(lines []string) bool {
		for _, ln := range lines {
			if downRe.MatchString(payload(ln)) {
				return true
			}
		}
		return false
	})
	return pl
}

// startBackends starts the demo backends in process, each on a free port
// of 127.0.0.1: the HTTP servers web1, web2 and api1, the TCP echo server
// echo1, and dead, a port nothing listens on. It returns their ports by
// upper-case name; the backends stop, and are waited for, when the test
// ends.
func startBackends(t *testing.T) map[string]int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	ports := map[string]int{}
	ports["DEAD"] = testkit.RefusedPort(t) // bound, not listening: refused
	for _, name := range []string{"web1", "web2", "api1", "echo1"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[strings.ToUpper(name)] = l.Addr().(*net.TCPAddr).Port
		var serve func(context.Context, net.Listener) error
		switch name {
		case "echo1":
			serve = (&testbackend.TCP{Mode: testbackend.Echo}).Serve
		default:
			serve = (&testbackend.HTTP{Name: name}).Serve
		}
		wg.Go(func() { serve(ctx, l) })
	}
	return ports
}

// runStoppable runs run in a goroutine until the returned stop function
// (also called at cleanup; later calls do nothing) cancels its context; stop
// waits for it to return, and reports an error it returns or a run that
// does not stop within waitFor.
func runStoppable(t *testing.T, name string, run func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
			case <-time.After(waitFor):
				t.Errorf("%s did not stop", name)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitLines polls path (flushing syslogd first) until ok accepts its lines.
func (pl *pipeline) waitLines(t *testing.T, name, what string, ok func([]string) bool) []string {
	t.Helper()
	var lines []string
	if !testkit.Poll(waitFor, func() bool {
		if err := pl.srv.Flush(); err != nil {
			t.Fatalf("syslogd flush: %v", err)
		}
		lines = readLines(t, filepath.Join(pl.dir, name), true)
		return ok(lines)
	}) {
		t.Fatalf("%s: no %s after %v; %d lines:\n%s", name, what, waitFor, len(lines), strings.Join(lines, "\n"))
	}
	return lines
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readLines returns the lines of a file (missing file: none when missingOK).
func readLines(t *testing.T, path string, missingOK bool) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if missingOK && os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	return splitLines(t, path, b)
}

func splitLines(t *testing.T, name string, b []byte) []string {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	if b[len(b)-1] != '\n' {
		t.Errorf("%s does not end with a newline", name)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// traditionalRe is RSYSLOG_TraditionalFileFormat for the proxy's lines:
// "Mmm dd hh:mm:ss HOST haproxy[PID]: MSG".
var traditionalRe = regexp.MustCompile(`^[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \S+ haproxy\[\d+\]: (.*)$`)

// payload is the message of a traditional-format line ("" if it is not one).
func payload(line string) string {
	m := traditionalRe.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return m[1]
}

// Admin messages HAProxy 2.6 sends (server state changes, proxy start/stop,
// "has no server available!").
var (
	downRe  = regexp.MustCompile(`^Server www/web3 is DOWN, reason: Layer4 connection problem`)
	adminRe = regexp.MustCompile(`^(Server \S+ is (DOWN|UP)|Health check for server \S+|backend \S+ has no server available!|Proxy \S+ (started|stopped))`)
)

// request is one HTTP request the test sent and what the backend answered.
type request struct {
	path    string
	status  int    // the status asked for (and checked in the answer)
	backend string // expected %b
	server  string // expected %s, from the answer's Server header ("" for <NOSRV>)
}

// sendHTTP sends the requests from workers goroutines (each takes the next
// request in turn), on fresh connections or over keep-alive ones, and records
// which server answered each.
func sendHTTP(t *testing.T, web string, reqs []request, workers int, keepAlive bool) {
	t.Helper()
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: workers},
		// 302s are logged as such: do not follow them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       waitFor,
	}
	defer client.CloseIdleConnections()
	do := func(r *request) error {
		resp, err := client.Get("http://" + web + r.path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != r.status {
			return fmt.Errorf("status %d, want %d", resp.StatusCode, r.status)
		}
		if r.backend != "web" {
			name, ok := strings.CutPrefix(resp.Header.Get("Server"), "corpus-")
			if !ok {
				return fmt.Errorf("Server header %q", resp.Header.Get("Server"))
			}
			r.server = name
		}
		return nil
	}
	next := make(chan *request)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for r := range next {
				if err := do(r); err != nil && first == nil {
					first = fmt.Errorf("GET %s: %w", r.path, err)
				}
			}
			errs <- first
		}()
	}
	for i := range reqs {
		next <- &reqs[i]
	}
	close(next)
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// plan returns n requests: statuses cycle through a fixed list, one in four
// goes to the api backend, and every 16th is denied by the frontend. Paths are
// unique so that each log line names its request.
func plan(n int) []request {
	statuses := []int{200, 200, 201, 204, 302, 404, 500, 503, 200}
	reqs := make([]request, n)
	for i := range reqs {
		st := statuses[i%len(statuses)]
		switch {
		case i%16 == 15:
			reqs[i] = request{path: fmt.Sprintf("/admin/r%d", i), status: 403, backend: "web"}
		case i%4 == 3:
			reqs[i] = request{path: fmt.Sprintf("/api/r%d?st=%d&sz=%d", i, st, i%50*10), status: st, backend: "api"}
		default:
			reqs[i] = request{path: fmt.Sprintf("/r%d?st=%d&sz=%d", i, st, i%70*10), status: st, backend: "www"}
		}
	}
	return reqs
}

// sendTCP opens one session on the echo listener, sends msg and reads it
// back.
func sendTCP(t *testing.T, addr, msg string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("echo: got %q, want %q", got, msg)
	}
}

// logLine is one classified line of a file.
type logLine struct {
	kind string // "http", "tcp" or "admin"
	rec  formats.Record
	msg  string
}

var (
	httpFmt = mustCompile(formats.HTTPLogFormat)
	tcpFmt  = mustCompile(formats.TCPLogFormat)
)

func mustCompile(s string) *formats.Format {
	f, err := formats.Compile(s)
	if err != nil {
		panic(err) // a constant of package formats: cannot happen at test time
	}
	return f
}

// classify parses the message of a log line as an httplog line (frontend
// web, 2 request captures), a tcplog line (listener echo) or an admin
// message; anything else fails the test.
func classify(t *testing.T, file, msg string) logLine {
	t.Helper()
	var rec formats.Record
	if strings.HasPrefix(msg, "127.0.0.1:") {
		if err := httpFmt.Parse([]byte(msg), &rec, formats.ParseOptions{ReqCaptures: 2}); err == nil && rec.Frontend == "web" {
			return logLine{kind: "http", rec: rec, msg: msg}
		}
		rec = formats.Record{}
		if err := tcpFmt.Parse([]byte(msg), &rec, formats.ParseOptions{}); err == nil && rec.Frontend == "echo" {
			return logLine{kind: "tcp", rec: rec, msg: msg}
		}
	}
	if adminRe.MatchString(msg) {
		return logLine{kind: "admin", msg: msg}
	}
	t.Errorf("%s: unexpected line %q", file, msg)
	return logLine{kind: "?", msg: msg}
}

// checkTraffic checks that the traffic lines are exactly the requests sent
// (each once, with its status, backend and server) plus one echo session of
// echoBytes, and returns the number of admin lines.
func checkTraffic(t *testing.T, file string, lines []string, reqs []request, echoBytes int) (admin int) {
	t.Helper()
	want := map[string]*request{}
	for i := range reqs {
		want[reqs[i].path] = &reqs[i]
	}
	seen := map[string]int{}
	tcp := 0
	for _, ln := range lines {
		msg := payload(ln)
		if msg == "" {
			t.Errorf("%s: not in the traditional format: %q", file, ln)
			continue
		}
		l := classify(t, file, msg)
		switch l.kind {
		case "admin":
			admin++
		case "tcp":
			tcp++
			if l.rec.Backend != "echo" || l.rec.Server != "echo1" || l.rec.BytesOut != int64(echoBytes) {
				t.Errorf("%s: tcp line %q: want echo/echo1 and %d bytes", file, msg, echoBytes)
			}
		case "http":
			r := want[l.rec.URI]
			if r == nil {
				t.Errorf("%s: line for a request not sent: %q", file, msg)
				continue
			}
			seen[r.path]++
			if l.rec.Method != "GET" || l.rec.Status != r.status || l.rec.Backend != r.backend || l.rec.Server != r.server {
				t.Errorf("%s: %q: want status %d, %s/%s", file, msg, r.status, r.backend, nosrv(r.server))
			}
		}
	}
	for _, r := range reqs {
		if seen[r.path] != 1 {
			t.Errorf("%s: request %s logged %d times, want 1", file, r.path, seen[r.path])
		}
	}
	if tcp != 1 {
		t.Errorf("%s: %d tcp lines, want 1", file, tcp)
	}
	return admin
}

func nosrv(s string) string {
	if s == "" {
		return "<NOSRV>"
	}
	return s
}

// countTraffic counts the traffic lines (http and tcp) among lines.
func countTraffic(lines []string) int {
	n := 0
	for _, ln := range lines {
		if strings.HasPrefix(payload(ln), "127.0.0.1:") {
			n++
		}
	}
	return n
}

// runHalog runs halog.Main in process and returns stdout and the counts of
// its summary line.
func runHalog(t *testing.T, in []byte, args ...string) (out string, linesIn, linesOut, parseErr int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	rc := halog.Main(args, halog.Env{Stdin: bytes.NewReader(in), Stdout: &stdout, Stderr: &stderr, Location: time.UTC})
	if rc != 0 {
		t.Fatalf("halog %v: exit %d\n%s", args, rc, stderr.String())
	}
	m := regexp.MustCompile(`(?m)^(\d+) lines in, (\d+) lines out, (\d+) parsing errors\n\z`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("halog %v: no summary in stderr %q", args, stderr.String())
	}
	compareRealHalog(t, in, args, stdout.String(), stderr.String())
	linesIn, _ = strconv.Atoi(m[1])
	linesOut, _ = strconv.Atoi(m[2])
	parseErr, _ = strconv.Atoi(m[3])
	return stdout.String(), linesIn, linesOut, parseErr
}

// compareRealHalog runs HAProxy's halog, when installed, on plain input and
// expects the same stdout and stderr as halog.Main.
func compareRealHalog(t *testing.T, in []byte, args []string, stdout, stderr string) {
	t.Helper()
	if bytes.HasPrefix(in, []byte{0x1f, 0x8b}) {
		return // gzip input, which only our halog reads
	}
	bin, ok := testkit.Want(t, "halog")
	if !ok {
		return
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(in)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Env = append(os.Environ(), "TZ=UTC")
	if err := cmd.Run(); err != nil {
		t.Errorf("%s %v: %v\n%s", bin, args, err, e.String())
		return
	}
	if o.String() != stdout || e.String() != stderr {
		t.Errorf("halog %v differs from %s:\nours:\n%s%s\nreal:\n%s%s", args, bin, stdout, stderr, o.String(), e.String())
	}
}

// parseReport turns "key v1 v2 ..." lines into a map (a leading '#' header
// line is skipped).
func parseReport(t *testing.T, out string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rows[f[0]] = f[1:]
	}
	return rows
}

// expectedSrv computes halog -srv -H's counters per backend/server from the
// requests: 1xx..5xx, other, tot_req, req_ok. A denied request (<NOSRV>)
// has negative timers, so it is not ok.
func expectedSrv(reqs []request) map[string][8]int {
	m := map[string][8]int{}
	for _, r := range reqs {
		key := r.backend + "/" + nosrv(r.server)
		c := m[key]
		c[r.status/100-1]++
		c[6]++
		if r.server != "" {
			c[7]++
		}
		m[key] = c
	}
	return m
}

// checkSrv compares a halog -srv report with expectedSrv.
func checkSrv(t *testing.T, out string, reqs []request) {
	t.Helper()
	want := expectedSrv(reqs)
	got := parseReport(t, out)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		row := got[k]
		if len(row) != 11 {
			t.Errorf("halog -srv: row %s = %v, want 11 fields\n%s", k, row, out)
			continue
		}
		for i, w := range want[k] {
			if row[i] != strconv.Itoa(w) {
				t.Errorf("halog -srv: %s: column %d = %s, want %d (want counters %v)\n%s", k, i+1, row[i], w, want[k], out)
				break
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("halog -srv: unexpected row %s %v", k, got[k])
		}
	}
}

// checkSt compares a halog -st report with the statuses sent plus the echo
// session, which halog counts under its byte count.
func checkSt(t *testing.T, got map[string]int, reqs []request, echoBytes int) {
	t.Helper()
	want := map[string]int{strconv.Itoa(echoBytes): 1}
	for _, r := range reqs {
		want[strconv.Itoa(r.status)]++
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("halog -st: status %s: %d, want %d", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("halog -st: unexpected status %s: %d", k, g)
		}
	}
}

// stCounts reads a halog -st report.
func stCounts(t *testing.T, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for k, v := range parseReport(t, out) {
		if len(v) != 1 {
			t.Fatalf("halog -st: row %s %v", k, v)
		}
		n, err := strconv.Atoi(v[0])
		if err != nil {
			t.Fatalf("halog -st: row %s %v", k, v)
		}
		m[k] += n
	}
	return m
}
