package proxy

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy/config"
)

// holdBackend accepts connections, reads the one byte each client sent
// through the proxy (its id) and keeps the connection open until the
// client closes or the test ends. Connections that send nothing (probes)
// are dropped.
type holdBackend struct {
	ln   net.Listener
	got  chan byte
	done chan struct{}
}

func newHoldBackend(t *testing.T) *holdBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &holdBackend{ln: ln, got: make(chan byte, 64), done: make(chan struct{})}
	held := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				var id [1]byte
				if _, err := c.Read(id[:]); err != nil {
					c.Close()
					return
				}
				held <- c
				b.got <- id[0]
				// The client's close reaches the server as a FIN: end the
				// connection then, so that the proxy's session ends.
				c.SetReadDeadline(time.Time{})
				c.Read(id[:])
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	return b
}

func (b *holdBackend) port() int { return b.ln.Addr().(*net.TCPAddr).Port }

// expect waits (5 s at most) for the next client to reach the server.
func (b *holdBackend) expect(t *testing.T) byte {
	t.Helper()
	select {
	case id := <-b.got:
		return id
	case <-time.After(5 * time.Second):
		t.Fatal("no connection reached the server")
	}
	return 0
}

// expectNone checks that no client reaches the server within 300 ms (a
// bound on a negative observation, not a synchronisation).
func (b *holdBackend) expectNone(t *testing.T, why string) {
	t.Helper()
	select {
	case id := <-b.got:
		t.Fatalf("client %d reached the server although %s", id, why)
	case <-time.After(300 * time.Millisecond):
	}
}

// dialSend connects to addr and sends id.
func dialSend(t *testing.T, addr string, id byte) net.Conn {
	t.Helper()
	c := mustDial(t, addr)
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte{id}); err != nil {
		t.Fatal(err)
	}
	return c
}

// limitConfig is a TCP configuration with frontends f1 and f2 on the given
// ports, both to a server on srv. global and f1 are extra lines.
func limitConfig(sock, global, f1 string, p1, p2, srv int) string {
	var b strings.Builder
	b.WriteString("global\n")
	if sock != "" {
		b.WriteString("    stats socket " + sock + " level admin\n")
	}
	b.WriteString(global)
	b.WriteString("defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n")
	fmt.Fprintf(&b, "frontend f1\n    bind 127.0.0.1:%d\n%s    default_backend be\n", p1, f1)
	fmt.Fprintf(&b, "frontend f2\n    bind 127.0.0.1:%d\n    default_backend be\n", p2)
	fmt.Fprintf(&b, "backend be\n    server s1 127.0.0.1:%d\n", srv)
	return b.String()
}

// limitTarget starts an implementation on a configuration whose stats
// socket is sock, waits until it answers one "show info" (so every
// listener is bound), and returns the frontends' addresses.
type limitTarget func(t *testing.T, text, sock string) (f1, f2 string)

