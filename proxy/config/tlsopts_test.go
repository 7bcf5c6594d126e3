package config

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
)

func parseText(t *testing.T, text string) (*Config, error) {
	t.Helper()
	return ParseReader("t.cfg", strings.NewReader(text), nil)
}

const tlsBase = `defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
`

// TestSSLDefaultsApplied: Debian's TLS policy (ca-base/crt-base and the
// ssl-default-bind-* lines) reaches every ssl bind line, resolved for
// crypto/tls.
func TestSSLDefaultsApplied(t *testing.T) {
	cfg, err := parseText(t, `global
    crt-base testdata/seed
    ca-base testdata/seed
    ssl-default-bind-ciphers ECDHE+AESGCM:!aECDSA
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
`+tlsBase+`frontend f
    bind 127.0.0.1:8443 ssl crt site.pem
    bind 127.0.0.1:8444 ssl crt site.pem ciphers AES128-SHA force-tlsv12 tls-tickets
`)
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Frontends[0].Binds[0]
	if b.Crts[0] != "testdata/seed/site.pem" {
		t.Errorf("crt-base not applied: %q", b.Crts[0])
	}
	want := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	if !slices.Equal(b.CipherSuites, want) {
		t.Errorf("suites %x, want %x", b.CipherSuites, want)
	}
	if b.MinVersion != tls.VersionTLS12 || b.MaxVersion != tls.VersionTLS13 || !b.NoTLSTickets {
		t.Errorf("bind 1: %x-%x tickets off=%v", b.MinVersion, b.MaxVersion, b.NoTLSTickets)
	}
	b = cfg.Frontends[0].Binds[1]
	if !slices.Equal(b.CipherSuites, []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}) ||
		b.MinVersion != tls.VersionTLS12 || b.MaxVersion != tls.VersionTLS12 || b.NoTLSTickets {
		t.Errorf("bind 2: %x %x-%x tickets off=%v", b.CipherSuites, b.MinVersion, b.MaxVersion, b.NoTLSTickets)
	}
}

func TestTLSVersionOptions(t *testing.T) {
	for _, tc := range []struct {
		opts     string
		min, max uint16
	}{
		{"", tls.VersionTLS12, tls.VersionTLS13},
		{"no-tlsv12", tls.VersionTLS13, tls.VersionTLS13},
		{"no-tlsv13", tls.VersionTLS12, tls.VersionTLS12},
		// OpenSSL 3's security level refuses TLS < 1.2 (see
		// TestTLSPolicyVsHAProxy), unless the list sets @SECLEVEL=0.
		{"ssl-min-ver TLSv1.1 ssl-max-ver TLSv1.2", tls.VersionTLS12, tls.VersionTLS12},
		{"ssl-min-ver TLSv1.1 ssl-max-ver TLSv1.2 ciphers DEFAULT:@SECLEVEL=0", tls.VersionTLS11, tls.VersionTLS12},
		{"force-tlsv13", tls.VersionTLS13, tls.VersionTLS13},
		{"ciphersuites TLS_AES_128_CCM_SHA256", tls.VersionTLS12, tls.VersionTLS12}, // no TLS 1.3 suite Go has
	} {
		cfg, err := parseText(t, tlsBase+"frontend f\n    bind :8443 ssl crt testdata/seed/site.pem "+tc.opts+"\n")
		if err != nil {
			t.Errorf("%q: %v", tc.opts, err)
			continue
		}
		b := cfg.Frontends[0].Binds[0]
		if b.MinVersion != tc.min || b.MaxVersion != tc.max {
			t.Errorf("%q: %x-%x, want %x-%x", tc.opts, b.MinVersion, b.MaxVersion, tc.min, tc.max)
		}
	}
}

// TestTLSRefusals: what crypto/tls cannot honour is fatal at -c, with
// file:line, never ignored.
func TestTLSRefusals(t *testing.T) {
	for _, tc := range []struct {
		global, params, want string
		unsupported          bool
	}{
		{"", "ciphers eNULL", "no cipher match", false},
		{"", "ciphersuites TLS_AES_256_GCM_SHA384", "cannot restrict TLS 1.3 suites", false},
		{"", "ciphersuites TLS_NOPE", "unknown TLS 1.3 cipher suite", false},
		{"", "prefer-client-ciphers", "not supported", true},
		{"", "allow-0rtt", "not supported", true},
		{"", "crl-file x.pem", "not supported", true},
		{"", "no-tlsv12 no-tlsv13", "all SSL/TLS versions are disabled", false},
		{"", "curves brainpoolP256r1", "not supported", false},
		{"    ssl-default-bind-options prefer-client-ciphers\n", "", "not supported", true},
		{"    ssl-default-bind-options bogus\n", "", "unknown option 'bogus'", true},
		{"    ssl-default-bind-ciphers DHE+AESGCM\n", "", "no cipher match", false},
	} {
		text := "global\n" + tc.global + tlsBase + "frontend f\n    bind :8443 ssl crt testdata/seed/site.pem " + tc.params + "\n"
		_, err := parseText(t, text)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "t.cfg:") {
			t.Errorf("%q %q: err = %v, want %q with file:line", tc.global, tc.params, err, tc.want)
			continue
		}
		if tc.unsupported && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q %q: %v does not wrap ErrUnsupported", tc.global, tc.params, err)
		}
	}
	// Without an ssl bind line, HAProxy never evaluates the list.
	if _, err := parseText(t, "global\n    ssl-default-bind-ciphers DHE+AESGCM\n"+tlsBase+"frontend f\n    bind :8080\n"); err != nil {
		t.Errorf("unused default cipher list: %v", err)
	}
}

// TestCheckStopsAtUnopenableFile: as haproxy 2.6 (measured with
// "haproxy -c -f missing -f bad.cfg"), the first file that cannot be
// opened ends the run: one alert, no summary line, exit 1.
func TestCheckStopsAtUnopenableFile(t *testing.T) {
	missing := t.TempDir() + "/missing.cfg"
	var out, errb strings.Builder
	code := CheckOptions{PID: 5}.Check(&out, &errb, []string{missing, "testdata/check/syntax.cfg"})
	want := "[ALERT]    (5) : config : Cannot open configuration file/directory " + missing + " : No such file or directory\n"
	if code != 1 || errb.String() != want || out.Len() != 0 {
		t.Errorf("exit %d stdout %q stderr %q, want 1 \"\" %q", code, out.String(), errb.String(), want)
	}
}

// TestLogUnixPathTooLong: haproxy 2.6.12 -c accepts a 97-byte log socket
// path and refuses 98 bytes with this message (measured).
func TestLogUnixPathTooLong(t *testing.T) {
	long := "/tmp/" + strings.Repeat("a", 93) // 98 bytes: one too many
	_, err := parseText(t, "global\n    log "+long+" local0\n")
	if err == nil || !strings.Contains(err.Error(), "too long (max 97)") {
		t.Errorf("err = %v", err)
	}
	if _, err := parseText(t, "global\n    log "+long[:len(long)-1]+" local0\n"); err != nil {
		t.Errorf("97-byte path: %v", err)
	}
}
