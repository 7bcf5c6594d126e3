package genlog

import (
	"strconv"
)

// Stats counts what a Generator produced so far.
type Stats struct {
	Lines    int64 // lines returned by Next
	Bytes    int64 // bytes appended by Next (no newlines)
	TCPLines int64 // tcplog lines among Lines
}

// Generator produces log lines. Build it with New.
type Generator struct {
	r      rng
	offSec int64 // UTC offset of the written dates
	nowUs  int64 // accept time of the next request, µs since the Unix epoch
	meanUs int   // mean inter-arrival time (µs)
	prefix Prefix
	tail   []byte // " lb1 haproxy[1234]: "
	uaLen  int

	clientKey uint64 // hash key of the client addresses
	nClients  int
	heavy     int // clients [0, heavy) are the heavy hitters
	fes       []feRT
	bes       []beRT
	beAlias   alias // index len(bes) = http-in redirect
	outcomes  alias
	tcp       []tcpRT
	tcpAlias  alias
	tcpProb   uint32
	bustProb  uint32
	ac        int // process-wide active connections (random walk)
	accSec    int64
	accDate   [20]byte // "21/Nov/2026:08:00:00"
	preSec    int64
	preBuf    []byte // cached prefix for preSec
	stats     Stats
	versions  [2]alias // [ssl, clear]
	versionTx [3][]byte
}

type feRT struct {
	ft       []byte // "www~"
	name     []byte // "www"
	captures strTab // "{host|ua} {}" for every host × ua
	hosts    alias
	uas      alias
	nUA      int
	ssl      bool
}

type beRT struct {
	spec     *httpBackend
	name     []byte
	servers  strTab // "www/web1"
	statuses []int
	status   alias
	methods  strTab
	method   alias
	urls     strTab
	url      alias
}

type tcpRT struct {
	spec    *tcpService
	fe      []byte
	nosrv   []byte // "mysql/<NOSRV>"
	servers strTab
}

// strTab stores many short strings in one arena.
type strTab struct {
	arena []byte
	off   []uint32 // entry i is arena[off[i]:off[i+1]]
}

func (t *strTab) add(s string) {
	if len(t.off) == 0 {
		t.off = append(t.off, 0)
	}
	t.arena = append(t.arena, s...)
	t.off = append(t.off, uint32(len(t.arena)))
}

func (t *strTab) get(i int) []byte { return t.arena[t.off[i]:t.off[i+1]] }
func (t *strTab) len() int         { return max(len(t.off)-1, 0) }

// outcome kinds of an HTTP request (see outcomeWeights).
const (
	oNormal = iota
	oCD     // client aborted during data
	ocD     // client timeout during data
	oSD     // server aborted during data
	ocR     // 408: timeout http-request, <BADREQ>
	oCR     // 400: client closed before a full request, <BADREQ>
	oPR400  // 400: invalid request, <BADREQ>
	oPR403  // 403: http-request deny
	oCH     // -1: client aborted while waiting for response headers
	oCC     // -1: client aborted during connect
	oSC     // 503: connection refused after retries
	oSCDown // 503: no server available (<NOSRV>)
	osH     // 504: timeout server before headers
	oSH     // 502: server closed before headers
	oPH     // 502: response blocked by the proxy
	osQ     // 503: timeout in queue
	oRedisp // success after a redispatch (%rc "+1")
	nOutcomes
)

var outcomeWeights = [nOutcomes]float64{
	oNormal: 0, // filled in New: the remainder
	oCD:     0.0062, ocD: 0.0010, oSD: 0.0004,
	ocR: 0.0041, oCR: 0.0015, oPR400: 0.0030, oPR403: 0.0024,
	oCH: 0.0031, oCC: 0.0006,
	oSC: 0.0014, oSCDown: 0.0002, osH: 0.0012, oSH: 0.0004, oPH: 0.0003, osQ: 0.0003,
	oRedisp: 0.0005,
}

