package halog

import (
	"bytes"
	"encoding/binary"

	"github.com/haplog/haplog/formats"
)

// The direct path: for the reports that read only a few values (-st,
// -srv, -ic, -pct/-gt, and -u* when the request is logged as %HM %HU %HV)
// and the filters on them (-H, -rt/-RT, -e/-E, -hs/-HS), a line of a
// custom log-format is handled from the spans of its values, without
// rewriting it into halog's layout and locating that layout's fields
// again. It applies only when the rewrite's fields would
// hold exactly those values: the line matches the format in full (not cut),
// every value up to the last field read is non-empty where it is a whole
// field and holds no byte <= ' ' (that would move halog's field
// boundaries), and the 5 timers stand in the message as one
// "TR/Tw/Tc/Tr/Ta" list. Any other line goes the rewrite's way, which is
// the reference behaviour both paths must give.

// directMode is how the direct path applies to a run.
type directMode uint8

const (
	directOff    directMode = iota
	directOn                // the handlers read no timers
	directTimers            // they read the timers
)

// directWay returns how the direct path applies to the run of c.
func (c *config) directWay() directMode {
	if !c.directOK() {
		return directOff
	}
	if c.timers || c.o.HTTPOnly || c.o.RespTime {
		return directTimers
	}
	return directOn
}

// directOK reports whether the direct path can handle the run of c.
func (c *config) directOK() bool {
	o, l := c.o, c.lf
	if l == nil || l.identity || l.tcp || o.Follow || o.HTML != "" || o.PctBy != "" ||
		o.Queued || o.QueuedSrv || o.TermCode || o.TimeRange {
		return false
	}
	for _, s := range []int{l.TR, l.Tw, l.Tc, l.Tr, l.Ta} {
		if s < 0 {
			return false
		}
	}
	if (o.Errors || o.Status) && l.st < 0 {
		return false
	}
	switch c.h {
	case hCount:
		return true
	case hStatus:
		return l.st >= 0
	case hSrv:
		return l.st >= 0 && l.b >= 0 && l.s >= 0
	case hIP:
		return l.ci >= 0 && l.bytes >= 0
	case hGraphs:
		return true
	case hURL:
		// the request from %HM "%HU" %HV (see directURL)
		return l.r < 0 && l.hm >= 0 && l.hu >= 0 && l.hv >= 0 && l.bytes >= 0
	}
	return false
}

// clean reports whether v can stand as (part of) a field: no byte <= ' '.
func clean(v []byte) bool {
	if len(v) < 8 {
		for _, c := range v {
			if c <= ' ' {
				return false
			}
		}
		return true
	}
	// 8 bytes a word, the last word overlapping the one before it (any
	// byte < 0x21 sets the high bit of its lane by the borrow, not by the
	// byte itself)
	const ones, highs = 0x2121212121212121, 0x8080808080808080
	last := binary.LittleEndian.Uint64(v[len(v)-8:])
	acc := (last - ones) &^ last
	for ; len(v) > 8; v = v[8:] {
		w := binary.LittleEndian.Uint64(v)
		acc |= (w - ones) &^ w
	}
	return acc&highs == 0
}

