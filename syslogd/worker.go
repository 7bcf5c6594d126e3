package syslogd

import (
	"context"
	"encoding/binary"
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
	sn    *snapshot   // configuration of the current batch (referenced)
	r     *router     // routing table of the current batch
	t     *rsTable    // the table of the input's ruleset in r
	key   string      // the listener key of the input (router.table)
	ev    evalCtx     // if conditions, set statements, variables
	now   time.Time   // reception time of the current batch
	pend  [][]byte    // lines of the current batch, by fileSink.id
	pendN []int       // number of lines in pend, by fileSink.id
	dirty []*fileSink // files with lines in pend
	hosts map[netip.Addr]sender
	last  netip.Addr // sender of the previous datagram, cached in lastS
	lastS sender
	local sender // unix socket sender

	// counts of the current batch, added to the server's at its end
	received, empty, malformed, unrouted uint64

	noHost bool   // unix socket: no hostname in RFC 3164 headers
	gen    uint64 // configuration generation of p

	froms []sender // senders of the current batch, resolved before it starts
	fbuf  []byte   // a property value a filter compares
}

// pass reports whether the current message passes every filter.
func (w *worker) pass(fs []*propFilter) bool {
	for _, f := range fs {
		if f.expr != nil {
			if !w.ev.evalBool(f.expr, &w.m) {
				return false
			}
			continue
		}
		ok, v := f.match(&w.m, w.fbuf)
		w.fbuf = v[:0]
		if !ok {
			return false
		}
	}
	return true
}

// newParser builds the worker's parser from the configuration of sn.
func (w *worker) newParser(sn *snapshot) {
	s := w.s
	w.p = NewParser(ParserOptions{MaxMessageSize: sn.maxSize, Location: s.opts.Location,
		NoHostname: w.noHost, Receive: sn.cfg.Receive})
	w.gen = sn.gen
	if w.noHost {
		name := s.opts.LocalHostname
		if name == "" {
			name = sn.cfg.LocalHostname
		}
		if name == "" {
			// rsyslogd names the host by its first label unless
			// $PreserveFQDN is on. (Senders' names keep their domain
			// either way: rsyslogd 8.2302 does not cut the local domain
			// from them, TestLiveRsyslogPreserveFQDN.)
			host, _ := osHostname()
			name = host
			if !sn.cfg.PreserveFQDN {
				name, _, _ = strings.Cut(host, ".")
			}
		}
		w.local = sender{name: []byte(name), ip: []byte("127.0.0.1")}
	}
}

// osHostname is os.Hostname (tests replace it).
var osHostname = os.Hostname

// sender is a resolved peer: its name and textual address.
type sender struct {
	name []byte
	ip   []byte
}

// maxHostCache bounds the per-reader cache of sender names.
const maxHostCache = 4096

func (s *Server) newWorker(local bool) *worker {
	w := &worker{s: s, hosts: map[netip.Addr]sender{}, noHost: local}
	w.newParser(s.snap.Load())
	w.m.vars = &w.ev.vars
	return w
}

func (w *worker) sender(a netip.Addr) sender {
	a = a.Unmap()
	if a == w.last && w.lastS.ip != nil {
		return w.lastS // one sender sends most datagrams in a row
	}
	if h, ok := w.hosts[a]; ok {
		w.last, w.lastS = a, h
		return h
	}
	if len(w.hosts) >= maxHostCache {
		clear(w.hosts)
	}
	h := sender{name: []byte(w.s.lookup(a)), ip: []byte(a.String())}
	w.hosts[a] = h
	w.last, w.lastS = a, h
	return h
}

func (w *worker) handleFrom(b []byte, a netip.Addr) {
	h := w.sender(a) // a DNS lookup, if any, before the batch starts
	w.begin()
	w.route(b, h)
	w.end()
}

func (w *worker) handle(b []byte, h sender) {
	w.begin()
	w.route(b, h)
	w.end()
}

