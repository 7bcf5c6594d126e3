package proxy

import (
	"strings"
	"testing"

	"github.com/haplog/haplog/proxy/config"
)

// TestValidateCompression: an HTTP proxy asking for gzip/deflate is
// refused at the "compression algo" line (responses would otherwise go out
// uncompressed); "identity" and TCP proxies (where haproxy ignores
// compression silently) pass.
func TestValidateCompression(t *testing.T) {
	for _, tc := range []struct {
		mode, algo string
		alert      bool
	}{
		{"http", "gzip", true},
		{"http", "deflate", true},
		{"http", "identity", false},
		{"tcp", "gzip", false},
	} {
		text := "defaults\n    mode " + tc.mode + "\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n" +
			"frontend f\n    bind 127.0.0.1:0\n    compression algo " + tc.algo + "\n    default_backend b\nbackend b\n    server s 127.0.0.1:1\n"
		cfg, err := config.ParseReader("c.cfg", strings.NewReader(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		var alerts []config.Diag
		for _, d := range Validate(cfg) {
			if d.Level == config.LevelAlert {
				alerts = append(alerts, d)
			}
		}
		if tc.alert != (len(alerts) == 1) {
			t.Errorf("%s %s: alerts %v", tc.mode, tc.algo, alerts)
		} else if tc.alert && (alerts[0].File != "c.cfg" || alerts[0].Line != 8) {
			t.Errorf("%s %s: alert at %s:%d, want c.cfg:8", tc.mode, tc.algo, alerts[0].File, alerts[0].Line)
		}
	}
}
