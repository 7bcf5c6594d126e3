package syslogd

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// worker routes the messages of one reader goroutine (or one TCP
// connection). It owns every buffer it uses.
type worker struct {
	s     *Server
	p     *Parser
	m     Message
	out   []byte
	hosts map[netip.Addr]sender
	local sender // unix socket sender
}

// sender is a resolved peer: its name and textual address.
type sender struct {
	name []byte
	ip   []byte
}

// maxHostCache bounds the per-reader cache of sender names.
const maxHostCache = 4096

func (s *Server) newWorker(local bool) *worker {
	s.mu.RLock()
	maxSize := s.maxSize
	s.mu.RUnlock()
	w := &worker{s: s, hosts: map[netip.Addr]sender{},
		p:   NewParser(ParserOptions{MaxMessageSize: maxSize, Location: s.opts.Location, NoHostname: local}),
		out: make([]byte, 0, 4*maxSize+1024)}
	if local {
		name := s.opts.LocalHostname
		if name == "" {
			name, _ = os.Hostname()
		}
		w.local = sender{name: []byte(name), ip: []byte("127.0.0.1")}
	}
	return w
}

func (w *worker) sender(a netip.Addr) sender {
	a = a.Unmap()
	if h, ok := w.hosts[a]; ok {
		return h
	}
	if len(w.hosts) >= maxHostCache {
		clear(w.hosts)
	}
	h := sender{name: []byte(w.s.lookup(a)), ip: []byte(a.String())}
	w.hosts[a] = h
	return h
}

func (w *worker) handleFrom(b []byte, a netip.Addr) {
	h := w.sender(a)
	w.handle(b, h)
}

func (w *worker) handleLocal(b []byte) { w.handle(b, w.local) }

// handle routes one message. The fast path reads only the PRI: the header
// is parsed when a matching rule's template needs it. It allocates nothing.
func (w *worker) handle(b []byte, h sender) {
	s := w.s
	s.stats.received.Add(1)
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := &w.m
	if !w.p.Begin(m, b, s.now(), h.name, h.ip) {
		s.stats.empty.Add(1)
		return
	}
	if m.PRI < 0 {
		s.stats.malformed.Add(1)
	}
	r := s.router
	acts := r.routes[m.Facility][m.Severity]
	if len(acts) == 0 {
		s.stats.unrouted.Add(1)
		return
	}
	if r.needsHeader[m.Facility][m.Severity] {
		w.p.Header(m)
	}
	for _, a := range acts {
		w.out = a.tmpl.Append(w.out[:0], m)
		a.sink.write(w.out)
	}
}

// dnsLookup names a sender by reverse DNS, as rsyslog's %fromhost% does,
// falling back to the address.
func dnsLookup(a netip.Addr) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	names, err := net.DefaultResolver.LookupAddr(ctx, a.String())
	if err != nil || len(names) == 0 {
		return a.String()
	}
	return strings.TrimSuffix(names[0], ".")
}

func netipAddrPort(a net.Addr) (netip.Addr, error) {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}
