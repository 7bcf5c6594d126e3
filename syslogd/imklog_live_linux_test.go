package syslogd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/haplog/haplog/internal/testkit"
)

// kernLines are written to the fake kernel log (a FIFO) of both daemons:
// valid, missing and invalid "<pri>", other facilities (dropped), a
// second "<pri>", control characters (not escaped by imklog), an empty
// line.
var kernLines = []string{
	"<6>[ 1234.567890] hello kern", "<3>plain", "<14>[ 1.000001] user facility", "no pri at all",
	"<4><6>second pri", "<0>emerg", "<191>local7", "<192>too big", "<abc>d", "<>e", "<6>", "",
	"<999>f", "<06>leading zero", "<6> lead space", "<6>tab\there", "<6>ctl\x01x", "<6>x<7>y", "<8>user",
	"<7>debug", "<3>kern marker",
}

// usrMsgs go over UDP to the omusrmsg actions of usrMsgConf.
var usrMsgs = []string{
	"<0>Nov 10 10:00:01 host1 tag[1]: emergency now",
	"<131>Nov 10 10:00:02 host1 tag2: local0 to root and nobody",
	"<139>Nov 10 10:00:03 host1 tag3: local1 to nobody only",
	"<147>Nov 10 10:00:04 host1 tag4: local2 with a template",
	"<8>Nov 10 10:00:05 host1 tag5: user.emerg",
	"<147>Nov 10 10:00:06 host1 tag6: usr marker",
}

const usrMsgConf = `module(load="imklog" logpath="DIR/kmsg")
$template Props,"[%syslogtag%][%programname%][%procid%][%msg%][%hostname%][%pri%][%syslogfacility-text%][%rawmsg%][%fromhost-ip%]\n"
*.* DIR/props.log;Props
kern.* DIR/kern.log
*.emerg :omusrmsg:*
local0.* :omusrmsg:root,nobody
local1.* :omusrmsg:nobody
local2.* :omusrmsg:root;Props
`

// openPty opens a pseudo-terminal and returns its master and the path
// of its slave, which is held open until cleanup.
func openPty(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var n uint32
	unlock := int32(0)
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, name
}

// utmpRecord is one glibc utmp record.
func utmpRecord(typ int16, user, line string) []byte {
	r := make([]byte, utmpSize)
	binary.LittleEndian.PutUint16(r[0:], uint16(typ))
	binary.LittleEndian.PutUint32(r[4:], uint32(os.Getpid()))
	copy(r[utmpLineOff:utmpLineOff+utmpLineLen], line)
	copy(r[utmpUserOff:utmpUserOff+utmpUserLen], user)
	return r
}

// writeUtmp writes a utmp file in dir naming tty (a /dev path): root and
// alice logged in on it, a dead root session on it too.
func writeUtmp(t *testing.T, dir, tty string) string {
	t.Helper()
	line := strings.TrimPrefix(tty, "/dev/")
	var b []byte
	b = append(b, utmpRecord(utUserProcess, "root", line)...)
	b = append(b, utmpRecord(utUserProcess, "alice", line)...)
	b = append(b, utmpRecord(8, "root", line)...) // DEAD_PROCESS
	path := filepath.Join(dir, "utmp")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readPtyUntil reads m until what it read holds marker or the deadline.
func readPtyUntil(t *testing.T, m *os.File, marker string, deadline time.Time) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(out, []byte(marker)) {
		if time.Now().After(deadline) {
			t.Fatalf("terminal output without %q: %q", marker, out)
		}
		_ = m.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _ := m.Read(buf)
		out = append(out, buf[:n]...)
	}
	return out
}

