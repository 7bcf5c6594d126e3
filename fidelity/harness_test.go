package fidelity

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

const (
	stepDeadline    = 15 * time.Second // lines of one step
	startupDeadline = 10 * time.Second
	stopDeadline    = 15 * time.Second
)

// TestFidelity is the differential harness (see the package doc). It runs
// with HAPLOG_FIDELITY=1 or under CI=true (where it must not skip).
func TestFidelity(t *testing.T) {
	if os.Getenv("HAPLOG_FIDELITY") == "" && !testkit.InCI() {
		t.Skip("differential harness: set HAPLOG_FIDELITY=1 (make fidelity); CI=true runs it too")
	}
	hap := testkit.HAProxy(t)
	other, otherName := "", "proxy"
	if os.Getenv("HAPLOG_FIDELITY_SELF") != "" {
		other, otherName = hap, "haproxy#2"
	} else if other = os.Getenv("HAPLOG_PROXY"); other == "" {
		other = filepath.Join(t.TempDir(), "proxy")
		out, err := exec.Command("go", "build", "-o", other, "github.com/haplog/haplog/cmd/proxy").CombinedOutput()
		if err != nil {
			if testkit.InCI() {
				t.Fatalf("cannot build cmd/proxy: %v\n%s", err, out)
			}
			t.Skipf("cannot build cmd/proxy, harness skipped: %v\n%s", err, out)
		}
	}
	env := startEnv(t)
	var report strings.Builder
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			r := runScenario(t, env, sc, hap, other, otherName)
			report.WriteString(r)
		})
	}
	if path := os.Getenv("HAPLOG_FIDELITY_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// env is what both sides share: the backends.
type env struct {
	backends map[string]string // server name -> address
	dead     string            // an address nothing listens on
	flap     *flapper          // a server the steps start and stop
	v6       bool
}

func startEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{backends: map[string]string{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	listen := func(name string) net.Listener {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.backends[name] = l.Addr().String()
		return l
	}
	for _, name := range []string{"a1", "a2", "a3", "slow1", "q1"} {
		h := &testbackend.HTTP{Name: name}
		l := listen(name)
		wg.Add(1)
		go func() { defer wg.Done(); h.Serve(ctx, l) }()
	}
	tcp := []struct {
		name string
		mode testbackend.TCPMode
	}{{"echo1", testbackend.Echo}, {"echo2", testbackend.Echo}, {"banner1", testbackend.Banner},
		{"silent1", testbackend.Silent}, {"closer", testbackend.Close}}
	for _, b := range tcp {
		s := &testbackend.TCP{Mode: b.mode}
		l := listen(b.name)
		wg.Add(1)
		go func() { defer wg.Done(); s.Serve(ctx, l) }()
	}
	// The dead server and the flapping one (while down) are ports bound
	// without a listener: refused, and nobody else can take them.
	dp, releaseDead, err := testkit.HoldUnlistened(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(releaseDead)
	e.dead = "127.0.0.1:" + strconv.Itoa(dp)
	fp, releaseFlap, err := testkit.HoldUnlistened(0)
	if err != nil {
		t.Fatal(err)
	}
	e.flap = &flapper{addr: "127.0.0.1:" + strconv.Itoa(fp), port: fp, ctx: ctx, release: releaseFlap}
	t.Cleanup(func() {
		e.flap.down()
		e.flap.release()
	})
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		e.v6 = true
		l.Close()
	}
	return e
}

// side is one program under test (haproxy or the proxy) running one
// scenario.
type side struct {
	name     string
	bin      string
	ports    map[string]int
	v6       map[string]bool
	cols     map[string]*collector
	framings map[string]framing
	proc     *testkit.Process
	cmd      *exec.Cmd // proc.Cmd
	stderr   *testfs.LockedBuffer
	admin    map[string][]dgram // admin lines per logger
	traffic  map[string][]dgram // comparable traffic lines per logger (for halog)
	extra    map[string][]dgram // lines received outside any step
	held     []net.Listener     // reserved ports, released at start
}

// reservePort binds a free port and keeps it bound (in s.held) until
// releasePorts, so that no two names of either side get the same port.
func (s *side) reservePort(network, host string) (int, error) {
	l, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	s.held = append(s.held, l)
	return l.Addr().(*net.TCPAddr).Port, nil
}

// releasePorts frees the reserved ports just before the process starts.
func (s *side) releasePorts() {
	for _, l := range s.held {
		l.Close()
	}
	s.held = nil
}

// render writes the scenario's configuration for s.
func (s *side) render(t *testing.T, e *env, sc *scenario, dir string) string {
	t.Helper()
	var ferr error
	funcs := template.FuncMap{
		"port": func(name string) int {
			if p, ok := s.ports[name]; ok {
				return p
			}
			network, host := "tcp4", "127.0.0.1"
			if strings.HasSuffix(name, "6") {
				network, host = "tcp6", "::1"
				s.v6[name] = true
			}
			p, err := s.reservePort(network, host)
			if err != nil {
				ferr = err
			}
			s.ports[name] = p
			return p
		},
		"log": func(name string) int {
			if c, ok := s.cols[name]; ok {
				return c.port()
			}
			c, err := newCollector()
			if err != nil {
				ferr = err
				return 0
			}
			s.cols[name] = c
			return c.port()
		},
		"be": func(name string) string {
			a, ok := e.backends[name]
			if !ok {
				ferr = fmt.Errorf("no backend %q", name)
			}
			return a
		},
		"dead": func() string { return e.dead },
		"flap": func() string { return e.flap.addr },
		"v6":   func() bool { return e.v6 },
	}
	tm, err := template.New(sc.tmpl).Funcs(funcs).ParseFiles(filepath.Join("testdata", sc.tmpl))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, nil); err != nil {
		t.Fatal(err)
	}
	if ferr != nil {
		t.Fatal(ferr)
	}
	for name := range s.cols {
		if _, ok := sc.loggers[name]; !ok {
			t.Fatalf("%s: logger %q has no framing in the scenario", sc.tmpl, name)
		}
	}
	path := filepath.Join(dir, s.name+".cfg")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func newSide(name, bin string, sc *scenario) *side {
	return &side{name: name, bin: bin, ports: map[string]int{}, v6: map[string]bool{},
		cols: map[string]*collector{}, framings: sc.loggers, stderr: &testfs.LockedBuffer{},
		admin: map[string][]dgram{}, traffic: map[string][]dgram{},
		extra: map[string][]dgram{}}
}

func (s *side) start(t *testing.T, cfg string) {
	t.Helper()
	s.releasePorts()
	s.cmd = exec.Command(s.bin, "-db", "-f", cfg)
	s.cmd.Stdout = s.stderr
	s.cmd.Stderr = s.stderr
	s.proc = testkit.Start(t, s.cmd) // killed at cleanup, after the collectors close
	t.Cleanup(func() {
		for _, c := range s.cols {
			c.close()
		}
	})
}

func (s *side) alive() bool { return s.proc.Running() }

func (s *side) loggers() []string { return slices.Sorted(maps.Keys(s.cols)) }

// receive reads the next datagram of logger. Admin lines are also kept
// in s.admin; sync lines come with their id; the end marker with
// endMarker as id.
func (s *side) receive(logger string, deadline time.Time) (d dgram, syncID string, ok bool) {
	raw, ok := s.cols[logger].next(deadline)
	if !ok {
		return dgram{}, "", false
	}
	if raw == endMarker {
		return dgram{}, endMarker, true
	}
	d = parseDgram(raw, s.framings[logger])
	if d.admin {
		s.admin[logger] = append(s.admin[logger], d)
		return d, "", true
	}
	if m := syncRe.FindStringSubmatch(d.msg); m != nil {
		return d, m[1], true
	}
	return d, "", true
}

var syncRe = regexp.MustCompile(` /sync/([A-Za-z0-9_.-]+) HTTP/1\.1`)

// syncRequest sends GET /sync/<id> to fe_sync, retrying while the port
// refuses connections (process starting).
func (s *side) syncRequest(id string, deadline time.Time) error {
	addr := "127.0.0.1:" + strconv.Itoa(s.ports["fe_sync"])
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if time.Now().After(deadline) || !s.alive() {
				return fmt.Errorf("%s: sync %s: %w", s.name, id, err)
			}
			time.Sleep(20 * time.Millisecond) // poll interval while the process binds
			continue
		}
		conn.SetDeadline(deadline)
		_, err = conn.Write([]byte(get("/sync/"+id, "Host: sync")))
		if err == nil {
			var b [4096]byte
			for err == nil {
				_, err = conn.Read(b[:])
			}
		}
		conn.Close()
		return nil
	}
}

