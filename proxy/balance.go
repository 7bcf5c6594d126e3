package proxy

import (
	"bytes"
	"hash/fnv"

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
		return &hashBalancer{fallback: newRoundRobin(servers), source: true}
	case config.BalanceURI:
		return &hashBalancer{fallback: newRoundRobin(servers)}
	}
	return newRoundRobin(servers)
}

func eligible(s, avoid *server) bool { return s != avoid && !s.full() }

// roundRobin is a smooth weighted round robin: with equal weights it visits
// servers in declaration order, as HAProxy does.
type roundRobin struct {
	current map[*server]int
}

func newRoundRobin(servers []*server) *roundRobin {
	return &roundRobin{current: make(map[*server]int, len(servers))}
}

func (r *roundRobin) pick(cands []*server, _ *balanceKey, avoid *server) *server {
	total := 0
	var best *server
	for _, s := range cands {
		if !eligible(s, avoid) {
			continue
		}
		w := s.cfg.Weight
		r.current[s] += w
		total += w
		if best == nil || r.current[s] > r.current[best] {
			best = s
		}
	}
	if best != nil {
		r.current[best] -= total
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
	fallback *roundRobin
	source   bool
}

func (h *hashBalancer) pick(cands []*server, key *balanceKey, avoid *server) *server {
	if key == nil {
		return h.fallback.pick(cands, key, avoid)
	}
	f := fnv.New32a()
	if h.source {
		b := key.src.As16()
		f.Write(b[:])
	} else {
		u := key.uri
		if i := bytes.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		f.Write(u)
	}
	total := 0
	for _, s := range cands {
		total += s.cfg.Weight
	}
	if total == 0 {
		return nil
	}
	v := int(f.Sum32() % uint32(total))
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