// frontendAddrs lists the addresses of the bind lines of text.
func frontendAddrs(text string) []string {
	var addrs []string
	for _, ln := range strings.Split(text, "\n") {
		if a, ok := strings.CutPrefix(ln, "    bind "); ok {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

func ourProxy(t *testing.T, text, sock string) (string, string) {
	runProxy(t, text)
	cliDo(t, sock, "show info\n")
	a := frontendAddrs(text)
	return a[0], a[1]
}

func realHAProxy(t *testing.T) limitTarget {
	haproxyBin(t)
	return func(t *testing.T, text, sock string) (string, string) {
		cliFirst(t, testkit.StartHAProxy(t, text), sock, "show info\n")
		a := frontendAddrs(text)
		return a[0], a[1]
	}
}

// infoField returns a "show info" field.
func infoField(t *testing.T, info, name string) string {
	t.Helper()
	for _, ln := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(ln, name+": "); ok {
			return v
		}
	}
	t.Fatalf("no %s in show info %q", name, info)
	return ""
}

// frontendFull: a frontend with maxconn n serves n connections; the next
// one waits in the backlog (not counted anywhere) and is served as soon
// as one of them closes.
func frontendFull(t *testing.T, start limitTarget) {
	const n = 3
	bk := newHoldBackend(t)
	sock := filepath.Join(t.TempDir(), "s.sock")
	f1, _ := start(t, limitConfig(sock, "", "    maxconn "+strconv.Itoa(n)+"\n", testkit.FreePort(t), testkit.FreePort(t), bk.port()), sock)
	var conns []net.Conn
	for i := range n {
		conns = append(conns, dialSend(t, f1, byte(i)))
		if got := bk.expect(t); got != byte(i) {
			t.Fatalf("server got client %d, want %d", got, i)
		}
	}
	dialSend(t, f1, n) // the kernel completes the handshake; nobody accepts
	bk.expectNone(t, "the frontend is full")
	// CurrConns counts frontend connections only; CumConns counts the CLI
	// connections too (the one of start and this one).
	info := cliDo(t, sock, "show info\n")
	if got, want := infoField(t, info, "CurrConns"), strconv.Itoa(n); got != want {
		t.Errorf("CurrConns = %s, want %s", got, want)
	}
	if got, want := infoField(t, info, "CumConns"), strconv.Itoa(n+2); got != want {
		t.Errorf("CumConns = %s, want %s", got, want)
	}
	for _, ln := range strings.Split(cliDo(t, sock, "show stat\n"), "\n") {
		if f := strings.Split(ln, ","); len(f) > 17 && f[0] == "f1" && f[1] == "FRONTEND" {
			// scur, slim, stot, status
			if got, want := strings.Join([]string{f[4], f[6], f[7], f[17]}, ","), fmt.Sprintf("%d,%d,%d,OPEN", n, n, n); got != want {
				t.Errorf("f1 FRONTEND scur,slim,stot,status = %s, want %s", got, want)
			}
		}
	}
	conns[1].Close()
	if got := bk.expect(t); got != n {
		t.Fatalf("after a close, server got client %d, want %d", got, n)
	}
	bk.expectNone(t, "the frontend is full again")
}

// globalFull: the global maxconn counts the connections of every
// frontend; when it is reached, all listeners wait.
func globalFull(t *testing.T, start limitTarget) {
	bk := newHoldBackend(t)
	sock := filepath.Join(t.TempDir(), "s.sock")
	f1, f2 := start(t, limitConfig(sock, "    maxconn 2\n", "", testkit.FreePort(t), testkit.FreePort(t), bk.port()), sock)
	a := dialSend(t, f1, 0)
	if got := bk.expect(t); got != 0 {
		t.Fatalf("server got client %d, want 0", got)
	}
	b := dialSend(t, f2, 1)
	if got := bk.expect(t); got != 1 {
		t.Fatalf("server got client %d, want 1", got)
	}
	dialSend(t, f2, 2)
	dialSend(t, f1, 3)
	bk.expectNone(t, "the process is full")
	a.Close()
	first := bk.expect(t)
	if first != 2 && first != 3 {
		t.Fatalf("server got client %d, want 2 or 3", first)
	}
	bk.expectNone(t, "the process is full again")
	b.Close()
	if got := bk.expect(t); got != 5-first {
		t.Fatalf("server got client %d, want %d", got, 5-first)
	}
}

func TestFrontendMaxConnWaits(t *testing.T) { frontendFull(t, ourProxy) }

// TestIdleListenerHoldsNoSlot: a frontend with maxconn 1 and two
// listeners serves a connection on either; a listener waiting for a
// connection does not keep the only slot from the other.
func TestIdleListenerHoldsNoSlot(t *testing.T) {
	bk := newHoldBackend(t)
	text := limitConfig("", "", "    maxconn 1\n    bind 127.0.0.1:"+strconv.Itoa(testkit.FreePort(t))+"\n", testkit.FreePort(t), testkit.FreePort(t), bk.port())
	p := runProxy(t, text)
	addrs := p.Addrs("f1")
	if len(addrs) != 2 {
		t.Fatalf("f1 listens on %v", addrs)
	}
	for round := range 3 {
		for i, a := range addrs {
			id := byte(2*round + i)
			c := dialSend(t, a.String(), id)
			if got := bk.expect(t); got != id {
				t.Fatalf("server got client %d, want %d", got, id)
			}
			c.Close()
			testkit.Eventually(t, "the slot to be free", func() bool { return len(p.plan().frontends[0].slots) == 0 })
		}
	}
}

func TestGlobalMaxConnAcrossFrontends(t *testing.T) { globalFull(t, ourProxy) }

// TestMaxConnBehaviourHAProxy runs the same scenarios on haproxy 2.6, to
// show they describe its behaviour.
func TestMaxConnBehaviourHAProxy(t *testing.T) {
	start := realHAProxy(t)
	t.Run("frontend", func(t *testing.T) { frontendFull(t, start) })
	t.Run("global", func(t *testing.T) { globalFull(t, start) })
}

// TestDefaultFrontendMaxConnIsGlobal: without any maxconn the frontend is
// still limited, by the global maxconn computed from the descriptor limit.
func TestDefaultFrontendMaxConnIsGlobal(t *testing.T) {
	defer func(f func() int) { rlimitNofile = f }(rlimitNofile)
	rlimitNofile = func() int { return 250 }
	p := newProxyCfg(t, limitConfig("", "    nbthread 1\n", "", testkit.FreePort(t), testkit.FreePort(t), testkit.FreePort(t)))
	// haproxy 2.6.12's rule, measured (TestLimitsMatchHAProxy): with
	// ulimit -n 250, (250 - 10 - 2 listeners - 3 for the thread) / 2.
	if p.lim.maxconn != 117 {
		t.Errorf("global maxconn = %d, want 117", p.lim.maxconn)
	}
	for _, fe := range p.plan().frontends {
		if cap(fe.slots) != p.lim.maxconn {
			t.Errorf("frontend %s: maxconn %d, want the global %d", fe.cfg.Name, cap(fe.slots), p.lim.maxconn)
		}
	}
	if cap(p.slots) != p.lim.maxconn {
		t.Errorf("process slots = %d", cap(p.slots))
	}
}

// limitCase is a configuration and a descriptor limit; the numbers in
// want are what haproxy 2.6.12 reported (show info, show stat slim).
type limitCase struct {
	name     string
	fdMax    int
	global   string // extra global lines
	defaults string // extra defaults lines
	body     string // proxies
}

const limitBody = `frontend fe
    bind 127.0.0.1:@P1@
    default_backend be
frontend fe2
    bind 127.0.0.1:@P2@
    use_backend be if { path_beg /x }
    use_backend be2 if { path_beg /y }
    use_backend be if { path_beg /z }
backend be
    server s1 127.0.0.1:@P9@
backend be2
    server s1 127.0.0.1:@P9@
backend unused
    server s1 127.0.0.1:@P9@ check inter 60s
listen li
    bind 127.0.0.1:@P3@-@P4@
    server s1 127.0.0.1:@P9@
frontend off
    disabled
    bind 127.0.0.1:@P5@
    default_backend be
`

var limitCases = []limitCase{
	{name: "none", fdMax: 20000, global: "    nbthread 2\n", body: limitBody},
	{name: "none-1024", fdMax: 1024, global: "    nbthread 2\n", body: limitBody},
	{name: "none-250", fdMax: 250, global: "    nbthread 4\n", body: limitBody},
	{name: "global-100", fdMax: 20000, global: "    nbthread 2\n    maxconn 100\n", body: limitBody},
	{name: "defaults-50", fdMax: 20000, global: "    nbthread 2\n", defaults: "    maxconn 50\n", body: limitBody},
	{name: "frontend-10", fdMax: 20000, global: "    nbthread 3\n", body: strings.Replace(limitBody, "frontend fe\n", "frontend fe\n    maxconn 10\n", 1)},
	{name: "frontend-above-global", fdMax: 20000, global: "    nbthread 2\n    maxconn 100\n", body: strings.Replace(limitBody, "frontend fe\n", "frontend fe\n    maxconn 500\n", 1)},
	{name: "ulimit-n-ignored", fdMax: 4096, global: "    nbthread 2\n    ulimit-n 3000\n", body: limitBody},
	// fullconn: be's own, be2 and unused inherit the defaults', li's 0
	// means computed; "stats maxconn" replaces the CLI's 10 reserved fds.
	{name: "fullconn", fdMax: 20000, global: "    nbthread 2\n", defaults: "    fullconn 33\n",
		body: strings.Replace(strings.Replace(limitBody, "\nbackend be\n", "\nbackend be\n    fullconn 77\n", 1), "listen li\n", "listen li\n    fullconn 0\n", 1)},
	{name: "stats-maxconn", fdMax: 20000, global: "    nbthread 2\n    stats maxconn 5\n", body: limitBody},
	{name: "stats-maxconn-1024", fdMax: 1024, global: "    nbthread 1\n    stats maxconn 50\n", defaults: "    fullconn 7\n", body: limitBody},
}

// render fills the socket path, srv (the servers' port) and distinct
// free ports for the listeners.
func (c limitCase) render(t *testing.T, sock string, srv int) string {
	text := "global\n    stats socket " + sock + " level admin\n" + c.global +
		"defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n" + c.defaults + c.body
	text = strings.ReplaceAll(text, "@P9@", strconv.Itoa(srv))
	used := map[int]bool{srv: true}
	// port returns a free port p, unused here, with p+1 unused too when
	// pair is set (a bind range).
	port := func(pair bool) int {
		for range 100 {
			p := testkit.FreePort(t)
			if !used[p] && !(pair && used[p+1]) {
				used[p] = true
				used[p+1] = used[p+1] || pair
				return p
			}
		}
		t.Fatal("no distinct free port")
		return 0
	}
	for _, k := range []string{"@P1@", "@P2@", "@P5@"} {
		text = strings.ReplaceAll(text, k, strconv.Itoa(port(false)))
	}
	p3 := port(true) // a range of 2; the next port is very likely free too
	text = strings.ReplaceAll(text, "@P3@", strconv.Itoa(p3))
	return strings.ReplaceAll(text, "@P4@", strconv.Itoa(p3+1))
}

// limitLines extracts the limit figures: show info's Nbthread, Maxconn,
// Hard_maxconn and CurrConns, and show stat's pxname,svname,slim
// (CumConns depends on when the health checks ran: see checkConns).
func limitLines(info, stat string) string {
	var out []string
	for _, ln := range strings.Split(info, "\n") {
		k, _, _ := strings.Cut(ln, ":")
		switch k {
		case "Nbthread", "Maxconn", "Hard_maxconn", "CurrConns":
			out = append(out, ln)
		}
	}
	for _, ln := range strings.Split(stat, "\n") {
		f := strings.Split(ln, ",")
		if len(f) > 6 && !strings.HasPrefix(ln, "#") {
			out = append(out, f[0]+","+f[1]+","+f[6])
		}
	}
	return strings.Join(out, "\n")
}

// checkConns waits until every checked server behind the CLI socket sock
// has completed its first check ("show servers state" srv_check_status
// no longer 0 or INI), then returns "show info" CumConns less the CLI
// connections made to sock: cli before the call plus the helper's own.
// That is the connections health checks made (no other traffic).
func checkConns(t *testing.T, sock string, cli int) int {
	t.Helper()
	testkit.Eventually(t, "the first health checks", func() bool {
		cli++
		lines := strings.Split(cliDo(t, sock, "show servers state\n"), "\n")
		for _, ln := range lines[min(2, len(lines)):] {
			f := strings.Fields(ln)
			// srv_check_status, srv_check_state (0 for unchecked servers)
			if len(f) > 13 && f[13] != "0" && (f[10] == "0" || f[10] == "1") {
				return false
			}
		}
		return true
	})
	cli++
	cum, err := strconv.Atoi(infoField(t, cliDo(t, sock, "show info\n"), "CumConns"))
	if err != nil {
		t.Fatal(err)
	}
	return cum - cli
}

// TestLimitsMatchHAProxy starts haproxy under "ulimit -n" and the proxy
// with the same descriptor limit on the same configuration, and compares
// the limits "show info" and "show stat" report.
func TestLimitsMatchHAProxy(t *testing.T) {
	bin := haproxyBin(t)
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for ulimit")
	}
	defer func(f func() int) { rlimitNofile = f }(rlimitNofile)
	// The servers' address: a listener that never accepts, so that the
	// health checks (unused/s1) reach it and nothing else can take the
	// port; the kernel completes their handshakes in its backlog.
	srv, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srvPort := srv.Addr().(*net.TCPAddr).Port
	for _, c := range limitCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			hsock := filepath.Join(dir, "h.sock")
			path := filepath.Join(dir, "h.cfg")
			if err := os.WriteFile(path, []byte(c.render(t, hsock, srvPort)), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hap := testkit.Start(t, exec.CommandContext(ctx, "sh", "-c", `ulimit -n "$1" && exec "$2" -db -q -f "$3"`, "sh", strconv.Itoa(c.fdMax), bin, path))
			// Not the socket file: haproxy binds it (the file appears)
			// before it listens on it, and a connection in between was
			// refused (the cause of this test's past flakiness).
			want := limitLines(cliFirst(t, hap, hsock, "show info\n"), cliDo(t, hsock, "show stat\n"))
			wantChecks := checkConns(t, hsock, 2)

			rlimitNofile = func() int { return c.fdMax }
			osock := filepath.Join(dir, "o.sock")
			runProxy(t, c.render(t, osock, srvPort))
			got := limitLines(cliDo(t, osock, "show info\n"), cliDo(t, osock, "show stat\n"))
			t.Logf("haproxy:\n%s", want)
			if got != want {
				t.Errorf("limits differ:\nproxy:\n%s\nhaproxy:\n%s", got, want)
			}
			// CumConns counts CLI connections and health-check attempts
			// (one per checked server so far: inter 60s).
			if got := checkConns(t, osock, 2); got != wantChecks {
				t.Errorf("CumConns less the CLI connections = %d, haproxy %d", got, wantChecks)
			}
		})
	}
}

