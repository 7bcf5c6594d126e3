package config

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// bindIgnored are bind parameters accepted and ignored with a warning; the
// value says whether they take an argument.
var bindIgnored = map[string]bool{
	"process": true, "thread": true, "backlog": true, "nice": true,
	"id": true, "level": true, "severity-output": true, "mss": true,
}

// bindUnsupported are bind parameters HAProxy honours and this
// implementation cannot: refused rather than ignored. The value says
// whether they take an argument.
var bindUnsupported = map[string]bool{
	"interface": true, "namespace": true, "tcp-ut": true, "proto": true,
	"crl-file": true, "ca-ignore-err": true, "crt-ignore-err": true, "ca-verify-file": true,
	"ca-sign-file": true, "ca-sign-pass": true, "npn": true, "sigalgs": true, "client-sigalgs": true,
	"prefer-client-ciphers": false, "allow-0rtt": false, "no-ca-names": false,
	"generate-certificates": false, "quic-force-retry": false, "ssl-reuse": false,
	"maxconn": true, "mode": true, "uid": true, "gid": true, "user": true, "group": true,
	"v4v6": false, "v6only": false,
}

func (p *parser) kwBind(px *Proxy, w []string) {
	if len(w) < 2 {
		p.alertf(p.line, "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.")
		return
	}
	var b Bind
	b.File, b.Line = p.file, p.line
	b.TLSOptions = p.cfg.Global.SSLDefaultBind
	if err := p.bindParams(&b, w[2:]); err != nil {
		p.alertErr(p.line, causeOf(err, ErrSyntax), "'bind %s' : %v", w[1], err)
		return
	}
	spec, err := expandAddrVars(w[1], p.env)
	if err != nil {
		p.alertErr(p.line, ErrSyntax, "'bind %s' : %v", w[1], err)
		return
	}
	for _, one := range strings.Split(spec, ",") {
		a, err := parseAddr(one, true, false)
		if err != nil {
			p.alertErr(p.line, ErrSyntax, "'bind %s' : %v", one, err)
			return
		}
		if strings.HasPrefix(a.Network, "udp") {
			p.alertErr(p.line, ErrSyntax, "'bind %s' : UDP addresses are not supported on a TCP/HTTP proxy.", one)
			return
		}
		nb := b
		nb.Addr = a
		px.Binds = append(px.Binds, nb)
	}
}

// otherParam handles keyword a[*i] of a bind or server line that the
// line's own switch does not take: a TLS option (tlsOption), else one of
// unsupp (refused) or of ignored (accepted with the warning warnf, which
// names the keyword); in both tables the value says whether the keyword
// takes an argument, which arg takes.
func (p *parser) otherParam(tls *TLSOptions, a []string, i *int, arg func() (string, error), unsupp, ignored map[string]bool, warnf string) error {
	kw := a[*i]
	if ok, err := tlsOption(tls, a, i); ok {
		return err
	}
	if takesArg, ok := unsupp[kw]; ok {
		if takesArg {
			_, _ = arg()
		}
		return unsupported("'%s' is not supported by this implementation", kw)
	}
	takesArg, ok := ignored[kw]
	if !ok {
		return fmt.Errorf("unknown keyword '%s'", kw)
	}
	if takesArg {
		if _, err := arg(); err != nil {
			return err
		}
	}
	p.warnf(p.line, warnf, kw)
	return nil
}

