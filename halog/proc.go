package halog

import (
	"bytes"
	"strconv"

	"github.com/haplog/haplog/formats"
)

// handler is the per-line output handler, chosen once per run with halog's
// precedence (spec §5).
type handler uint8

const (
	hCount  handler = iota // -c: count only
	hPrint                 // default: print the line
	hHoles                 // -ac / -ad
	hGraphs                // -gt / -pct
	hStatus                // -st
	hCookie                // -cc
	hTerm                  // -tc
	hSrv                   // -srv
	hURL                   // -u*
	hIP                    // -ic (overrides a handler)
	hHdr                   // -hdr (overrides a handler)
	hPctBy                 // -pct-by (extension; overrides everything)
)

// config is what the per-line code needs, derived from Options once.
type config struct {
	o       *Options
	h       handler
	filters bool // any input filter set (disables the -c fast path)
	// absolute field numbers (halog field constant + skip, 32-bit wrap)
	srcN, accN int
	// fields located on every line by one scan, and up to needAll when
	// the output asks for them (see fields)
	need, needAll int
	// the output handler parses the 5 timers (at the field the filters
	// read them from)
	timers bool
	// lf reads lines of a -log-format (nil: halog's fixed layout)
	lf *lineFormat
	// direct: lines of lf are handled from their spans (see directLine)
	direct directMode
	// srv: -srv's lines are read by srvLine first (see srvFast)
	srv *srvFast
	// -pct-by: the httplog timer part (0-4), else -1 and the slot of the
	// timer in lf
	pctPart, pctSlot int
}

func newConfig(o *Options, lf *lineFormat) *config {
	c := &config{o: o, lf: lf}
	switch {
	case o.AccHoles:
		c.h = hHoles
	case o.Graph || o.Percentile:
		c.h = hGraphs
	case o.StatusHist:
		c.h = hStatus
	case o.CookieHist:
		c.h = hCookie
	case o.TermHist:
		c.h = hTerm
	case o.Servers:
		c.h = hSrv
	case o.URL != 0:
		c.h = hURL
	case o.Count:
		c.h = hCount
	default:
		c.h = hPrint
	}
	if c.h != hCount {
		if o.IPCount {
			c.h = hIP
		} else if o.Header {
			c.h = hHdr
		}
	}
	if o.PctBy != "" {
		c.h = hPctBy
		c.pctPart, c.pctSlot = timerPart(o.PctTimer), -1
		if c.pctPart < 0 && lf != nil {
			c.pctSlot = lf.rd.Slot(o.PctTimer)
		}
	}
	c.filters = o.HTTPOnly || o.RespTime || o.Errors || o.Status || o.Queued ||
		o.QueuedSrv || o.TermCode || o.TimeRange
	c.srcN = int(int32(5) + o.Skip)
	c.accN = int(int32(6) + o.Skip)
	if lf != nil {
		// the message (its header removed) is in halog's layout
		c.srcN, c.accN = 1, 2
	}
	c.need, c.needAll = c.fieldsNeeded()
	if lf != nil && !o.Follow && o.HTML == "" && o.PctBy == "" && !lf.needReq && !lf.needCaps &&
		c.needAll <= c.accN+offQueue {
		// the rewrite writes only the fields the handlers read, when they
		// are before the captures and the request (whose spaces make the
		// field numbers differ) and neither -follow, -html nor -pct-by
		// read others on their own
		lf.fields = c.needAll
	}
	switch c.h {
	case hSrv, hURL, hIP, hGraphs, hPctBy:
		c.timers = true
	}
	c.direct = c.directWay()
	if c.direct != directOff {
		c.srv = newSrvFast(c)
	}
	return c
}

// fieldsNeeded returns the number of leading fields that processLine uses
// on a well-formed line (all), and how many of them are located before the
// filters run (first): only those the filters need when a status filter
// (-e, -E, -hs, -HS) is set, as it usually rejects most lines, else all.
func (c *config) fieldsNeeded() (first, all int) {
	o := c.o
	off := 0
	if o.HTTPOnly || o.RespTime {
		off = max(off, offTime)
	}
	if o.Errors || o.Status {
		off = max(off, offStatus)
	}
	if o.Queued || o.QueuedSrv {
		off = max(off, offQueue)
	}
	if o.TermCode {
		off = max(off, offTerm)
	}
	filterOff := off
	switch c.h {
	case hStatus, hSrv:
		off = max(off, offStatus)
	case hCookie, hTerm:
		off = max(off, offTerm)
	case hURL, hHdr:
		off = max(off, offMeth)
	case hIP:
		off = max(off, offBytes)
	case hGraphs:
		off = max(off, offTime)
	case hPctBy:
		off = max(off, offStatus)
		if o.PctBy == "url" {
			off = max(off, offMeth)
		}
	}
	all = min(max(c.accN+off, 0), maxIndexed)
	if o.Errors || o.Status {
		return min(max(c.accN+filterOff, 0), all), all
	}
	return all, all
}

