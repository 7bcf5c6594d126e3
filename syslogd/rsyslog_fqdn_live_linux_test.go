package syslogd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// fqdnConf logs the hostname and the sender's name of each message, from
// the local socket DIR/devlog and UDP 127.0.0.1:PORT.
const fqdnConf = `module(load="imuxsock" SysSock.Name="DIR/devlog")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
template(name="F" type="string" string="%hostname% %fromhost% %msg%\n")
*.* action(type="omfile" file="DIR/out.log" template="F")
`

// TestLiveRsyslogPreserveFQDN: the local host's name in messages from the
// local socket is its first label unless $PreserveFQDN is on, a
// $LocalHostName is kept whole, and senders' names keep their domain even
// when it is the local one: rsyslogd 8.2302, run in its own UTS and mount
// namespaces with the host name vm.example.org and a hosts file naming
// 127.0.0.2 peer.example.org, writes the same lines as syslogd given that
// host name and those names. Needs root (unshare) and rsyslogd.
func TestLiveRsyslogPreserveFQDN(t *testing.T) {
	bin := needLiveRsyslogd(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root for unshare -mu")
	}
	unshare := lookPathOrSkip(t, "unshare")
	for _, head := range []string{"$PreserveFQDN off", "$PreserveFQDN on", "$LocalHostName my.host.name"} {
		t.Run(head, func(t *testing.T) {
			want := fqdnRsyslogd(t, bin, unshare, head)
			got := fqdnSyslogd(t, head)
			testkit.EqualLines(t, "out.log", got, want)
		})
	}
}

// lookPathOrSkip returns the path of program name, skipping t without it.
func lookPathOrSkip(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s: %v", name, err)
	}
	return p
}

// fqdnSend sends what both servers get: a datagram from 127.0.0.2 to udp,
// then one on the local socket, and waits until out holds it.
func fqdnSend(t *testing.T, udp, devlog, out string) []byte {
	t.Helper()
	for _, s := range []struct {
		local         net.Addr
		network, addr string
		msg, what     string
	}{
		{&net.UDPAddr{IP: net.ParseIP("127.0.0.2")}, "udp", udp, "from peer", "the datagram from 127.0.0.2"},
		{nil, "unixgram", devlog, "local-message", "the local message"},
	} {
		d := net.Dialer{LocalAddr: s.local}
		c, err := d.Dial(s.network, s.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_, _ = c.Write([]byte("<13>t: " + s.msg))
		if !waitFileHas(out, s.msg, time.Now().Add(testkit.Timeout)) {
			t.Fatalf("%s was not written", s.what)
		}
	}
	data := testfs.ReadFile(t, out)
	if i := strings.Index(string(data), " started\n"); i >= 0 {
		data = data[i+len(" started\n"):]
	}
	return data
}

func fqdnRsyslogd(t *testing.T, bin, unshare, head string) []byte {
	dir := t.TempDir()
	port := freeUDPPort(t)
	hosts := filepath.Join(dir, "hosts")
	testkit.WriteFile(t, hosts, "127.0.0.1 localhost\n127.0.0.2 peer.example.org\n")
	conf := head + "\n" + strings.NewReplacer("DIR", dir, "PORT", fmt.Sprint(port)).Replace(fqdnConf)
	confPath := writeRsyslogConf(t, dir, conf)
	checkRsyslogConf(t, bin, confPath)
	cmd := exec.Command(unshare, "-mu", "sh", "-c",
		`mount --bind "$1" /etc/hosts && hostname vm.example.org && exec "$2" -n -f "$3" -i "$4"`,
		"sh", hosts, bin, confPath, filepath.Join(dir, "pid"))
	if err := cmd.Start(); err != nil {
		t.Skipf("unshare: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := dialUDP(t, fmt.Sprintf("127.0.0.1:%d", port))
	out := filepath.Join(dir, "out.log")
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, out, deadline)
	markRsyslogdStarted(t, c, out, " started", deadline)
	return fqdnSend(t, fmt.Sprintf("127.0.0.1:%d", port), filepath.Join(dir, "devlog"), out)
}

func fqdnSyslogd(t *testing.T, head string) []byte {
	old := osHostname
	osHostname = func() (string, error) { return "vm.example.org", nil }
	defer func() { osHostname = old }()
	dir := t.TempDir()
	conf := head + "\n" + strings.NewReplacer("DIR", dir, "PORT", "0").Replace(fqdnConf)
	names := map[netip.Addr]string{netip.MustParseAddr("127.0.0.1"): "localhost", netip.MustParseAddr("127.0.0.2"): "peer.example.org"}
	out := filepath.Join(dir, "out.log")
	s, _ := startMarkedSyslogd(t, conf, out, " started", func(a netip.Addr) string { return names[a] })
	udp, _, _ := s.Addrs()
	return fqdnSend(t, udp[0].String(), filepath.Join(dir, "devlog"), out)
}
