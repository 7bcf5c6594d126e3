package proxy

import (
	"net/netip"
	"strings"

	"github.com/haplog/haplog/proxy/config"
)

// The session is the config.Sampler of the request it carries: conditions
// (use_backend, http-request rules, monitor fail) read the request through
// it. In TCP mode only the connection fetches answer.
var _ config.Sampler = (*session)(nil)

func (s *session) isHTTP() bool { return s.fe.cfg.Mode == config.ModeHTTP && s.reqStr != "" }

// path returns the path part of the URI: before '?', without scheme and
// authority for an absolute URI.
func (t *txn) path() string {
	u := t.curURI()
	if i := strings.Index(u, "://"); i > 0 && !strings.HasPrefix(u, "/") {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			u = rest[j:]
		} else {
			u = "/"
		}
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u
}

// curURI is the request URI as rules left it (set-path); the log keeps
// the original one.
func (t *txn) curURI() string {
	if t.uriCur != "" {
		return t.uriCur
	}
	return t.uri()
}

// SampleString implements config.Sampler.
func (s *session) SampleString(f *config.Fetch) (string, bool) {
	if f.Kind == config.FetchSSLFcSNI {
		return s.tls.sni, s.tls.on && s.tls.sni != ""
	}
	if !s.isHTTP() {
		return "", false
	}
	switch f.Kind {
	case config.FetchPath:
		return s.path(), true
	case config.FetchURL:
		return s.curURI(), true
	case config.FetchMethod:
		return s.method(), true
	case config.FetchQuery:
		_, q, ok := strings.Cut(s.curURI(), "?")
		return q, ok
	case config.FetchURLParam:
		_, q, ok := strings.Cut(s.curURI(), "?")
		for ok && q != "" {
			var kv string
			kv, q, _ = strings.Cut(q, "&")
			if k, v, _ := strings.Cut(kv, "="); k == f.Arg {
				return v, true
			}
		}
	}
	return "", false
}

// SampleHeader implements config.Sampler: every line of the header, as
// strings (this allocates; header ACLs are rare).
func (s *session) SampleHeader(f *config.Fetch) []string {
	if !s.isHTTP() {
		return nil
	}
	out := s.sampleHdr[:0]
	for i := range s.req.hdrs {
		hd := &s.req.hdrs[i]
		if !hd.del && strings.EqualFold(string(hd.name), f.Arg) {
			out = append(out, string(hd.value))
		}
	}
	s.sampleHdr = out
	if len(out) == 0 {
		return nil
	}
	return out
}

// SampleAddr implements config.Sampler.
func (s *session) SampleAddr(f *config.Fetch) (netip.Addr, bool) {
	switch f.Kind {
	case config.FetchSrc:
		return s.client.Addr(), s.client.IsValid()
	case config.FetchDst:
		return s.local.Addr(), s.local.IsValid()
	}
	return netip.Addr{}, false
}

// SampleInt implements config.Sampler.
func (s *session) SampleInt(f *config.Fetch) (int64, bool) {
	switch f.Kind {
	case config.FetchSrcPort:
		return int64(s.client.Port()), true
	case config.FetchDstPort:
		return int64(s.local.Port()), true
	case config.FetchSSLFc:
		if s.tls.on {
			return 1, true
		}
		return 0, true
	case config.FetchNbSrv:
		if b := s.pl.backends[f.Backend.Index]; b != nil {
			a, bk := b.usableCount()
			return int64(a + bk), true
		}
		return 0, true
	case config.FetchAlwaysTrue:
		return 1, true
	}
	return 0, false
}
