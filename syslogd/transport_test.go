package syslogd

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
)

const msgOnlyConf = `$template M,"%fromhost-ip% %HOSTNAME% %syslogtag%|%msg%\n"
*.* OUTDIR/all.log;M
`

func TestTCPFraming(t *testing.T) {
	dir := t.TempDir()
	s, stop := testServer(t, msgOnlyConf, dir, Options{UDP: []string{}, TCP: []string{"127.0.0.1:0"}})
	_, tcp, _ := s.Addrs()
	send := func(payload string) { sendOnce(t, "tcp", tcp[0].String(), payload) }
	m1 := "<134>1 2026-11-21T13:37:09.402487+00:00 lb1 haproxy 22493 - - first\nwith LF inside"
	m2 := "<134>Nov 21 13:37:09 lb1 haproxy[1]: second"
	send(fmt.Sprintf("%d %s%d %s", len(m1), m1, len(m2), m2)) // HAProxy ring: octet counting, no LF
	send("<13>Nov 21 13:30:00 h t: lf one\n<13>Nov 21 13:30:00 h t: lf two\n<13>Nov 21 13:30:00 h t: no final LF")
	waitReceived(t, s, 5)
	stop()
	got := testfs.ReadFile(t, filepath.Join(dir, "all.log"))
	want := []string{
		"127.0.0.1 lb1 haproxy[22493]|first#012with LF inside",
		"127.0.0.1 lb1 haproxy[1]:| second",
		"127.0.0.1 h t:| lf one",
		"127.0.0.1 h t:| lf two",
		"127.0.0.1 h t:| no final LF",
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	// The two connections may be served in either order.
	if strings.Join(sortedStrings(lines), "\n") != strings.Join(sortedStrings(want), "\n") {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func sortedStrings(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

func TestFrameReader(t *testing.T) {
	f := func(stream string, max int, want []string, wantErr error) {
		t.Helper()
		fr := NewFrameReader(strings.NewReader(stream), max)
		var got []string
		var err error
		for {
			var m []byte
			if m, err = fr.Next(); err != nil {
				break
			}
			got = append(got, string(m))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: got %q, want %q", stream, got, want)
		}
		if wantErr == nil && err != io.EOF || wantErr != nil && !errors.Is(err, wantErr) {
			t.Errorf("%q: error %v, want %v", stream, err, wantErr)
		}
	}
	f("3 abc2 de", 100, []string{"abc", "de"}, nil)
	f("5 abcdefg", 3, []string{"abc"}, ErrFrame) // cut to 3; then "fg" is not a count
	f("5 abcde", 3, []string{"abc"}, nil)
	f("a\nb\n\nc", 100, []string{"a", "b", "", "c"}, nil)
	f("abcdef\nxy\n", 4, []string{"abcd", "xy"}, nil)
	f("3 ab", 100, nil, io.ErrUnexpectedEOF)
	f("12x", 100, nil, ErrFrame)
	f("1234567890 x", 100, nil, ErrFrame)
	f("", 100, nil, nil)
}

// unixRoundTrip runs a server with conf on a unix datagram socket only,
// sends it msg and returns what it wrote to OUTDIR/all.log.
func unixRoundTrip(t *testing.T, conf string, o Options, msg string) string {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "log.sock")
	o.UDP, o.Unix = []string{}, []string{sock}
	s, stop := testServer(t, conf, dir, o)
	sendOnce(t, "unixgram", sock, msg)
	waitReceived(t, s, 1)
	stop()
	got := testfs.ReadFile(t, filepath.Join(dir, "all.log"))
	return string(got)
}

func TestUnixSocket(t *testing.T) {
	// Local messages carry no hostname: "web" is the tag, not a host.
	got := unixRoundTrip(t, msgOnlyConf, Options{LocalHostname: "myhost"}, "<14>Nov 21 13:30:00 web app: hello")
	if want := "127.0.0.1 myhost web| app: hello\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestLocalSocketDirectives: imuxsock's system socket follows
// $SystemLogSocketName and $OmitLocalLogging wherever they stand, and
// $LocalHostName names the sender of its messages.
func TestLocalSocketDirectives(t *testing.T) {
	inputs := func(conf string) []Input {
		t.Helper()
		cfg, err := ParseConfig("l.conf", []byte(conf))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Inputs
	}
	for conf, want := range map[string]string{
		"$ModLoad imuxsock\n": "[{unix /dev/log 0 false }]",
		"$ModLoad imuxsock\n$SystemLogSocketName /run/x.sock\n":            "[{unix /run/x.sock 0 false }]",
		"$ModLoad imuxsock\n$OmitLocalLogging on\n":                        "[]",
		"$OmitLocalLogging on\n$OmitLocalLogging off\n$ModLoad imuxsock\n": "[{unix /dev/log 0 false }]",
		"module(load=\"imuxsock\" SysSock.Use=\"off\")\n":                  "[]",
		"module(load=\"imuxsock\" SysSock.Name=\"/run/y\")\n":              "[{unix /run/y 0 false }]",
		"$SystemLogSocketName /run/x.sock\n":                               "[]",
	} {
		if got := fmt.Sprint(inputs(conf)); got != want {
			t.Errorf("%q: inputs %s, want %s", conf, got, want)
		}
	}
	if _, err := ParseConfig("l.conf", []byte("$OmitLocalLogging maybe\n")); err == nil || !strings.Contains(err.Error(), "l.conf:1") {
		t.Errorf("bad $OmitLocalLogging value: err = %v", err)
	}

	got := unixRoundTrip(t, "$LocalHostName box1\n"+msgOnlyConf, Options{}, "<14>Nov 21 13:30:00 app: hi")
	if want := "127.0.0.1 box1 app:| hi\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