// TestStatsLinesReserveCLIFds: any global "stats" line creates haproxy's
// CLI frontend, whose maxconn ("stats maxconn", else 10) is reserved from
// the descriptors, socket or not. haproxy 2.6.12 under ulimit -n 20000,
// read from its stats page (FRONTEND slim = the global maxconn):
// nothing 9991, "stats timeout 30s" 9986, "stats maxconn 50" 9966.
func TestStatsLinesReserveCLIFds(t *testing.T) {
	body := "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n" +
		"listen st\n    bind 127.0.0.1:18006\n    stats enable\n    stats uri /s\n"
	for _, c := range []struct {
		stats string
		want  int
	}{{"", 9991}, {"    stats timeout 30s\n", 9986}, {"    stats maxconn 50\n", 9966}} {
		cfg, err := config.ParseReader("t.cfg", strings.NewReader("global\n    nbthread 2\n"+c.stats+body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := computeLimits(cfg, 20000).maxconn; got != c.want {
			t.Errorf("%q: maxconn %d, haproxy %d", c.stats, got, c.want)
		}
	}
}

// TestCumConnsCountsChecks: as in haproxy (measured: +8 in 2 s for two
// servers checked every 500 ms, one passing, one refused), each
// health-check attempt counts in "show info" CumConns, passed or not.
func TestCumConnsCountsChecks(t *testing.T) {
	srv, err := net.Listen("tcp", "127.0.0.1:0") // never accepts: checks pass in the backlog
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for name, addr := range map[string]string{"passed": srv.Addr().String(), "refused": fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))} {
		t.Run(name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "s.sock")
			text := fmt.Sprintf("global\n    stats socket %s level admin\ndefaults\n    mode tcp\n    timeout connect 1s\n"+
				"    timeout client 5s\n    timeout server 5s\nfrontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"+
				"backend b\n    server s %s check inter 100\n", sock, testkit.FreePort(t), addr)
			runProxy(t, text)
			cli := 0
			testkit.Eventually(t, "3 health checks in CumConns", func() bool {
				cli++ // this connection
				cum, err := strconv.Atoi(infoField(t, cliDo(t, sock, "show info\n"), "CumConns"))
				if err != nil {
					t.Fatal(err)
				}
				return cum-cli >= 3
			})
		})
	}
}
