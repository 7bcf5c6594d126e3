package syslogd

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
)

// TestHAProxyCaptures sends the datagrams HAProxy 2.6 sent during a capture
// (RFC 3164 on local0, RFC 5424 on local1) with the configuration rsyslog
// ran, and compares every file with rsyslog's as sorted lines (HAProxy ran
// two threads, so rsyslog's order is not the send order).
func TestHAProxyCaptures(t *testing.T) {
	const root = "../testdata/syslog/haproxy"
	conf := testfs.ReadFile(t, filepath.Join(root, "rsyslog.conf"))
	dir := t.TempDir()
	s, stop := testServer(t, string(conf), dir, Options{})
	var msgs [][]byte
	for _, f := range []string{"wire-rfc5424.bin", "wire-rfc5424-rfc5424.bin"} {
		msgs = append(msgs, readDatagrams(t, filepath.Join(root, "rfc5424", f))...)
	}
	udp, _, _ := s.Addrs()
	for i := 0; i < len(msgs); i += 200 {
		sendUDP(t, udp[0], msgs[i:min(i+200, len(msgs))])
		waitReceived(t, s, uint64(min(i+200, len(msgs))))
	}
	stop()
	want, _ := filepath.Glob(filepath.Join(root, "rfc5424", "rsyslog", "*.log"))
	if len(want) != 6 {
		t.Fatalf("want 6 golden files, have %d", len(want))
	}
	compareGolden(t, want, dir, sortedLines)
}

func sortedLines(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	slices.SortFunc(lines, bytes.Compare)
	return bytes.Join(lines, []byte("\n"))
}
