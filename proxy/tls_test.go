package proxy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testkit"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// leaf writes an HAProxy-style PEM (certificate then key) for names,
// signed by ca, to path. rsaKey selects an RSA key (for ECDHE-RSA suites)
// instead of ECDSA.
func (ca *testCA) leaf(t testing.TB, path string, rsaKey bool, names ...string) {
	t.Helper()
	var pub, priv any
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})...)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsGet sends one request over TLS and returns the response and the
// connection state the client saw.
func tlsGet(t testing.TB, address string, cfg *tls.Config, req string) (string, tls.ConnectionState) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", address, cfg)
	if err != nil {
		t.Fatalf("TLS dial %s: %v", address, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, _ := io.ReadAll(c)
	return string(resp), c.ConnectionState()
}

// rawSend connects, sends data (may be empty), then closes.
func rawSend(t testing.TB, address string, data string) {
	t.Helper()
	c := mustDial(t, address)
	if data != "" {
		c.Write([]byte(data))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c) // until the proxy closes
	}
	c.Close()
}

const tlsFrontendConfig = `global
    log 127.0.0.1:LOGPORT local0
defaults
    mode http
    log global
    timeout client 2s
    timeout server 2s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:TLSPORT ssl crt CRTDIR
    bind 127.0.0.1:NAMEDPORT ssl crt CRTFILE name b2
    bind 127.0.0.1:CLEARPORT
    option httpslog
    http-request add-header X-Forwarded-Proto https if { ssl_fc }
    http-request add-header X-Api yes if { ssl_fc_sni api.example.com }
    default_backend be
backend be
    server a1 127.0.0.1:ECHOPORT
`

func tlsFrontendText(logPort, tlsPort, namedPort, clearPort, echoPort int, dir string) string {
	return strings.NewReplacer("LOGPORT", strconv.Itoa(logPort), "TLSPORT", strconv.Itoa(tlsPort),
		"NAMEDPORT", strconv.Itoa(namedPort), "CLEARPORT", strconv.Itoa(clearPort), "ECHOPORT", strconv.Itoa(echoPort),
		"CRTDIR", dir, "CRTFILE", filepath.Join(dir, "a-www.pem")).Replace(tlsFrontendConfig)
}

// tlsFixture writes a CA and two certificates (www first, api second) to
// a new directory.
func tlsFixture(t testing.TB) (*testCA, string) {
	ca := newTestCA(t, "haplog test CA")
	dir := t.TempDir()
	ca.leaf(t, filepath.Join(dir, "a-www.pem"), true, "www.example.com")
	ca.leaf(t, filepath.Join(dir, "b-api.pem"), false, "api.example.com", "*.api.example.com")
	return ca, dir
}

