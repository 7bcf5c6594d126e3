package genlog

// Setup of a Generator: the frontends, backends and TCP services it
// draws from, built once by New.

import "strconv"

// buildFrontends prepares the HTTP frontends (uaLen: the User-Agent
// capture length).
func (g *Generator) buildFrontends(uaLen int) {
	g.fes = make([]feRT, len(httpFrontends))
	for i := range httpFrontends {
		spec := &httpFrontends[i]
		fe := &g.fes[i]
		fe.name = []byte(spec.name)
		fe.ft = []byte(spec.name)
		if spec.ssl {
			fe.ft = append(fe.ft, '~')
		}
		fe.ssl = spec.ssl
		fe.nUA = len(spec.uas)
		fe.hosts = newAlias(weightsOf(spec.hosts))
		fe.uas = newAlias(weightsOf(spec.uas))
		var b []byte
		for _, h := range spec.hosts {
			for _, ua := range spec.uas {
				b = append(b[:0], '{')
				b = appendCapture(b, h.v, 64)
				b = append(b, '|')
				b = appendCapture(b, ua.v, uaLen)
				b = append(b, "} {}"...)
				fe.captures.add(string(b))
			}
		}
	}
}

func weightsOf[T any](ws []weighted[T]) []float64 {
	f := make([]float64, len(ws))
	for i, w := range ws {
		f[i] = w.w
	}
	return f
}

func (g *Generator) buildBackends(r *rng, cfg Config) {
	nSrv := distribute(cfg.Servers, httpBackends, func(b httpBackend) float64 { return b.srvShare })
	nURL := distribute(cfg.URLs, httpBackends, func(b httpBackend) float64 { return b.weight })
	g.bes = make([]beRT, len(httpBackends))
	bw := make([]float64, 0, len(httpBackends)+1)
	for i := range httpBackends {
		spec := &httpBackends[i]
		be := &g.bes[i]
		be.spec = spec
		be.name = []byte(spec.name)
		for s := 1; s <= nSrv[i]; s++ {
			be.servers.add(spec.name + "/" + spec.srvName + strconv.Itoa(s))
		}
		for _, st := range spec.statuses {
			be.statuses = append(be.statuses, st.v)
		}
		be.status = newAlias(weightsOf(spec.statuses))
		for _, m := range spec.methods {
			be.methods.add(m.v)
		}
		be.method = newAlias(weightsOf(spec.methods))
		seen := make(map[string]bool, nURL[i])
		for k := 0; be.urls.len() < nURL[i] && k < nURL[i]*20; k++ {
			u := spec.urls(r, be.urls.len())
			if !seen[u] {
				seen[u] = true
				be.urls.add(u)
			}
		}
		be.url = newAlias(zipfWeights(be.urls.len(), cfg.Zipf))
		bw = append(bw, spec.weight)
	}
	g.beAlias = newAlias(append(bw, redirectWeight))
}

// distribute splits n over the backends proportionally to share, at least 1 each.
func distribute(n int, bs []httpBackend, share func(httpBackend) float64) []int {
	var total float64
	for _, b := range bs {
		total += share(b)
	}
	out := make([]int, len(bs))
	left := n
	for i, b := range bs {
		out[i] = max(int(float64(n)*share(b)/total), 1)
		left -= out[i]
	}
	for i := 0; left > 0; i = (i + 1) % len(out) {
		out[i]++
		left--
	}
	for i := 0; left < 0; i = (i + 1) % len(out) {
		if out[i] > 1 {
			out[i]--
			left++
		}
	}
	return out
}

func (g *Generator) buildTCP() {
	g.tcp = make([]tcpRT, len(tcpServices))
	w := make([]float64, len(tcpServices))
	for i := range tcpServices {
		s := &tcpServices[i]
		t := &g.tcp[i]
		t.spec = s
		t.fe = []byte(s.fe)
		t.nosrv = []byte(s.be + "/<NOSRV>")
		for _, name := range s.servers {
			t.servers.add(s.be + "/" + name)
		}
		w[i] = s.weight
	}
	g.tcpAlias = newAlias(w)
}
