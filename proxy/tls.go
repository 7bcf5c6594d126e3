package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// TLS termination ("bind ... ssl crt") and TLS towards servers ("server
// ... ssl") with crypto/tls. HAProxy's names are kept where they show in
// logs: %sslv prints OpenSSL's version names ("TLSv1.3") and %sslc
// OpenSSL's cipher names ("ECDHE-RSA-AES128-GCM-SHA256").

// versionName returns OpenSSL's name of a TLS version (%sslv).
func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return ""
}

// opensslCiphers maps the suites crypto/tls implements to OpenSSL's names
// (%sslc, and the "ciphers" lists of bind and server lines). TLS 1.3
// suites have the same name in both.
var opensslCiphers = map[uint16]string{
	tls.TLS_RSA_WITH_RC4_128_SHA:                      "RC4-SHA",
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA:                 "DES-CBC3-SHA",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:                  "AES128-SHA",
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:                  "AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256:               "AES128-SHA256",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               "AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA:              "ECDHE-ECDSA-RC4-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          "ECDHE-ECDSA-AES128-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          "ECDHE-ECDSA-AES256-SHA",
	tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA:                "ECDHE-RSA-RC4-SHA",
	tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA:           "ECDHE-RSA-DES-CBC3-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "ECDHE-RSA-AES256-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:       "ECDHE-ECDSA-AES128-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:         "ECDHE-RSA-AES128-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_AES_128_GCM_SHA256:                        "TLS_AES_128_GCM_SHA256",
	tls.TLS_AES_256_GCM_SHA384:                        "TLS_AES_256_GCM_SHA384",
	tls.TLS_CHACHA20_POLY1305_SHA256:                  "TLS_CHACHA20_POLY1305_SHA256",
}

// cipherName returns OpenSSL's name of a suite (%sslc).
func cipherName(id uint16) string {
	if n, ok := opensslCiphers[id]; ok {
		return n
	}
	return tls.CipherSuiteName(id)
}

// applyTLSOptions sets the resolved versions, suites, tickets and curves
// (config.TLSOptions, checked while parsing). A zero range is HAProxy's
// default, TLSv1.2 and above.
func applyTLSOptions(c *tls.Config, o *config.TLSOptions) {
	c.MinVersion, c.MaxVersion = o.MinVersion, o.MaxVersion
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	c.CipherSuites = o.CipherSuites
	c.SessionTicketsDisabled = o.NoTLSTickets
	c.CurvePreferences = o.CurveIDs
}

// certStore holds a bind line's certificates and picks one by SNI, as
// HAProxy does: an exact name (subject CN or DNS SAN) first, then a
// wildcard, else the first certificate loaded.
type certStore struct {
	// strict: no certificate for an SNI that matches none (strict-sni).
	strict bool
	certs  []*tls.Certificate
	exact  map[string]*tls.Certificate
	wild   map[string]*tls.Certificate // "*.example.com" stored as "example.com"
}

func (cs *certStore) add(c *tls.Certificate) {
	cs.certs = append(cs.certs, c)
	leaf := c.Leaf
	if leaf == nil {
		return
	}
	names := append([]string{leaf.Subject.CommonName}, leaf.DNSNames...)
	for _, n := range names {
		n = strings.ToLower(n)
		if n == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if _, dup := cs.wild[rest]; !dup {
				cs.wild[rest] = c
			}
			continue
		}
		if _, dup := cs.exact[n]; !dup {
			cs.exact[n] = c
		}
	}
}

func (cs *certStore) get(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name != "" {
		if c := cs.exact[name]; c != nil {
			return c, nil
		}
		if _, rest, ok := strings.Cut(name, "."); ok {
			if c := cs.wild[rest]; c != nil {
				return c, nil
			}
		}
	}
	if cs.strict {
		return nil, errors.New("no certificate matches the SNI (strict-sni)")
	}
	return cs.certs[0], nil
}

// loadCerts loads a "crt" argument: one PEM file (certificate chain and
// key, or the key in "<file>.key"), or every file of a directory in name
// order (skipping .key, .ocsp, .issuer and .sctl files).
func loadCerts(path string) ([]*tls.Certificate, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unable to stat SSL certificate from file '%s' : %w", path, err)
	}
	if !st.IsDir() {
		c, err := loadPEM(path)
		if err != nil {
			return nil, err
		}
		return []*tls.Certificate{c}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("crt '%s': %w", path, err)
	}
	var out []*tls.Certificate
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasSuffix(n, ".key") || strings.HasSuffix(n, ".ocsp") ||
			strings.HasSuffix(n, ".issuer") || strings.HasSuffix(n, ".sctl") {
			continue
		}
		c, err := loadPEM(filepath.Join(path, n))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no certificate found in directory '%s'", path)
	}
	return out, nil
}