// TestTLSFrontend terminates TLS: SNI picks the certificate (exact and
// wildcard names, the first file by default), ssl_fc and ssl_fc_sni drive
// rules, and the httpslog line carries "fe~", the SNI, OpenSSL's version
// and cipher names.
func TestTLSFrontend(t *testing.T) {
	ca, dir := tlsFixture(t)
	sink := newLogSink(t)
	p := runProxy(t, tlsFrontendText(sink.port(), 0, 0, 0, echoHead(t), dir))
	addrs := p.Addrs("fe")
	tlsAddr, clearAddr := addrs[0].String(), addrs[2].String()
	f, err := formats.Compile(formats.HTTPSLogFormat)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(line string) formats.Record {
		t.Helper()
		var r formats.Record
		if err := f.Parse([]byte(payload(line)), &r, formats.ParseOptions{}); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		return r
	}
	req := func(path string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	}

	cases := []struct {
		name, sni, wantCN string
		max               uint16
		api               bool
	}{
		{"exact-www", "www.example.com", "www.example.com", tls.VersionTLS13, false},
		{"exact-api", "api.example.com", "api.example.com", tls.VersionTLS13, true},
		{"wildcard", "v2.api.example.com", "api.example.com", tls.VersionTLS13, false},
		{"no-sni-default", "", "www.example.com", tls.VersionTLS12, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: ca.pool(), ServerName: c.sni, MaxVersion: c.max}
			if c.sni == "" {
				// No SNI: check the chain by hand against the expected name.
				cfg.InsecureSkipVerify = true
			}
			path := "/" + c.name
			resp, cs := tlsGet(t, tlsAddr, cfg, req(path))
			if got := cs.PeerCertificates[0].Subject.CommonName; got != c.wantCN {
				t.Errorf("certificate CN = %q, want %q", got, c.wantCN)
			}
			if !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.Contains(strings.ToLower(resp), "\r\nx-forwarded-proto: https\r\n") {
				t.Errorf("response (ssl_fc header missing?):\n%s", resp)
			}
			if got := strings.Contains(strings.ToLower(resp), "\r\nx-api: yes\r\n"); got != c.api {
				t.Errorf("ssl_fc_sni rule applied = %v, want %v", got, c.api)
			}
			r := parse(sink.next(t, path))
			if !r.FrontendSSL || r.Frontend != "fe" || r.Status != 200 {
				t.Errorf("frontend %q ssl=%v status %d, want fe~ 200", r.Frontend, r.FrontendSSL, r.Status)
			}
			wantVer := map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[cs.Version]
			if r.SNI != c.sni || r.SSLVersion != wantVer || r.SSLCipher != tls.CipherSuiteName(cs.CipherSuite) && cs.Version == tls.VersionTLS13 {
				t.Errorf("sni/version/cipher = %q/%q/%q, want %q/%q/%s", r.SNI, r.SSLVersion, r.SSLCipher, c.sni, wantVer, tls.CipherSuiteName(cs.CipherSuite))
			}
			if cs.Version == tls.VersionTLS12 && r.SSLCipher != "ECDHE-RSA-AES128-GCM-SHA256" && r.SSLCipher != "ECDHE-RSA-AES256-GCM-SHA384" && r.SSLCipher != "ECDHE-RSA-CHACHA20-POLY1305" {
				t.Errorf("TLS 1.2 cipher %q is not an OpenSSL ECDHE-RSA name", r.SSLCipher)
			}
		})
	}

	t.Run("pinned-tls12-cipher", func(t *testing.T) {
		cfg := &tls.Config{RootCAs: ca.pool(), ServerName: "www.example.com", MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}
		tlsGet(t, tlsAddr, cfg, req("/pinned"))
		r := parse(sink.next(t, "/pinned"))
		// OpenSSL's name of the suite (openssl ciphers -stdname).
		if r.SSLCipher != "ECDHE-RSA-AES256-GCM-SHA384" || r.SSLVersion != "TLSv1.2" {
			t.Errorf("cipher %q version %q", r.SSLCipher, r.SSLVersion)
		}
	})

	t.Run("clear-listener", func(t *testing.T) {
		resp := exchangeHTTP(t, clearAddr, req("/clear"))
		if strings.Contains(strings.ToLower(resp), "x-forwarded-proto") {
			t.Errorf("ssl_fc true on a clear connection:\n%s", resp)
		}
		line := payload(sink.next(t, "/clear"))
		if !strings.Contains(line, "] fe be/a1 ") || !strings.HasSuffix(line, `"GET /clear HTTP/1.1" 0/-/-/-/0 -/-/-`) {
			t.Errorf("clear line = %q", line)
		}
	})
}