// begin starts a batch: it takes a reference to the current snapshot (the
// routing table of the whole batch; no lock), and all messages of the
// batch share one reception time (as one recvmmsg call returned them).
// Nothing that may block (DNS, I/O) may run between begin and end: a
// reload waits for the batches holding the previous snapshot.
func (w *worker) begin() {
	w.sn = w.s.acquire()
	w.r = w.sn.router
	w.t = w.r.table(w.key)
	w.now = w.s.now()
	if w.gen != w.sn.gen {
		// A reload changed the configuration: its reception options
		// and maximum message size apply from this batch on.
		w.newParser(w.sn)
	}
}

// end hands each file its lines of the batch (one lock per file and batch,
// not per line) and releases the routing table.
func (w *worker) end() {
	for _, fs := range w.dirty {
		fs.write(w.pend[fs.id], w.pendN[fs.id])
		w.pend[fs.id] = w.pend[fs.id][:0]
		w.pendN[fs.id] = 0
	}
	clear(w.dirty)
	w.dirty = w.dirty[:0]
	w.r, w.t = nil, nil
	w.sn.release()
	w.sn = nil
	st := &w.s.stats
	st.received.Add(w.received)
	if w.empty|w.malformed|w.unrouted != 0 {
		st.empty.Add(w.empty)
		st.malformed.Add(w.malformed)
		st.unrouted.Add(w.unrouted)
	}
	w.received, w.empty, w.malformed, w.unrouted = 0, 0, 0, 0
}

// route renders one message into the batch buffers of the files it goes
// to. The fast path reads only the PRI: the header is parsed when a
// matching rule's template needs it. It allocates nothing.
func (w *worker) route(b []byte, h sender) {
	w.received++
	m := &w.m
	if !w.p.Begin(m, b, w.now, h.name, h.ip) {
		w.empty++
		return
	}
	if m.PRI < 0 {
		w.malformed++
	}
	acts := w.t.routes[m.Facility][m.Severity]
	if len(acts) == 0 {
		w.unrouted++
		return
	}
	if w.t.needsHeader[m.Facility][m.Severity] {
		w.p.Header(m)
	}
	w.actions(acts)
}

// dispatch renders the current message, parsed, into the batch buffers
// of the actions of its facility and severity.
func (w *worker) dispatch() {
	m := &w.m
	acts := w.t.routes[m.Facility][m.Severity]
	if len(acts) == 0 {
		w.unrouted++
		return
	}
	w.actions(acts)
}

// actions renders the current message into the batch buffers of the
// files of acts that it passes the filters of.
func (w *worker) actions(acts []action) {
	m := &w.m
	w.ev.begin(w.r.memos)
	for i := range acts {
		a := &acts[i]
		if a.filters != nil && !w.pass(a.filters) {
			continue
		}
		if a.stop {
			break
		}
		if a.set != nil {
			w.ev.exec(a.set, m)
			continue
		}
		id := a.sink.id
		if id >= len(w.pend) {
			w.pend = append(w.pend, make([][]byte, id+1-len(w.pend))...)
			w.pendN = append(w.pendN, make([]int, id+1-len(w.pendN))...)
		}
		if w.pendN[id] == 0 {
			w.dirty = append(w.dirty, a.sink)
		}
		w.pendN[id]++
		if a.usr != "" {
			w.pend[id] = appendUsrMsg(w.pend[id], a.usr, a.tmpl, m)
			continue
		}
		if a.dyn != nil {
			w.pend[id] = appendDynaRecord(w.pend[id], a.dyn, a.tmpl, m)
			continue
		}
		if a.sink.direct != nil {
			// A record per message, its length first: a rendering may
			// hold line feeds, or end without one.
			b := append(w.pend[id], 0, 0, 0, 0)
			start := len(b)
			b = a.tmpl.Append(b, m)
			binary.BigEndian.PutUint32(b[start-4:], uint32(len(b)-start))
			w.pend[id] = b
			continue
		}
		w.pend[id] = a.tmpl.Append(w.pend[id], m)
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
