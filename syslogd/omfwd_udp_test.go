package syslogd

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// dgramSink collects the datagrams sent to a UDP socket of 127.0.0.1.
type dgramSink struct {
	c    *net.UDPConn
	mu   sync.Mutex
	got  [][]byte
	done chan struct{}
}

func newDgramSink(t *testing.T) *dgramSink {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	d := &dgramSink{c: c, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			d.mu.Lock()
			d.got = append(d.got, bytes.Clone(buf[:n]))
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-d.done })
	return d
}

func (d *dgramSink) port() int { return d.c.LocalAddr().(*net.UDPAddr).Port }

func (d *dgramSink) datagrams() [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]byte(nil), d.got...)
}

// streamSink collects what TCP connections to 127.0.0.1 send, line by line.
type streamSink struct {
	ln    net.Listener
	mu    sync.Mutex
	lines []string
	wg    sync.WaitGroup
}

func newStreamSink(t *testing.T) *streamSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &streamSink{ln: ln}
	var conns sync.Map
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Store(c, true)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					s.mu.Lock()
					s.lines = append(s.lines, sc.Text())
					s.mu.Unlock()
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		s.wg.Wait()
	})
	return s
}

func (s *streamSink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *streamSink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.lines) }

// fwdLiveConf forwards each local facility through a different omfwd
// form: legacy "@" UDP with the default template and with one named,
// action() over UDP with omfwd's default and with RSYSLOG_ForwardFormat,
// legacy "@@" TCP.
const fwdLiveConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
template(name="custom" type="string" string="%syslogtag%|%msg%|%hostname%|%pri-text%")
user.* OUTDIR/probe.log
local0.* @127.0.0.1:UDPSINK
local1.* action(type="omfwd" target="127.0.0.1" port="UDPSINK" protocol="udp")
local2.* action(type="omfwd" target="127.0.0.1" port="UDPSINK" protocol="udp" template="RSYSLOG_ForwardFormat")
local3.* @127.0.0.1:UDPSINK;custom
local4.* @@127.0.0.1:TCPSINK
template(name="lf" type="string" string="%msg%\n")
local5.* action(type="omfwd" target="127.0.0.1" port="UDPSINK" protocol="udp" template="lf")
local6.* @@127.0.0.1:TCPSINK;lf
`

// fwdLiveBodies are the messages each form forwards (the PRI is
// prepended per facility); they carry their own timestamp and host so
// that nothing depends on the reception.
var fwdLiveBodies = []string{
	"Dec  5 10:00:00 host1 app[12]: hello",
	"Dec  5 10:00:01 host1 tag:nospace",
	"Dec  5 10:00:02 host1 averyveryverylongprogramnamethatgoesbeyond32chars[1]: long tag",
	"1 2026-12-05T10:00:03.123456+01:00 host2 app2 99 ID1 [x@1 a=\"b\"] rfc 5424",
	"1 2026-12-05T10:00:04Z host2 app2 - - - no sd",
	"Dec  5 10:00:05 host1 app: trailing line feed\n",
	"Dec  5 10:00:06 host1 app: control \x01 and tab\there",
	"Dec  5 10:00:07 host1 app:  two spaces",
}

// TestLiveRsyslogForward relays the same messages through rsyslogd's omfwd
// and syslogd's (UDP and TCP, legacy selectors and action()) to listeners
// of the test and compares the bytes: each datagram, each TCP line. The
// messages are sent one at a time, each once the previous was relayed, so
// both sides forward in the same order.
func TestLiveRsyslogForward(t *testing.T) {
	bin := needLiveRsyslogd(t)
	type side struct {
		udp *dgramSink
		tcp *streamSink
	}
	var msgs []string
	for fac := 16; fac <= 22; fac++ {
		for _, b := range fwdLiveBodies {
			msgs = append(msgs, fmt.Sprintf("<%d>%s", fac*8+6, b))
		}
	}
	udpCount := 5 * len(fwdLiveBodies)
	// relay sends msgs on c one at a time, waiting for each to come out.
	relay := func(t *testing.T, c net.Conn, sd side) {
		for i, m := range msgs {
			nu, nt := len(sd.udp.datagrams()), sd.tcp.count()
			if _, err := c.Write([]byte(m)); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, fmt.Sprintf("message %d relayed", i), func() bool {
				return len(sd.udp.datagrams())+sd.tcp.count() > nu+nt
			})
		}
	}
	conf := func(dir string, port int, sd side) string {
		return strings.NewReplacer("PORT", fmt.Sprint(port), "OUTDIR", dir,
			"UDPSINK", fmt.Sprint(sd.udp.port()), "TCPSINK", fmt.Sprint(sd.tcp.port())).Replace(fwdLiveConf)
	}

	rs := side{newDgramSink(t), newStreamSink(t)}
	rdir := t.TempDir()
	rport := freeUDPPort(t)
	rconf := writeRsyslogConf(t, rdir, conf(rdir, rport, rs))
	checkRsyslogConf(t, bin, rconf)
	c := startRsyslogd(t, bin, rconf, rdir, rport)
	probeRsyslogd(t, c, filepath.Join(rdir, "probe.log"), time.Now().Add(20*time.Second))
	relay(t, c, rs)

	ss := side{newDgramSink(t), newStreamSink(t)}
	sdir := t.TempDir()
	s, stop := testServer(t, conf(sdir, 0, ss), sdir, Options{})
	defer stop()
	udp, _, _ := s.Addrs()
	sc := dialUDP(t, udp[0].String())
	relay(t, sc, ss)

	want, got := rs.udp.datagrams(), ss.udp.datagrams()
	if len(want) != udpCount || len(got) != udpCount {
		t.Fatalf("datagrams: rsyslogd %d, syslogd %d, want %d each", len(want), len(got), udpCount)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("datagram %d (%q):\n got %q\nwant %q", i, msgs[i], got[i], want[i])
		}
	}
	rs.tcp.mu.Lock()
	ss.tcp.mu.Lock()
	testkit.EqualLines(t, "@@ TCP", []byte(strings.Join(ss.tcp.lines, "\n")), []byte(strings.Join(rs.tcp.lines, "\n")))
	ss.tcp.mu.Unlock()
	rs.tcp.mu.Unlock()
}

// TestOmfwdLegacySelector checks what the legacy forwarding selectors
// parse to.
func TestOmfwdLegacySelector(t *testing.T) {
	for _, c := range []struct {
		act                                    string
		target, port, proto, framing, template string
	}{
		{"@h", "h", "514", "udp", "traditional", "RSYSLOG_TraditionalForwardFormat"},
		{"@h:10514", "h", "10514", "udp", "traditional", "RSYSLOG_TraditionalForwardFormat"},
		{"@@h:10514;RSYSLOG_ForwardFormat", "h", "10514", "tcp", "traditional", "RSYSLOG_ForwardFormat"},
		{"@@(o)h", "h", "514", "tcp", "octet-counted", "RSYSLOG_TraditionalForwardFormat"},
		{"@[::1]:99", "::1", "99", "udp", "traditional", "RSYSLOG_TraditionalForwardFormat"},
		{"@[fe80::1]", "fe80::1", "514", "udp", "traditional", "RSYSLOG_TraditionalForwardFormat"},
		{"@192.0.2.1 ; RSYSLOG_SyslogProtocol23Format", "192.0.2.1", "514", "udp", "traditional", "RSYSLOG_SyslogProtocol23Format"},
	} {
		cfg, err := ParseConfig("t.conf", []byte("local0.* "+c.act+"\n"))
		if err != nil {
			t.Errorf("%s: %v", c.act, err)
			continue
		}
		r := cfg.Rules[len(cfg.Rules)-1]
		out, err := cfg.outputs[r.Path](&Server{})
		if err != nil {
			t.Fatal(err)
		}
		fp := out.(*fwdOut).fp
		_ = out.Close()
		if fp.target != c.target || fp.port != c.port || fp.protocol != c.proto || fp.framing != c.framing ||
			strings.TrimSuffix(r.Template, lineSuffix) != c.template {
			t.Errorf("%s: target %q port %q protocol %q framing %q template %q", c.act, fp.target, fp.port, fp.protocol, fp.framing, r.Template)
		}
	}
}