// TestTLSHandshakeErrors checks HAProxy's connection error lines (texts
// and listener naming recorded from haproxy 2.6.12) and that dontlognull
// hides the ones without data.
func TestTLSHandshakeErrors(t *testing.T) {
	_, dir := tlsFixture(t)
	sink := newLogSink(t)
	p := runProxy(t, tlsFrontendText(sink.port(), 0, 0, 0, echoHead(t), dir))
	addrs := p.Addrs("fe")
	rawSend(t, addrs[0].String(), "")
	if got := payload(sink.next(t, `: `)); !regexpMatch(`^127\.0\.0\.1:\d+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe/1: Connection closed during SSL handshake$`, got) {
		t.Errorf("closed line = %q", got)
	}
	rawSend(t, addrs[1].String(), "GET / HTTP/1.0\r\n\r\n")
	if got := payload(sink.next(t, `: `)); !regexpMatch(`^127\.0\.0\.1:\d+ \[[^]]+\] fe/b2: SSL handshake failure$`, got) {
		t.Errorf("failure line = %q", got)
	}
	// A client that rejects the certificate aborts with an alert.
	c, err := tls.Dial("tcp", addrs[0].String(), &tls.Config{ServerName: "www.example.com"})
	if err == nil {
		c.Close()
		t.Fatal("handshake with an unknown CA succeeded")
	}
	if got := payload(sink.next(t, `: `)); !regexpMatch(`^127\.0\.0\.1:\d+ \[[^]]+\] fe/1: SSL handshake failure$`, got) {
		t.Errorf("rejected-certificate line = %q", got)
	}

	// dontlognull: a connection that sent nothing logs nothing; one that
	// sent garbage still does.
	sink2 := newLogSink(t)
	text := strings.Replace(tlsFrontendText(sink2.port(), 0, 0, 0, echoHead(t), dir), "option httpslog", "option httpslog\n    option dontlognull", 1)
	p2 := runProxy(t, text)
	a2 := p2.Addrs("fe")[0].String()
	rawSend(t, a2, "")
	rawSend(t, a2, "garbage\r\n\r\n")
	if got := payload(sink2.next(t, `: `)); !strings.HasSuffix(got, "fe/1: SSL handshake failure") {
		t.Errorf("dontlognull: first line = %q, want the failure only", got)
	}
}

// TestTLSTCPMode offloads TLS in front of a TCP echo server: the tcplog
// line shows "fe~".
func TestTLSTCPMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ca, dir := tlsFixture(t)
	sink := newLogSink(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.TCP{Mode: testbackend.Echo}).Serve(ctx, l)
	p := runProxy(t, "global\n    log 127.0.0.1:"+strconv.Itoa(sink.port())+" local0\n"+
		"defaults\n    mode tcp\n    log global\n    option tcplog\n    timeout client 2s\n    timeout server 2s\n    timeout connect 1s\n"+
		"listen tfe\n    bind 127.0.0.1:0 ssl crt "+dir+"\n    server e1 "+l.Addr().String()+"\n")
	c, err := tls.Dial("tcp", p.Addrs("tfe")[0].String(), &tls.Config{RootCAs: ca.pool(), ServerName: "www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "ping\n")
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping\n" {
		t.Errorf("echo = %q, %v", buf, err)
	}
	c.CloseWrite()
	io.Copy(io.Discard, c)
	c.Close()
	line := payload(sink.next(t, `tfe~`))
	if !regexpMatch(`^127\.0\.0\.1:\d+ \[[^]]+\] tfe~ tfe/e1 \d+/\d+/\d+ 5 -- `, line) {
		t.Errorf("tcplog line = %q", line)
	}
}