// New builds the tables for cfg (deterministic in cfg) and returns a
// Generator positioned at the first line.
func New(cfg Config) (*Generator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Generator{
		r:        newRNG(cfg.Seed),
		meanUs:   max(int(1e6/cfg.Rate), 1),
		prefix:   cfg.Prefix,
		uaLen:    cfg.UALen,
		tcpProb:  prob(cfg.TCPRatio),
		bustProb: prob(cfg.CacheBust),
		ac:       300,
		accSec:   -1,
		preSec:   -1,
		preBuf:   make([]byte, 0, 64+len(cfg.Host)+len(cfg.Tag)),
	}
	_, off := cfg.Start.Zone()
	g.offSec = int64(off)
	g.nowUs = cfg.Start.UnixMicro()
	g.tail = []byte(" " + cfg.Host + " " + cfg.Tag + "[" + strconv.Itoa(cfg.PID) + "]: ")

	// Tables use their own random stream so that changing, say, the TCP
	// ratio does not reshuffle the URL set.
	tr := newRNG(cfg.Seed ^ 0x5eed7ab1e5)
	g.clientKey = tr.u64()
	g.nClients = cfg.Clients
	g.heavy = max(cfg.Clients/200, 1)
	g.buildFrontends(cfg.UALen)
	g.buildBackends(&tr, cfg)
	g.buildTCP()

	ow := outcomeWeights
	rest := 1.0
	for _, w := range ow {
		rest -= w
	}
	ow[oNormal] = rest
	g.outcomes = newAlias(ow[:])
	g.versions[0] = newAlias([]float64{55, 43, 2}) // HTTP/2.0, HTTP/1.1, HTTP/1.0 on TLS
	g.versions[1] = newAlias([]float64{0, 95, 5})
	g.versionTx = [3][]byte{[]byte("HTTP/2.0"), []byte("HTTP/1.1"), []byte("HTTP/1.0")}
	return g, nil
}

// appendClient appends the address of client i (0 <= i < Clients). The
// address is a hash of the seed and i, so there is no table to miss in
// the cache: about 3% are bare IPv6 addresses, as HAProxy logs them.
func (g *Generator) appendClient(dst []byte, i int) []byte {
	h := mix64(g.clientKey + uint64(i))
	if h%1000 < 30 {
		return appendIPv6(dst, h)
	}
	dst = appendUint(dst, uint64(ipv4First[(h>>10)%uint64(len(ipv4First))]))
	for _, sh := range [3]uint{24, 32, 40} {
		dst = append(dst, '.')
		dst = appendUint(dst, (h>>sh)&0xff)
	}
	return dst
}

// ipv4First holds first octets of public address blocks.
var ipv4First = [...]uint8{24, 31, 37, 46, 62, 77, 78, 81, 82, 86, 90, 91, 92, 93, 109, 151, 176, 178, 185, 188, 193, 195, 212, 213, 217,
	66, 67, 68, 69, 71, 73, 74, 75, 76, 96, 98, 99, 104, 107, 108, 173, 174, 184, 199, 207, 209, 216, 1, 14, 27, 36, 39, 42, 49, 58,
	110, 111, 112, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 180, 182, 183, 200, 201, 177, 179, 186, 187, 189, 190,
	191, 41, 102, 105, 154, 196, 197}

var ipv6Prefixes = [...]string{"2001:db8:", "2a01:cb00:", "2a02:8428:", "2600:1700:", "2a00:23c5:", "2409:8a1e:", "2804:14c:"}

func appendIPv6(dst []byte, h uint64) []byte {
	h2 := mix64(h)
	dst = append(dst, ipv6Prefixes[(h>>10)%uint64(len(ipv6Prefixes))]...)
	dst = appendHex(dst, h2&0xffff)
	if (h>>20)%3 == 0 {
		// a compressed address: prefix::host
		dst = append(dst, ':', ':')
		return appendHex(dst, (h2>>16)&0xffff|1)
	}
	for _, sh := range [5]uint{16, 32, 48, 28, 40} {
		dst = append(dst, ':')
		dst = appendHex(dst, (h2>>sh)&0xffff)
	}
	return dst
}

func appendHex(dst []byte, v uint64) []byte {
	const hexdig = "0123456789abcdef"
	started := false
	for sh := 12; sh >= 0; sh -= 4 {
		d := (v >> uint(sh)) & 15
		if d != 0 || started || sh == 0 {
			dst = append(dst, hexdig[d])
			started = true
		}
	}
	return dst
}

// Stats returns the counters of the lines produced so far.
func (g *Generator) Stats() Stats { return g.stats }

