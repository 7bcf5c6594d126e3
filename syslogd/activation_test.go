package syslogd

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestSocketActivation: syslogd reads the UDP, TCP and unix sockets a
// supervisor passed (Options.Listeners, systemd's socket activation)
// instead of binding its own — binding them would fail: the test holds
// them — and the datagrams sent while it is down wait in the socket for
// the next instance: 40 UDP and 10 unix datagrams sent between two runs
// are all received by the second. The unix socket's path survives a stop.
func TestSocketActivation(t *testing.T) {
	dir := t.TempDir()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "log.sock")
	xc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	for _, c := range []interface{ File() (*os.File, error) }{uc, tl, xc} {
		f, err := c.File()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		files = append(files, f)
	}
	uc.Close()
	tl.Close()
	xc.Close()
	uport, tport := uc.LocalAddr().(*net.UDPAddr).Port, tl.Addr().(*net.TCPAddr).Port
	conf := fmt.Sprintf(`module(load="imudp")
input(type="imudp" address="127.0.0.1" port="%d")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="%d")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="%s")
*.* /dev/null
`, uport, tport, path)
	cfg, err := ParseConfig("activated.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	run := func() (*Server, func()) {
		s, err := New(Options{Config: cfg, Listeners: files, Open: func(string) (Sink, error) { return &countSink{}, nil },
			LookupAddr: func(netip.Addr) string { return "h" }})
		if err != nil {
			t.Fatal(err)
		}
		return s, runServer(t, s)
	}
	msgs := func(n int, text string) [][]byte {
		var m [][]byte
		for i := 0; i < n; i++ {
			m = append(m, fmt.Appendf(nil, "<13>h t: %s %d", text, i))
		}
		return m
	}
	uaddr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: uport}
	xaddr := &net.UnixAddr{Name: path, Net: "unixgram"}

	s, stop := run()
	if udp, tcp, unix := s.Addrs(); udp[0].String() != uaddr.String() || tcp[0].(*net.TCPAddr).Port != tport || unix[0].String() != path {
		t.Fatalf("listening on %v %v %v, want the passed sockets", udp, tcp, unix)
	}
	sendUDP(t, uaddr, msgs(3, "up"))
	sendDatagrams(t, xaddr, msgs(2, "up"))
	c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", tport))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "<13>h t: tcp\n")
	c.Close()
	waitReceived(t, s, 6)
	stop()

	if _, err := os.Stat(path); err != nil {
		t.Fatalf("unix socket path after stop: %v", err)
	}
	sendUDP(t, uaddr, msgs(40, "down")) // no syslogd running: queued
	sendDatagrams(t, xaddr, msgs(10, "down"))

	s, stop = run()
	waitReceived(t, s, 50)
	stop()
	if got := s.Stats().Received; got != 50 {
		t.Errorf("second run received %d, want the 50 sent while down", got)
	}
}

// TestSameAddr: a passed socket matches the input naming its address;
// any unspecified address matches another (systemd binds [::]).
func TestSameAddr(t *testing.T) {
	any6 := &net.UDPAddr{IP: net.IPv6unspecified, Port: 514}
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 514}
	for _, c := range []struct {
		in   Input
		a    net.Addr
		want bool
	}{
		{Input{Kind: UDP, Addr: ":514"}, any6, true},
		{Input{Kind: UDP, Addr: "0.0.0.0:514"}, any6, true},
		{Input{Kind: UDP, Addr: "127.0.0.1:514"}, lo, true},
		{Input{Kind: UDP, Addr: "127.0.0.1:514"}, any6, false},
		{Input{Kind: UDP, Addr: ":514"}, lo, false},
		{Input{Kind: UDP, Addr: "127.0.0.1:515"}, lo, false},
		{Input{Kind: TCP, Addr: "127.0.0.1:514"}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 514}, true},
		{Input{Kind: Unix, Addr: "/dev/log"}, &net.UnixAddr{Name: "/dev/log", Net: "unixgram"}, true},
		{Input{Kind: Unix, Addr: "/dev/log"}, &net.UnixAddr{Name: "/run/log", Net: "unixgram"}, false},
	} {
		if got := sameAddr(c.in, c.a); got != c.want {
			t.Errorf("sameAddr(%s %q, %v) = %v, want %v", c.in.Kind, c.in.Addr, c.a, got, c.want)
		}
	}
}

// TestSocketActivationUnread: a passed socket whose address no input
// names is not read, and the start says so, naming its address (a .socket
// unit and an rsyslog file that disagree).
func TestSocketActivationUnread(t *testing.T) {
	f, addr := testkit.UDPSocketFile(t)
	cfg, err := ParseConfig("other.conf", []byte("module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"0\")\n*.* /dev/null\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs testfs.LockedBuffer
	s, err := New(Options{Config: cfg, Listeners: []*os.File{f}, Open: func(string) (Sink, error) { return &countSink{}, nil },
		LookupAddr: func(netip.Addr) string { return "h" }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	stop := runServer(t, s)
	want := "addr=" + addr
	testkit.Eventually(t, "the warning", func() bool { return strings.Contains(logs.String(), want) })
	stop()
	if !strings.Contains(logs.String(), "matches no input") {
		t.Errorf("log %q: want the unread socket named", logs.String())
	}
}
