package halog

import (
	"cmp"
	"slices"
)

// intHist counts occurrences of int32 keys: a dense array for the small
// non-negative keys (index v+1, so -1 is dense too) and a map for the rest.
type intHist struct {
	dense []uint32
	m     map[int32]uint32
}

func newIntHist(dense int) intHist {
	return intHist{dense: make([]uint32, dense), m: make(map[int32]uint32)}
}

func (h *intHist) add(v int32, n uint32) {
	if u := uint32(v) + 1; u < uint32(len(h.dense)) {
		h.dense[u] += n
		return
	}
	h.m[v] += n
}

func (h *intHist) merge(o *intHist) {
	for i, n := range o.dense {
		h.dense[i] += n
	}
	for k, n := range o.m {
		h.m[k] += n
	}
}

type keyCount struct {
	key   int32
	count uint32
}

// sorted returns the non-zero entries in ascending key order.
func (h *intHist) sorted() []keyCount {
	var neg, pos []keyCount
	for k, n := range h.m {
		if k < 0 {
			neg = append(neg, keyCount{k, n})
		} else {
			pos = append(pos, keyCount{k, n})
		}
	}
	byKey := func(a, b keyCount) int { return cmp.Compare(a.key, b.key) }
	slices.SortFunc(neg, byKey)
	slices.SortFunc(pos, byKey)
	out := neg
	for i, n := range h.dense {
		if n != 0 {
			out = append(out, keyCount{int32(i - 1), n})
		}
	}
	return append(out, pos...)
}

// Term and cookie codes are 256*b0+b1 with signed bytes.
const (
	codeMin = -128*256 - 128
	codeMax = 127*256 + 127
)

type srvStat struct {
	st           [6]uint32 // other, 1xx .. 5xx
	nbOK         uint32
	nbCT, nbRT   uint32
	cumCT, cumRT uint64
}

type urlStat struct {
	req, err          uint32
	ttot, oktot, btot uint64
}

// addReq counts one request: its time t (or fallback, the total time,
// when t is negative; only a t >= 0 counts as answered), whether it
// failed and its byte count. -u and -ic differ only in the timer they
// take for t and in what counts as a failure.
func (s *urlStat) addReq(t, fallback int32, failed bool, bytes int32) {
	s.req++
	if failed {
		s.err++
	}
	if t >= 0 {
		s.ttot += uint64(t)
		s.oktot += uint64(t)
	} else {
		s.ttot += uint64(int64(fallback))
	}
	s.btot += uint64(int64(bytes))
}

func (s *urlStat) add(o *urlStat) {
	s.req += o.req
	s.err += o.err
	s.ttot += o.ttot
	s.oktot += o.oktot
	s.btot += o.btot
}

// aggregates are one worker's collected data; workers' aggregates are
// merged at the end of the input.
type aggregates struct {
	status  intHist
	codes   []uint32 // indexed by code - codeMin
	servers keytab[srvStat]
	urls    keytab[urlStat] // URLs or client addresses
	gt      [5]intHist
	pct     [5]intHist
	holes   map[uint32]uint32
	pcts    keytab[pctVals] // -pct-by
}

func newAggregates(c *config) *aggregates {
	a := &aggregates{}
	switch c.h {
	case hStatus:
		a.status = newIntHist(1024)
	case hCookie, hTerm:
		a.codes = make([]uint32, codeMax-codeMin+1)
	case hSrv:
		a.servers = newKeytab[srvStat]()
	case hURL, hIP:
		a.urls = newKeytab[urlStat]()
	case hGraphs:
		for i := range a.gt {
			if c.o.Graph {
				a.gt[i] = newIntHist(1024)
			} else {
				a.pct[i] = newIntHist(65536)
			}
		}
	case hHoles:
		a.holes = make(map[uint32]uint32)
	case hPctBy:
		a.pcts = newKeytab[pctVals]()
	}
	return a
}

func (a *aggregates) server(name []byte) *srvStat {
	s, _ := a.servers.get(name)
	return s
}

func (a *aggregates) addURL(key []byte, st *urlStat) {
	s, _ := a.urls.get(key)
	s.add(st)
}

// merge adds o into a. Both were built from the same config.
func (a *aggregates) merge(o *aggregates) {
	if a.status.dense != nil {
		a.status.merge(&o.status)
	}
	for i, n := range o.codes {
		a.codes[i] += n
	}
	for j := range o.servers.len() {
		s := o.servers.val(j)
		d := a.server(o.servers.key(j))
		for i := range d.st {
			d.st[i] += s.st[i]
		}
		d.nbOK += s.nbOK
		d.nbCT += s.nbCT
		d.nbRT += s.nbRT
		d.cumCT += s.cumCT
		d.cumRT += s.cumRT
	}
	a.urls.addAll(&o.urls, (*urlStat).add)
	for i := range a.gt {
		if a.gt[i].dense != nil {
			a.gt[i].merge(&o.gt[i])
		}
		if a.pct[i].dense != nil {
			a.pct[i].merge(&o.pct[i])
		}
	}
	for k, n := range o.holes {
		a.holes[k] += n
	}
	for j := range o.pcts.len() {
		v, _ := a.pcts.get(o.pcts.key(j))
		v.merge(o.pcts.val(j))
	}
}

// quantize keeps the 4 most significant bits of |v| (halog's -gt keys).
func quantize(v int32) int32 {
	if v < 0 {
		return -int32(quantizeU32(uint32(-v)))
	}
	return int32(quantizeU32(uint32(v)))
}

func quantizeU32(u uint32) uint32 {
	const qbits = 4
	high := fls(u)
	if high <= qbits {
		return u
	}
	return u &^ (1<<(high-qbits) - 1)
}

// fls returns the 1-based index of the highest set bit, 0 for 0.
func fls(u uint32) int {
	n := 0
	for u != 0 {
		n++
		u >>= 1
	}
	return n
}