// Next appends the next log line to dst, without a trailing newline, and
// returns the extended slice. It allocates only when dst lacks capacity
// (lines are shorter than 1 KiB).
func (g *Generator) Next(dst []byte) []byte {
	start := len(dst)
	g.nowUs += int64(g.r.exp(g.meanUs))
	if g.r.chance(g.tcpProb) {
		dst = g.nextTCP(dst)
		g.stats.TCPLines++
	} else {
		dst = g.nextHTTP(dst)
	}
	g.stats.Lines++
	g.stats.Bytes += int64(len(dst) - start)
	return dst
}

// walkAC moves the active connection count a little, pulled back towards
// acTarget, and returns it.
func (g *Generator) walkAC() int {
	const acTarget = 300
	x := g.r.intn(8)
	g.ac += x&3 - 1 // -1..+2
	if x>>2 == 0 {
		g.ac-- // mean step over the 8 values: 0
	}
	if g.ac > acTarget && g.r.intn(8) == 0 {
		g.ac--
	} else if g.ac < acTarget && g.r.intn(8) == 0 {
		g.ac++
	}
	g.ac = min(max(g.ac, 40), 4000)
	return g.ac
}

type httpFields struct {
	fe         *feRT
	beName     []byte // nil: frontend name (with <NOSRV>)
	server     []byte // "be/srv"; nil: <NOSRV>
	tR, tw, tc int
	tr, ta     int
	status     int
	bytes      int
	ts         [4]byte
	counters   [4]int // fc, bc, sc, rc
	redisp     bool
	sq, bq     int
	badreq     bool
	capture    []byte
	method     []byte
	url        []byte
	bust       bool
	version    []byte
}

