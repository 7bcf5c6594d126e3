package proxy

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

func unixLogProxy(t *testing.T, logLines string, stderr *testfs.LockedBuffer) (*Proxy, *frontend) {
	t.Helper()
	text := "global\n" + logLines + `defaults
    mode http
    log global
    option httplog
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server a1 127.0.0.1:1
`
	cfg, err := config.ParseReader("t.cfg", strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{PID: 4242}
	if stderr != nil {
		opts.Stderr = stderr
	}
	p, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.plan().closeSinks)
	return p, p.plan().frontends[0]
}

// TestUnixLogTarget: "log unix@PATH" and a bare "/path" deliver the same
// datagram a UDP target gets (HAProxy frames both alike), without
// allocating per line.
func TestUnixLogTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.sock")
	ux, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ux.Close()
	udp := drainUDP(t)
	lines := fmt.Sprintf("    log unix@%s local0\n    log %s local1 notice\n    log 127.0.0.1:%d local0\n",
		path, path, udp.LocalAddr().(*net.UDPAddr).Port)
	p, fe := unixLogProxy(t, lines, nil)
	_, _, r := loggerFixture(t, udp.LocalAddr().(*net.UDPAddr).Port)
	fe.logs.sendRecord(fe, formats.Info, r)
	buf := make([]byte, 4096)
	ux.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := ux.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	gotUnix := string(buf[:n])
	udp.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = udp.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if gotUDP := string(buf[:n]); gotUnix != gotUDP {
		t.Errorf("unix datagram %q\n differs from UDP %q", gotUnix, gotUDP)
	}
	if !strings.HasPrefix(gotUnix, "<134>") || !strings.HasSuffix(gotUnix, "\n") {
		t.Errorf("datagram = %q", gotUnix)
	}
	// The info line is above "local1 notice": only one datagram came.
	ux.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := ux.Read(buf); err == nil {
		t.Errorf("second datagram %q for a target whose max level is notice", buf[:n])
	}
	go func() {
		b := make([]byte, 4096)
		ux.SetReadDeadline(time.Time{})
		for {
			if _, err := ux.Read(b); err != nil {
				return
			}
		}
	}()
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	if a := testing.AllocsPerRun(100, func() { fe.logs.sendRecord(fe, formats.Info, r) }); a != 0 {
		t.Errorf("sendRecord to a UNIX target allocates %.1f times per line", a)
	}
	_ = p
}

// TestLogSendErrors: a missing UNIX socket gives HAProxy's single ALERT
// line (once per process, whatever the number of lines); a closed UDP
// port prints nothing (HAProxy's unconnected sends never see the ICMP
// error).
func TestLogSendErrors(t *testing.T) {
	var stderr testfs.LockedBuffer
	missing := filepath.Join(t.TempDir(), "nosuch.sock")
	_, fe := unixLogProxy(t, "    log "+missing+" local0\n", &stderr)
	r := &formats.Record{Frontend: "fe", Backend: "be", TermState: [4]byte{'-', '-', '-', '-'}}
	for range 3 {
		fe.logs.sendRecord(fe, formats.Info, r)
	}
	want := regexp.MustCompile(`^\[ALERT\]    \(4242\) : sendmsg\(\)/writev\(\) failed in logger #1: No such file or directory \(errno=2\)\n$`)
	if got := stderr.String(); !want.MatchString(got) {
		t.Errorf("stderr = %q, want HAProxy's one alert line", got)
	}

	// A UDP port with nothing listening.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	var stderr2 testfs.LockedBuffer
	_, fe2 := unixLogProxy(t, fmt.Sprintf("    log 127.0.0.1:%d local0\n", port), &stderr2)
	for range 5 {
		fe2.logs.sendRecord(fe2, formats.Info, r)
	}
	if got := stderr2.String(); got != "" {
		t.Errorf("closed UDP port: stderr = %q, want nothing", got)
	}
}

// TestUnixLogVsHAProxy: the same request through haproxy and the proxy,
// both logging to a "log unix@PATH" socket with tag and host name set,
// gives the same datagram once the date, pid, client port and timers are
// masked (header layout, facility/level, tag, payload, final "\n").
func TestUnixLogVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	for _, format := range []string{"", "format rfc5424 ", "format short "} {
		var got [2]string
		for i, who := range []string{"haproxy", "proxy"} {
			path := filepath.Join(t.TempDir(), "log.sock")
			ux, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
			if err != nil {
				t.Fatal(err)
			}
			a := startSide(t, who, func(port int) string {
				return fmt.Sprintf(`global
    log unix@%s %slocal3 info
    log-tag mytag
    log-send-hostname myhost
`, path, format) + testkit.HTTPLogDefaults + fmt.Sprintf(`frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
`, port)
			})
			c := mustDial(t, a)
			io.WriteString(c, "GET /u HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			io.Copy(io.Discard, c)
			c.Close()
			buf := make([]byte, 4096)
			for {
				ux.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := ux.Read(buf)
				if err != nil {
					t.Fatalf("%s %q: no datagram: %v", who, format, err)
				}
				if d := string(buf[:n]); strings.Contains(d, "GET /u") {
					got[i] = d
					break
				}
			}
			ux.Close()
		}
		// The connection counters are masked too: haproxy still counts the
		// probe connection of haproxyAt.
		conns := regexp.MustCompile(`(\S{4}) \d+/\d+/\d+/\d+/\d+ `)
		digits := regexp.MustCompile(`\d+`)
		mask := regexp.MustCompile(`^(<\d+>)(1 \S+|\w{3} [ \d]\d \d\d:\d\d:\d\d)( \S+ \S+)(\[\d+\]:| \d+ - -) (.*)$`)
		norm := func(d string) string {
			m := mask.FindStringSubmatch(strings.TrimSuffix(d, "\n"))
			if m == nil {
				return "unparsed: " + d
			}
			// The pid as one N whatever its length (haproxy's and the
			// test's pids need not have the same number of digits).
			return m[1] + "DATE" + m[3] + digits.ReplaceAllString(m[4], "N") + " " + conns.ReplaceAllString(maskText(m[5]), "$1 C ") + fmt.Sprint(strings.HasSuffix(d, "\n"))
		}
		if format == "format short " {
			norm = func(d string) string {
				return conns.ReplaceAllString(maskText(strings.TrimSuffix(strings.TrimPrefix(d, "<158>"), "\n")), "$1 C ")
			}
		}
		if g, w := norm(got[1]), norm(got[0]); g != w {
			t.Errorf("%q:\n got  %q\n want %q", format, got[1], got[0])
		}
	}
}
