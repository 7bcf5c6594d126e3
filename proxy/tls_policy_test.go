package proxy

import (
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

// tlsProbe lists what a server accepts: each TLS <= 1.2 suite crypto/tls
// has (RSA certificate: the ECDSA suites cannot be negotiated) and each
// protocol version with the default suites.
func tlsProbe(t *testing.T, addr string) []string {
	t.Helper()
	try := func(c *tls.Config) bool {
		c.InsecureSkipVerify = true
		d := &net.Dialer{Timeout: 5 * time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", addr, c)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}
	var ok []string
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if slices.Contains(cs.SupportedVersions, tls.VersionTLS13) || strings.Contains(cs.Name, "ECDSA") {
			continue
		}
		for _, v := range cs.SupportedVersions {
			if try(&tls.Config{CipherSuites: []uint16{cs.ID}, MinVersion: v, MaxVersion: v}) {
				ok = append(ok, fmt.Sprintf("%s/%s", versionName(v), cs.Name))
			}
		}
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		if try(&tls.Config{MinVersion: v, MaxVersion: v}) {
			ok = append(ok, versionName(v))
		}
	}
	return ok
}

// TestTLSPolicyVsHAProxy: the TLS policy of a bind line (Debian's
// ssl-default-bind-* lines, cipher expressions, version bounds) accepts
// exactly the handshakes haproxy 2.6 (Debian's OpenSSL 3) accepts, probed
// suite by suite and version by version with a crypto/tls client.
func TestTLSPolicyVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	crt, err := filepath.Abs("config/testdata/seed/site.pem")
	if err != nil {
		t.Fatal(err)
	}
	debian := `    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
`
	for _, tc := range []struct{ name, global, bind string }{
		{"debian", debian, ""},
		{"default", "", ""},
		{"expr", "", "ciphers HIGH:!aNULL:!SHA1:!AESGCM ssl-max-ver TLSv1.2"},
		{"kRSA", "", "ciphers kRSA:@STRENGTH"},
		{"legacy", "", "ssl-min-ver TLSv1.0 ciphers AES128-SHA:ECDHE-RSA-AES256-SHA"},
		{"legacy-seclevel0", "", "ssl-min-ver TLSv1.0 ciphers AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0"},
		{"max11", "", "ssl-min-ver TLSv1.0 ssl-max-ver TLSv1.1"},
		{"tls13only", "", "ssl-min-ver TLSv1.3"},
		{"no12", "", "no-tlsv12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := func(port int) string {
				return "global\n" + tc.global + httpDefaults + `frontend fe
    bind 127.0.0.1:` + strconv.Itoa(port) + " ssl crt " + crt + " " + tc.bind + `
    http-request return status 200
`
			}
			haddr, oaddr := runPair(t, cfg)
			want := tlsProbe(t, haddr)
			got := tlsProbe(t, oaddr)
			if !slices.Equal(got, want) {
				t.Errorf("accepted handshakes differ\n got:  %v\n want: %v", got, want)
			}
			if len(want) == 0 && tc.name != "max11" {
				t.Error("haproxy accepted no handshake at all: the probe is broken")
			}
		})
	}
}

// TestStrictSNIVsHAProxy: with "strict-sni", a handshake whose SNI
// matches no certificate (or that sends none) fails, as with haproxy;
// without it the first certificate is used.
func TestStrictSNIVsHAProxy(t *testing.T) {
	testbin.Need(t, "haproxy")
	crt, err := filepath.Abs("config/testdata/seed/site.pem")
	if err != nil {
		t.Fatal(err)
	}
	for _, strict := range []string{"strict-sni", ""} {
		cfg := func(port int) string {
			return httpDefaults +
				"frontend fe\n    bind 127.0.0.1:" + strconv.Itoa(port) + " ssl crt " + crt + " " + strict + "\n    http-request return status 200\n"
		}
		haddr, oaddr := runPair(t, cfg)
		probe := func(a, sni string) bool {
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", a, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
			if err != nil {
				return false
			}
			c.Close()
			return true
		}
		for _, sni := range []string{"localhost", "LOCALHOST", "other.example", ""} {
			if got, want := probe(oaddr, sni), probe(haddr, sni); got != want {
				t.Errorf("%q sni %q: handshake ok=%v, haproxy %v", strict, sni, got, want)
			}
		}
	}
}