// directLine handles line by the direct path. handled is false when the
// line needs the rewrite; out reports, as processLine, whether it reached
// the output handler.
func (p *proc) directLine(line []byte, lineno int) (handled, out bool) {
	c := p.c
	o := c.o
	l := c.lf
	msg := p.body(line)
	sp := p.spans
	if _, ok, cut := l.rd.ReadSlots(msg, sp, l.upto); !ok || cut {
		return false, false
	}
	val := func(slot int) []byte { return msg[sp[slot].Start:sp[slot].End] }
	has := func(slot int) bool { return slot >= 0 && sp[slot].Start >= 0 }
	cleanv := func(slot int) bool { return l.tight[slot] || clean(val(slot)) }
	// field 1: source:port
	src := l.ci
	if src < 0 {
		src = l.srcIP
	}
	if has(src) && !cleanv(src) || has(l.cp) && !cleanv(l.cp) {
		return false, false
	}
	// field 2: [date], whose first digit halog checks
	d0, ok := l.dateField(msg, sp)
	if !ok {
		return false, false
	}
	// field 3: the frontend, 4: backend/server
	fe := l.ft
	if !has(fe) {
		fe = l.f
	}
	if has(fe) && (sp[fe].Start == sp[fe].End || !cleanv(fe)) ||
		has(l.b) && !cleanv(l.b) || has(l.s) && !cleanv(l.s) {
		return false, false
	}
	// field 5: the timers, as one list (when read)
	ts, te := sp[l.TR].Start, sp[l.TR].End
	if c.direct == directTimers && l.timerList {
		// the reader matched them as one list (the line is read in full,
		// up to Ta at least)
		if ts < 0 || sp[l.Ta].Start < 0 {
			return false, false
		}
		te = sp[l.Ta].End
	} else if c.direct == directTimers {
		if ts < 0 {
			return false, false
		}
		for _, s := range [...]int{l.Tw, l.Tc, l.Tr, l.Ta} {
			v := sp[s]
			if v.Start < 0 || v.Start != te+1 || msg[te] != '/' {
				return false, false
			}
			te = v.End
		}
	}
	// field 6: the status, 7: the bytes
	var stv []byte
	if has(l.st) {
		if stv = val(l.st); len(stv) == 0 || !cleanv(l.st) {
			return false, false
		}
	}
	var bv, key []byte
	if c.h == hIP || c.h == hURL {
		if bv = val(l.bytes); len(bv) == 0 || !cleanv(l.bytes) || c.h == hIP && has(l.cp) && bytes.IndexByte(val(l.cp), ':') >= 0 {
			return false, false
		}
	}
	if c.h == hURL {
		if key = p.directURL(msg); key == nil {
			return false, false
		}
	}
	// the values are those of the rewritten line's fields
	if !p.spanRead(line, d0) {
		return true, false
	}
	n, neg := 0, false
	if c.direct == directTimers {
		if n = 5; !timerDigits(msg[ts:te], &p.tv) {
			n, neg = formats.ParseTimers(msg[:te], int(ts), p.tv[:5])
		}
	}
	if c.filters {
		test := true
		if o.HTTPOnly {
			test = n >= 4
		}
		if o.RespTime {
			if n < 4 {
				p.r.parseErr++
				return true, false
			}
			test = test && ((p.tv[3] >= o.RespTimeMin) != o.InvertRespTime)
		}
		if o.Errors || o.Status {
			v := formats.ParseInt(stv, 0)
			if o.Errors {
				test = test && ((v < 0 || (v >= 500 && v <= 599)) != o.InvertErrors)
			}
			if o.Status {
				test = test && ((v >= o.StatusMin && v <= o.StatusMax) != o.InvertStatus)
			}
		}
		if test == o.Invert {
			return true, false
		}
	} else if o.Invert {
		return true, false
	}
	if c.timers && n < 5 {
		p.r.parseErr++
		return true, true
	}
	switch c.h {
	case hCount:
		p.lout++
	case hStatus:
		p.agg.status.add(formats.ParseInt(stv, 0), 1)
	case hSrv:
		k := append(p.tbuf[:0], val(l.b)...)
		k = append(k, '/')
		k = append(k, val(l.s)...)
		p.tbuf = k
		s := p.agg.server(k)
		p.srvTimers(s, neg)
		srvStatus(s, stv[0])
	case hIP:
		st := p.ipStat(formats.ParseInt(bv, 0))
		p.agg.addURL(val(src), &st)
	case hURL:
		st := p.urlStat(neg, formats.ParseInt(bv, 0))
		p.agg.addURL(key, &st)
	case hGraphs:
		p.graphTimers(line, neg)
	}
	return true, true
}

// spanRead records that line is read from its spans, as the rewrite of
// it would be, and reports false, counting a parse error, when halog
// rejects its date (d0, its first byte, above '3').
func (p *proc) spanRead(line []byte, d0 byte) bool {
	p.orig = line
	p.xlat = true
	if d0-'0' > 3 {
		p.r.parseErr++
		return false
	}
	return true
}

