package config

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
)

// OpenSSL cipher-list expressions ("ciphers", "ssl-default-bind-ciphers"),
// evaluated from the rules of OpenSSL's ciphers(1) manual onto the suites
// crypto/tls implements, the way an OpenSSL build lacking the other suites
// would evaluate them:
//
//   - elements are separated by ':' (also ' ', ',' or ';');
//   - an element is a suite name or an alias (HIGH, aRSA, AESGCM ...), or
//     several joined by '+', which selects the suites matching all of them;
//   - no prefix adds the selected suites not yet in the list, '-' removes
//     them (a later element may add them back), '!' removes them for good,
//     '+' moves them to the end (order only);
//   - "@STRENGTH" sorts and "@SECLEVEL=n" sets the security level;
//     "DEFAULT" is OpenSSL 3's default list;
//   - an unknown word selects nothing, as in OpenSSL.
//
// The result is a set: crypto/tls orders the suites itself. RC4 and 3DES
// suites are left out: Debian's OpenSSL 3 (which HAProxy 2.6 uses there)
// offers none of them at its default security level, so HAProxy never
// enables them either.

// suiteInfo is what the aliases look at.
type suiteInfo struct {
	id   uint16
	name string // OpenSSL's name
	kx   string // kRSA, kECDHE
	au   string // aRSA, aECDSA
	enc  string // AES128, AES256, AESGCM128, AESGCM256, CHACHA20
	mac  string // SHA1, SHA256, SHA384, AEAD
	// minVer is OpenSSL's minimum protocol of the suite ("SSLv3",
	// "TLSv1", "TLSv1.2"), what the protocol aliases select on.
	minVer string
}

var tls12Suites = []suiteInfo{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "kECDHE", "aECDSA", "AESGCM256", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "kECDHE", "aRSA", "AESGCM256", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "kECDHE", "aECDSA", "CHACHA20", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "kECDHE", "aRSA", "CHACHA20", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "kECDHE", "aECDSA", "AESGCM128", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "kECDHE", "aRSA", "AESGCM128", "AEAD", "TLSv1.2"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", "kECDHE", "aECDSA", "AES128", "SHA256", "TLSv1.2"},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", "kECDHE", "aRSA", "AES128", "SHA256", "TLSv1.2"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "kECDHE", "aECDSA", "AES256", "SHA1", "TLSv1"},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "kECDHE", "aRSA", "AES256", "SHA1", "TLSv1"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "kECDHE", "aECDSA", "AES128", "SHA1", "TLSv1"},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "kECDHE", "aRSA", "AES128", "SHA1", "TLSv1"},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "kRSA", "aRSA", "AESGCM256", "AEAD", "TLSv1.2"},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "kRSA", "aRSA", "AESGCM128", "AEAD", "TLSv1.2"},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", "kRSA", "aRSA", "AES128", "SHA256", "TLSv1.2"},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "kRSA", "aRSA", "AES256", "SHA1", "SSLv3"},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "kRSA", "aRSA", "AES128", "SHA1", "SSLv3"},
}

// cipherAlias reports whether suite s matches the alias or name a, and
// whether a is known at all.
func cipherAlias(s *suiteInfo, a string) (match, known bool) {
	switch a {
	case "ALL", "DEFAULT", "HIGH":
		// OpenSSL 3: ALL is everything but eNULL; DEFAULT is
		// "ALL:!COMPLEMENTOFDEFAULT:!eNULL"; every suite here is HIGH.
		return true, true
	case "COMPLEMENTOFALL", "COMPLEMENTOFDEFAULT", "MEDIUM", "LOW", "EXP", "EXPORT",
		"eNULL", "NULL", "aNULL", "ADH", "AECDH",
		"kDHE", "kEDH", "DHE", "EDH", "DH", "kDH", "aDSS", "DSS",
		"PSK", "aPSK", "kPSK", "kECDHEPSK", "kDHEPSK", "kRSAPSK", "SRP", "kSRP", "aSRP",
		"kGOST", "aGOST", "aGOST01", "aGOST12", "GOST94", "GOST89MAC", "GOST12", "kGOST18",
		"DES", "3DES", "RC4", "RC2", "IDEA", "SEED", "MD5",
		"CAMELLIA", "CAMELLIA128", "CAMELLIA256", "ARIA", "ARIA128", "ARIA256", "ARIAGCM",
		"AESCCM", "AESCCM8", "CBC":
		if a == "CBC" {
			// Not an alias in OpenSSL 3: selects nothing.
			return false, false
		}
		return false, true
	case "kRSA", "RSA":
		return s.kx == "kRSA", true
	case "aRSA":
		return s.au == "aRSA", true
	case "kECDHE", "kEECDH", "ECDHE", "EECDH", "ECDH":
		return s.kx == "kECDHE", true
	case "aECDSA", "ECDSA":
		return s.au == "aECDSA", true
	case "AES128":
		return s.enc == "AES128" || s.enc == "AESGCM128", true
	case "AES256":
		return s.enc == "AES256" || s.enc == "AESGCM256", true
	case "AES":
		return strings.HasPrefix(s.enc, "AES"), true
	case "AESGCM":
		return strings.HasPrefix(s.enc, "AESGCM"), true
	case "CHACHA20":
		return s.enc == "CHACHA20", true
	case "SHA1", "SHA":
		return s.mac == "SHA1", true
	case "SHA256":
		return s.mac == "SHA256", true
	case "SHA384":
		return s.mac == "SHA384", true
	case "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.2":
		v := a
		if v == "TLSv1.0" {
			v = "TLSv1"
		}
		return s.minVer == v, true
	case "FIPS":
		// FIPS-approved HIGH suites: the AES ones.
		return strings.HasPrefix(s.enc, "AES"), true
	case "SUITEB128", "SUITEB128ONLY", "SUITEB128C2", "SUITEB192":
		return false, true
	}
	return s.name == a, false
}

