package proxy

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// namedServer accepts TCP connections on 127.0.0.1 and writes its name on
// each, then closes it: a stand-in for a database node.
func namedServer(t *testing.T, name string) int {
	t.Helper()
	return testkit.Serve(t, func(c net.Conn) { c.Write([]byte(name + "\n")) }).Port
}

// whoAnswers connects to addr and returns the first line the server sent.
func whoAnswers(addr string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "error: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(line)
}

// poolScripts writes the check scripts of a MySQL-like pool into dir: a
// node is a primary when the file <roles>/role.<server> says "primary",
// a replica when it says "replica". Each run also dumps its arguments and
// environment to <dir>/dump.<proxy>.<server>. Only shell built-ins are
// used until PATH is known, so that an empty PATH works.
func poolScripts(t *testing.T, dir, roles string) {
	t.Helper()
	for _, want := range []string{"primary", "replica"} {
		script := "#!/bin/sh\n" +
			"{ echo \"ARGS: $*\"; env | sort; } > " + dir + "/dump.$HAPROXY_PROXY_NAME.$HAPROXY_SERVER_NAME.tmp\n" +
			"mv " + dir + "/dump.$HAPROXY_PROXY_NAME.$HAPROXY_SERVER_NAME.tmp " + dir + "/dump.$HAPROXY_PROXY_NAME.$HAPROXY_SERVER_NAME\n" +
			"read r < " + roles + "/role.$HAPROXY_SERVER_NAME\n" +
			"[ \"$r\" = " + want + " ]\n"
		if err := os.WriteFile(filepath.Join(dir, want+".sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// extCheckGlobal is a global section that logs to sink and lets proxies
// run external checks (haproxy 2.6 wants both keywords).
func extCheckGlobal(sink *logSink) string {
	return sink.global() + "    external-check\n    insecure-fork-wanted\n"
}

func poolConfig(sink *logSink, primary, replica, db1, db2 int, dir string) string {
	return extCheckGlobal(sink) + fmt.Sprintf(`defaults
    mode tcp
    log global
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen mysql-primary
    bind 127.0.0.1:%d
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command %s/primary.sh
    server db1 127.0.0.1:%d check inter 1s fall 1 rise 1
    server db2 127.0.0.1:%d check inter 1s fall 1 rise 1 maxconn 30
backend mysql-replica
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command %s/replica.sh
    server db1 127.0.0.1:%d check inter 1s fall 1 rise 1
    server db2 127.0.0.1:%d check inter 1s fall 1 rise 1
frontend replicas
    bind 127.0.0.1:%d
    default_backend mysql-replica
`, primary, dir, db1, db2, dir, db1, db2, replica)
}

func setRoles(t *testing.T, dir, db1, db2 string) {
	t.Helper()
	for name, role := range map[string]string{"db1": db1, "db2": db2} {
		tmp := filepath.Join(dir, "role."+name+".tmp")
		if err := os.WriteFile(tmp, []byte(role+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "role."+name)); err != nil {
			t.Fatal(err)
		}
	}
}

// drainStates collects the "Server x/y is DOWN|UP" payloads of a sink seen
// so far, with durations and server counts masked.
var (
	stateRe = regexp.MustCompile(`^Server \S+ is (DOWN|UP), reason: External check`)
	durRe   = regexp.MustCompile(`check duration: \d+ms\. \d+ active and \d+ backup servers (left|online)\. \d+ sessions`)
)

func drainStates(s *logSink) []string {
	var out []string
	for {
		select {
		case d := <-s.lines:
			if p := payload(d); stateRe.MatchString(p) {
				out = append(out, durRe.ReplaceAllString(p, "check duration: Nms. N active and N backup servers $1. N sessions"))
			}
		default:
			sort.Strings(out)
			return out
		}
	}
}

// TestDifferentialExternalCheckPool runs a primary/replica pool whose
// servers are chosen by external check scripts on haproxy 2.6 and on the
// proxy: both route the same way, the scripts get the same arguments and
// environment, the state changes are logged alike, and after the roles
// swap both fail over within two check intervals.
func TestDifferentialExternalCheckPool(t *testing.T) {
	haproxyBin(t)
	roles := t.TempDir()
	setRoles(t, roles, "primary", "replica")
	db1, db2 := namedServer(t, "db1"), namedServer(t, "db2")
	type run struct {
		name              string
		dir               string
		sink              *logSink
		primary, replicas string
	}
	var runs []*run
	for _, name := range []string{"haproxy", "proxy"} {
		r := &run{name: name, dir: t.TempDir(), sink: newLogSink(t)}
		poolScripts(t, r.dir, roles)
		pp, rp := testkit.FreePort(t), testkit.FreePort(t)
		text := poolConfig(r.sink, pp, rp, db1, db2, r.dir)
		startOn(t, name, text)
		r.primary, r.replicas = "127.0.0.1:"+strconv.Itoa(pp), "127.0.0.1:"+strconv.Itoa(rp)
		runs = append(runs, r)
	}
	// settled waits until n consecutive connections to addr reach want.
	settled := func(r *run, addr, want string) {
		t.Helper()
		n := 0
		testkit.Eventually(t, r.name+" "+addr+" routes to "+want, func() bool {
			if whoAnswers(addr) == want {
				n++
			} else {
				n = 0
			}
			return n >= 6
		})
	}
	dumps := []string{"dump.mysql-primary.db1", "dump.mysql-primary.db2", "dump.mysql-replica.db1", "dump.mysql-replica.db2"}
	var before [2][]string
	for i, r := range runs {
		// Every server was checked and the two wrong ones went DOWN.
		testkit.Eventually(t, r.name+" checks", func() bool {
			for _, f := range dumps {
				if _, err := os.Stat(filepath.Join(r.dir, f)); err != nil {
					return false
				}
			}
			before[i] = append(before[i], drainStates(r.sink)...)
			return len(before[i]) >= 2
		})
		sort.Strings(before[i])
	}
	// The scripts saw the same arguments and environment. Compared before
	// any traffic: a check that runs while a connection of settled is
	// open passes HAPROXY_SERVER_CURCONN=1 (the scripts rewrite their
	// dump at every check).
	for _, f := range dumps {
		var dumps [2]string
		for i, r := range runs {
			b, err := os.ReadFile(filepath.Join(r.dir, f))
			if err != nil {
				t.Fatal(err)
			}
			// The listeners' ports and the script directory differ.
			_, port, _ := net.SplitHostPort(r.primary)
			dumps[i] = strings.ReplaceAll(strings.ReplaceAll(string(b), r.dir, "DIR"), port, "PORT")
		}
		if dumps[0] != dumps[1] {
			t.Errorf("%s:\nhaproxy:\n%s\nproxy:\n%s", f, dumps[0], dumps[1])
		}
	}
	for _, r := range runs {
		settled(r, r.primary, "db1")
		settled(r, r.replicas, "db2")
	}
	for i, r := range runs {
		before[i] = append(before[i], drainStates(r.sink)...)
		sort.Strings(before[i])
	}
	if strings.Join(before[0], "\n") != strings.Join(before[1], "\n") {
		t.Errorf("state lines at start:\nhaproxy:\n%s\nproxy:\n%s", strings.Join(before[0], "\n"), strings.Join(before[1], "\n"))
	}
	if len(before[1]) != 2 {
		t.Errorf("want 2 DOWN lines at start, got %q", before[1])
	}
	// Failover: db2 becomes the primary.
	setRoles(t, roles, "replica", "primary")
	swapped := time.Now()
	for _, r := range runs {
		settled(r, r.primary, "db2")
		settled(r, r.replicas, "db1")
		if d := time.Since(swapped); d > 2*time.Second+time.Second {
			t.Errorf("%s failed over after %v (check interval 1s)", r.name, d)
		} else {
			t.Logf("%s failed over after %v", r.name, d)
		}
	}
	var after [2][]string
	for i, r := range runs {
		after[i] = drainStates(r.sink)
	}
	if strings.Join(after[0], "\n") != strings.Join(after[1], "\n") {
		t.Errorf("state lines after failover:\nhaproxy:\n%s\nproxy:\n%s", strings.Join(after[0], "\n"), strings.Join(after[1], "\n"))
	}
	if len(after[1]) != 4 {
		t.Errorf("want 4 state lines after failover, got %q", after[1])
	}
}

// TestDifferentialExternalCheckTimeout compares the line logged when the
// script outlives its time (the interval, or min(inter, timeout connect)
// with "timeout check") and the check's missing PATH.
func TestDifferentialExternalCheckTimeout(t *testing.T) {
	haproxyBin(t)
	var lines [2]string
	for i, name := range []string{"haproxy", "proxy"} {
		dir := t.TempDir()
		// No "external-check path": PATH is empty, so sleep needs its path.
		script := "#!/bin/sh\n/bin/sleep 5\n"
		if err := os.WriteFile(filepath.Join(dir, "slow.sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		sink := newLogSink(t)
		text := extCheckGlobal(sink) + fmt.Sprintf(`defaults
    mode tcp
    log global
    timeout connect 300ms
    timeout client 5s
    timeout server 5s
    timeout check 3s
backend be
    option external-check
    external-check command %s/slow.sh
    server s1 127.0.0.1:1 check inter 2s fall 1 rise 1
frontend fe
    bind 127.0.0.1:%d
    default_backend be
`, dir, testkit.FreePort(t))
		startOn(t, name, text)
		lines[i] = payload(sink.next(t, `^Server be/s1 is DOWN`))
	}
	dur := regexp.MustCompile(`check duration: (\d+)ms`)
	for i, l := range lines {
		m := dur.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no duration in %q", l)
		}
		// Killed after min(inter 2s, timeout connect 300ms), not after
		// "timeout check" 3s nor inter.
		if ms, _ := strconv.Atoi(m[1]); ms < 300 || ms > 1500 {
			t.Errorf("run %d: check killed after %dms, want about 300ms: %q", i, ms, l)
		}
		lines[i] = dur.ReplaceAllString(l, "check duration: Nms")
	}
	if lines[0] != lines[1] {
		t.Errorf("timeout line:\nhaproxy: %s\nproxy:   %s", lines[0], lines[1])
	}
}

// TestDifferentialOnMarkedDown: with "on-marked-down shutdown-sessions",
// a TCP session and an HTTP request waiting for its response are cut when
// the external check marks the server DOWN; the termination states (and
// the HTTP status) match haproxy 2.6's.
func TestDifferentialOnMarkedDown(t *testing.T) {
	haproxyBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.TCP{Mode: testbackend.Echo}).Serve(ctx, echo)
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan string, 16)
	go (&testbackend.HTTP{Name: "w", OnRequest: func(target string) { arrived <- target }}).Serve(ctx, web)
	var got [2][2]string
	for i, name := range []string{"haproxy", "proxy"} {
		dir := t.TempDir()
		state := filepath.Join(dir, "state")
		os.WriteFile(state, []byte("up\n"), 0o644)
		script := "#!/bin/sh\nread r < " + state + "\n[ \"$r\" = up ]\n"
		if err := os.WriteFile(filepath.Join(dir, "chk.sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		sink := newLogSink(t)
		tport, hport := testkit.FreePort(t), testkit.FreePort(t)
		text := extCheckGlobal(sink) + fmt.Sprintf(`defaults
    log global
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    option external-check
    external-check command %s/chk.sh
listen t
    mode tcp
    option tcplog
    bind 127.0.0.1:%d
    server s1 %s check inter 300 fall 1 rise 1 on-marked-down shutdown-sessions
listen h
    mode http
    option httplog
    bind 127.0.0.1:%d
    server s1 %s check inter 300 fall 1 rise 1 on-marked-down shutdown-sessions
`, dir, tport, echo.Addr(), hport, web.Addr())
		if name == "haproxy" {
			haproxyAt(t, text, hport)
		} else {
			runProxy(t, text)
		}
		c := mustDial(t, "127.0.0.1:"+strconv.Itoa(tport))
		defer c.Close()
		c.Write([]byte("hello\n"))
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatalf("%s: echo: %v", name, err)
		}
		h := mustDial(t, "127.0.0.1:"+strconv.Itoa(hport))
		defer h.Close()
		h.Write([]byte("GET /?d=8000&run=" + name + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		for reached := false; !reached; {
			select {
			case target := <-arrived:
				reached = strings.HasSuffix(target, "run="+name)
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the request did not reach the origin", name)
			}
		}
		// Both sessions are now with the servers: mark them DOWN.
		os.WriteFile(state, []byte("down\n"), 0o644)
		// The two lines come in either order.
		var tl, hl string
		for tl == "" || hl == "" {
			l := payload(sink.next(t, `\] [th] [th]/s1 `))
			if strings.Contains(l, "] t t/s1 ") {
				tl = l
			} else {
				hl = l
			}
		}
		tcpRe := regexp.MustCompile(`\] t t/s1 \S+ \d+ (\S\S) `)
		httpRe := regexp.MustCompile(`\] h h/s1 \S+ (\d+) \d+ - - (\S{4}) `)
		m1, m2 := tcpRe.FindStringSubmatch(tl), httpRe.FindStringSubmatch(hl)
		if m1 == nil || m2 == nil {
			t.Fatalf("%s: unexpected lines:\n%s\n%s", name, tl, hl)
		}
		got[i] = [2]string{m1[1], m2[1] + " " + m2[2]}
	}
	if got[0] != got[1] {
		t.Errorf("termination (tcp, http): haproxy %q, proxy %q", got[0], got[1])
	}
	t.Logf("haproxy %q, proxy %q", got[0], got[1])
	if got[1][0] != "D-" {
		t.Errorf("tcp termination %q, want D-", got[1][0])
	}
}
