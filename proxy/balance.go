package proxy

import (
	"bytes"

	"github.com/haplog/haplog/proxy/config"
)

// balancer chooses a server among candidates (usable servers). It skips
// full servers and avoid, and returns nil when none fits. Callers hold the
// backend lock, so implementations need no locking of their own.
type balancer interface {
	pick(cands []*server, key *balanceKey, avoid *server) *server
}

func newBalancer(algo config.Balance, servers []*server) balancer {
	switch algo {
	case config.BalanceLeastConn:
		return &leastConn{}
	case config.BalanceFirst:
		return firstFit{}
	case config.BalanceSource:
		return &hashBalancer{source: true}
	case config.BalanceURI:
		return &hashBalancer{}
	}
	return &roundRobin{}
}

func eligible(s, avoid *server) bool { return s != avoid && !s.full() }

// roundRobin is a smooth weighted round robin: with equal weights it visits
// servers in declaration order, as HAProxy does. Each server's current
// weight is its field rrCurrent (a server belongs to one backend, which
// has one balancer): no map is looked up per request.
type roundRobin struct{}

func (r *roundRobin) pick(cands []*server, _ *balanceKey, avoid *server) *server {
	total := 0
	var best *server
	for _, s := range cands {
		if !eligible(s, avoid) {
			continue
		}
		w := s.cfg.Weight
		s.rrCurrent += w
		total += w
		if best == nil || s.rrCurrent > best.rrCurrent {
			best = s
		}
	}
	if best != nil {
		best.rrCurrent -= total
	}
	return best
}

// leastConn picks the server with the fewest streams per weight, rotating
// among equals.
type leastConn struct{ next int }

func (l *leastConn) pick(cands []*server, _ *balanceKey, avoid *server) *server {
	var best *server
	var bestLoad int64
	n := len(cands)
	for i := 0; i < n; i++ {
		s := cands[(l.next+i)%n]
		if !eligible(s, avoid) {
			continue
		}
		load := s.cur.Load() * 256 / int64(s.cfg.Weight)
		if best == nil || load < bestLoad {
			best, bestLoad = s, load
		}
	}
	l.next++
	return best
}

// firstFit picks the first server (declaration order) with a free slot.
type firstFit struct{}

func (firstFit) pick(cands []*server, _ *balanceKey, avoid *server) *server {
	for _, s := range cands {
		if eligible(s, avoid) {
			return s
		}
	}
	return nil
}

// hashBalancer maps a hash of the client address (source) or of the URI
// path (uri) onto the total weight of the candidates.
type hashBalancer struct {
	fallback roundRobin
	source   bool
}

// fnv1a32 is FNV-1a over b, continuing from h (start: fnvOffset32); as
// hash/fnv's New32a without its allocation.
func fnv1a32(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

const fnvOffset32 = 2166136261

func (h *hashBalancer) pick(cands []*server, key *balanceKey, avoid *server) *server {
	if key == nil {
		return h.fallback.pick(cands, key, avoid)
	}
	var sum uint32
	if h.source {
		b := key.src.As16()
		sum = fnv1a32(fnvOffset32, b[:])
	} else {
		u := key.uri
		if i := bytes.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		sum = fnv1a32(fnvOffset32, u)
	}
	total := 0
	for _, s := range cands {
		total += s.cfg.Weight
	}
	if total == 0 {
		return nil
	}
	v := int(sum % uint32(total))
	for _, s := range cands {
		if v < s.cfg.Weight {
			if eligible(s, avoid) {
				return s
			}
			break
		}
		v -= s.cfg.Weight
	}
	return h.fallback.pick(cands, key, avoid)
}
