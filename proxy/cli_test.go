package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/proxy/config"
)

// cliDo sends raw to the UNIX socket and returns everything the CLI
// answers until it closes the connection.
func cliDo(t testing.TB, path, raw string) string {
	t.Helper()
	out, err := cliTry(path, raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cliTry sends raw to the CLI socket at path and returns the reply.
func cliTry(path, raw string) (string, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("dial %s: %w", path, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		return "", err
	}
	out, err := io.ReadAll(c)
	if err != nil {
		return "", fmt.Errorf("CLI %q: %w (read %q)", raw, err, out)
	}
	return string(out), nil
}

// cliFirst waits until the CLI socket at path answers raw and returns the
// reply. haproxy creates the socket file before it listens on it, so the
// file's existence is no sign of readiness; a refused attempt is never
// accepted, so it is not counted in CumConns: the connections counted
// are the same as one cliDo's.
func cliFirst(t testing.TB, p *testkit.Process, path, raw string) string {
	t.Helper()
	var out string
	p.Eventually(t, "haproxy's stats socket "+path, func() bool {
		var err error
		out, err = cliTry(path, raw)
		return err == nil
	})
	return out
}

// nextAny returns the next datagram, stripped to "<PRI>message".
func (s *logSink) nextAny(t testing.TB) string {
	t.Helper()
	d := s.next(t, ``)
	pri, _, _ := strings.Cut(d, ">")
	return pri + ">" + payload(d)
}

// adminConfig renders testdata/cli/admin.cfg for a socket path and a log
// port.
func adminConfig(t testing.TB, sock string, logPort int) string {
	t.Helper()
	data, err := os.ReadFile("testdata/cli/admin.cfg")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), "SOCKPATH", sock)
	return strings.ReplaceAll(s, "LOGPORT", strconv.Itoa(logPort))
}

// replayAdmin plays testdata/cli/admin-sequence.txt (recorded from
// haproxy 2.6.12) on the CLI at sock and checks every reply and every log
// datagram, in order: a missing, extra or different line fails.
func replayAdmin(t *testing.T, sock string, sink *logSink) {
	f, err := os.Open("testdata/cli/admin-sequence.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	reply := "\n"
	cmd := ""
	check := func() {
		if cmd == "" {
			return
		}
		if got := cliDo(t, sock, cmd+"\n"); got != reply {
			t.Errorf("%q replied %q, want %q", cmd, got, reply)
		}
	}
	var pending []string
	flushLogs := func() {
		for _, want := range pending {
			if got := sink.nextAny(t); got != want {
				t.Errorf("after %q: log %q, want %q", cmd, got, want)
			}
		}
		pending = nil
	}
	for sc.Scan() {
		ln := sc.Text()
		switch {
		case strings.HasPrefix(ln, "> "):
			check()
			flushLogs()
			cmd, reply = ln[2:], "\n"
		case strings.HasPrefix(ln, "= "):
			r, err := strconv.Unquote(ln[2:])
			if err != nil {
				t.Fatalf("bad reply line %q: %v", ln, err)
			}
			reply = r
		case strings.HasPrefix(ln, "<"):
			pending = append(pending, ln)
		}
	}
	check()
	flushLogs()
}

func TestCLIAdminSequence(t *testing.T) {
	sink := newLogSink(t)
	sock := filepath.Join(t.TempDir(), "admin.sock")
	p := runProxy(t, adminConfig(t, sock, sink.port()))
	replayAdmin(t, sock, sink)

	// The state shows in "show servers state" and "show stat".
	st := cliDo(t, sock, "show servers state be\n")
	for _, want := range []string{"be 1 a1 127.0.0.1 0 1 1 1 ", "be 2 a2 127.0.0.1 0 1 1 1 ", "be 3 b1 127.0.0.1 2 0 1 1 "} {
		if !strings.Contains(st, want) {
			t.Errorf("show servers state lacks %q:\n%s", want, st)
		}
	}
	stat := cliDo(t, sock, "show stat\n")
	lines := strings.Split(stat, "\n")
	if !strings.HasPrefix(lines[0], "# pxname,svname,qcur,qmax,scur,smax,slim,stot,") {
		t.Errorf("show stat header = %q", lines[0])
	}
	cols := strings.Count(lines[0], ",")
	status := map[string]string{}
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if n := strings.Count(l, ","); n != cols {
			t.Errorf("row has %d columns, header %d: %q", n, cols, l)
		}
		f := strings.Split(l, ",")
		status[f[0]+"/"+f[1]] = f[17]
	}
	want := map[string]string{"fe/FRONTEND": "OPEN", "be/a1": "MAINT", "be/a2": "MAINT", "be/b1": "no check", "be/BACKEND": "UP"}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("show stat %s status = %q, want %q", k, status[k], v)
		}
	}
	// Traffic now goes to the backup only.
	c := mustDial(t, addr(t, p, "fe", false))
	c.Close()
}

// TestCLIAdminSequenceHAProxy replays the same sequence on the real
// haproxy, so the recorded expectations are checked against it (skipped
// when haproxy is not installed or with -short).
func TestCLIAdminSequenceHAProxy(t *testing.T) {
	bin := haproxyBin(t)
	sink := newLogSink(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	cfgPath := filepath.Join(dir, "h.cfg")
	port := testkit.FreePort(t)
	text := strings.Replace(adminConfig(t, sock, sink.port()), "127.0.0.1:0", "127.0.0.1:"+strconv.Itoa(port), 1)
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", cfgPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("haproxy's stats socket did not appear")
		}
		time.Sleep(20 * time.Millisecond) // polling for the socket, bounded by the deadline
	}
	replayAdmin(t, sock, sink)
}

