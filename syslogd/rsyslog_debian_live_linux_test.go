package syslogd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// debianMsgs are sent to both daemons over each transport. The stamps are
// far from the test's time so that a reception-time stamp is told apart.
var debianMsgs = []string{
	"<134>Nov 10 10:00:01 haproxy[1234]: 127.0.0.1:5000 [10/Jan/2026:10:00:01.123] fe be/srv1 0/0/1/2/3 200 120 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
	"<134>Nov 10 10:00:02 haproxy-lb[7]: startswith haproxy",
	"<134>Nov 10 10:00:03 nothaproxy[7]: not haproxy",
	"<38>Nov 10 10:00:04 sshd[1]: auth message",
	"<86>Nov 10 10:00:05 sudo: authpriv message",
	"<14>Nov 10 10:00:06 app: user message",
	"<22>Nov 10 10:00:07 postfix/smtpd[9]: mail message",
	"<78>Nov 10 10:00:08 CRON[3]: cron message",
	"<4>Nov 10 10:00:09 kernel: kern warning",
	"<13>Nov 10 10:00:10 host1 tag: with a hostname",
	"<134>Nov 10 10:00:11 haproxy[1]: ends with LF\n",
	"<13>Nov 10 10:00:12 a:b c: colon inside the tag",
	"<13>Nov 10 10:00:13 nocolon text",
	"<13>1 2026-11-10T10:00:14Z host app - - - RFC 5424",
}

// debianConf rewrites Debian's rsyslog.conf for a test in dir: paths into
// dir, the system socket and haproxy's socket into dir, imklog reading the
// FIFO dir/kmsg instead of /proc/kmsg (logpath=). Its :omusrmsg:* line is
// kept: neither daemon has a logged-in user (no utmp), and no message
// sent is an emergency. inputs is prepended.
func debianConf(t *testing.T, dir, inputs string) string {
	t.Helper()
	main := testfs.ReadFile(t, filepath.Join("testdata", "debian", "rsyslog.conf"))
	ha := testfs.ReadFile(t, filepath.Join("testdata", "debian", "49-haproxy.conf"))
	incDir := filepath.Join(dir, "rsyslog.d")
	if err := os.MkdirAll(incDir, 0o755); err != nil {
		t.Fatal(err)
	}
	haConf := strings.ReplaceAll(string(ha), "/var/lib/haproxy/dev/log", filepath.Join(dir, "hadevlog"))
	haConf = strings.ReplaceAll(haConf, "/var/log/", dir+"/")
	if err := os.WriteFile(filepath.Join(incDir, "49-haproxy.conf"), []byte(haConf), 0o644); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(main), "\n") {
		switch {
		case strings.HasPrefix(l, "module(load=\"imklog\")"):
			l = fmt.Sprintf("module(load=\"imklog\" logpath=%q)", filepath.Join(dir, "kmsg"))
		case strings.HasPrefix(l, "module(load=\"imuxsock\")"):
			l = fmt.Sprintf("module(load=\"imuxsock\" SysSock.Name=%q)", filepath.Join(dir, "devlog"))
		}
		l = strings.ReplaceAll(l, "/etc/rsyslog.d/", incDir+"/")
		l = strings.ReplaceAll(l, "/var/spool/rsyslog", dir)
		l = strings.ReplaceAll(l, "/var/log/", dir+"/")
		out = append(out, l)
	}
	return inputs + strings.Join(out, "\n")
}

// debianKern are written to the fake kernel log: no emergency (that
// would go to this host's terminals), one line of another facility
// (dropped by imklog).
var debianKern = []string{"<6>[ 12.345678] eth0: link up", "<4>warning", "no pri", "<14>user facility", "<3>kern marker"}

var debianLogs = []string{"syslog", "auth.log", "cron.log", "kern.log", "mail.log", "user.log", "haproxy.log", "props.log"}

// debianProps is added before Debian's rules: the parsed fields, each in
// brackets, in props.log.
const debianProps = "$template Props,\"[%syslogtag%][%programname%][%procid%][%msg%][%hostname%][%pri%]\\n\"\n*.* DIR/props.log;Props\n"