// inputLimited reports whether -m can stop reading the input early, which
// forces sequential processing.
func (c *config) inputLimited() bool {
	if c.o.MaxLines < 0 {
		return false
	}
	if c.o.MaxLines == 0 {
		return true
	}
	switch c.h {
	case hPrint, hHdr, hCount, hGraphs:
		return true
	}
	return false
}

// Relative positions of the fields halog uses, from the accept field.
const (
	offServer = formats.FieldServer - formats.FieldAccept
	offTime   = formats.FieldTime - formats.FieldAccept
	offStatus = formats.FieldStatus - formats.FieldAccept
	offBytes  = formats.FieldBytes - formats.FieldAccept
	offTerm   = formats.FieldTermState - formats.FieldAccept
	offQueue  = formats.FieldQueue - formats.FieldAccept
	offMeth   = formats.FieldMethod - formats.FieldAccept
)

// diag is one stderr message of a chunk: "Truncated line N: " + text when
// line > 0 (N = chunk's first line number - 1 + line), else text as is.
type diag struct {
	line int
	end  int // end of the text in chunkOut.diag
}

// chunkOut is what processing one chunk produced, merged in input order.
type chunkOut struct {
	seq      int
	lines    int // lines read
	size     int // bytes read
	linesOut int // increase of lines_out
	parseErr int
	stop     bool // -m reached: nothing after this chunk is read
	out      []byte
	diag     []byte
	diags    []diag
}

func (r *chunkOut) reset(seq int) {
	*r = chunkOut{seq: seq, out: r.out[:0], diag: r.diag[:0], diags: r.diags[:0]}
}

// proc holds one worker's aggregates and scratch state.
type proc struct {
	c   *config
	ext []byte // current chunk and the input after it
	// current line: ext[ls:le] (up to, not including, its LF)
	ls, le int
	f      fields
	tv     [5]int32
	tvN    int  // parts parsed into tv (valid if tvDone)
	tvNeg  bool // a part of tv is negative (valid if tvDone)
	tvDone bool // tv holds the timers of the current line
	agg    *aggregates
	ts     tsCache
	r      *chunkOut // current chunk output
	lout   int       // cumulative lines_out of this worker (for -m)
	stop   bool
	// with a -log-format: the line as read (printed and quoted in
	// diagnostics) while the handlers read its rewrite (xlat)
	orig  []byte
	xlat  bool
	tbuf  []byte
	spans []formats.Span
	msg   []byte // the message of the line (spans index it)
	// exact values held by -pct-by (see pctBudget)
	pctExact int
	// srvLine's cache of server names (see srvEntry); the headers seen
	// (see body)
	srvc *srvCache
	hdr  formats.HeaderCache
}

func newProc(c *config) *proc {
	p := &proc{c: c, agg: newAggregates(c), ts: tsCache{loc: c.o.Location}}
	if c.lf != nil {
		p.spans = make([]formats.Span, c.lf.rd.Slots())
		p.tbuf = make([]byte, 0, 4096)
	}
	return p
}

// line returns the line to print or quote for b, the line being handled.
func (p *proc) line(b []byte) []byte {
	if p.orig != nil {
		return p.orig
	}
	return b
}

// cline returns the current line b (cut at its first NUL) as halog's read
// buffer holds it.
func (p *proc) cline(b []byte) cline {
	if p.xlat {
		return cline{b: b, raw: b}
	}
	c := cline{b: b, raw: p.ext[p.ls:p.le]}
	if p.le+1 < len(p.ext) {
		c.next = p.ext[p.le+1:]
	}
	return c
}

// timers parses the 5 timers of the current line at tp into p.tv, once per
// line: tp is always the same field.
func (p *proc) timers(b []byte, tp int) (n int, neg bool) {
	if !p.tvDone {
		p.tvN, p.tvNeg = formats.ParseTimers(b, tp, p.tv[:5])
		p.tvDone = true
	}
	return p.tvN, p.tvNeg
}