// dateField returns the first byte of the date of msg, read into sp, that
// halog checks ('0' when the format has none), and false when the date
// would not stand as one field of halog's layout (a byte <= ' ').
func (l *lineFormat) dateField(msg []byte, sp []formats.Span) (d0 byte, ok bool) {
	val := func(slot int) []byte { return msg[sp[slot].Start:sp[slot].End] }
	has := func(slot int) bool { return slot >= 0 && sp[slot].Start >= 0 }
	cleanv := func(slot int) bool { return l.tight[slot] || clean(val(slot)) }
	switch {
	case has(l.tr) || has(l.t):
		z := l.tr
		if !has(z) {
			z = l.t
		}
		d := val(z)
		if !clean(d) {
			return 0, false
		}
		return d[0], true
	case has(l.trz) || has(l.tz):
		z := l.trz
		if !has(z) {
			z = l.tz
		}
		d := val(z)
		if !clean(d[:min(20, len(d))]) || has(l.ms) && !cleanv(l.ms) {
			return 0, false
		}
		return d[0], true
	case has(l.ts):
		if has(l.ms) && !cleanv(l.ms) {
			return 0, false
		}
	}
	return '0', true
}

// timerDigits parses b, the 5 timers' list, into tv when it is 5 parts of
// digits only (the usual case), with what ParseTimers gives; false (tv
// then undefined) for any other list: a sign, an empty last part, a part
// past int32, whose ParseTimers's way differs.
func timerDigits(b []byte, tv *[5]int32) bool {
	if len(b) == 0 || b[len(b)-1] == '/' {
		return false
	}
	n, v := 0, uint32(0)
	for _, c := range b {
		if d := uint32(c) - '0'; d <= 9 {
			v = v*10 + d
			continue
		}
		if c != '/' || n == 4 || int32(v) < 0 {
			return false
		}
		tv[n] = int32(v)
		n, v = n+1, 0
	}
	tv[4] = int32(v)
	return n == 4 && int32(v) >= 0
}

// directURL returns the -u key of the message msg read into p.spans: the
// URL of the request the rewrite writes ("%HM %HU %HV"), up to its query
// unless -query, as halog finds it in the rewritten line. It returns nil
// when halog would look elsewhere: a field between the byte count and the
// request that is empty or holds a byte <= ' ', a capture block holding a
// quote (halog takes the first field that starts with one for the
// request), an empty or <BADREQ> method or URL, a method or URL with a byte
// <= ' ', or an HTTP/0.9 request line cut after the URL (no space after
// it in the rewrite: the key would run into the closing quote).
func (p *proc) directURL(msg []byte) []byte {
	l, sp := p.c.lf, p.spans
	val := func(slot int) []byte { return msg[sp[slot].Start:sp[slot].End] }
	has := func(slot int) bool { return slot >= 0 && sp[slot].Start >= 0 }
	cleanv := func(slot int) bool { return l.tight[slot] || clean(val(slot)) }
	for _, s := range l.urlWhole {
		if has(s) && (sp[s].Start == sp[s].End || !cleanv(s)) {
			return nil
		}
	}
	switch {
	case has(l.tsc):
		if v := val(l.tsc); len(v) == 0 || !clean(v[:min(4, len(v))]) {
			return nil
		}
	case has(l.tsShort):
		if !cleanv(l.tsShort) {
			return nil
		}
	}
	for _, s := range l.urlClean {
		if has(s) && !clean(val(s)) {
			return nil
		}
	}
	for _, s := range l.urlQuote {
		if has(s) && bytes.IndexByte(val(s), '"') >= 0 {
			return nil
		}
	}
	if !has(l.hm) || !has(l.hu) || !has(l.hv) {
		return nil
	}
	m, u, v := val(l.hm), val(l.hu), val(l.hv)
	// HTTP/0.9: the rewrite ends the URL with a space, as %r does, unless
	// the request line was cut there
	if len(m) == 0 || len(u) == 0 || !clean(m) || !clean(u) ||
		string(v) == "HTTP/0.9" && len(m)+1+rawLen(u) >= formats.RequestLineMax ||
		bytes.Equal(m, badReq) || bytes.Equal(u, badReq) {
		return nil
	}
	if p.c.o.Query {
		return u
	}
	for i, c := range u {
		if c == '?' || c == ';' {
			return u[:i]
		}
	}
	return u
}