func (g *Generator) nextHTTP(dst []byte) []byte {
	r := &g.r
	var f httpFields
	f.ts = [4]byte{'-', '-', '-', '-'}
	bi := g.beAlias.sample(r)
	if bi == len(g.bes) {
		return g.appendHTTP(dst, g.redirect(&f))
	}
	be := &g.bes[bi]
	spec := be.spec
	fe := &g.fes[spec.fe]
	f.fe = fe
	f.beName = be.name
	f.server = be.servers.get(r.intn(be.servers.len()))
	f.capture = fe.captures.get(fe.hosts.sample(r)*fe.nUA + fe.uas.sample(r))
	f.method = be.methods.get(be.method.sample(r))
	f.url = be.urls.get(be.url.sample(r))
	f.bust = spec.api && r.chance(g.bustProb)
	if spec.name == "ws" {
		f.version = g.versionTx[1]
	} else if fe.ssl {
		f.version = g.versionTx[g.versions[0].sample(r)]
	} else {
		f.version = g.versionTx[g.versions[1].sample(r)]
	}
	f.status = be.statuses[be.status.sample(r)]

	// Normal timers first; outcomes override what did not happen.
	if f.version[5] == '2' || r.intn(2) == 0 {
		f.tR = 0
		if r.intn(10) == 0 {
			f.tR = r.exp(3)
		}
	} else {
		f.tR = r.exp(6)
	}
	if r.chance(prob(0.005)) {
		f.tw = r.exp(300) + 1
		if r.intn(2) == 0 {
			f.sq = r.rangeIn(1, 20)
		} else {
			f.bq = r.rangeIn(1, 40)
		}
	}
	switch x := r.intn(20); {
	case x < 14:
		f.tc = 0
	case x < 19:
		f.tc = 1
	default:
		f.tc = r.exp(3)
	}
	switch f.status {
	case 304, 204:
		f.tr = r.exp(spec.trMean/4 + 1)
	default:
		f.tr = r.exp(spec.trMean)
	}
	f.bytes = g.bytesFor(spec, f.status)
	td := f.bytes>>14 + r.exp(2)
	if f.status == 101 {
		td = r.exp(60000) // websocket session
	}
	if spec.cookie {
		f.ts[2], f.ts[3] = g.cookieFlags()
	}

	switch g.outcomes.sample(r) {
	case oCD:
		f.ts[0], f.ts[1] = 'C', 'D'
		f.bytes = f.bytes/4 + r.intn(f.bytes/2+1)
	case ocD:
		f.ts[0], f.ts[1] = 'c', 'D'
		f.bytes = f.bytes/4 + r.intn(f.bytes/2+1)
		td += 30000
	case oSD:
		f.ts[0], f.ts[1] = 'S', 'D'
		f.bytes = f.bytes/4 + r.intn(f.bytes/2+1)
	case ocR:
		badRequest(&f, 408, 'c', 10000+r.intn(3))
		td = 0
	case oCR:
		badRequest(&f, 400, 'C', r.exp(500))
		td = 0
	case oPR400:
		badRequest(&f, 400, 'P', r.intn(2))
		td = 0
	case oPR403:
		f.ts = [4]byte{'P', 'R', '-', '-'}
		f.beName, f.server = nil, nil
		f.tw, f.tc, f.tr, td = -1, -1, -1, r.intn(2)
		f.status, f.bytes = 403, 192
	case oCH:
		f.ts[0], f.ts[1] = 'C', 'H'
		f.status, f.bytes = -1, 0
		td = r.exp(f.tr + 1)
		f.tr = -1
	case oCC:
		f.ts[0], f.ts[1] = 'C', 'C'
		f.status, f.bytes = -1, 0
		td = r.exp(500)
		f.tc, f.tr = -1, -1
	case oSC:
		f.ts = [4]byte{'S', 'C', '-', '-'}
		f.status, f.bytes = 503, 217
		f.counters[3] = 3
		td = 3000 + r.intn(10)
		f.tc, f.tr = -1, -1
	case oSCDown:
		f.ts = [4]byte{'S', 'C', '-', '-'}
		f.server = nil
		f.status, f.bytes = 503, 217
		f.tw, f.tc, f.tr, td = -1, -1, -1, r.intn(2)
	case osH:
		f.ts[0], f.ts[1] = 's', 'H'
		f.status, f.bytes = 504, 198
		td = 30000 + r.intn(3)
		f.tr = -1
	case oSH:
		f.ts[0], f.ts[1] = 'S', 'H'
		f.status, f.bytes = 502, 209
		td = r.exp(f.tr + 1)
		f.tr = -1
	case oPH:
		f.ts[0], f.ts[1] = 'P', 'H'
		f.status, f.bytes = 502, 209
		f.tr = -1
		td = 0
	case osQ:
		f.ts = [4]byte{'s', 'Q', '-', '-'}
		f.server = nil
		f.status, f.bytes = 503, 217
		f.tw = 5000 + r.intn(3)
		f.tc, f.tr, td = -1, -1, 0
		f.sq, f.bq = 0, r.rangeIn(1, 200)
	case oRedisp:
		f.redisp = true
	}
	f.ta = max(f.tR, 0) + max(f.tw, 0) + max(f.tc, 0) + max(f.tr, 0) + td
	g.counters(&f, spec.weight, be.servers.len())
	return g.appendHTTP(dst, &f)
}

// badRequest turns f into a request that never completed: <BADREQ>, no
// captures, -1/-1/-1/-1/Ta.
func badRequest(f *httpFields, status int, c0 byte, ta int) {
	f.ts = [4]byte{c0, 'R', '-', '-'}
	f.beName, f.server = nil, nil
	f.badreq = true
	f.status, f.bytes = status, 0
	f.tR, f.tw, f.tc, f.tr = -1, -1, -1, -1
	f.ta = ta
}

// redirect fills f with an http-in request answered locally with a 301.
func (g *Generator) redirect(f *httpFields) *httpFields {
	r := &g.r
	fe := &g.fes[feHTTPIn]
	f.fe = fe
	f.ts = [4]byte{'L', 'R', '-', '-'}
	f.capture = fe.captures.get(fe.hosts.sample(r)*fe.nUA + fe.uas.sample(r))
	www := &g.bes[0]
	f.method = www.methods.get(www.method.sample(r))
	f.url = www.urls.get(www.url.sample(r))
	f.version = g.versionTx[g.versions[1].sample(r)]
	f.status = 301
	f.bytes = 90 + r.intn(80)
	f.tR = 0
	if r.intn(3) == 0 {
		f.tR = r.exp(20)
	}
	f.tw, f.tc, f.tr = -1, -1, -1
	f.ta = f.tR + r.intn(2)
	if r.chance(prob(0.01)) {
		badRequest(f, 400, 'P', r.intn(2))
	}
	g.counters(f, 0, 1)
	return f
}

