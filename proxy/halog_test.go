package proxy

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// TestHalogReadsLines feeds the proxy's datagrams to the real halog
// (-srv -H, skip 0 fields as for HAProxy's wire format) and expects no
// parse error. Skips when halog is not installed.
func TestHalogReadsLines(t *testing.T) {
	bin := testbin.Need(t, "halog")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ports := startBackends(t, ctx)
	sink := newLogSink(t)
	p := runProxy(t, rewriteConfig(t, "testdata/haproxy-http.cfg", ports, sink.port()))
	web, plain := addr(t, p, "fe_web", false), addr(t, p, "fe_plain", false)
	reqs := []struct{ addr, req string }{
		{web, get("/a?st=200&sz=100", "Host: x", "User-Agent: a b c")},
		{web, get("/lc/b?st=404")},
		{web, get("/forbidden/c")},
		{web, get("/old/d")},
		{web, get("/health")},
		{web, get("/down/e")},
		{web, "GARBAGE\r\n\r\n"},
		{plain, get("/f?st=503&ck=1", "Cookie: SRVID=a2")},
		{plain, "HEAD /g HTTP/1.0\r\n\r\n"},
		{plain, get("/long/" + strings.Repeat("z", 1500))},
	}
	var lines bytes.Buffer
	for i, r := range reqs {
		roundTrip(t, r.addr, r.req)
		_ = i
	}
	for range reqs {
		lines.WriteString(sink.next(t, `^\S+:\d+ \[`))
	}
	cmd := exec.Command(bin, "-srv", "-H", "-s", "0")
	cmd.Stdin = &lines
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("halog: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(\d+) lines in, (\d+) lines out, (\d+) parsing errors`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("halog summary not found: %q", stderr.String())
	}
	t.Log(m[0])
	if m[1] != "10" || m[3] != "0" {
		t.Errorf("halog: %s\n%s\ninput:\n%s", m[0], stdout.String(), lines.String())
	}
}