func (p *proc) truncated(b []byte, lineno int) {
	if p.c.o.Quiet {
		return
	}
	r := p.r
	r.diag = append(r.diag, p.line(b)...)
	r.diag = append(r.diag, '\n')
	r.diags = append(r.diags, diag{line: lineno, end: len(r.diag)})
}

// processLine handles one line (already cut at its first NUL byte), whose
// first fields are in p.f. lineno is the line's number within the chunk
// (1-based). It reports whether the line reached the output handler (halog
// then checks -m).
func (p *proc) processLine(b []byte, lineno int) bool {
	c := p.c
	o := c.o
	f := &p.f // located by processChunk
	p.tvDone = false
	var acc int
	var ok bool
	if c.h == hIP {
		if _, ok = f.at(c.srcN); ok {
			acc, ok = f.at(c.srcN + 1)
		}
	} else {
		acc, ok = f.at(c.accN)
	}
	if !ok || b[acc] != '[' || formats.At(b, acc+1)-'0' > 3 {
		p.r.parseErr++
		return false
	}
	if c.filters {
		test, abort := p.filter(b, acc, lineno)
		if abort {
			return false
		}
		if test == o.Invert {
			return false
		}
	} else if o.Invert {
		return false
	}
	switch c.h {
	case hCount:
		p.lout++
	case hPrint:
		p.r.out = append(p.r.out, p.line(b)...)
		p.r.out = append(p.r.out, '\n')
		p.lout++
	case hStatus:
		p.countStatus(b, acc, lineno)
	case hCookie, hTerm:
		p.countCodes(b, acc, lineno)
	case hSrv:
		p.countSrv(b, acc, lineno)
	case hURL:
		p.countURL(b, acc, lineno)
	case hIP:
		p.countIP(b, acc, lineno)
	case hGraphs:
		p.graphs(b, acc, lineno)
	case hHoles:
		p.holes(b, acc, lineno)
	case hHdr:
		p.header(b, acc, lineno)
	case hPctBy:
		p.pctBy(b, acc, lineno)
	}
	return true
}

// filter evaluates the input filters in halog's order. abort means the line
// was reported as truncated or counted as a parse error.
func (p *proc) filter(b []byte, acc, lineno int) (test, abort bool) {
	o := p.c.o
	f := &p.f
	an := p.c.accN
	if p.c.h == hIP {
		an = p.c.srcN + 1
	}
	test = true
	if o.TimeRange {
		cl := p.cline(b)
		ts := p.ts.timestamp(&cl, acc)
		test = ts >= o.TimeMin && ts <= o.TimeMax
	}
	if o.HTTPOnly || o.RespTime {
		tp, ok := f.at(an + offTime)
		if !ok {
			p.truncated(b, lineno)
			return false, true
		}
		if p.c.timers {
			// the output parses the same timers: parse them once (the
			// first 4 parts do not depend on how many are parsed)
			n, _ := p.timers(b, tp)
			test = test && (!o.HTTPOnly || n >= 4)
			if o.RespTime {
				if n < 4 {
					p.r.parseErr++
					return false, true
				}
				test = test && ((p.tv[3] >= o.RespTimeMin) != o.InvertRespTime)
			}
		} else if o.HTTPOnly {
			test = test && formats.CountParts(b, tp, 4) >= 4
		}
		if o.RespTime && !p.c.timers {
			n, _ := formats.ParseTimers(b, tp, p.tv[:4])
			if n < 4 {
				p.r.parseErr++
				return false, true
			}
			test = test && ((p.tv[3] >= o.RespTimeMin) != o.InvertRespTime)
		}
	}
	if o.Errors || o.Status {
		sp, ok := f.at(an + offStatus)
		if !ok {
			p.truncated(b, lineno)
			return false, true
		}
		v := formats.ParseInt(b, sp)
		if o.Errors {
			test = test && ((v < 0 || (v >= 500 && v <= 599)) != o.InvertErrors)
		}
		if o.Status {
			test = test && ((v >= o.StatusMin && v <= o.StatusMax) != o.InvertStatus)
		}
	}
	if o.Queued || o.QueuedSrv {
		qp, ok := f.at(an + offQueue)
		if !ok {
			p.truncated(b, lineno)
			return false, true
		}
		if b[qp] == '0' {
			if o.QueuedSrv {
				test = false
			} else {
				pass := false
				for i := qp + 1; i < len(b); i++ {
					if b[i] == '/' {
						pass = formats.At(b, i+1)-'1' < 9
						break
					}
				}
				test = test && pass
			}
		}
	}
	if o.TermCode {
		tp, ok := f.at(an + offTerm)
		if !ok {
			p.truncated(b, lineno)
			return false, true
		}
		name := o.TermCodeName
		m := b[tp] == atStr(name, 0) && formats.At(b, tp+1) == atStr(name, 1)
		test = test && (m != o.InvertTermCode)
	}
	return test, false
}

