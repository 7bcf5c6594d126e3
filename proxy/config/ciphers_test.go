package config

import (
	"crypto/tls"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// cipherExprs are expressions seen in real configurations (Mozilla's
// profiles, Debian's haproxy.cfg, HAProxy's docs) and alias combinations.
var cipherExprs = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
	"HIGH:!aNULL:!MD5",
	"HIGH:!aNULL",
	"ECDHE+AESGCM",
	"ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES256:!aNULL:!MD5:!DSS",
	"DEFAULT",
	"ALL",
	"ALL:!kRSA",
	"ALL:-kRSA:AES128-SHA",
	"ALL:!kRSA:AES128-SHA",
	"AES128:!SHA1",
	"AES256",
	"AESGCM",
	"CHACHA20",
	"aECDSA",
	"aRSA+SHA1",
	"kRSA+AES256",
	"TLSv1.2",
	"SSLv3",
	"TLSv1",
	"SHA256:SHA384",
	"HIGH:@STRENGTH",
	"DEFAULT:@SECLEVEL=3",
	"HIGH:@SECLEVEL=4",
	"ALL:@SECLEVEL=5",
	"ALL:@SECLEVEL=0",
	"ECDHE+AES128:@SECLEVEL=4",
	"FIPS",
	"ECDHE-RSA-AES128-SHA",
	"RSA",
	"EECDH+AESGCM:EDH+AESGCM",
	"AES128-SHA:nosuchcipher",
	"ALL:+kRSA",
	"MEDIUM",
	"DHE-RSA-AES128-GCM-SHA256",
	"3DES",
	"eNULL",
}

// openSSLSelect runs "openssl ciphers -s EXPR" (the suites usable at the
// security level in force) and returns the TLS <= 1.2
// suites it lists that crypto/tls has (by OpenSSL name), or nil when
// OpenSSL reports no match.
func openSSLSelect(t *testing.T, bin, expr string) []string {
	out, err := exec.Command(bin, "ciphers", "-s", expr).Output()
	if err != nil {
		return nil
	}
	known := map[string]bool{}
	for _, s := range tls12Suites {
		known[s.name] = true
	}
	var sel []string
	for _, n := range strings.Split(strings.TrimSpace(string(out)), ":") {
		if known[n] {
			sel = append(sel, n)
		}
	}
	sort.Strings(sel)
	return sel
}

// TestCipherListMatchesOpenSSL compares the evaluator with the system
// OpenSSL (the library Debian's haproxy 2.6 links) on every expression:
// the same suites among those crypto/tls implements, and an error exactly
// when none of them is selected.
func TestCipherListMatchesOpenSSL(t *testing.T) {
	bin := testbin.Need(t, "openssl")
	names := map[uint16]string{}
	for _, s := range tls12Suites {
		names[s.id] = s.name
	}
	for _, expr := range cipherExprs {
		want := openSSLSelect(t, bin, expr)
		ids, err := EvalCipherList(expr)
		var got []string
		for _, id := range ids {
			got = append(got, names[id])
		}
		sort.Strings(got)
		if len(want) == 0 {
			if err == nil {
				t.Errorf("%q: got %v, OpenSSL selects none of crypto/tls's suites", expr, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v; OpenSSL selects %v", expr, err, want)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n got  %v\n want %v", expr, got, want)
		}
	}
}

func TestCipherSuites13(t *testing.T) {
	for _, tc := range []struct {
		list    string
		tls13   bool
		wantErr bool
	}{
		{"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", true, false},
		{"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256", true, false},
		{"TLS_AES_128_CCM_SHA256", false, false},
		{"", false, false},
		{"TLS_AES_256_GCM_SHA384", false, true},
		{"TLS_NOPE", false, true},
	} {
		got, err := EvalCipherSuites(tc.list)
		if got != tc.tls13 || (err != nil) != tc.wantErr {
			t.Errorf("%q: tls13=%v err=%v", tc.list, got, err)
		}
	}
	_ = tls.VersionTLS13
}

func FuzzCipherList(f *testing.F) {
	for _, e := range cipherExprs {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 4096 {
			return
		}
		ids, err := EvalCipherList(expr)
		if err == nil && len(ids) == 0 {
			t.Fatal("no error and no suite")
		}
		seen := map[uint16]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("suite %x twice", id)
			}
			seen[id] = true
		}
	})
}