// TestLiveRsyslogDebian runs the installed rsyslogd and syslogd on Debian's
// rsyslog.conf and 49-haproxy.conf (rewritten as debianConf says) and
// sends the same messages over UDP, TCP, the system socket and haproxy's
// socket; the files must be identical but for reception-time stamps.
func TestLiveRsyslogDebian(t *testing.T) {
	bin := needLiveRsyslogd(t)
	rdir := t.TempDir()
	port, tport := freeUDPPort(t), testkit.FreePort(t)
	inputs := fmt.Sprintf("module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n"+
		"module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\")\n", port, tport)
	confPath := writeRsyslogConf(t, rdir, debianConf(t, rdir, inputs+strings.ReplaceAll(debianProps, "DIR", rdir)))
	checkRsyslogConf(t, bin, confPath)
	if err := syscall.Mkfifo(filepath.Join(rdir, "kmsg"), 0o600); err != nil {
		t.Fatal(err)
	}
	rkern := openFIFO(t, filepath.Join(rdir, "kmsg"), debianKern)
	if _, err := os.Stat("/run/utmp"); err == nil {
		t.Skip("/run/utmp exists: rsyslogd would write to the terminals of this host's users")
	}
	c := startRsyslogd(t, bin, confPath, rdir, port)
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, filepath.Join(rdir, "user.log"), deadline)
	markRsyslogdStarted(t, c, filepath.Join(rdir, "user.log"), "started", deadline)
	rkern()
	if !waitFileHas(filepath.Join(rdir, "kern.log"), "kern marker", deadline) {
		t.Fatal("rsyslogd did not write the kernel messages")
	}
	send := func(udp, tcp net.Addr, devlog, hadevlog string, done func(n int)) {
		n := 0
		for _, tr := range []string{"udp", "tcp", "devlog", "hadevlog"} {
			for _, m := range debianMsgs {
				m = strings.Replace(m, ": ", ": "+tr+" ", 1)
				switch tr {
				case "udp":
					sendUDP(t, udp, [][]byte{[]byte(m)})
				case "tcp":
					sendOnce(t, "tcp", tcp.String(), fmt.Sprintf("%d %s", len(m), m))
				default:
					path := devlog
					if tr == "hadevlog" {
						path = hadevlog
					}
					sendOnce(t, "unixgram", path, m)
				}
				n++
				done(n)
			}
		}
	}
	ua, _ := net.ResolveUDPAddr("udp", fmt.Sprintf("127.0.0.1:%d", port))
	ta, _ := net.ResolveTCPAddr("tcp", fmt.Sprintf("127.0.0.1:%d", tport))
	// One at a time, each written before the next (rsyslogd's inputs are
	// not ordered with respect to each other). props.log takes every
	// message (*.*); a message's other files may be written after it,
	// so their line count says nothing of the next message.
	props := filepath.Join(rdir, "props.log")
	base := countFileLines(props)
	send(ua, ta, filepath.Join(rdir, "devlog"), filepath.Join(rdir, "hadevlog"), func(n int) {
		for time.Now().Before(deadline) {
			if countFileLines(props) >= base+n {
				return
			}
			time.Sleep(2 * time.Millisecond) // polling interval
		}
		t.Fatalf("rsyslogd did not write message %d", n)
	})

	sdir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(sdir, "kmsg"), 0o600); err != nil {
		t.Fatal(err)
	}
	skern := openFIFO(t, filepath.Join(sdir, "kmsg"), debianKern)
	sconf := debianConf(t, sdir, "module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"0\")\n"+
		"module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\")\n"+
		strings.ReplaceAll(debianProps, "DIR", sdir))
	s, stop := testServer(t, sconf, sdir, Options{LookupAddr: dnsLookup, Now: time.Now, Location: time.Local,
		Utmp: filepath.Join(sdir, "no-utmp"),
		TCP:  []string{"127.0.0.1:0"}, Unix: []string{filepath.Join(sdir, "devlog"), filepath.Join(sdir, "hadevlog")}})
	feedKernel(t, s, skern, filepath.Join(sdir, "kern.log"), deadline)
	udp, tcp, _ := s.Addrs()
	k := uint64(s.Stats().Received)
	send(udp[0], tcp[0], filepath.Join(sdir, "devlog"), filepath.Join(sdir, "hadevlog"), func(n int) { waitReceived(t, s, k+uint64(n)) })
	stop()
	for _, name := range debianLogs {
		want, _ := os.ReadFile(filepath.Join(rdir, name))
		got, _ := os.ReadFile(filepath.Join(sdir, name))
		want, got = maskReception(dropProbes(want)), maskReception(dropProbes(got))
		t.Run(name, func(t *testing.T) { testkit.EqualLines(t, "output", got, want) })
		// $FileOwner root, $FileGroup adm, $FileCreateMode 0640.
		rs, err1 := os.Stat(filepath.Join(rdir, name))
		ss, err2 := os.Stat(filepath.Join(sdir, name))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		ru, su := rs.Sys().(*syscall.Stat_t), ss.Sys().(*syscall.Stat_t)
		if rs.Mode() != ss.Mode() || ru.Uid != su.Uid || ru.Gid != su.Gid {
			t.Errorf("%s: mode %v uid %d gid %d, rsyslogd's %v %d %d", name, ss.Mode(), su.Uid, su.Gid, rs.Mode(), ru.Uid, ru.Gid)
		}
	}
}

// feedKernel sends s the readiness probe and start marker rsyslogd is sent
// (so that both receive the same), then writes the kernel lines (write)
// and waits until file holds their marker.
func feedKernel(t *testing.T, s *Server, write func(), file string, deadline time.Time) {
	t.Helper()
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte(rsyslogProbe), []byte(rsyslogStarted)})
	waitReceived(t, s, 2)
	write()
	if !waitFileHas(file, "kern marker", deadline) {
		t.Fatal("syslogd did not write the kernel messages")
	}
}

// countFileLines is the number of lines in file (0 when it is absent).
func countFileLines(file string) int {
	b, _ := os.ReadFile(file)
	return strings.Count(string(b), "\n")
}