// openFIFO opens the fifo at path for writing in the background (rsyslogd
// opens its kernel log at start, blocking until a writer opens it) and
// returns a function writing lines to it in one write and
// closing it.
func openFIFO(t *testing.T, path string, lines []string) func() {
	t.Helper()
	ch := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
		}
		ch <- f
	}()
	return func() {
		t.Helper()
		var f *os.File
		select {
		case f = <-ch:
		case <-time.After(20 * time.Second):
			t.Fatal("the kernel log FIFO was not opened by its reader")
		}
		if f == nil {
			t.FailNow()
		}
		if _, err := f.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

var wallStamp = regexp.MustCompile(` at [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} \.\.\.`)

// TestLiveRsyslogKlogUsrMsg runs the installed rsyslogd and syslogd with
// imklog reading a FIFO (logpath=) and omusrmsg actions; rsyslogd runs in
// a mount namespace whose /run holds a utmp naming a pseudo-terminal,
// syslogd is given the same utmp through Options.Utmp (naming another
// one). The kernel messages written and the terminal output must be the
// same, but for reception time stamps.
func TestLiveRsyslogKlogUsrMsg(t *testing.T) {
	bin := needLiveRsyslogd(t)
	if os.Geteuid() != 0 {
		t.Skip("rsyslogd's utmp is replaced in a mount namespace: needs root")
	}
	if err := exec.Command("unshare", "-m", "true").Run(); err != nil {
		t.Skipf("unshare -m: %v", err)
	}
	rdir := t.TempDir()
	rpty, rtty := openPty(t)
	rutmp := writeUtmp(t, rdir, rtty)
	if err := syscall.Mkfifo(filepath.Join(rdir, "kmsg"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t)
	conf := fmt.Sprintf("module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n", port) +
		strings.ReplaceAll(usrMsgConf, "DIR", rdir)
	confPath := writeRsyslogConf(t, rdir, conf)
	rwrite := openFIFO(t, filepath.Join(rdir, "kmsg"), kernLines)
	checkRsyslogConf(t, bin, confPath)
	stderr, err := os.Create(filepath.Join(rdir, "rsyslogd.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command("unshare", "-m", "sh", "-c",
		`mount -t tmpfs none /run && cp "$1" /run/utmp && exec "$2" -n -f "$3" -i "$4"`,
		"sh", rutmp, bin, confPath, filepath.Join(rdir, "pid"))
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("rsyslogd: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := dialUDP(t, fmt.Sprintf("127.0.0.1:%d", port))
	deadline := time.Now().Add(20 * time.Second)
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			t.Logf("rsyslogd stderr: %s", rsyslogdStderr(rdir))
		}
	})
	probeRsyslogd(t, c, filepath.Join(rdir, "props.log"), deadline)
	markRsyslogdStarted(t, c, filepath.Join(rdir, "props.log"), "started", deadline)
	rwrite()
	if !waitFileHas(filepath.Join(rdir, "props.log"), "kern marker", deadline) {
		t.Fatalf("rsyslogd did not write the kernel messages: %s", rsyslogdStderr(rdir))
	}
	for _, m := range usrMsgs {
		_, _ = c.Write([]byte(m))
	}
	rout := readPtyUntil(t, rpty, "usr marker", deadline)

	sdir := t.TempDir()
	spty, stty := openPty(t)
	sutmp := writeUtmp(t, sdir, stty)
	if err := syscall.Mkfifo(filepath.Join(sdir, "kmsg"), 0o600); err != nil {
		t.Fatal(err)
	}
	swrite := openFIFO(t, filepath.Join(sdir, "kmsg"), kernLines)
	s, stop := testServer(t, strings.ReplaceAll(usrMsgConf, "DIR", sdir), sdir,
		Options{LookupAddr: dnsLookup, Now: time.Now, Location: time.Local, Utmp: sutmp})
	feedKernel(t, s, swrite, filepath.Join(sdir, "props.log"), deadline)
	udp, _, _ := s.Addrs()
	for _, m := range usrMsgs {
		sendUDP(t, udp[0], [][]byte{[]byte(m)})
	}
	sout := readPtyUntil(t, spty, "usr marker", deadline)
	stop()

	for _, name := range []string{"props.log", "kern.log"} {
		want, _ := os.ReadFile(filepath.Join(rdir, name))
		got, _ := os.ReadFile(filepath.Join(sdir, name))
		t.Run(name, func(t *testing.T) {
			testkit.EqualLines(t, "output", maskReception(dropProbes(got)), maskReception(dropProbes(want)))
		})
	}
	t.Run("terminal", func(t *testing.T) {
		want := wallStamp.ReplaceAll(rout, []byte(" at STAMP ..."))
		got := wallStamp.ReplaceAll(sout, []byte(" at STAMP ..."))
		if !bytes.Equal(got, want) {
			t.Errorf("terminal output\n got %q\nwant %q", got, want)
		}
		if !bytes.Contains(want, []byte("Message from syslogd@")) {
			t.Errorf("rsyslogd wrote no wall message: %q", want)
		}
	})
}
