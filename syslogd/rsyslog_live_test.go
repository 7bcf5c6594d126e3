package syslogd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// liveConf writes the properties that do not depend on the reception time.
const liveConf = `global(workDirectory="SPOOL")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template P,"pri=%pri% fac=%syslogfacility-text% sev=%syslogseverity-text% proto=%protocol-version% host=[%hostname%] tag=[%syslogtag%] prog=[%programname%] procid=[%procid%] msgid=[%msgid%] sd=[%structured-data%] app=[%app-name%] msg=[%msg%] raw=[%rawmsg%]\n"
$template T,"%HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%|%pri-text%|%msg:2:6%|%msg:2:$%|%msg:::uppercase%\n"
*.* OUTDIR/props.log;P
$template D,"%timereported:::date-rfc3339% %timereported:::date-mysql% %timereported:::date-unixtimestamp% %timereported:::date-year%-%timereported:::date-month%-%timereported:::date-day% %timereported:::date-hour%:%timereported:::date-minute%:%timereported:::date-second%.%timereported:::date-subseconds% %timereported% %timereported:::date-rfc3164%|%syslogtag:1:3%|%msg:3%|%msg:::json%\n"
*.* OUTDIR/trad.log;T
*.* OUTDIR/dates.log;D
`

// liveCases are odd datagrams beyond the vendored crafted set.
var liveCases = []string{
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [broken sd",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [broken sd with more text",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [a b=\"c\"",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [a b=\"c\"]x",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [a][b] two",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 [",
	"<13>1 2026-11-21T13:30:12Z host app 1 2 -x",
	"<13>1 2026-11-21T13:30:12Z host app",
	"<13>1 2026-11-21T13:30:12Z host",
	// (9 fraction digits are left out: rsyslog 8.2302 prints a garbage byte
	// for them; syslogd prints the digits.)
	"<13>1 2026-11-21T13:30:12.123456Z host app - - - microseconds",
	"<13>1 2026-11-21T13:30:12+05:30 host app - - - offset",
	"<13>1 2026-13-21T13:30:12Z host app - - - bad month",
	"<13>1 - host app - - - nil ts",
	"<13>1  host app - - - double space",
	"<13>Nov 21 13:30:00 host tag[1] no colon",
	"<13>Nov 21 13:30:00 host tag[1 unterminated: x",
	"<13>Nov 21 13:30:00 host a/b[2]: slash",
	"<13>Nov 21 13:30:00 host_name tag: underscore",
	"<13>Nov 21 13:30:00 host:name tag: colon host",
	"<13>Nov 21 13:30:00 onlyhost",
	"<13>Nov 21 13:30:00 ",
	"<13>Nov 21 13:30:00",
	"<13>nov 21 13:30:00 host tag: lowercase month",
	"<13>Nov 21 13:30:00.123 host tag: fraction",
	"<13>Nov 21 2026 13:30:00 host tag: year",
	"<13> Nov 21 13:30:00 host tag: leading space",
	"<13>Nov 32 13:30:00 host tag: day 32",
	"<13>Nov  9 13:30:00 host tag: padded",
	"<13>Nov 9 13:30:00 host tag: unpadded",
	"<0013>host tag: four digits",
	"<191>host tag: max",
	"<1>",
	"<",
	"<>",
	"<13>:colon first",
	"<13>  two spaces",
	"<6>2026-11-21T13:37:59.535143+00:00 127.0.0.1:37604 [21/Nov/2026:13:37:59.527] fe be/srv1 timed",
	"2026-11-21T13:37:59.535139+00:00 127.0.0.1:37604 iso",
	"127.0.0.1:37604 [21/Nov/2026:13:37:59.527] raw\n",
	"<134>Nov 21 13:40:01 haproxy[1234]: trailing LF\n",
	"<13>h t: \x01\x1f\x7f\x80",
	"<13>h t: json \"quoted\" back\\slash \t tab",
	"<13>Dec 31 23:59:59 host tag: december",
	"<13>Jan  1 00:00:00 host tag: january",
	"<13>1 2026-11-21T13:30:12.5-08:00 host app - - - negative offset",
	"<13>1 2026-11-21T23:30:12.000001+14:00 host app - - - far offset",
	"<13>Feb 29 12:00:00 host tag: not a leap year",
}

// TestLiveRsyslog runs the installed rsyslogd and syslogd side by side on
// the same odd datagrams and compares the files (properties that do not
// depend on the reception time). It is skipped when rsyslogd is absent.
func TestLiveRsyslog(t *testing.T) {
	bin := needLiveRsyslogd(t)
	var msgs [][]byte
	for _, c := range liveCases {
		msgs = append(msgs, []byte(c))
	}
	rdir := t.TempDir()
	port := freeUDPPort(t)
	conf := strings.NewReplacer("SPOOL", rdir, "PORT", fmt.Sprint(port), "OUTDIR", rdir).Replace(liveConf)
	c := startRsyslogd(t, bin, writeRsyslogConf(t, rdir, conf), rdir, port)
	// Probe until rsyslog writes, then send the cases.
	trad := filepath.Join(rdir, "trad.log")
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, trad, deadline)
	for _, m := range msgs {
		_, _ = c.Write(m)
		time.Sleep(2 * time.Millisecond) // rsyslog's imudp is not ordered across batches otherwise
	}
	_, _ = c.Write([]byte("<13>h t: done"))
	if !waitFileHas(trad, "done", deadline) {
		t.Fatal("rsyslogd did not write everything")
	}

	sdir := t.TempDir()
	sconf := strings.NewReplacer("SPOOL", sdir, "PORT", "0", "OUTDIR", sdir).Replace(liveConf)
	s, stop := testServer(t, sconf, sdir, Options{LookupAddr: dnsLookup})
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte(rsyslogProbe)})
	sendUDP(t, udp[0], msgs)
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: done")})
	waitReceived(t, s, uint64(len(msgs)+2))
	stop()
	for _, name := range []string{"props.log", "trad.log", "dates.log"} {
		want, _ := os.ReadFile(filepath.Join(rdir, name))
		got, _ := os.ReadFile(filepath.Join(sdir, name))
		if name == "dates.log" {
			got, want = dropReceptionLines(got, want)
		}
		// Skip the readiness probes: rsyslog may have written several of them
		// (one per polling round while it started), each with its own
		// reception time.
		want, got = dropProbes(want), dropProbes(got)
		t.Run(name, func(t *testing.T) { testkit.EqualLines(t, "output", got, want) })
	}
}