func atStr(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func (p *proc) accN() int {
	if p.c.h == hIP {
		return p.c.srcN + 1
	}
	return p.c.accN
}

func (p *proc) countStatus(b []byte, acc, lineno int) {
	sp, ok := p.f.at(p.c.accN + offStatus)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	p.agg.status.add(formats.ParseInt(b, sp), 1)
}

func (p *proc) countCodes(b []byte, acc, lineno int) {
	tp, ok := p.f.at(p.c.accN + offTerm)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	if p.c.h == hCookie {
		tp += 2
	}
	cl := p.cline(b)
	k := 256*int32(int8(cl.at(tp))) + int32(int8(cl.at(tp+1)))
	p.agg.codes[k-codeMin]++
}

func (p *proc) countSrv(b []byte, acc, lineno int) {
	f := &p.f
	sp, ok := f.at(p.c.accN + offServer)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	// the server name ends before the spaces preceding the next field
	tp, ok := f.at(p.c.accN + offTime)
	var e int
	if ok {
		for e = tp - 1; b[e-1] == ' '; e-- {
		}
	} else {
		e = formats.FieldEnd(b, sp)
	}
	s := p.agg.server(b[sp:e])
	if !ok {
		p.truncated(b, lineno)
		return
	}
	n, neg := p.timers(b, tp)
	if n < 5 {
		p.r.parseErr++
		return
	}
	p.srvTimers(s, neg)
	st, ok := f.at(p.c.accN + offStatus)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	srvStatus(s, b[st])
}

// srvTimers adds the timers in p.tv (5 parts, neg: one is negative) to s.
func (p *proc) srvTimers(s *srvStat, neg bool) {
	if !neg {
		s.nbOK++
	}
	if p.tv[2] >= 0 {
		s.cumCT += uint64(p.tv[2])
		s.nbCT++
	}
	if p.tv[3] >= 0 {
		s.cumRT += uint64(p.tv[3])
		s.nbRT++
	}
}

// srvStatus counts in s the status class whose first digit is d.
func srvStatus(s *srvStat, d byte) {
	cl := 0
	if d -= '0'; d >= 1 && d <= 5 {
		cl = int(d)
	}
	s.st[cl]++
}

// allTimers parses the five timers of the line whose accept date is field
// an into p.tv; false (the line reported as truncated or counted as a
// parse error) when there are fewer. neg: one of them is negative.
func (p *proc) allTimers(b []byte, an, lineno int) (neg, ok bool) {
	tp, ok := p.f.at(an + offTime)
	if !ok {
		p.truncated(b, lineno)
		return false, false
	}
	n, neg := p.timers(b, tp)
	if n < 5 {
		p.r.parseErr++
		return false, false
	}
	return neg, true
}

func (p *proc) countURL(b []byte, acc, lineno int) {
	neg, ok := p.allTimers(b, p.c.accN, lineno)
	if !ok {
		return
	}
	bp, _ := p.f.at(p.c.accN + offBytes)
	st := p.urlStat(neg, formats.ParseInt(b, bp))
	key, ok := p.urlKey(b)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	p.agg.addURL(key, &st)
}

// urlStat returns the -u statistics of one request of the timers in p.tv
// (neg: one is negative) and the byte count bytes.
func (p *proc) urlStat(neg bool, bytes int32) urlStat {
	var st urlStat
	st.addReq(p.tv[3], p.tv[4], neg, bytes)
	return st
}

// quoteField returns the first field from the field starting at start (or
// len(b)) that begins with '"' or with `\"` (halog's search for the
// request), or len(b) if there is none. The quotes are located with
// bytes.IndexByte rather than walking the fields one by one.
func quoteField(b []byte, start int) int {
	for q := start; q < len(b); q++ {
		i := bytes.IndexByte(b[q:], '"')
		if i < 0 {
			break
		}
		q += i
		if q == start || b[q-1] == ' ' {
			return q
		}
		if b[q-1] == '\\' && (q-1 == start || b[q-2] == ' ') {
			return q - 1
		}
	}
	return len(b)
}

func (p *proc) countIP(b []byte, acc, lineno int) {
	f := &p.f
	an := p.c.srcN + 1
	if _, ok := p.allTimers(b, an, lineno); !ok {
		return
	}
	bp, _ := f.at(an + offBytes)
	st := p.ipStat(formats.ParseInt(b, bp))
	// the source field ends before the spaces preceding the accept field
	s, _ := f.at(p.c.srcN)
	e := acc - 1
	for b[e-1] == ' ' {
		e--
	}
	for e > s && b[e-1] != ':' {
		e--
	}
	key := b[s:]
	if e > s {
		key = b[s : e-1]
	}
	p.agg.addURL(key, &st)
}

// ipStat returns the -ic statistics of one request of the timers in p.tv
// and the byte count bytes.
func (p *proc) ipStat(bytes int32) urlStat {
	var st urlStat
	st.addReq(p.tv[0], p.tv[4], p.tv[0] < 0 || p.tv[4] < 0, bytes)
	return st
}

func (p *proc) graphs(b []byte, acc, lineno int) {
	tp, ok := p.f.at(p.c.accN + offTime)
	if !ok {
		p.truncated(b, lineno)
		return
	}
	n, neg := p.timers(b, tp)
	if n < 5 {
		p.r.parseErr++
		return
	}
	p.graphTimers(b, neg)
}

// graphTimers adds the timers in p.tv (5 parts, neg: one is negative) of
// line b to the -gt/-pct data.
func (p *proc) graphTimers(b []byte, neg bool) {
	v := &p.tv
	a := p.agg
	if neg {
		if p.c.o.Graph {
			a.gt[0].add(quantize(v[4]), 1)
		}
		return
	}
	p.lout++
	td := v[4] - (v[0] + v[1] + v[2] + v[3])
	if td < 0 && !p.c.o.Quiet {
		r := p.r
		r.diag = append(r.diag, "ERR: "...)
		r.diag = append(r.diag, p.line(b)...)
		r.diag = append(r.diag, " ("...)
		for i := range 5 {
			r.diag = strconv.AppendInt(r.diag, int64(v[i]), 10)
			r.diag = append(r.diag, ' ')
		}
		r.diag = append(r.diag, "=> "...)
		r.diag = strconv.AppendInt(r.diag, int64(td), 10)
		r.diag = append(r.diag, ")\n"...)
		r.diags = append(r.diags, diag{end: len(r.diag)})
	}
	if p.c.o.Graph {
		a.gt[1].add(quantize(v[0]), 1)
		a.gt[2].add(quantize(v[2]), 1)
		a.gt[3].add(quantize(v[3]), 1)
		a.gt[4].add(quantize(td), 1)
	} else {
		a.pct[1].add(v[0], 1)
		a.pct[2].add(v[2], 1)
		a.pct[3].add(v[3], 1)
		a.pct[4].add(td, 1)
	}
}

func (p *proc) holes(b []byte, acc, lineno int) {
	ms := acceptMillis(b, acc)
	if ms < 0 {
		p.truncated(b, lineno)
		return
	}
	p.agg.holes[uint32(ms)]++
}

func (p *proc) header(b []byte, acc, lineno int) {
	e, _ := p.f.at(p.accN() + offMeth)
	r := p.r
	for blk := p.c.o.HdrBlock; blk > 0; blk-- {
		for e < len(b) && b[e] != '"' && b[e] != '{' {
			if b[e] == '\\' && formats.At(b, e+1) == '"' {
				break
			}
			e = formats.FieldStart(b, e, 2)
		}
		if e >= len(b) {
			p.truncated(b, lineno)
			return
		}
		if b[e] != '{' {
			r.out = append(r.out, '\n')
			p.lout++
			return
		}
		e++
	}
	for f := p.c.o.HdrField; f > 1; f-- {
		for e < len(b) && b[e] != '|' && b[e] != '}' {
			e++
		}
		if e >= len(b) {
			p.truncated(b, lineno)
			return
		}
		if b[e] == '}' {
			r.out = append(r.out, '\n')
			p.lout++
			return
		}
		e++
	}
	s := e
	for e < len(b) && b[e] != '|' && b[e] != '}' {
		e++
	}
	if e >= len(b) {
		p.truncated(b, lineno)
		return
	}
	r.out = append(r.out, b[s:e]...)
	r.out = append(r.out, '\n')
	p.lout++
}