// stepLines collects what one step logged on every logger: first until
// want traffic lines arrived on each (or the deadline), then, after a sync
// request, everything up to the sync line.
func (s *side) stepLines(id string, want int) (map[string][]dgram, []string) {
	got := map[string][]dgram{}
	var problems []string
	deadline := time.Now().Add(stepDeadline)
	for _, lg := range s.loggers() {
		for len(got[lg]) < want {
			d, sid, ok := s.receive(lg, deadline)
			if !ok {
				break
			}
			if sid == "" && !d.admin {
				got[lg] = append(got[lg], d)
			}
		}
	}
	if err := s.syncRequest(id, time.Now().Add(stepDeadline)); err != nil {
		return got, []string{err.Error()}
	}
	deadline = time.Now().Add(stepDeadline)
	for _, lg := range s.loggers() {
		for {
			d, sid, ok := s.receive(lg, deadline)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: logger %s: sync line %s never arrived", s.name, lg, id))
				break
			}
			if sid == id {
				break
			}
			if sid == "" && !d.admin {
				got[lg] = append(got[lg], d)
			}
		}
	}
	return got, problems
}

// waitAdmin waits until every pattern matched an admin line of the main
// logger received after the first `from` ones.
func (s *side) waitAdmin(patterns []string, deadline time.Time, from int) []string {
	var missing []string
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		found := func() bool {
			for _, d := range s.admin["main"][from:] {
				if re.MatchString(d.msg) {
					return true
				}
			}
			return false
		}
		for !found() {
			d, sid, ok := s.receive("main", deadline)
			if !ok {
				missing = append(missing, p)
				break
			}
			if sid == "" && !d.admin {
				s.extra["main"] = append(s.extra["main"], d)
			}
		}
	}
	return missing
}

