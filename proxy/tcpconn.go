package proxy

import (
	"net/netip"

	"github.com/haplog/haplog/proxy/config"
)

// connRefused runs the frontend's "tcp-request connection" rules on a
// connection just accepted, before anything is read from it: the first
// rule whose condition holds decides (accept ends the rules, reject
// refuses). A refused connection is closed without a log line and counted
// in the frontend's dcon, as haproxy does; it was counted in the
// cumulated connections at accept, and is no session.
func (s *session) connRefused() bool {
	rules := s.fe.cfg.TCPConnRules
	for i := range rules {
		if rules[i].Cond.Eval((*connSampler)(s)) {
			if rules[i].Reject {
				s.fe.ctr.dcon.Add(1)
			}
			return rules[i].Reject
		}
	}
	return false
}

// connSampler is what a tcp-request connection rule sees of a session:
// the connection's addresses and ports (the real ones), nbsrv and the
// constants. The request and TLS fetches have no value yet, so an ACL
// of them does not match (haproxy warns at load that it never will).
type connSampler session

func (c *connSampler) SampleString(*config.Fetch) (string, bool) { return "", false }

func (c *connSampler) SampleHeader(*config.Fetch) []string { return nil }

func (c *connSampler) SampleAddr(f *config.Fetch) (netip.Addr, bool) {
	return (*session)(c).SampleAddr(f)
}

func (c *connSampler) SampleInt(f *config.Fetch) (int64, bool) {
	if f.Kind == config.FetchSSLFc {
		return 0, false
	}
	return (*session)(c).SampleInt(f)
}
