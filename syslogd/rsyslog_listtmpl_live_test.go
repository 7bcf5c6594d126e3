package syslogd

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
)

var updateListGoldens = flag.Bool("listtmpl-update", false,
	"TestLiveRsyslogListTemplates: write the datagrams and rsyslogd's files to "+listGoldenDir)

// listHAProxyPerCapture is how many datagrams of each HAProxy capture go
// into datagrams.bin.
const listHAProxyPerCapture = 6

// listSourceDatagrams are the datagrams -listtmpl-update stores: liveCases
// and the first datagrams of each HAProxy capture (RFC 3164, RFC 5424,
// short, timed, iso, raw, priority, 4096-byte lines).
func listSourceDatagrams(t *testing.T) [][]byte {
	var msgs [][]byte
	for _, c := range liveCases {
		msgs = append(msgs, []byte(c))
	}
	caps, err := filepath.Glob("../testdata/syslog/haproxy/rfc5424/*.bin")
	if err != nil || len(caps) == 0 {
		t.Fatalf("no HAProxy captures: %v", err)
	}
	for _, p := range caps {
		d := readDatagrams(t, p)
		msgs = append(msgs, d[:min(len(d), listHAProxyPerCapture)]...)
	}
	return msgs
}

// TestLiveRsyslogListTemplates runs the installed rsyslogd and syslogd with
// the same list templates (listConf, in each of listVariants) over the same
// datagrams and compares the files byte for byte, lines stamped with the
// reception time masked. With -listtmpl-update it first rewrites
// datagrams.bin from the sources and stores rsyslogd's files as the goldens
// TestListTemplateGoldens checks. It is skipped when rsyslogd is absent.
func TestLiveRsyslogListTemplates(t *testing.T) {
	bin := needLiveRsyslogd(t)
	if *updateListGoldens {
		checkGoldenHost(t)
		for _, v := range listVariants {
			if err := os.MkdirAll(filepath.Join(listGoldenDir, v.name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(listGoldenDir, "datagrams.bin"), encodeDatagrams(listSourceDatagrams(t)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	msgs := readListDatagrams(t)
	for _, v := range listVariants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			want := runRsyslogList(t, bin, v.opts, msgs)
			if *updateListGoldens {
				dir := filepath.Join(listGoldenDir, v.name)
				for _, name := range listFiles {
					if err := os.WriteFile(filepath.Join(dir, name+".log"), want[name], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				conf := listConfFor(v.opts, "SPOOL", "PORT", "OUTDIR")
				if err := os.WriteFile(filepath.Join(dir, "listtmpl.conf"), []byte(conf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := runSyslogdList(t, v.opts, msgs, Options{LookupAddr: dnsLookup})
			for _, name := range listFiles {
				t.Run(name, func(t *testing.T) { compareListFile(t, got[name], want[name]) })
			}
		})
	}
}

// runRsyslogList runs rsyslogd with listConf and the option lines opts,
// sends msgs one at a time, each followed by its listSync (the next is
// sent once count.log shows it, so that rsyslogd's lines come in sending
// order) and returns what it
// wrote to each file after its start-up probes.
func runRsyslogList(t *testing.T, bin, opts string, msgs [][]byte) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	port := freeUDPPort(t)
	confPath := writeRsyslogConf(t, dir, listConfFor(opts, dir, fmt.Sprint(port), dir))
	// A configuration rsyslogd rejects in part would still run: check it
	// first (-N1 exits non-zero on errors; warnings are printed too).
	if out := checkRsyslogConf(t, bin, confPath); bytes.Contains(out, []byte("error")) {
		t.Fatalf("rsyslogd -N1:\n%s", out)
	}
	c := startRsyslogd(t, bin, confPath, dir, port)
	count := filepath.Join(dir, "count.log")
	// Probe until rsyslogd writes; then wait for a marker written after
	// any late probe, and cut everything up to it.
	deadline := time.Now().Add(30 * time.Second)
	probeRsyslogd(t, c, count, deadline)
	markRsyslogdStarted(t, c, count, " started\n", deadline)
	start := map[string]int{}
	for _, name := range listFiles {
		b := testfs.ReadFile(t, filepath.Join(dir, name+".log"))
		start[name] = len(b)
	}
	for i, m := range msgs {
		_, _ = c.Write(m)
		_, _ = c.Write(listSync(i))
		if !waitFileHas(count, listSyncSeen(i), deadline) {
			t.Fatalf("rsyslogd did not write datagram %d (%q)\n%s", i, m, rsyslogdStderr(dir))
		}
	}
	out := map[string][]byte{}
	for _, name := range listFiles {
		b := testfs.ReadFile(t, filepath.Join(dir, name+".log"))
		out[name] = b[start[name]:]
	}
	return out
}