// EvalCipherList evaluates an OpenSSL cipher-list expression into the
// TLS <= 1.2 suites it selects that crypto/tls implements, in list order
// (crypto/tls applies its own order). It fails,
// as SSL_CTX_set_cipher_list does ("no cipher match"), when nothing is
// selected.
func EvalCipherList(expr string) ([]uint16, error) {
	ids, _, err := evalCipherList(expr)
	return ids, err
}

// evalCipherList also returns the security level in force (the list's
// @SECLEVEL, else the system's).
func evalCipherList(expr string) ([]uint16, int, error) {
	type entry struct {
		s      *suiteInfo
		active bool
		killed bool
	}
	state := make([]entry, len(tls12Suites))
	for i := range tls12Suites {
		state[i].s = &tls12Suites[i]
	}
	var order []int // indexes of active suites, in list order
	remove := func(i int) {
		for k, x := range order {
			if x == i {
				order = append(order[:k], order[k+1:]...)
				return
			}
		}
	}
	secLevel := -1
	elems := strings.FieldsFunc(expr, func(r rune) bool { return r == ':' || r == ' ' || r == ',' || r == ';' })
	for _, el := range elems {
		if el == "" {
			continue
		}
		if el[0] == '@' {
			switch {
			case el == "@STRENGTH":
			case strings.HasPrefix(el, "@SECLEVEL="):
				lv, err := strconv.Atoi(el[len("@SECLEVEL="):])
				if err != nil || lv < 0 || lv > 5 {
					return nil, 0, fmt.Errorf("invalid security level in '%s'", el)
				}
				secLevel = lv
			default:
				// OpenSSL stops the whole list on an unknown command.
				return nil, 0, fmt.Errorf("unknown command '%s' in cipher list", el)
			}
			continue
		}
		op := byte(0)
		if el[0] == '!' || el[0] == '-' || el[0] == '+' {
			op, el = el[0], el[1:]
		}
		parts := strings.Split(el, "+")
		for i := range state {
			e := &state[i]
			match := true
			for _, a := range parts {
				m, _ := cipherAlias(e.s, a)
				if !m {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			switch op {
			case 0:
				if !e.active && !e.killed {
					e.active = true
					order = append(order, i)
				}
			case '-':
				if e.active {
					e.active = false
					remove(i)
				}
			case '!':
				if e.active {
					remove(i)
				}
				e.active, e.killed = false, true
			case '+':
				if e.active {
					remove(i)
					order = append(order, i)
				}
			}
		}
	}
	if secLevel < 0 {
		secLevel = systemSecLevel
	}
	var out []uint16
	for _, i := range order {
		s := state[i].s
		if secLevel >= 3 && s.kx == "kRSA" { // forward secrecy required
			continue
		}
		if secLevel >= 4 && (s.mac == "SHA1" || strings.HasSuffix(s.enc, "128")) { // 192 bits
			continue
		}
		out = append(out, s.id)
	}
	if len(out) == 0 {
		return nil, secLevel, fmt.Errorf("no cipher match in '%s' among the suites this implementation offers (%s)", expr, goSuiteNames())
	}
	return out, secLevel, nil
}

// systemSecLevel is the security level OpenSSL applies when the list
// does not set one (Debian 12's openssl.cnf: SECLEVEL=2). Among the suites
// here it drops none, but from level 1 on OpenSSL 3 refuses the SHA-1
// handshake signatures of TLS 1.0 and 1.1, so those versions never
// complete (measured against haproxy 2.6.12: TestTLSPolicyVsHAProxy).
const systemSecLevel = 2

func goSuiteNames() string {
	names := make([]string, len(tls12Suites))
	for i := range tls12Suites {
		names[i] = tls12Suites[i].name
	}
	return strings.Join(names, ":")
}

// TLS 1.3 suites: OpenSSL's names (SSL_CTX_set_ciphersuites) and whether
// crypto/tls implements them (it always enables all three it has).
var tls13Known = map[string]bool{
	"TLS_AES_128_GCM_SHA256":       true,
	"TLS_AES_256_GCM_SHA384":       true,
	"TLS_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_CCM_SHA256":       false,
	"TLS_AES_128_CCM_8_SHA256":     false,
}

// EvalCipherSuites checks a TLS 1.3 "ciphersuites" list. crypto/tls
// cannot choose its TLS 1.3 suites: a list naming all three it implements
// is honoured as is, a list naming none of them disables TLS 1.3 (as
// OpenSSL does with no TLS 1.3 suite), and a list naming only some of
// them cannot be honoured and is an error. An unknown name is an error,
// as in OpenSSL. tls13 reports whether TLS 1.3 stays enabled.
func EvalCipherSuites(list string) (tls13 bool, err error) {
	n := 0
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ":") {
		if name == "" {
			continue
		}
		goHas, ok := tls13Known[name]
		if !ok {
			return false, fmt.Errorf("unknown TLS 1.3 cipher suite '%s'", name)
		}
		if goHas && !seen[name] {
			seen[name] = true
			n++
		}
	}
	switch n {
	case 0:
		return false, nil
	case 3:
		return true, nil
	}
	return false, fmt.Errorf("'%s' enables only some of the TLS 1.3 suites crypto/tls implements (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256): this implementation cannot restrict TLS 1.3 suites; list all three, or none with 'ssl-max-ver TLSv1.2'", list)
}
