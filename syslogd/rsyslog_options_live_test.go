package syslogd

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

var updateOptionGoldens = flag.Bool("rsyslog-options-update", false,
	"TestLiveRsyslogParserOptions: write rsyslogd's files to "+optionGoldenDir)

// TestLiveRsyslogParserOptions runs the installed rsyslogd with each
// combination of reception options (optionCombos) over optionDatagrams,
// and syslogd with the same configuration, and compares the files byte for
// byte. With -rsyslog-options-update it also stores rsyslogd's files as
// the goldens TestParserOptionGoldens checks. It is skipped when rsyslogd
// is absent.
func TestLiveRsyslogParserOptions(t *testing.T) {
	bin := needLiveRsyslogd(t)
	if *updateOptionGoldens {
		checkGoldenHost(t)
		if err := os.MkdirAll(optionGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range optionCombos {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runRsyslogOptions(t, bin, c.conf)
			if *updateOptionGoldens {
				if err := os.WriteFile(filepath.Join(optionGoldenDir, c.name+".log"), want, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(optionGoldenDir, c.name+".conf"), []byte(c.conf+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := runSyslogdOptions(t, c.conf, Options{LookupAddr: dnsLookup})
			testkit.EqualLines(t, "output", got, want)
		})
	}
}

// runRsyslogOptions runs rsyslogd with the option lines opts over
// optionSequence and returns the file it wrote. Each datagram is sent once
// the previous one's sync line is in the file, so that rsyslog's lines
// come in sending order.
func runRsyslogOptions(t *testing.T, bin, opts string) []byte {
	t.Helper()
	dir := t.TempDir()
	port := freeUDPPort(t)
	out := filepath.Join(dir, "out.log")
	c, deadline := startMarkedRsyslogd(t, bin, dir, optionsConfFor(opts, dir, fmt.Sprint(port), dir), port, out, "msg=[ started]")
	start := testfs.ReadFile(t, out)
	for i, d := range optionDatagrams {
		_, _ = c.Write(d)
		_, _ = c.Write(optionSync(i))
		if !waitFileHas(out, optionSyncSeen(i), deadline) {
			t.Fatalf("rsyslogd did not write datagram %d", i)
		}
	}
	data := testfs.ReadFile(t, out)
	return data[len(start):]
}
