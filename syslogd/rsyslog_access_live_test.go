package syslogd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/rotate"
)

// accessConf permits UDP and TCP senders 127.0.0.1 and 127.0.0.3 only
// ($AllowedSender: a v4-mapped IPv6 address does not permit the IPv4
// sender) and sets $InputTCPMaxSessions 2, which rsyslogd 8.2302 does not
// enforce.
const accessConf = `$ModLoad imudp
$ModLoad imtcp
$AllowedSender UDP, 127.0.0.1, 127.0.0.3
$AllowedSender TCP, 127.0.0.1/32, 127.0.0.3, [::ffff:127.0.0.2]
$InputTCPMaxSessions 2
$template F,"%fromhost-ip%%msg%\n"
$UDPServerAddress 127.0.0.1
$UDPServerRun UDPPORT
$InputTCPServerRun TCPPORT
*.* OUTDIR/out.log;F
`

// TestLiveRsyslogAccess: $AllowedSender and $InputTCPMaxSessions as
// rsyslogd 8.2302 applies them, on the same sends (accessSends): a datagram
// from a sender not permitted is dropped, a TCP connection from one is
// closed at once; a third connection when two are open is served (the
// limit is not enforced). The files of both (after the start marker) must
// be the same, and rsyslogd's must lack what was refused. Skipped when
// rsyslogd is absent.
func TestLiveRsyslogAccess(t *testing.T) {
	bin := needLiveRsyslogd(t)
	conf := func(dir string, udp, tcp int) string {
		r := strings.NewReplacer("UDPPORT", fmt.Sprint(udp), "TCPPORT", fmt.Sprint(tcp), "OUTDIR", dir)
		return r.Replace(accessConf)
	}
	// rsyslogd
	rdir := t.TempDir()
	udp, tcp := freeUDPPort(t), freeTCPPort(t)
	rout := filepath.Join(rdir, "out.log")
	c, _ := startMarkedRsyslogd(t, bin, rdir, conf(rdir, udp, tcp), udp, rout, "127.0.0.1 started")
	want := accessSends(t, c, fmt.Sprintf("127.0.0.1:%d", udp), fmt.Sprintf("127.0.0.1:%d", tcp), rout)
	for _, refused := range []string{"udp-denied", "tcp-denied"} {
		if strings.Contains(want, refused) {
			t.Fatalf("rsyslogd wrote %q: the test does not show what it means to\n%s", refused, want)
		}
	}

	// syslogd, same configuration
	sdir := t.TempDir()
	sout := filepath.Join(sdir, "out.log")
	s, sc := startMarkedSyslogd(t, conf(sdir, freeUDPPort(t), freeTCPPort(t)), sout, "127.0.0.1 started",
		func(a netip.Addr) string { return a.String() })
	u, tc, _ := s.Addrs()
	got := accessSends(t, sc, u[0].String(), tc[0].String(), sout)
	testkit.EqualLines(t, "out.log after the start marker", []byte(got), []byte(want))
	if st := s.Stats(); st.Denied != 2 {
		t.Errorf("%d datagrams and connections counted denied, want 2", st.Denied)
	}
}

// accessSends sends, and waits for each step to show in out (c is the
// connection from 127.0.0.1 the start marker came by): a datagram from
// 127.0.0.2 (refused), one from 127.0.0.3, a sync; a TCP connection from
// 127.0.0.2 (closed by the server), two sessions, a third (past
// $InputTCPMaxSessions), a sync on the first. It returns what out holds
// after the start marker.
func accessSends(t *testing.T, c net.Conn, udpAddr, tcpAddr, out string) string {
	t.Helper()
	from := func(network, src, addr string) net.Conn {
		t.Helper()
		d := net.Dialer{Timeout: 5 * time.Second}
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(src)}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
		}
		conn, err := d.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	wait := func(s string) {
		t.Helper()
		if !waitFileHas(out, s, time.Now().Add(testkit.Timeout)) {
			t.Fatalf("%q not written; file:\n%s", s, testfs.ReadFile(t, out))
		}
	}
	// closed waits until the server has closed conn (a read ends).
	closed := func(conn net.Conn, what string) {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(testkit.Timeout))
		if _, err := conn.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
			t.Fatalf("%s: the server did not close the connection (%v)", what, err)
		}
	}
	_, _ = from("udp", "127.0.0.2", udpAddr).Write([]byte("<13>h t: udp-denied"))
	_, _ = from("udp", "127.0.0.3", udpAddr).Write([]byte("<13>h t: udp-allowed"))
	_, _ = c.Write([]byte("<13>h t: udp-sync"))
	wait("udp-sync")

	denied := from("tcp", "127.0.0.2", tcpAddr)
	_, _ = denied.Write([]byte("<13>h t: tcp-denied\n"))
	closed(denied, "sender 127.0.0.2")
	c1 := from("tcp", "127.0.0.3", tcpAddr)
	_, _ = c1.Write([]byte("<13>h t: tcp-1\n"))
	wait("tcp-1") // two connections: their lines' order is the receiver's choice
	c2 := from("tcp", "127.0.0.1", tcpAddr)
	_, _ = c2.Write([]byte("<13>h t: tcp-2\n"))
	wait("tcp-2")
	c3 := from("tcp", "127.0.0.1", tcpAddr)
	_, _ = c3.Write([]byte("<13>h t: tcp-3\n"))
	wait("tcp-3")
	_, _ = c1.Write([]byte("<13>h t: tcp-sync\n"))
	wait("tcp-sync")
	data := string(testfs.ReadFile(t, out))
	_, after, _ := strings.Cut(data, "127.0.0.1 started\n")
	return after
}

// startMarkedSyslogd starts syslogd on the configuration conf (senders
// named by lookup), stopped at cleanup, sends it the start marker from
// 127.0.0.1 and waits until out holds seen. It returns the server and the
// connection the marker went by.
func startMarkedSyslogd(t *testing.T, conf, out, seen string, lookup func(netip.Addr) string) (*Server, net.Conn) {
	t.Helper()
	cfg, err := ParseConfig("live.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, LookupAddr: lookup, Rotation: func(string) rotate.Options { return rotate.Options{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runServer(t, s))
	u, _, _ := s.Addrs()
	c := dialUDP(t, u[0].String())
	_, _ = c.Write([]byte(rsyslogStarted))
	if !waitFileHas(out, seen, time.Now().Add(testkit.Timeout)) {
		t.Fatal("syslogd did not write the start marker")
	}
	return s, c
}

// freeTCPPort is a TCP port of 127.0.0.1 free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	var port int
	if _, err := fmt.Sscan(freePort(t, "tcp"), &port); err != nil {
		t.Fatal(err)
	}
	return port
}
