package config

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// TLSOptions are the TLS settings shared by "bind" and "server" lines and
// their global defaults (ssl-default-bind-* / ssl-default-server-*), as
// written and, once the line is complete, resolved for crypto/tls.
type TLSOptions struct {
	// Ciphers is the OpenSSL cipher-list expression (TLS <= 1.2);
	// Ciphersuites the TLS 1.3 suite list; empty = library defaults.
	Ciphers, Ciphersuites string
	// SSLMinVer and SSLMaxVer are "ssl-min-ver"/"ssl-max-ver" ("TLSv1.2"...).
	SSLMinVer, SSLMaxVer string
	// NoVersions has the versions disabled by no-sslv3/no-tlsv1x (bit i:
	// sslVersions[i]); Force is the version of a force-* option.
	NoVersions uint8
	Force      string
	// NoTLSTickets disables session tickets (no-tls-tickets).
	NoTLSTickets bool
	// Curves is the "curves" list, or the "ecdhe" curve.
	Curves string

	// Resolved (set when the line uses TLS): the suites to enable (nil:
	// crypto/tls's defaults), the version range and the curves.
	CipherSuites           []uint16
	MinVersion, MaxVersion uint16
	CurveIDs               []tls.CurveID
}

// sslVersions are the protocol versions in order, as HAProxy names them.
var sslVersions = [...]string{"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

var goVersions = [...]uint16{0, tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

func versionIndex(v string) int {
	for i, n := range sslVersions {
		if n == v {
			return i
		}
	}
	return -1
}

// tlsOption applies one TLS keyword at a[*i] (advancing *i past its
// argument). handled is false when the word is not a TLS option.
func tlsOption(o *TLSOptions, a []string, i *int) (handled bool, err error) {
	kw := a[*i]
	arg := func() (string, error) {
		if *i+1 >= len(a) || a[*i+1] == "" {
			return "", fmt.Errorf("'%s' : missing value", kw)
		}
		*i++
		return a[*i], nil
	}
	switch kw {
	case "ciphers", "ciphersuites", "curves", "ecdhe":
		v, err := arg()
		if err != nil {
			return true, err
		}
		switch kw {
		case "ciphers":
			o.Ciphers = v
		case "ciphersuites":
			o.Ciphersuites = v
		default:
			o.Curves = v
		}
	case "ssl-min-ver", "ssl-max-ver":
		v, err := arg()
		if err != nil {
			return true, err
		}
		if err := checkSSLVer(kw, v); err != nil {
			return true, err
		}
		if kw == "ssl-min-ver" {
			o.SSLMinVer = v
		} else {
			o.SSLMaxVer = v
		}
	case "no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12", "no-tlsv13":
		o.NoVersions |= 1 << optVersion(kw[3:])
	case "force-sslv3", "force-tlsv10", "force-tlsv11", "force-tlsv12", "force-tlsv13":
		o.Force = sslVersions[optVersion(kw[6:])]
	case "no-tls-tickets":
		o.NoTLSTickets = true
	case "tls-tickets":
		o.NoTLSTickets = false
	default:
		return false, nil
	}
	return true, nil
}

// optVersion maps "sslv3", "tlsv10" ... to an sslVersions index.
func optVersion(s string) int {
	switch s {
	case "sslv3":
		return 0
	case "tlsv10":
		return 1
	case "tlsv11":
		return 2
	case "tlsv12":
		return 3
	}
	return 4
}

// resolve computes the crypto/tls settings, failing where crypto/tls
// cannot do what the options ask.
func (o *TLSOptions) resolve() (warn string, err error) {
	lo, hi := versionIndex("TLSv1.2"), versionIndex("TLSv1.3") // HAProxy 2.6's default range
	if o.SSLMinVer != "" {
		lo = versionIndex(o.SSLMinVer)
	}
	if o.SSLMaxVer != "" {
		hi = versionIndex(o.SSLMaxVer)
	}
	if o.Force != "" {
		lo, hi = versionIndex(o.Force), versionIndex(o.Force)
	}
	first, last := -1, -1
	for v := lo; v <= hi; v++ {
		if o.NoVersions&(1<<v) != 0 {
			if first >= 0 && last < 0 {
				last = v - 1
			}
			continue
		}
		if first < 0 {
			first = v
		} else if last >= 0 {
			warn = fmt.Sprintf("SSL/TLS versions range not contiguous: %s and above are disabled", sslVersions[last+1])
			break
		}
	}
	if first < 0 {
		return "", fmt.Errorf("all SSL/TLS versions are disabled")
	}
	if last < 0 {
		last = hi
		for v := first; v <= hi; v++ {
			if o.NoVersions&(1<<v) != 0 {
				last = v - 1
				break
			}
		}
	}
	if first == 0 {
		if last == 0 {
			return "", fmt.Errorf("SSLv3 is not supported by this implementation (crypto/tls)")
		}
		first = 1 // crypto/tls has no SSLv3: the range starts at TLSv1.0
		warn = "SSLv3 is not supported by this implementation: the range starts at TLSv1.0"
	}
	o.MinVersion, o.MaxVersion = goVersions[first], goVersions[last]
	if o.Ciphersuites != "" && o.MaxVersion == tls.VersionTLS13 {
		on, err := EvalCipherSuites(o.Ciphersuites)
		if err != nil {
			return "", fmt.Errorf("'ciphersuites' : %w", err)
		}
		if !on {
			if o.MinVersion == tls.VersionTLS13 {
				return "", fmt.Errorf("'ciphersuites' '%s' leaves no TLS 1.3 suite and TLSv1.3 is the only version enabled", o.Ciphersuites)
			}
			o.MaxVersion = tls.VersionTLS12
		}
	} else if o.Ciphersuites != "" {
		if _, err := EvalCipherSuites(o.Ciphersuites); err != nil && strings.HasPrefix(err.Error(), "unknown") {
			return "", fmt.Errorf("'ciphersuites' : %w", err)
		}
	}
	// No "ciphers": OpenSSL's DEFAULT list, which (unlike crypto/tls's
	// defaults) includes the RSA key exchange and CBC-SHA256 suites.
	expr := o.Ciphers
	if expr == "" {
		expr = "DEFAULT"
	}
	ids, sec, err := evalCipherList(expr)
	if err != nil {
		return "", fmt.Errorf("'ciphers' : %w", err)
	}
	o.CipherSuites = ids
	if sec >= 1 && o.MinVersion < tls.VersionTLS12 {
		// OpenSSL 3 refuses TLS 1.0/1.1 handshakes from security level 1
		// on; with ssl-max-ver below TLSv1.2 no handshake completes,
		// as with haproxy.
		o.MinVersion = tls.VersionTLS12
	}
	o.CurveIDs = nil
	if o.Curves != "" {
		for _, c := range strings.Split(o.Curves, ":") {
			id, ok := curveIDs[c]
			if !ok {
				return "", fmt.Errorf("'curves' : curve '%s' is not supported by this implementation (X25519, P-256, P-384, P-521)", c)
			}
			o.CurveIDs = append(o.CurveIDs, id)
		}
	}
	return warn, nil
}

// curveIDs maps OpenSSL's curve names to crypto/tls's.
var curveIDs = map[string]tls.CurveID{
	"X25519": tls.X25519, "x25519": tls.X25519,
	"P-256": tls.CurveP256, "prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256,
	"P-384": tls.CurveP384, "secp384r1": tls.CurveP384,
	"P-521": tls.CurveP521, "secp521r1": tls.CurveP521,
}

// parseDefaultOptions reads "ssl-default-bind-options" /
// "ssl-default-server-options" words into o. HAProxy accepts only the
// version options, no-tls-tickets and (bind) prefer-client-ciphers there.
func parseDefaultOptions(o *TLSOptions, words []string, bind bool) error {
	for i := 0; i < len(words); i++ {
		switch words[i] {
		case "ciphers", "ciphersuites", "curves", "ecdhe", "tls-tickets":
			return fmt.Errorf("unknown option '%s'", words[i])
		case "prefer-client-ciphers":
			if bind {
				return fmt.Errorf("'prefer-client-ciphers' is not supported by this implementation (crypto/tls always picks the suite by its own preference)")
			}
		}
		ok, err := tlsOption(o, words, &i)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("unknown option '%s'", words[i])
		}
	}
	return nil
}

// withBase prefixes a relative path with ca-base/crt-base, as HAProxy
// does for crt, ca-file and crl-file arguments.
func withBase(base, path string) string {
	if base == "" || strings.HasPrefix(path, "/") {
		return path
	}
	return strings.TrimRight(base, "/") + "/" + path
}
