package halog

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/haplog/haplog/formats"
)

// -pct-by KEY -timer T: exact nearest-rank percentiles of one timer per key,
// over the requests whose timer is >= 0 ("+N" of option logasap reads N).
//
// Memory: the values of a key are kept exactly (4 bytes each) up to
// pctExactMax values; beyond that, and for every key of 64 values or more
// once a worker holds pctBudget exact values in all, a key's values move
// into a logarithmic sketch (DDSketch with relative accuracy pctAlpha = 1%:
// every percentile of such a key is within 1 % of the exact value; count
// and max stay exact). A sketch is 1100 counters (4.4 KB) whatever the
// number of values, so 100M lines over a few thousand keys take about
// pctBudget*4 bytes per worker plus 4.4 KB per key. Keys whose values all
// stayed exact (every key of inputs up to pctExactMax lines) print exact
// percentiles.
const (
	pctExactMax = 1 << 20
	pctBudget   = 16 << 20
	pctAlpha    = 0.01
	pctBuckets  = 1100
)

var (
	pctGamma   = (1 + pctAlpha) / (1 - pctAlpha)
	pctLnGamma = math.Log(pctGamma)
)

// pctKeys are the -pct-by keys, pctTimers the -timer names (HAProxy's).
var (
	pctKeys   = []string{"srv", "be", "fe", "url", "ip", "status", "minute"}
	pctTimers = []string{"Th", "Ti", "TR", "Tw", "Tc", "Tr", "Ta", "Tt"}
)

// pctVals are the values of one key.
type pctVals struct {
	vals []int32
	sk   *sketch
	n    uint64
	max  int32
}

// sketch counts values in logarithmic buckets: bucket i > 0 holds the
// values v with gamma^(i-1) < v <= gamma^i; zero is counted apart.
type sketch struct {
	zero uint64
	b    [pctBuckets]uint64
}

func sketchIndex(v int32) int {
	return min(int(math.Ceil(math.Log(float64(v))/pctLnGamma)), pctBuckets-1)
}

func (s *sketch) add(v int32) {
	if v == 0 {
		s.zero++
		return
	}
	s.b[sketchIndex(v)]++
}

// rank returns the value of 1-based rank k (an estimate within pctAlpha).
func (s *sketch) rank(k uint64) int32 {
	if k <= s.zero {
		return 0
	}
	k -= s.zero
	for i, c := range s.b {
		if k <= c {
			return int32(math.Round(2 * math.Pow(pctGamma, float64(i)) / (pctGamma + 1)))
		}
		k -= c
	}
	return math.MaxInt32
}

func (v *pctVals) add(x int32) {
	v.n++
	v.max = max(v.max, x)
	if v.sk != nil {
		v.sk.add(x)
		return
	}
	v.vals = append(v.vals, x)
}

// toSketch moves the exact values into a sketch.
func (v *pctVals) toSketch() {
	if v.sk == nil {
		v.sk = new(sketch)
	}
	for _, x := range v.vals {
		v.sk.add(x)
	}
	v.vals = nil
}

func (v *pctVals) merge(o *pctVals) {
	v.n += o.n
	v.max = max(v.max, o.max)
	if o.sk != nil || v.sk != nil || len(v.vals)+len(o.vals) > pctExactMax {
		v.toSketch()
		for _, x := range o.vals {
			v.sk.add(x)
		}
		if o.sk != nil {
			v.sk.zero += o.sk.zero
			for i, c := range o.sk.b {
				v.sk.b[i] += c
			}
		}
		return
	}
	v.vals = append(v.vals, o.vals...)
}

// checkPctBy validates -pct-by and -timer.
func checkPctBy(o *Options, lf *lineFormat) error {
	if !slices.Contains(pctKeys, o.PctBy) {
		return fmt.Errorf("-pct-by %q: the key is one of srv, be, fe, url, ip, status, minute", o.PctBy)
	}
	if o.PctTimer == "" {
		o.PctTimer = "Ta"
	}
	if !slices.Contains(pctTimers, o.PctTimer) {
		return fmt.Errorf("-timer %q: the timer is one of Th, Ti, TR, Tw, Tc, Tr, Ta, Tt (case matters)", o.PctTimer)
	}
	if timerPart(o.PctTimer) < 0 && (lf == nil || lf.rd.Slot(o.PctTimer) < 0) {
		if lf == nil {
			return fmt.Errorf("%w: -timer %s is not in the httplog layout: give the log format (-log-format) that logs %%%s", ErrMissingVar, o.PctTimer, o.PctTimer)
		}
		return fmt.Errorf("%w: -timer %s needs %%%s, not in the log format %q", ErrMissingVar, o.PctTimer, o.PctTimer, lf.src)
	}
	return nil
}

// timerPart is the index of an httplog timer (TR/Tw/Tc/Tr/Ta), or -1.
func timerPart(name string) int {
	switch name {
	case "TR":
		return 0
	case "Tw":
		return 1
	case "Tc":
		return 2
	case "Tr":
		return 3
	case "Ta":
		return 4
	}
	return -1
}

