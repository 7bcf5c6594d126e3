package syslogd

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
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
	bin := testbin.Need(t, "rsyslogd")
	if testing.Short() {
		t.Skip("-short")
	}
	if *updateOptionGoldens {
		// The goldens are compared with a server that names 127.0.0.1
		// "localhost" (testServer's default).
		if name := dnsLookup(netip.MustParseAddr("127.0.0.1")); name != "localhost" {
			t.Fatalf("127.0.0.1 resolves to %q here, not localhost: the goldens would not match", name)
		}
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
			compareOptionOutput(t, got, want)
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
	confPath := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confPath, []byte(optionsConfFor(opts, dir, fmt.Sprint(port), dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A configuration rsyslogd rejects would make it run with defaults:
	// check it first.
	if out, err := exec.Command(bin, "-N1", "-f", confPath).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "pid"))
	if err := cmd.Start(); err != nil {
		t.Skipf("rsyslogd: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := filepath.Join(dir, "out.log")
	// Probe until rsyslogd writes; the probes are dropped from the file.
	probe := []byte("<13>h t: probe")
	deadline := time.Now().Add(20 * time.Second)
	for !fileHas(out, "probe") {
		if time.Now().After(deadline) {
			t.Skip("rsyslogd did not start")
		}
		_, _ = c.Write(probe)
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	// rsyslogd may still write a late probe: wait for a marker past them.
	_, _ = c.Write([]byte("<13>h t: started"))
	for !fileHas(out, "msg=[ started]") {
		if time.Now().After(deadline) {
			t.Fatal("rsyslogd did not write the start marker")
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	start, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range optionDatagrams {
		_, _ = c.Write(d)
		_, _ = c.Write(optionSync(i))
		for !fileHas(out, optionSyncSeen(i)) {
			if time.Now().After(deadline) {
				t.Fatalf("rsyslogd did not write datagram %d", i)
			}
			time.Sleep(time.Millisecond) // polling interval
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data[len(start):]
}
