package syslogd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
)

// yearConf writes each message with the year rsyslog gives its RFC 3164
// timestamp (which has none).
const yearConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
template(name="Y" type="string" string="%timereported:::date-rfc3339% %msg%\n")
*.* OUTDIR/out.log;Y
`

// libfaketime returns the faketime preload library, or skips t.
func libfaketime(t *testing.T) string {
	t.Helper()
	for _, pat := range []string{"/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1", "/usr/lib64/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1"} {
		if m, _ := filepath.Glob(pat); len(m) > 0 {
			return m[0]
		}
	}
	t.Skip("no libfaketime")
	return ""
}

// TestYearMatchesRsyslogd sends RFC 3164 datagrams of every month (and the
// edges of the year) to the installed rsyslogd running under faketime
// (libfaketime preloaded, FAKETIME="@DATE", TZ=UTC) and to a Server whose
// clock (Options.Now) starts at the same instant, for several dates, and
// compares the written files line by line. faketime cannot drive a Go
// program (Go reads the clock through the vDSO, not libc, with or without
// cgo: checked with a binary printing time.Now under faketime), hence the
// injected clock on our side.
//
// What rsyslogd 8.2302 does, observed: the year is always the year of the
// reception time, whatever the month (a "Dec 15" received on 2027-01-01 is
// 2027-12-15, a "Jan 15" received on 2026-12-31 is 2026-01-15).
func TestYearMatchesRsyslogd(t *testing.T) {
	bin := needLiveRsyslogd(t)
	lib := libfaketime(t)
	var msgs []string
	for _, m := range []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		msgs = append(msgs, "<13>"+m+" 15 10:00:00 host tag: mid-"+m)
	}
	msgs = append(msgs, "<13>Dec 31 23:59:59 host tag: last-second", "<13>Jan  1 00:00:00 host tag: first-second",
		"<13>Feb 29 12:00:00 host tag: leap-day", "<13>Nov 21 2025 13:30:00 host tag: with-year")
	const end = "<13>Jan  2 00:00:00 host tag: end"
	for _, date := range []string{"2026-12-31 23:58:00", "2027-01-01 00:00:30", "2026-06-15 12:00:00", "2028-02-29 08:00:00"} {
		t.Run(strings.Fields(date)[0], func(t *testing.T) {
			fake, err := time.ParseInLocation("2006-01-02 15:04:05", date, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			// rsyslogd under faketime
			rdir := t.TempDir()
			port := freeUDPPort(t)
			rconf := writeRsyslogConf(t, rdir, strings.NewReplacer("PORT", fmt.Sprint(port), "OUTDIR", rdir).Replace(yearConf))
			checkRsyslogConf(t, bin, rconf)
			stderr, err := os.Create(filepath.Join(rdir, "rsyslogd.stderr"))
			if err != nil {
				t.Fatal(err)
			}
			defer stderr.Close()
			cmd := exec.Command(bin, "-n", "-f", rconf, "-i", filepath.Join(rdir, "pid"))
			cmd.Env = append(os.Environ(), "LD_PRELOAD="+lib, "FAKETIME=@"+date, "TZ=UTC")
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Skipf("rsyslogd: %v", err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			rc := dialUDP(t, fmt.Sprint("127.0.0.1:", port))
			rout := filepath.Join(rdir, "out.log")
			probeRsyslogd(t, rc, rout, time.Now().Add(20*time.Second))
			markRsyslogdStarted(t, rc, rout, " started\n", time.Now().Add(20*time.Second))
			if b, _ := os.ReadFile(rout); !strings.Contains(string(b), fake.Format("2006-01-02T")) {
				t.Fatalf("rsyslogd does not run at %s under faketime: %s", date, b)
			}

			// our server, its clock starting at the same instant
			sdir := t.TempDir()
			start := time.Now()
			now := func() time.Time { return fake.Add(time.Since(start)) }
			s, stop := testServer(t, strings.NewReplacer("PORT", "0").Replace(yearConf), sdir, Options{Now: now, Location: time.UTC})
			u, _, _ := s.Addrs()
			sc := dialUDP(t, u[0].String())

			for _, m := range append(msgs, end) {
				rc.Write([]byte(m))
				sc.Write([]byte(m))
				time.Sleep(2 * time.Millisecond) // rsyslog's imudp is not ordered across batches otherwise
			}
			if !waitFileHas(rout, " end\n", time.Now().Add(20*time.Second)) {
				t.Fatalf("rsyslogd did not write everything: %s", rsyslogdStderr(rdir))
			}
			sout := filepath.Join(sdir, "out.log")
			if !waitFileHas(sout, " end\n", time.Now().Add(20*time.Second)) {
				t.Fatal("syslogd did not write everything")
			}
			stop()
			want := dropMarkers(t, rout)
			got := dropMarkers(t, sout)
			if len(want) != len(msgs)+1 {
				t.Fatalf("rsyslogd wrote %d lines, want %d:\n%s", len(want), len(msgs)+1, strings.Join(want, "\n"))
			}
			for i := range want {
				if i >= len(got) || got[i] != want[i] {
					t.Errorf("line %d:\n got  %q\n want %q (rsyslogd)", i+1, at(got, i), want[i])
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d lines, rsyslogd %d", len(got), len(want))
			}
		})
	}
}

// dropMarkers returns the lines of file without the start probes (their
// reception time stamps differ between the two receivers).
func dropMarkers(t *testing.T, file string) []string {
	t.Helper()
	b := testfs.ReadFile(t, file)
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasSuffix(l, " probe") && !strings.HasSuffix(l, " started") {
			out = append(out, l)
		}
	}
	return out
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}
