package syslogd

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/rotate"
)

// readAll returns the content of path and of its rotated backups
// (decompressed), concatenated.
func readAll(t *testing.T, path string) ([]byte, int) {
	t.Helper()
	files, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range files {
		all = append(all, testfs.ReadFile(t, f)...)
	}
	return all, len(files)
}

// TestRotationLosesNothing streams numbered messages into a file rotated
// in process by size (and compressed): every message is in exactly one of
// the current file and its backups.
func TestRotationLosesNothing(t *testing.T) {
	dir := t.TempDir()
	conf := "$template M,\"%msg%\\n\"\nlocal0.* OUTDIR/traffic.log;M\n"
	s, stop := testServer(t, conf, dir, Options{Rotation: func(string) rotate.Options {
		return rotate.Options{MaxSize: 64 << 10, Keep: 1000, Compress: rotate.Gzip}
	}})
	udp, _, _ := s.Addrs()
	c := dialUDP(t, udp[0].String())
	const n, batch = 20000, 1000
	for i := 0; i < n; i += batch {
		for j := i; j < i+batch; j++ {
			fmt.Fprintf(c, "<134>Nov 21 13:30:00 haproxy[1]: 127.0.0.1:1 [21/Nov/2026:13:30:00.000] fe be/s 0/0/0/0/0 200 1 - - ---- seq=%d", j)
		}
		waitReceived(t, s, uint64(i+batch))
	}
	stop()
	data, files := readAll(t, filepath.Join(dir, "traffic.log"))
	if files < 10 {
		t.Fatalf("only %d files: rotation did not happen", files)
	}
	checkSeqs(t, data, n)
}

func TestMetricsEndpoint(t *testing.T) {
	dir := t.TempDir()
	s, stop := testServer(t, msgOnlyConf, dir, Options{})
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>a"), []byte("<999>b"), {}})
	waitReceived(t, s, 3)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	defer stop()
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"syslogd_received_total 3\n", "syslogd_malformed_total 1\n", "syslogd_empty_total 1\n",
		"syslogd_written_total 2\n", "syslogd_dropped_total 0\n", "syslogd_kernel_drops_total 0\n",
		fmt.Sprintf("syslogd_file_written_total{path=%q} 2\n", filepath.Join(dir, "all.log")),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}