func (p *parser) bindParams(b *Bind, a []string) error {
	for i := 0; i < len(a); i++ {
		kw := a[i]
		arg := func() (string, error) {
			if i+1 >= len(a) || a[i+1] == "" {
				return "", fmt.Errorf("'%s' : missing value", kw)
			}
			i++
			return a[i], nil
		}
		switch kw {
		case "ssl":
			b.SSL = true
		case "crt":
			v, err := arg()
			if err != nil {
				return err
			}
			v = withBase(p.cfg.Global.CRTBase, v)
			if err := p.loadCrt(v); err != nil {
				return err
			}
			b.Crts = append(b.Crts, v)
		case "crt-list":
			return fmt.Errorf("'crt-list' is not supported by this implementation (use 'crt')")
		case "name":
			v, err := arg()
			if err != nil {
				return err
			}
			b.Name = v
		case "alpn":
			v, err := arg()
			if err != nil {
				return err
			}
			b.ALPN = v
		case "strict-sni":
			b.StrictSNI = true
		case "no-alpn":
			b.ALPN = ""
		case "verify", "ca-file":
			v, err := arg()
			if err != nil {
				return err
			}
			switch kw {
			case "verify":
				if v != "none" && v != "optional" && v != "required" {
					return fmt.Errorf("'verify' : unknown verify method '%s', only 'none', 'optional', and 'required' are supported", v)
				}
				b.Verify = v
			case "ca-file":
				b.CAFile = withBase(p.cfg.Global.CABase, v)
			}
		case "accept-proxy":
			b.AcceptProxy = true
		case "transparent":
			b.Transparent = true
		case "tfo":
			b.TFO = true
		case "defer-accept":
			b.DeferAccept = true
		default:
			err := p.otherParam(&b.TLSOptions, a, &i, arg, bindUnsupported, bindIgnored,
				"'bind' : parameter '%s' is accepted but ignored by this implementation.")
			if err != nil {
				return err
			}
		}
	}
	if len(b.Crts) > 0 && !b.SSL {
		p.warnf(p.line, "'bind' : 'crt' given without 'ssl': the listener will not use TLS.")
	}
	if b.SSL && len(b.Crts) == 0 {
		return fmt.Errorf("'ssl' requires a certificate ('crt')")
	}
	if b.SSL {
		warn, err := b.TLSOptions.resolve()
		if err != nil {
			return err
		}
		if warn != "" {
			p.warnf(p.line, "'bind' : %s.", warn)
		}
	}
	return nil
}

// checkSSLVer checks an ssl-min-ver/ssl-max-ver value.
func checkSSLVer(kw, v string) error {
	switch v {
	case "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3":
		return nil
	}
	return fmt.Errorf("'%s' : unknown value '%s' (expects SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3)", kw, v)
}

// loadCrt checks that a PEM file holds a certificate and its key, or that
// a directory holds at least one such file.
func (p *parser) loadCrt(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return fmt.Errorf("'crt' : %w", err)
		}
		n := 0
		for _, e := range ents {
			if e.IsDir() || strings.HasSuffix(e.Name(), ".key") || strings.HasSuffix(e.Name(), ".issuer") ||
				strings.HasSuffix(e.Name(), ".ocsp") || strings.HasSuffix(e.Name(), ".sctl") {
				continue
			}
			if err := p.loadCrt(filepath.Join(path, e.Name())); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return fmt.Errorf("'crt' : no certificate found in directory '%s'", path)
		}
		return nil
	}
	data, err := p.readFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("unable to stat SSL certificate from file '%s' : No such file or directory", path)
		}
		return fmt.Errorf("unable to load SSL certificate file '%s' : %w", path, err)
	}
	key := data
	if kd, err := p.readFile(path + ".key"); err == nil {
		key = kd
	}
	if !pemHas(data, "CERTIFICATE") {
		return fmt.Errorf("unable to load certificate from file '%s'", path)
	}
	if !pemHas(key, "PRIVATE KEY") {
		//lint:ignore ST1005 HAProxy's message, word for word
		return fmt.Errorf("No Private Key found in '%s.key'", path)
	}
	if _, err := tls.X509KeyPair(data, key); err != nil {
		return fmt.Errorf("unable to load SSL certificate from PEM file '%s' : %w", path, err)
	}
	return nil
}

// pemHas reports whether data holds a PEM block whose type ends with
// suffix ("CERTIFICATE", "PRIVATE KEY").
func pemHas(data []byte, suffix string) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if strings.HasSuffix(b.Type, suffix) {
			return true
		}
	}
}
