package syslogd

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestBindAllWithoutAddress: input(type="imudp"/"imtcp") and
// $UDPServerRun/$InputTCPServerRun without an address listen on every
// IPv4 and IPv6 address, as rsyslogd does (its imudp/imtcp docs: address
// "*" by default), and Run logs one line naming the addresses.
func TestBindAllWithoutAddress(t *testing.T) {
	for _, conf := range []string{
		"module(load=\"imudp\")\ninput(type=\"imudp\" port=\"0\")\nmodule(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"0\")\n",
		"$ModLoad imudp\n$UDPServerRun 0\n$ModLoad imtcp\n$InputTCPServerRun 0\n",
	} {
		cfg, err := ParseConfig("bind.conf", []byte(conf+"*.* /dev/null\n"))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range cfg.Inputs {
			if in.Addr != ":0" {
				t.Fatalf("%s input address %q, want \":0\" (all addresses)", in.Kind, in.Addr)
			}
		}
		var logs testfs.LockedBuffer
		s, err := New(Options{Config: cfg, Open: func(string) (Sink, error) { return &countSink{}, nil },
			LookupAddr: func(netip.Addr) string { return "h" },
			Logger:     slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		stop := runServer(t, s)
		udp, tcp, _ := s.Addrs()
		up, tp := udp[0].(*net.UDPAddr), tcp[0].(*net.TCPAddr)
		if !up.IP.IsUnspecified() || !tp.IP.IsUnspecified() {
			t.Errorf("bound %v and %v, want the unspecified address", up, tp)
		}
		// Reachable over IPv4 (not loopback only: the unspecified address
		// above) and IPv6 where the host has it.
		targets := []string{"127.0.0.1"}
		if c, err := net.ListenPacket("udp6", "[::1]:0"); err == nil {
			c.Close()
			targets = append(targets, "::1")
		}
		for _, h := range targets {
			sendUDP(t, &net.UDPAddr{IP: net.ParseIP(h), Port: up.Port}, [][]byte{[]byte("<13>h t: x")})
			sendOnce(t, "tcp", net.JoinHostPort(h, fmt.Sprint(tp.Port)), "<13>h t: y\n")
		}
		waitReceived(t, s, uint64(2*len(targets)))
		testkit.Poll(10*time.Second, func() bool { return strings.Contains(logs.String(), "msg=started") })
		want := fmt.Sprintf("msg=started udp=%s tcp=%s", udp[0], tcp[0])
		if got := logs.String(); strings.Count(got, "msg=started") != 1 || !strings.Contains(got, want) {
			t.Errorf("log %q, want one line with %q", got, want)
		}
		stop()
	}
}
