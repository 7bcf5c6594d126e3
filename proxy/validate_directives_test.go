package proxy

import (
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/diag"
	"github.com/haplog/haplog/proxy/config"
)

// TestValidateCompression: compression is done (compress.go), but
// "compression offload" is refused on an HTTP proxy at its line (the
// Accept-Encoding header would still reach the server); TCP proxies
// ignore compression as haproxy does.
func TestValidateCompression(t *testing.T) {
	for _, tc := range []struct {
		mode, line string
		alert      bool
	}{
		{"http", "compression algo gzip", false},
		{"http", "compression algo deflate raw-deflate identity", false},
		{"http", "compression offload", true},
		{"tcp", "compression offload", false},
	} {
		text := "defaults\n    mode " + tc.mode + "\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
			"frontend f\n    bind 127.0.0.1:0\n    " + tc.line + "\n    default_backend b\nbackend b\n    server s 127.0.0.1:1\n"
		cfg, err := config.ParseReader("c.cfg", strings.NewReader(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		var alerts []*config.Diag
		for _, d := range Validate(cfg) {
			if d.Severity == diag.Error {
				alerts = append(alerts, d)
			}
		}
		if tc.alert != (len(alerts) == 1) {
			t.Errorf("%s %s: alerts %v", tc.mode, tc.line, alerts)
		} else if tc.alert && (alerts[0].File != "c.cfg" || alerts[0].Line != 8) {
			t.Errorf("%s %s: alert at %s:%d, want c.cfg:8", tc.mode, tc.line, alerts[0].File, alerts[0].Line)
		}
	}
}