func (g *Generator) cookieFlags() (byte, byte) {
	switch x := g.r.intn(1000); {
	case x < 850:
		return 'V', 'N'
	case x < 960:
		return 'N', 'I'
	case x < 980:
		return 'V', 'I'
	case x < 990:
		return 'D', 'I'
	default:
		return 'I', 'I'
	}
}

func (g *Generator) bytesFor(spec *httpBackend, status int) int {
	r := &g.r
	skew := func(lo, hi int) int {
		u := r.intn(1 << 15)
		return lo + int(uint64(hi-lo)*uint64(u*u)>>30)
	}
	switch {
	case status == 304:
		return skew(150, 400)
	case status == 204:
		return skew(100, 250)
	case status == 301 || status == 302:
		return skew(150, 600)
	case status == 101 || status < 300:
		return skew(spec.okLo, spec.okHi)
	case status < 500:
		return skew(150, 1500)
	default:
		return skew(150, 700)
	}
}

// counters fills fc/bc/sc (and keeps rc) consistent with ac.
func (g *Generator) counters(f *httpFields, beWeight float64, nSrv int) {
	r := &g.r
	ac := g.walkAC()
	var fc int
	switch f.fe {
	case &g.fes[feWWW]:
		fc = ac * 3 / 4
	case &g.fes[feAPI]:
		fc = ac / 4
	default:
		fc = ac/40 + 1
	}
	fc = max(fc-r.intn(fc/8+1), 1)
	bc, sc := 0, 0
	if f.beName != nil {
		bc = max(int(float64(ac)*beWeight/100)-r.intn(4), 1)
		bc = min(bc, fc)
		if f.server != nil {
			sc = min(bc/max(nSrv, 1)+r.intn(3), bc)
		}
	}
	f.counters[0], f.counters[1], f.counters[2] = fc, bc, sc
	if f.redisp {
		f.counters[3] = 1
	}
	g.ac = ac
}

func (g *Generator) appendHTTP(dst []byte, f *httpFields) []byte {
	dst = g.appendHead(dst, f.ta)
	dst = append(dst, f.fe.ft...)
	dst = append(dst, ' ')
	if f.beName != nil {
		dst = append(dst, f.beName...)
	} else {
		dst = append(dst, f.fe.name...)
	}
	if f.server != nil {
		dst = append(dst, f.server[len(f.beName):]...)
	} else {
		dst = append(dst, "/<NOSRV>"...)
	}
	dst = append(dst, ' ')
	dst = appendSlashed(dst, f.tR, f.tw, f.tc, f.tr, f.ta)
	dst = append(dst, ' ')
	dst = appendInt(dst, f.status)
	dst = append(dst, ' ')
	dst = appendInt(dst, f.bytes)
	dst = append(dst, " - - "...)
	dst = append(dst, f.ts[:]...)
	dst = append(dst, ' ')
	dst = g.appendConn(dst, f.counters, f.redisp, f.sq, f.bq)
	if f.badreq {
		return append(dst, ` "<BADREQ>"`...)
	}
	dst = append(dst, ' ')
	dst = append(dst, f.capture...)
	dst = append(dst, ` "`...)
	dst = append(dst, f.method...)
	dst = append(dst, ' ')
	dst = append(dst, f.url...)
	if f.bust {
		if hasQuery(f.url) {
			dst = append(dst, "&_="...)
		} else {
			dst = append(dst, "?_="...)
		}
		dst = appendUint(dst, uint64(g.nowUs/1000))
	}
	dst = append(dst, ' ')
	dst = append(dst, f.version...)
	return append(dst, '"')
}

func hasQuery(u []byte) bool {
	for _, c := range u {
		if c == '?' {
			return true
		}
	}
	return false
}

// appendConn appends "ac/fc/bc/sc/rc sq/bq".
func (g *Generator) appendConn(dst []byte, c [4]int, redisp bool, sq, bq int) []byte {
	dst = appendSlashed(dst, g.ac, c[0], c[1], c[2])
	dst = append(dst, '/')
	if redisp {
		dst = append(dst, '+')
	}
	dst = appendInt(dst, c[3])
	dst = append(dst, ' ')
	return appendSlashed(dst, sq, bq)
}
