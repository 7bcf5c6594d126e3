package syslogd

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// diffCase is a differential test against the installed rsyslogd: conf
// (OUTDIR: the output directory; PORT, PORT2 ...: UDP ports, one per
// input) runs in rsyslogd and in syslogd, both are sent msgs, and every
// *.log file below the two output directories must be the same, name and
// bytes. all names the file of the catch-all rule that receives the
// probes; it must see every message of the port it listens on.
// lineCount is the number of lines in file (0 when it cannot be read).
func lineCount(file string) int {
	b, _ := os.ReadFile(file)
	return bytes.Count(b, []byte("\n"))
}

type diffCase struct {
	conf  string
	msgs  []diffMsg
	all   string   // file (relative to OUTDIR) the readiness probes go to
	want  []string // files rsyslogd must write (a case that writes none checks nothing)
	ports int      // number of PORTn placeholders; 0: one (PORT)
	// every names, for each port, a file (relative to OUTDIR) that gets
	// one line for every message sent there; nil: all for PORT alone.
	// rsyslogd is sent the next message once it wrote the last one.
	every []string
	// attrs: the mode, owner and group of every *.log file and
	// directory below OUTDIR must be the same too.
	attrs bool
}

// diffMsg is one datagram sent to the input listening on port (0: PORT,
// 1: PORT2 ...).
type diffMsg struct {
	port int
	text string
}

func udpMsgs(texts ...string) []diffMsg {
	out := make([]diffMsg, len(texts))
	for i, s := range texts {
		out[i] = diffMsg{text: s}
	}
	return out
}

// portNames returns the placeholders of n ports: PORT, PORT2, PORT3 ...
func portNames(n int) []string {
	names := []string{"PORT"}
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("PORT%d", i))
	}
	return names
}

// withPorts replaces the port placeholders (longest first) by ports.
func withPorts(conf string, ports []int) string {
	for i := len(ports) - 1; i >= 0; i-- {
		conf = strings.ReplaceAll(conf, portNames(len(ports))[i], fmt.Sprint(ports[i]))
	}
	return conf
}

// runRsyslogDiff runs dc in rsyslogd and in syslogd and compares what
// they wrote.
func runRsyslogDiff(t *testing.T, dc diffCase) {
	t.Helper()
	bin := needLiveRsyslogd(t)
	n := max(dc.ports, 1)
	rports, sports := make([]int, n), make([]int, n)
	for i := range n {
		rports[i], sports[i] = freeUDPPort(t), freeUDPPort(t)
	}
	rdir := t.TempDir()
	conf := strings.ReplaceAll(withPorts(dc.conf, rports), "OUTDIR", rdir)
	confPath := writeRsyslogConf(t, rdir, conf)
	checkRsyslogConf(t, bin, confPath)
	c := startRsyslogd(t, bin, confPath, rdir, rports[0])
	others := dialPorts(t, rports[1:])
	all := filepath.Join(rdir, dc.all)
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, all, deadline)
	markRsyslogdStarted(t, c, all, "started", deadline)
	every := dc.every
	if every == nil {
		every = []string{dc.all}
	}
	for _, m := range dc.msgs {
		conn := c
		if m.port > 0 {
			conn = others[m.port-1]
		}
		// rsyslogd's inputs are not ordered with each other, nor imudp
		// across its batches: one message at a time.
		f := filepath.Join(rdir, every[m.port])
		n := lineCount(f)
		_, _ = conn.Write([]byte(m.text))
		if !testkit.Poll(time.Until(deadline), func() bool { return lineCount(f) > n }) {
			t.Fatalf("rsyslogd did not write %q to %s", m.text, every[m.port])
		}
	}
	_, _ = c.Write([]byte("<13>h t: done"))
	if !waitFileHas(all, "done", deadline) {
		t.Fatal("rsyslogd did not write everything")
	}
	// The other inputs are not ordered with the first one: wait until
	// rsyslogd has written as many lines as it will.
	settle(rdir, deadline)

	sdir := t.TempDir()
	sconf := withPorts(dc.conf, sports)
	cfg, err := ParseConfig("test.conf", []byte(strings.ReplaceAll(sconf, "OUTDIR", sdir)))
	if err != nil {
		t.Fatal(err)
	}
	var udp []string
	for _, in := range cfg.Inputs {
		if in.Kind == UDP {
			udp = append(udp, in.Addr)
		}
	}
	s, stop := testServer(t, sconf, sdir, Options{UDP: udp})
	sc := dialPorts(t, sports)
	sent := 0
	send := func(port int, text string) {
		if _, err := sc[port].Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
		sent++
	}
	send(0, rsyslogProbe)
	send(0, rsyslogStarted)
	for _, m := range dc.msgs {
		send(m.port, m.text)
		waitReceived(t, s, uint64(sent)) // one at a time: the inputs have their own readers
	}
	send(0, "<13>h t: done")
	waitReceived(t, s, uint64(sent))
	stop()

	if dc.attrs {
		compareAttrs(t, fileAttrs(t, rdir), fileAttrs(t, sdir))
	}
	want, got := logFiles(t, rdir), logFiles(t, sdir)
	for _, name := range dc.want {
		if len(dropProbes(want[name])) == 0 {
			t.Errorf("rsyslogd wrote nothing to %s: the case checks nothing", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("syslogd wrote %s, rsyslogd did not", name)
		}
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w, g := dropProbes(want[name]), dropProbes(got[name])
		t.Run(name, func(t *testing.T) {
			if _, ok := got[name]; !ok {
				t.Errorf("rsyslogd wrote %s, syslogd did not", name)
			}
			testkit.EqualLines(t, "output", g, w)
		})
	}
}

// dialPorts returns UDP connections to 127.0.0.1:port, closed at cleanup.
func dialPorts(t *testing.T, ports []int) []net.Conn {
	t.Helper()
	var cs []net.Conn
	for _, p := range ports {
		cs = append(cs, dialUDP(t, fmt.Sprintf("127.0.0.1:%d", p)))
	}
	return cs
}

// settle waits until the total size of the *.log files below dir has not
// changed for 300ms (or deadline).
func settle(dir string, deadline time.Time) {
	last, since := int64(-1), time.Now()
	for time.Now().Before(deadline) {
		var n int64
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log") {
				if fi, err := d.Info(); err == nil {
					n += fi.Size()
				}
			}
			return nil
		})
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 300*time.Millisecond {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// logFiles returns the *.log files below dir, by path relative to it.
func logFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".log") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// logNames returns name.log for each name.
func logNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + ".log"
	}
	return out
}

// fileAttrs returns "mode uid gid" of the directories and *.log files
// below dir, by path relative to it.
func fileAttrs(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir || (!d.IsDir() && !strings.HasSuffix(p, ".log")) {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fmt.Sprintf("%v %d %d", fi.Mode(), st.Uid, st.Gid)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compareAttrs(t *testing.T, want, got map[string]string) {
	t.Helper()
	for p, w := range want {
		if g := got[p]; g != w {
			t.Errorf("%s: mode, owner, group %q, rsyslogd's %q", p, g, w)
		}
	}
}