// pctBy collects the timer value of the current line under its key.
func (p *proc) pctBy(b []byte, acc, lineno int) {
	f := &p.f
	an := p.c.accN
	var v int32
	if part := p.c.pctPart; part >= 0 {
		if _, ok := p.allTimers(b, an, lineno); !ok {
			return
		}
		v = p.tv[part]
		if part == 4 && v == 0 {
			// option logasap logs "+Ta" (halog reads 0): the value
			tp, _ := f.at(an + offTime)
			e := formats.FieldEnd(b, tp)
			if i := bytes.LastIndexByte(b[tp:e], '/'); i >= 0 && formats.At(b, tp+i+1) == '+' {
				v = formats.ParseInt(b[:e], tp+i+2)
			}
		}
	} else {
		s := p.spans[p.c.pctSlot]
		if s.Start < 0 {
			return
		}
		st := int(s.Start)
		if formats.At(p.msg, st) == '+' {
			st++
		}
		v = formats.ParseInt(p.msg[:s.End], st)
	}
	if v < 0 {
		return
	}
	var key []byte
	switch p.c.o.PctBy {
	case "srv", "be":
		sp, ok := f.at(an + offServer)
		if !ok {
			p.truncated(b, lineno)
			return
		}
		key = b[sp:formats.FieldEnd(b, sp)]
		if p.c.o.PctBy == "be" {
			if i := bytes.IndexByte(key, '/'); i >= 0 {
				key = key[:i]
			}
		}
	case "fe":
		fp, ok := f.at(an + 1)
		if !ok {
			p.truncated(b, lineno)
			return
		}
		key = b[fp:formats.FieldEnd(b, fp)]
	case "minute":
		// the accept date up to the minute: "[21/Nov/2026:13:35"
		e := acc + 1
		for c := 0; e < len(b) && b[e] != ' '; e++ {
			if b[e] == ':' {
				if c++; c == 3 {
					break
				}
			}
		}
		key = b[acc+1 : e]
	case "status":
		sp, ok := f.at(an + offStatus)
		if !ok {
			p.truncated(b, lineno)
			return
		}
		key = b[sp:formats.FieldEnd(b, sp)]
	case "ip":
		s, ok := f.at(an - 1)
		if !ok || an-1 < 1 {
			p.truncated(b, lineno)
			return
		}
		key = b[s:formats.FieldEnd(b, s)]
		if i := bytes.LastIndexByte(key, ':'); i >= 0 {
			key = key[:i]
		}
	case "url":
		var ok bool
		if key, ok = p.urlKey(b); !ok {
			p.truncated(b, lineno)
			return
		}
	}
	pv, _ := p.agg.pcts.get(key)
	pv.add(v)
	if pv.sk == nil {
		p.pctExact++
		if len(pv.vals) > pctExactMax {
			p.pctExact -= len(pv.vals)
			pv.toSketch()
		}
		if p.pctExact > pctBudget {
			p.pctExact = 0
			for i := range p.agg.pcts.len() {
				e := p.agg.pcts.val(i)
				if len(e.vals) >= 64 {
					e.toSketch()
				}
				p.pctExact += len(e.vals)
			}
		}
	}
}

// urlKey returns the -u key of the current line (countURL, -pct-by url);
// false when the line has no request.
func (p *proc) urlKey(b []byte) ([]byte, bool) {
	e, _ := p.f.at(p.c.accN + offMeth)
	e = quoteField(b, e)
	if e >= len(b) {
		return nil, false
	}
	u := e
	for u < len(b) && b[u] != ' ' {
		u++
	}
	for u < len(b) && b[u] == ' ' {
		u++
	}
	if u >= len(b) {
		u = e
	}
	end := u
	if p.c.o.Query {
		end = formats.FieldEnd(b, u)
	} else {
		for end < len(b) && b[end] != ' ' && b[end] != '?' && b[end] != ';' {
			end++
		}
	}
	return b[u:end], true
}

// pctPermille are the percentiles printed, in thousandths.
var pctPermille = [...]uint64{500, 900, 950, 990, 999}

// pctBy writes "#key count p50 p90 p95 p99 p99.9 max", keys in ascending
// byte order.
func (r *reporter) pctBy(a *aggregates) {
	r.w.WriteString("#key count p50 p90 p95 p99 p99.9 max\n")
	order := make([]int, a.pcts.len())
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return bytes.Compare(a.pcts.key(x), a.pcts.key(y)) })
	for _, i := range order {
		v := a.pcts.val(i)
		if v.sk == nil {
			slices.Sort(v.vals)
		}
		r.buf = append(r.buf, a.pcts.key(i)...)
		r.sp()
		r.uint(v.n)
		for _, pm := range pctPermille {
			k := max((pm*v.n+999)/1000, 1) // ceil(N/100 * n), 1-based
			var x int32
			if v.sk == nil {
				x = v.vals[k-1]
			} else {
				x = min(v.sk.rank(k), v.max)
			}
			r.sp()
			r.int(int64(x))
		}
		r.sp()
		r.int(int64(v.max))
		r.buf = append(r.buf, '\n')
		if r.row() {
			return
		}
	}
}