// stop soft-stops the process (SIGUSR1), waits for it to exit and drains
// every logger up to the end marker.
func (s *side) stop() []string {
	var problems []string
	if s.alive() {
		s.cmd.Process.Signal(softStop())
		select {
		case <-s.proc.Exited():
		case <-time.After(stopDeadline):
			problems = append(problems, fmt.Sprintf("%s: did not exit %v after SIGUSR1", s.name, stopDeadline))
			s.cmd.Process.Kill()
			<-s.proc.Exited()
		}
	} else {
		problems = append(problems, fmt.Sprintf("%s: exited before the end of the scenario: %v", s.name, s.cmd.ProcessState))
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, lg := range s.loggers() {
		if err := s.cols[lg].sendEnd(); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for {
			d, sid, ok := s.receive(lg, deadline)
			if !ok || sid == endMarker {
				break
			}
			if sid == "" && !d.admin {
				s.extra[lg] = append(s.extra[lg], d)
			}
		}
	}
	return problems
}

// busyStates are the TCP states (as in /proc/net/tcp) of a socket the
// observed process may still count as a connection: established,
// SYN_RECV, FIN_WAIT1/2 (it shut its side down) and CLOSE_WAIT (the client
// left, the process has not closed yet).
var busyStates = map[string]bool{"01": true, "03": true, "04": true, "05": true, "08": true}

// waitIdle polls /proc/net/tcp{,6} until no connection to one of the
// side's listening ports is open any more, so that the connection
// counters (%ac, %fc) of the next step do not depend on how fast the
// previous connections were torn down. Without /proc it returns at once.
func (s *side) waitIdle(deadline time.Time) bool {
	ports := map[int]bool{}
	for _, p := range s.ports {
		ports[p] = true
	}
	for {
		busy, ok := countBusy(ports)
		if !ok || busy == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond) // poll interval: the kernel offers no notification
	}
}

func countBusy(ports map[int]bool) (int, bool) {
	n, read := 0, false
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		read = true
		for _, ln := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(ln)
			if len(fs) < 4 || !busyStates[fs[3]] {
				continue
			}
			_, hexPort, ok := strings.Cut(fs[1], ":")
			if !ok {
				continue
			}
			p, err := strconv.ParseInt(hexPort, 16, 32)
			if err == nil && ports[int(p)] {
				n++
			}
		}
	}
	return n, read
}

// flapper is an HTTP test server at a fixed address that steps bring up
// and down, so that health checks report it UP and DOWN.
type flapper struct {
	addr    string
	port    int
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	release func() // frees the port held while down
}

func (f *flapper) up() error {
	if f.cancel != nil {
		return nil
	}
	f.release()
	f.release = func() {}
	l, err := net.Listen("tcp4", f.addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(f.ctx)
	f.cancel, f.done = cancel, make(chan struct{})
	h := &testbackend.HTTP{Name: "f1"}
	go func() {
		defer close(f.done)
		h.Serve(ctx, l)
	}()
	return nil
}

func (f *flapper) down() {
	if f.cancel == nil {
		return
	}
	f.cancel()
	<-f.done
	f.cancel = nil
	if _, r, err := testkit.HoldUnlistened(f.port); err == nil {
		f.release = r
	}
}