// TestTLSServer connects to TLS origins: verify required with ca-file and
// sni (the name is checked against the SNI sent), verify none, a wrong
// name or CA (503 SC), and TLS health checks ("Layer6 check passed").
func TestTLSServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ca := newTestCA(t, "origin CA")
	other := newTestCA(t, "other CA")
	dir := t.TempDir()
	ca.leaf(t, filepath.Join(dir, "origin.pem"), false, "backend.example.com")
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.pem"), other.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "origin.pem"), filepath.Join(dir, "origin.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var lastSNI atomic.Value
	lastSNI.Store("")
	tl, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		lastSNI.Store(h.ServerName)
		return &cert, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	go (&testbackend.HTTP{Name: "tls1"}).Serve(ctx, tl)
	origin := tl.Addr().String()
	sink := newLogSink(t)
	text := "global\n    log 127.0.0.1:" + strconv.Itoa(sink.port()) + " local0\n" +
		"defaults\n    mode http\n    log global\n    option httplog\n    retries 0\n    timeout client 2s\n    timeout server 2s\n    timeout connect 1s\n" +
		"frontend fe\n    bind 127.0.0.1:0\n" +
		"    use_backend be_none if { path_beg /none }\n    use_backend be_badname if { path_beg /badname }\n" +
		"    use_backend be_badca if { path_beg /badca }\n    use_backend be_hdr if { path_beg /hdr }\n    default_backend be_ok\n" +
		"backend be_ok\n    server s1 " + origin + " ssl verify required ca-file " + dir + "/ca.pem sni str(backend.example.com)\n" +
		"backend be_hdr\n    server s1 " + origin + " ssl verify required ca-file " + dir + "/ca.pem sni req.hdr(host)\n" +
		"backend be_none\n    option log-health-checks\n    server s1 " + origin + " ssl verify none check inter 200\n" +
		"backend be_badname\n    server s1 " + origin + " ssl verify required ca-file " + dir + "/ca.pem sni str(other.example.com)\n" +
		"backend be_badca\n    server s1 " + origin + " ssl verify required ca-file " + dir + "/other.pem\n"
	p := runProxy(t, text)
	fe := p.Addrs("fe")[0].String()
	if line := payload(sink.next(t, `Health check for server be_none/s1`)); !strings.Contains(line, "succeeded, reason: Layer6 check passed, check duration: ") {
		t.Errorf("TLS check line = %q", line)
	}
	cases := []struct {
		path, host, status, term, sni string
	}{
		{"/ok", "x", "200", "----", "backend.example.com"},
		{"/hdr", "backend.example.com:8443", "200", "----", "backend.example.com"},
		{"/none", "x", "200", "----", ""},
		{"/badname", "x", "503", "SC--", "other.example.com"},
		{"/badca", "x", "503", "SC--", ""},
	}
	for _, c := range cases {
		lastSNI.Store("?")
		resp := exchangeHTTP(t, fe, "GET "+c.path+" HTTP/1.1\r\nHost: "+c.host+"\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(resp, "HTTP/1.1 "+c.status) {
			t.Errorf("%s: response %q", c.path, firstLine(resp))
		}
		line := payload(sink.next(t, `"GET `+c.path))
		if !strings.Contains(line, " "+c.status+" ") || !strings.Contains(line, " "+c.term+" ") {
			t.Errorf("%s: line %q, want status %s and %s", c.path, line, c.status, c.term)
		}
		if got := lastSNI.Load().(string); got != c.sni {
			t.Errorf("%s: origin saw SNI %q, want %q", c.path, got, c.sni)
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\r\n")
	return l
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// TestDifferentialTLS runs haproxy and the proxy on the same TLS frontend
// and certificates and compares the httpslog lines (client port, dates and
// timer values masked; the TLS 1.3 cipher too, as crypto/tls prefers
// AES-128 where OpenSSL prefers AES-256), what the origin received, and the
// connection error lines. Skips without haproxy.
func TestDifferentialTLS(t *testing.T) {
	haproxyBin(t)
	ca, dir := tlsFixture(t)
	echo := echoHead(t)
	sinkH, sinkP := newLogSink(t), newLogSink(t)
	hp := [3]int{testkit.FreePort(t), testkit.FreePort(t), testkit.FreePort(t)}
	testkit.StartHAProxy(t, tlsFrontendText(sinkH.port(), hp[0], hp[1], hp[2], echo, dir))
	p := runProxy(t, tlsFrontendText(sinkP.port(), 0, 0, 0, echo, dir))
	pa := p.Addrs("fe")
	haddr := func(i int) string { return "127.0.0.1:" + strconv.Itoa(hp[i]) }
	testkit.WaitDial(t, "tcp", haddr(2))
	req := func(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" }
	body := func(resp string) string { _, b, _ := strings.Cut(resp, "\r\n\r\n"); return b }
	cacheH, cacheP := tls.NewLRUClientSessionCache(4), tls.NewLRUClientSessionCache(4)
	steps := []struct {
		name  string
		cfg   *tls.Config
		cache bool
		m     mask
	}{
		{"tls12-pinned", &tls.Config{ServerName: "www.example.com", MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, false, mask{}},
		{"tls12-chacha", &tls.Config{ServerName: "www.example.com", MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}, false, mask{}},
		{"tls13-api", &tls.Config{ServerName: "api.example.com"}, false, mask{cipher: true}},
		{"tls13-nosni", &tls.Config{ServerName: "", InsecureSkipVerify: true}, false, mask{cipher: true}},
		{"tls12-first", &tls.Config{ServerName: "www.example.com", MaxVersion: tls.VersionTLS12}, true, mask{cipher: true}},
		{"tls12-resumed", &tls.Config{ServerName: "www.example.com", MaxVersion: tls.VersionTLS12}, true, mask{cipher: true}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ch, cp := st.cfg.Clone(), st.cfg.Clone()
			ch.RootCAs, cp.RootCAs = ca.pool(), ca.pool()
			if st.cache {
				ch.ClientSessionCache, cp.ClientSessionCache = cacheH, cacheP
			}
			path := "/" + st.name
			rh, _ := tlsGet(t, haddr(0), ch, req(path))
			want := payload(sinkH.next(t, path))
			rp, _ := tlsGet(t, pa[0].String(), cp, req(path))
			got := payload(sinkP.next(t, path))
			if body(rh) != body(rp) {
				t.Errorf("origin received\n%s\nbehind haproxy, and\n%s\nbehind the proxy", body(rh), body(rp))
			}
			t.Logf("haproxy: %s\nproxy:   %s", want, got)
			m := st.m
			m.acfc = true
			sameShape(t, formats.HTTPSLogFormat, [2]int{}, got, want, m)
			sameText(t, got, want, m.cipher)
		})
	}
	t.Run("clear", func(t *testing.T) {
		exchangeHTTP(t, haddr(2), req("/clear"))
		want := payload(sinkH.next(t, "/clear"))
		exchangeHTTP(t, pa[2].String(), req("/clear"))
		got := payload(sinkP.next(t, "/clear"))
		t.Logf("haproxy: %s\nproxy:   %s", want, got)
		sameShape(t, formats.HTTPSLogFormat, [2]int{}, got, want, mask{acfc: true})
		sameText(t, got, want, false)
	})
	for _, c := range []struct {
		name, data string
		bind       int
	}{{"closed", "", 0}, {"garbage-named", "GET / HTTP/1.0\r\n\r\n", 1}} {
		t.Run(c.name, func(t *testing.T) {
			rawSend(t, haddr(c.bind), c.data)
			want := maskText(payload(sinkH.next(t, `SSL handshake`)))
			rawSend(t, pa[c.bind].String(), c.data)
			got := maskText(payload(sinkP.next(t, `SSL handshake`)))
			t.Logf("haproxy: %s\nproxy:   %s", want, got)
			if got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// sameText compares two lines as text with the client port, the date and
// the timers masked (and the last field, the cipher, when cipher is set):
// parsing alone would not tell "-" from "0" in boolean fetches.
func sameText(t testing.TB, got, want string, cipher bool) {
	t.Helper()
	g, w := maskConns(maskText(got), mask{acfc: true}), maskConns(maskText(want), mask{acfc: true})
	if cipher {
		g, w = g[:strings.LastIndexByte(g, '/')], w[:strings.LastIndexByte(w, '/')]
	}
	if g != w {
		t.Errorf("text differs\n got: %s\nwant: %s", g, w)
	}
}

// FuzzTLSParams feeds the "sni" expression parser: a compiled sni
// expression is one of the supported forms. (The "ciphers" evaluator has
// its own fuzz target in proxy/config.)
func FuzzTLSParams(f *testing.F) {
	for _, s := range []string{"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305", "HIGH:!aNULL:!MD5",
		"str(backend.example.com)", "req.hdr(host)", "hdr(Host)", "ssl_fc_sni", "req.hdr(host),lower", "", "a,b c:!d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := compileSNI(s)
		if err != nil || e == nil {
			return
		}
		if e.fcSNI != (s == "ssl_fc_sni") || (e.header == "" && !e.fcSNI && !strings.Contains(s, e.constant)) {
			t.Fatalf("compileSNI(%q) = %+v", s, *e)
		}
	})
}