func TestCLIReplies(t *testing.T) {
	sink := newLogSink(t)
	sock := filepath.Join(t.TempDir(), "admin.sock")
	runProxy(t, adminConfig(t, sock, sink.port()))
	cases := []struct{ in, want string }{
		// recorded from haproxy 2.6.12
		{"prompt\nset server be/zz state ready\nshow servers state zz\nquit\n", "\n> No such server.\n\n> Can't find backend.\n\n> "},
		{"operator\ndisable server be/a1\n", "\nPermission denied\n\n"},
		{"disable server be/zz;disable server zz/a1\n", "No such server.\n\nNo such backend.\n\n"},
		{"show cli level\n", "admin\n\n"},
		{"user\nshow cli level\n", "\nuser\n\n"},
		{"show backend\n", "# name\nbe\n\n"},
	}
	for _, c := range cases {
		if got := cliDo(t, sock, c.in); got != c.want {
			t.Errorf("CLI %q = %q, want %q", c.in, got, c.want)
		}
	}
	help := cliDo(t, sock, "help\n")
	if !strings.HasPrefix(help, "The following commands are valid at this level:\n") ||
		!strings.Contains(help, "  disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)\n") ||
		!strings.HasSuffix(help, "  quit                                    : disconnect\n\n") {
		t.Errorf("help = %q", help)
	}
	info := cliDo(t, sock, "show info\n")
	if !strings.Contains(info, "\nPid: "+strconv.Itoa(os.Getpid())+"\n") || !strings.Contains(info, "\nUptime_sec: ") {
		t.Errorf("show info = %q", info)
	}
}

// TestCLISocketLifecycle: the socket exists with its mode while the proxy
// runs and is removed when it stops; a bind failure is a clear error.
func TestCLISocketLifecycle(t *testing.T) {
	sink := newLogSink(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	cfg := adminConfig(t, sock, sink.port())
	func() {
		p := runProxy(t, cfg)
		fi, err := os.Stat(sock)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("socket mode = %v", fi.Mode())
		}
		p.SoftStop()
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Errorf("socket still present after stop: %v", err)
		}
	}()
	bad := adminConfig(t, filepath.Join(dir, "missing-dir", "admin.sock"), sink.port())
	pr := newProxyCfg(t, bad)
	err := pr.Listen()
	if err == nil || !strings.Contains(err.Error(), "stats socket [test.cfg:3]: cannot bind UNIX socket") {
		t.Errorf("Listen with an unusable socket path = %v", err)
	}
}

// haproxyBin returns the real haproxy (see testbin.Path for the overrides),
// skipping the test without it or with -short.
func haproxyBin(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no differential run")
	}
	return testbin.Need(t, "haproxy")
}

// newProxyCfg parses text and builds a Proxy without listening.
func newProxyCfg(t testing.TB, text string) *Proxy {
	t.Helper()
	cfg, err := config.ParseReader("test.cfg", strings.NewReader(text), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, text)
	}
	p, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCLIMaintCheckedServer: a checked server that is DOWN enters
// maintenance with HAProxy's notice, checks pause, and leaving
// maintenance reports UP/READY before the next check brings it DOWN.
func TestCLIMaintCheckedServer(t *testing.T) {
	sink := newLogSink(t)
	sock := filepath.Join(t.TempDir(), "admin.sock")
	dead := testkit.FreePort(t)
	text := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n    stats socket " + sock + " level admin\n" +
		"defaults\n    mode http\n    log global\n    timeout connect 500ms\n" +
		"backend bc\n    server c1 127.0.0.1:" + strconv.Itoa(dead) + " check inter 50 fall 1 rise 1\n"
	runProxy(t, text)
	sink.next(t, `^Server bc/c1 is DOWN`)
	sink.next(t, `^backend bc has no server available!`)
	if got := cliDo(t, sock, "disable server bc/c1\n"); got != "\n" {
		t.Errorf("reply %q", got)
	}
	if got := sink.nextAny(t); got != "<133>Server bc/c1 was DOWN and now enters maintenance." {
		t.Errorf("maint line = %q", got)
	}
	cliDo(t, sock, "enable server bc/c1\n")
	if got := sink.nextAny(t); got != "<133>Server bc/c1 is UP/READY (leaving forced maintenance)." {
		t.Errorf("leave line = %q", got)
	}
	if got := sink.nextAny(t); !strings.HasPrefix(got, `<129>Server bc/c1 is DOWN, reason: Layer4 connection problem, info: "Connection refused"`) {
		t.Errorf("DOWN line after maintenance = %q", got)
	}
}

// FuzzCLICommand feeds arbitrary command lines to the CLI dispatcher: it
// must not panic, and every reply ends with the empty line.
func FuzzCLICommand(f *testing.F) {
	data, err := os.ReadFile("testdata/cli/admin-sequence.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, ln := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(ln, "> ") {
			f.Add(ln[2:])
		}
	}
	for _, s := range []string{"help", "help set", "show stat up no-maint", "show servers state be", "show info", "prompt", "", ";;", "user;disable server be/a1", "set server be/a1 weight 3"} {
		f.Add(s)
	}
	sink := newLogSink(f)
	p := newProxyCfg(f, adminConfig(f, filepath.Join(f.TempDir(), "unused.sock"), sink.port()))
	go func() {
		for range sink.lines {
		}
	}()
	f.Fuzz(func(t *testing.T, line string) {
		level, interactive := levelAdmin, false
		for _, cmd := range strings.Split(line, ";") {
			var w bytes.Buffer
			if p.cli.cliCommand(&w, strings.Fields(cmd), &level, &interactive) {
				continue
			}
			if out := w.String(); !strings.HasSuffix(out, "\n") {
				t.Fatalf("reply to %q does not end with a newline: %q", cmd, out)
			}
		}
	})
}