func loadPEM(path string) (*tls.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load SSL certificate file '%s' : %w", path, err)
	}
	key := data
	if kd, err := os.ReadFile(path + ".key"); err == nil {
		key = kd
	}
	c, err := tls.X509KeyPair(data, key)
	if err != nil {
		return nil, fmt.Errorf("unable to load SSL certificate from PEM file '%s' : %w", path, err)
	}
	if c.Leaf == nil && len(c.Certificate) > 0 {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("certificate in '%s' : %w", path, err)
		}
	}
	return &c, nil
}

// loadCAs reads a ca-file (PEM certificates).
func loadCAs(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CA file '%s' : %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("unable to load CA file '%s' : no certificate in it", path)
	}
	return pool, nil
}

// bindTLS builds the TLS configuration of an "ssl" bind line. In HTTP mode
// the ALPN list keeps only "http/1.1" and "http/1.0" (the proxy speaks no
// HTTP/2; Validate warns about it).
func bindTLS(b *config.Bind, mode config.Mode) (*tls.Config, error) {
	where := func(err error) error { return fmt.Errorf("%s:%d: bind: %w", b.File, b.Line, err) }
	cs := &certStore{strict: b.StrictSNI, exact: map[string]*tls.Certificate{}, wild: map[string]*tls.Certificate{}}
	for _, crt := range b.Crts {
		certs, err := loadCerts(crt)
		if err != nil {
			return nil, where(err)
		}
		for _, c := range certs {
			cs.add(c)
		}
	}
	if len(cs.certs) == 0 {
		return nil, where(errors.New("no SSL certificate specified (use 'crt')"))
	}
	c := &tls.Config{GetCertificate: cs.get}
	applyTLSOptions(c, &b.TLSOptions)
	for _, p := range strings.Split(b.ALPN, ",") {
		if p == "" || (mode == config.ModeHTTP && p != "http/1.1" && p != "http/1.0") {
			continue
		}
		c.NextProtos = append(c.NextProtos, p)
	}
	switch b.Verify {
	case "optional":
		c.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if b.CAFile != "" {
		pool, err := loadCAs(b.CAFile)
		if err != nil {
			return nil, where(err)
		}
		c.ClientCAs = pool
	}
	if c.ClientAuth != tls.NoClientCert && c.ClientCAs == nil {
		return nil, where(errors.New("verify is enabled but no CA file specified ('ca-file')"))
	}
	return c, nil
}

// serverTLS builds the TLS configuration towards a "ssl" server. The
// chain is checked against ca-file with "verify required" (HAProxy's
// default); the host name only when verifyhost or sni gives one.
func serverTLS(sc *config.Server, defVerify string) (*srvTLS, error) {
	where := func(err error) error { return fmt.Errorf("%s:%d: server %s: %w", sc.File, sc.Line, sc.Name, err) }
	st := &srvTLS{}
	c := &tls.Config{InsecureSkipVerify: true}
	if !sc.NoSSLReuse {
		c.ClientSessionCache = tls.NewLRUClientSessionCache(64)
	}
	applyTLSOptions(c, &sc.TLSOptions)
	if sc.ALPN != "" {
		c.NextProtos = strings.Split(sc.ALPN, ",")
	}
	if sc.Crt != "" {
		cert, err := loadPEM(sc.Crt)
		if err != nil {
			return nil, where(err)
		}
		c.Certificates = []tls.Certificate{*cert}
	}
	var err error
	if st.sni, err = compileSNI(sc.SNI); err != nil {
		return nil, where(err)
	}
	if st.checkSNI, err = compileSNI(sc.CheckSNI); err != nil {
		return nil, where(err)
	}
	if verifyMode(sc, defVerify) != "none" {
		if sc.CAFile == "" {
			return nil, where(errors.New("verify is enabled by default but no CA file specified"))
		}
		roots, err := loadCAs(sc.CAFile)
		if err != nil {
			return nil, where(err)
		}
		st.roots = roots
		st.host = sc.VerifyHost
		st.hostFromSNI = sc.VerifyHost == "" && !sc.NoVerifyHost
		if sc.NoVerifyHost {
			st.host = ""
		}
	}
	st.cfg = c
	return st, nil
}

// verifyMode is a server's "verify": its own, else the global
// ssl-server-verify, else required.
func verifyMode(sc *config.Server, defVerify string) string {
	switch {
	case sc.Verify != "":
		return sc.Verify
	case defVerify != "":
		return defVerify
	}
	return "required"
}

// srvTLS is a server's TLS setup.
type srvTLS struct {
	cfg         *tls.Config
	roots       *x509.CertPool // nil: verify none
	host        string         // verifyhost
	hostFromSNI bool           // check the name against the SNI sent
	sni         *sniExpr
	checkSNI    *sniExpr
}

// client returns the configuration of one connection sending sni.
func (t *srvTLS) client(sni string) *tls.Config {
	c := t.cfg.Clone()
	c.ServerName = sni
	if t.roots != nil {
		host := t.host
		if host == "" && t.hostFromSNI {
			host = sni
		}
		roots := t.roots
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no server certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, DNSName: host, Intermediates: x509.NewCertPool()}
			for _, ic := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return c
}

// sniExpr is the sample expression of "sni"/"check-sni": str(<text>), a
// request header (req.hdr(<name>), hdr(<name>), last occurrence, port
// removed as a host name needs) or ssl_fc_sni. A bare word is a constant
// (check-sni takes a name, not an expression).
type sniExpr struct {
	constant string
	header   string
	fcSNI    bool
}

func compileSNI(src string) (*sniExpr, error) {
	if src == "" {
		return nil, nil
	}
	arg := func(prefix string) (string, bool) {
		if strings.HasPrefix(src, prefix) && strings.HasSuffix(src, ")") {
			return src[len(prefix) : len(src)-1], true
		}
		return "", false
	}
	if v, ok := arg("str("); ok {
		return &sniExpr{constant: v}, nil
	}
	for _, p := range []string{"req.hdr(", "hdr("} {
		if v, ok := arg(p); ok && v != "" && !strings.Contains(v, ",") {
			return &sniExpr{header: v}, nil
		}
	}
	switch src {
	case "ssl_fc_sni":
		return &sniExpr{fcSNI: true}, nil
	}
	if strings.ContainsAny(src, "(),") {
		return nil, fmt.Errorf("'sni' : sample expression '%s' is not supported by this implementation (str(), req.hdr(), hdr() or ssl_fc_sni)", src)
	}
	return &sniExpr{constant: src}, nil
}

// value evaluates the expression for session s (nil for a health check).
func (e *sniExpr) value(s *session) string {
	switch {
	case e == nil:
		return ""
	case e.constant != "":
		return e.constant
	case s == nil:
		return ""
	case e.fcSNI:
		return s.tls.sni
	}
	v := ""
	for i := range s.req.hdrs {
		hd := &s.req.hdrs[i]
		if !hd.del && strings.EqualFold(string(hd.name), e.header) {
			v = string(hd.value)
		}
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		v = h
	}
	return v
}

// tlsState is what the log and the fetches know of a client connection's
// TLS layer.
type tlsState struct {
	on             bool
	sni, ver, ciph string
	resumed        bool
	handshake      int64 // ms from accept to the end of the handshake
}

// hsConn watches a connection during the TLS handshake to tell HAProxy's
// connection errors apart (closed / timeout / failure).
type hsConn struct {
	net.Conn
	in, out atomic.Int64
	eof     atomic.Bool
}

func (c *hsConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.in.Add(int64(n))
	if errors.Is(err, io.EOF) {
		c.eof.Store(true)
	}
	return n, err
}

func (c *hsConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.out.Add(int64(n))
	return n, err
}

// handshake runs the TLS handshake of a new client connection (bounded by
// timeout client). On failure it returns HAProxy's connection error text
// and whether the client sent anything.
func (s *session) handshake(cfg *tls.Config) (msg string, gotData bool) {
	hc := &hsConn{Conn: s.c}
	tc := tls.Server(hc, cfg)
	if to := s.fe.cfg.Timeouts.Client; to > 0 {
		tc.SetDeadline(s.accept.Add(to))
	}
	err := tc.Handshake()
	tc.SetDeadline(time.Time{})
	if err != nil {
		switch {
		case isTimeout(err):
			msg = "Timeout during SSL handshake"
		case hc.eof.Load() && hc.out.Load() == 0:
			msg = "Connection closed during SSL handshake"
		default:
			msg = "SSL handshake failure"
		}
		return msg, hc.in.Load() > 0
	}
	cs := tc.ConnectionState()
	s.tls = tlsState{on: true, sni: cs.ServerName, ver: versionName(cs.Version), ciph: cipherName(cs.CipherSuite),
		resumed: cs.DidResume, handshake: s.p.opts.Now().Sub(s.accept).Milliseconds()}
	s.c = tc
	return "", true
}

// dialTLS runs the client handshake towards a server over c.
func dialTLS(c net.Conn, t *srvTLS, sni string, deadline time.Time) (net.Conn, error) {
	tc := tls.Client(c, t.client(sni))
	tc.SetDeadline(deadline)
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	tc.SetDeadline(time.Time{})
	return tc, nil
}
