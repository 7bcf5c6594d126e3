package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/halog"
)

const customFormat = `%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`

// TestHAProxyConfig takes the format from a configuration: the only
// frontend with one, -proxy to choose, an error listing them otherwise;
// then halog reads lines in that format through -haproxy-cfg.
func TestHAProxyConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "haproxy.cfg")
	os.WriteFile(cfg, []byte(`defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend fe_custom
    bind 127.0.0.1:0
    capture request header Host len 32
    log-format "%ci\ [%trl]\ %HM\ \"%HU\"\ \"%HV\"\ %ST\ %B\ %hr\ %s\ %b\ %TR/%Tw/%Tc/%Tr/%Ta\ %ac/%fc/%bc/%sc/%rc"
    default_backend be
frontend fe_http
    bind 127.0.0.1:0
    option httplog
    default_backend be
backend be
    server s1 127.0.0.1:1
`), 0o644)
	src, req, resp, err := formatFromConfig(cfg, "fe_custom")
	if err != nil || src != customFormat || req != 1 || resp != 0 {
		t.Fatalf("-proxy fe_custom: %q %d %d %v", src, req, resp, err)
	}
	if src, _, _, err = formatFromConfig(cfg, "fe_http"); err != nil || src != formats.HTTPLogFormat {
		t.Fatalf("-proxy fe_http: %q %v", src, err)
	}
	if _, _, _, err = formatFromConfig(cfg, ""); err == nil || !strings.Contains(err.Error(), "fe_custom, fe_http") {
		t.Fatalf("ambiguous: %v", err)
	}
	if _, _, _, err = formatFromConfig(cfg, "nosuch"); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("unknown proxy: %v", err)
	}
	// Its errors are printed as every config reader's: FILE:LINE: error: ...
	bad := filepath.Join(dir, "bad.cfg")
	os.WriteFile(bad, []byte("frontend f\n    tiemout client 1s\n"), 0o644)
	if _, _, _, err = formatFromConfig(bad, ""); err == nil || !strings.HasPrefix(err.Error(), bad+":2: error: ") {
		t.Fatalf("bad config: %v", err)
	}
	if _, _, _, err = formatFromConfig(cfg, "nosuch"); err == nil || !strings.HasPrefix(err.Error(), cfg+": error: ") {
		t.Fatalf("unknown proxy: %v", err)
	}
	// End to end: two lines in the custom format, counted by status.
	in := "127.0.0.1 [05/Dec/2026:10:00:00 +0000] GET \"/a\" \"HTTP/1.1\" 200 10 {h} s1 be 0/0/1/2/3 1/1/0/0/0\n" +
		"127.0.0.1 [05/Dec/2026:10:00:01 +0000] GET \"/b\" \"HTTP/1.1\" 404 10 {h} s1 be 0/0/1/2/3 1/1/0/0/0\n"
	var out, errOut bytes.Buffer
	code := halog.Main([]string{"-haproxy-cfg", cfg, "-proxy", "fe_custom", "-st"}, halog.Env{
		Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errOut, ConfigFormat: formatFromConfig})
	if code != 0 || !strings.Contains(out.String(), "200 1") || !strings.Contains(out.String(), "404 1") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	// Without a reader, -haproxy-cfg is an error, not a silent default.
	errOut.Reset()
	if code := halog.Main([]string{"-haproxy-cfg", cfg, "-st"}, halog.Env{
		Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errOut}); code != 1 || !strings.Contains(errOut.String(), "-haproxy-cfg") {
		t.Fatalf("no reader: exit %d, %q", code, errOut.String())
	}
}