// dropProbes removes every line holding the readiness probe's text.
func dropProbes(data []byte) []byte {
	var out []byte
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !strings.Contains(l, "probe") {
			out = append(out, l...)
		}
	}
	return out
}

func fileHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), s)
}

// freeUDPPort is a UDP port of 127.0.0.1 free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	port, err := strconv.Atoi(freePort(t, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// isReceptionStamp reports whether f is an RFC 3339 time stamp within an
// hour of now: a reception time, which differs between two receivers.
func isReceptionStamp(f string) bool {
	ts, err := time.Parse(time.RFC3339Nano, f)
	return err == nil && time.Since(ts).Abs() < time.Hour
}

// leadingField is the text of a line up to its first white space.
var leadingField = regexp.MustCompile(`^\S+`)

// maskReception replaces each line's leading reception time stamp
// ([isReceptionStamp]) with "RECEPTION".
func maskReception(b []byte) []byte {
	var out []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if f := leadingField.FindString(l); isReceptionStamp(f) {
			l = "RECEPTION" + l[len(f):]
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, ""))
}

// dropReceptionLines removes the line pairs whose timestamp is the
// reception time (it differs between the two receivers).
func dropReceptionLines(got, want []byte) ([]byte, []byte) {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	if len(g) != len(w) {
		return got, want
	}
	var kg, kw []string
	for i := range w {
		if f, _, _ := strings.Cut(w[i], " "); isReceptionStamp(f) {
			continue
		}
		kg, kw = append(kg, g[i]), append(kw, w[i])
	}
	return []byte(strings.Join(kg, "\n")), []byte(strings.Join(kw, "\n"))
}

// startMarkedRsyslogd writes conf to dir, checks it with rsyslogd -N1,
// starts rsyslogd there with its UDP input on port and returns a socket to
// that input once rsyslogd has written to out, after its start-up probes,
// the marker line containing seen, and the deadline (20 s from the start)
// that this and what follows share.
func startMarkedRsyslogd(t *testing.T, bin, dir, conf string, port int, out, seen string) (net.Conn, time.Time) {
	t.Helper()
	confPath := writeRsyslogConf(t, dir, conf)
	checkRsyslogConf(t, bin, confPath)
	c := startRsyslogd(t, bin, confPath, dir, port)
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, out, deadline)
	// rsyslogd may still write a late probe: wait for a marker past them.
	markRsyslogdStarted(t, c, out, seen, deadline)
	return c, deadline
}
