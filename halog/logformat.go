package halog

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/haplog/haplog/formats"
)

// ErrMissingVar is wrapped by the error returned when a report needs a
// variable the log format lacks.
var ErrMissingVar = errors.New("missing log-format variable")

// namedFormats are the -log-format names of HAProxy's predefined formats.
var namedFormats = map[string]string{
	"httplog":  formats.HTTPLogFormat,
	"tcplog":   formats.TCPLogFormat,
	"httpslog": formats.HTTPSLogFormat,
	"clf":      formats.CLFLogFormat,
}

// lineFormat reads lines of a log-format and rewrites each into the
// httplog (or tcplog) layout halog's field code reads, so that every report
// gives on a custom-format line exactly what halog gives on the same
// request logged with option httplog (tcplog). The rewrite copies the
// bytes of each value as the log shows them (numbers are not reparsed), so
// halog's quirks (str2ic on "+123", a negative timer) carry over.
type lineFormat struct {
	rd  *formats.Reader
	src string
	tcp bool // rewrite to the tcplog layout (no HTTP timers in the format)
	// slots (-1: absent)
	ci, cp, srcIP                   int
	tr, t, trz, tz, ts, ms          int // dates: with ms (%tr, %t), with zone (%trl %trg, %T %Tl), %Ts, %ms
	ft, f, b, s                     int
	TR, Tw, Tc, Tr, Ta, Tt          int
	st, bytes, cc, cs, tsc, tsShort int
	ac, fc, bc, sc, rc, sq, bq      int
	hr, hs, r, hm, hu, hp, hv       int
	identity                        bool // the format is httplog itself
	// what the selected filters and reports read: the request (-u*, -hdr,
	// -pct-by url), the captures (-hdr), and the slots up to the last one
	// they need (Read stops there)
	needReq, needCaps bool
	upto              int
	// fields is the number of fields of halog's layout the reports and
	// filters read (the rewrite stops there), 0 for all
	fields int
	loc    *time.Location
	// timerList: the format writes the 5 timers as "TR/Tw/Tc/Tr/Ta", each
	// read as a number (formats.Reader.Joined), so that a line read in
	// full holds them as one list
	timerList bool
	// tight[slot]: the reader delimits the values of slot so that they
	// never hold a byte <= ' ' (numbers, addresses)
	tight []bool
	// the slots of directURL's checks the format has: whole fields (%CC
	// %CS), values that may hold a byte <= ' ' (of %ac..%bq), captures
	urlWhole, urlClean, urlQuote []int
}

// resolveFormat compiles the log format selected by -log-format or
// -haproxy-cfg.
func resolveFormat(o *Options) (*lineFormat, error) {
	src := o.LogFormat
	reqCaps, respCaps := -1, -1
	if o.HAProxyCfg != "" {
		var err error
		if o.ConfigFormat == nil {
			return nil, errors.New("-haproxy-cfg: no HAProxy configuration reader in this build")
		}
		src, reqCaps, respCaps, err = o.ConfigFormat(o.HAProxyCfg, o.Proxy)
		if err != nil {
			return nil, err
		}
	} else if s, ok := namedFormats[src]; ok {
		src = s
	}
	f, err := formats.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("-log-format: %w", err)
	}
	rd := f.NewReader(reqCaps, respCaps)
	l := &lineFormat{rd: rd, src: src, loc: o.Location, identity: src == formats.HTTPLogFormat}
	if l.loc == nil {
		l.loc = time.UTC
	}
	sl := rd.Slot
	l.ci, l.cp, l.srcIP = sl("ci"), sl("cp"), sl("src")
	l.tr, l.t, l.trz, l.tz, l.ts, l.ms = sl("tr"), sl("t"), first(sl("trl"), sl("trg")), first(sl("Tl"), sl("T")), sl("Ts"), sl("ms")
	l.ft, l.f, l.b, l.s = sl("ft"), sl("f"), sl("b"), sl("s")
	l.TR, l.Tw, l.Tc, l.Tr, l.Ta, l.Tt = sl("TR"), sl("Tw"), sl("Tc"), sl("Tr"), sl("Ta"), sl("Tt")
	l.st, l.bytes, l.cc, l.cs, l.tsc, l.tsShort = sl("ST"), sl("B"), sl("CC"), sl("CS"), sl("tsc"), sl("ts")
	l.ac, l.fc, l.bc, l.sc, l.rc, l.sq, l.bq = sl("ac"), sl("fc"), sl("bc"), sl("sc"), sl("rc"), sl("sq"), sl("bq")
	l.hr, l.hs, l.r, l.hm, l.hu, l.hp, l.hv = sl("hr"), sl("hs"), sl("r"), sl("HM"), sl("HU"), sl("HP"), sl("HV")
	l.tcp = l.TR < 0 && l.Tr < 0 && l.Ta < 0 && l.Tt >= 0
	l.timerList = l.TR >= 0 && l.Tw == l.TR+1 && l.Tc == l.TR+2 && l.Tr == l.TR+3 && l.Ta == l.TR+4
	for k := l.TR; l.timerList && k < l.Ta; k++ {
		l.timerList = rd.Joined(k, "/")
	}
	l.tight = make([]bool, rd.Slots())
	for i := range l.tight {
		l.tight[i] = rd.Tight(i)
	}
	for _, s := range []int{l.cc, l.cs} {
		if s >= 0 {
			l.urlWhole = append(l.urlWhole, s)
		}
	}
	for _, s := range []int{l.ac, l.fc, l.bc, l.sc, l.rc, l.sq, l.bq} {
		if s >= 0 && !l.tight[s] {
			l.urlClean = append(l.urlClean, s)
		}
	}
	for _, s := range []int{l.hr, l.hs} {
		if s >= 0 {
			l.urlQuote = append(l.urlQuote, s)
		}
	}
	if err := l.check(o); err != nil {
		return nil, err
	}
	l.needReq = o.URL != 0 || o.Header || o.PctBy == "url"
	l.needCaps = o.Header
	l.upto = 0
	for _, s := range l.slotsRead(o) {
		l.upto = max(l.upto, s+1)
	}
	if l.needReq {
		l.upto = max(l.upto, l.r+1, l.hm+1, l.hu+1, l.hp+1, l.hv+1)
	}
	if l.needCaps || l.needReq { // -u finds the request after the captures
		l.upto = max(l.upto, l.hr+1, l.hs+1)
	}
	if o.PctBy != "" && timerPart(o.PctTimer) < 0 {
		l.upto = max(l.upto, rd.Slot(o.PctTimer)+1)
	}
	return l, nil
}

// slotsRead returns the slots of the values the selected filters and
// report read from the rewritten line (besides the request and captures):
// the date (whose first digit every line is checked on) and, for the
// reports and filters listed below, only their fields; for the others
// (and a tcplog-like format) every value halog's layout holds.
func (l *lineFormat) slotsRead(o *Options) []int {
	all := []int{l.ci, l.cp, l.srcIP, l.tr, l.t, l.trz, l.tz, l.ts, l.ms, l.ft, l.f, l.b, l.s,
		l.TR, l.Tw, l.Tc, l.Tr, l.Ta, l.Tt, l.st, l.bytes, l.cc, l.cs, l.tsc, l.tsShort,
		l.ac, l.fc, l.bc, l.sc, l.rc, l.sq, l.bq}
	if l.tcp || o.AccHoles || o.Graph || o.Header || o.PctBy != "" || o.HTML != "" || o.Follow {
		return all
	}
	timers := []int{l.TR, l.Tw, l.Tc, l.Tr, l.Ta, l.Tt}
	slots := []int{l.tr, l.t, l.trz, l.tz, l.ts, l.ms}
	add := func(when bool, s ...int) {
		if when {
			slots = append(slots, s...)
		}
	}
	add(o.HTTPOnly || o.RespTime || o.Servers || o.URL != 0 || o.IPCount || o.Percentile, timers...)
	add(o.Errors || o.Status || o.StatusHist || o.Servers || o.URL != 0 || o.IPCount, l.st)
	add(o.Servers, l.b, l.s)
	add(o.URL != 0 || o.IPCount, l.bytes)
	add(o.IPCount, l.ci, l.cp, l.srcIP)
	add(o.Queued || o.QueuedSrv, l.sq, l.bq)
	add(o.TermCode || o.TermHist || o.CookieHist, l.tsc, l.tsShort)
	return slots
}

func first(a, b int) int {
	if a >= 0 {
		return a
	}
	return b
}

// check reports the first variable a selected filter or report needs and
// the format lacks.
func (l *lineFormat) check(o *Options) error {
	type need struct {
		when bool
		what string
		vars []int
		name string
	}
	anyOf := func(v ...int) []int { return v }
	date := anyOf(l.tr, l.t, l.trz, l.tz, l.ts)
	dateMs := anyOf(l.tr, l.t, l.ms)
	var needs []need
	if l.tcp {
		tm := func(when bool, what string) []need {
			return []need{{when, what, anyOf(l.Tw), "%Tw"}, {when, what, anyOf(l.Tc), "%Tc"}, {when, what, anyOf(l.Tt), "%Tt"}}
		}
		needs = append(needs, tm(o.HTTPOnly || o.RespTime, "-H/-rt/-RT")...)
		needs = append(needs, tm(o.Servers || o.URL != 0 || o.IPCount || o.Graph || o.Percentile, "this report")...)
		needs = append(needs,
			need{o.Errors || o.Status || o.StatusHist || o.Servers, "the status filter or report (the byte count in tcplog)", anyOf(l.bytes), "%B"},
			need{o.TermCode || o.TermHist || o.CookieHist, "-tcn/-tc/-cc", anyOf(l.tsShort, l.tsc), "%ts"},
		)
	} else {
		tm := func(when bool, what string, all bool) []need {
			n := []need{{when, what, anyOf(l.TR), "%TR"}, {when, what, anyOf(l.Tw), "%Tw"},
				{when, what, anyOf(l.Tc), "%Tc"}, {when, what, anyOf(l.Tr), "%Tr"}}
			if all {
				n = append(n, need{when, what, anyOf(l.Ta), "%Ta"})
			}
			return n
		}
		needs = append(needs, tm(o.HTTPOnly, "-H", false)...)
		needs = append(needs, tm(o.RespTime, "-rt/-RT", false)...)
		needs = append(needs, tm(o.Servers, "-srv", true)...)
		needs = append(needs, tm(o.URL != 0, "-u*", true)...)
		needs = append(needs, tm(o.IPCount, "-ic", true)...)
		needs = append(needs, tm(o.Graph || o.Percentile, "-pct/-gt", true)...)
		needs = append(needs,
			need{o.Errors, "-e/-E", anyOf(l.st), "%ST"},
			need{o.Status, "-hs/-HS", anyOf(l.st), "%ST"},
			need{o.StatusHist, "-st", anyOf(l.st), "%ST"},
			need{o.Servers, "-srv", anyOf(l.st), "%ST"},
			need{o.URL != 0, "-u*", anyOf(l.bytes), "%B"},
			need{o.URL != 0, "-u*", anyOf(l.r, l.hu, l.hp), "%r (or %HU)"},
			need{o.IPCount, "-ic", anyOf(l.bytes), "%B"},
			need{o.TermCode, "-tcn/-TCN", anyOf(l.tsc, l.tsShort), "%tsc"},
			need{o.TermHist, "-tc", anyOf(l.tsc, l.tsShort), "%tsc"},
			need{o.CookieHist, "-cc", anyOf(l.tsc), "%tsc"},
			need{o.Header, "-hdr", anyOf(l.hr), "%hr"},
			need{o.Header && o.HdrBlock > 1, "-hdr", anyOf(l.hs), "%hs"},
		)
	}
	needs = append(needs,
		need{o.Servers, "-srv", anyOf(l.b), "%b"},
		need{o.Servers, "-srv", anyOf(l.s), "%s"},
		need{o.IPCount, "-ic", anyOf(l.ci, l.srcIP), "%ci"},
		need{o.Queued || o.QueuedSrv, "-Q/-QS", anyOf(l.sq), "%sq"},
		need{o.Queued, "-Q", anyOf(l.bq), "%bq"},
		need{o.TimeRange, "-time", date, "%tr"},
		need{o.AccHoles, "-ac/-ad", dateMs, "%tr (with milliseconds)"},
	)
	for _, n := range needs {
		if !n.when {
			continue
		}
		ok := false
		for _, v := range n.vars {
			ok = ok || v >= 0
		}
		if !ok {
			return fmt.Errorf("%w: %s needs %s, not in the log format %q", ErrMissingVar, n.what, n.name, l.src)
		}
	}
	return nil
}

// rewrite appends to dst the line in halog's layout for the message msg,
// whose values are located in sp. ok is false when msg does not match the
// format. A message cut short (at a log target's len) is rewritten up to
// its first value lost to the cut, as the same cut would leave an httplog
// line truncated.
func (l *lineFormat) rewrite(dst, msg []byte, sp []formats.Span) (_ []byte, ok bool) {
	_, ok, cut := l.rd.ReadSlots(msg, sp, l.upto)
	if !ok {
		return dst, false
	}
	w := rewriter{dst: dst, msg: msg, sp: sp, cut: cut, end: -1, max: l.fields}
	// source
	if !w.field() {
		return w.done(), true
	}
	if l.ci >= 0 {
		w.put(l.ci, "-")
	} else {
		w.put(l.srcIP, "-")
	}
	w.dst = append(w.dst, ':')
	w.put(l.cp, "0")
	if !w.field() {
		return w.done(), true
	}
	w.dst = append(w.dst, '[')
	if w.lost(l.tr, l.t, l.trz, l.tz, l.ts) {
		w.mark()
	}
	w.dst = l.date(w.dst, msg, sp)
	w.dst = append(w.dst, ']')
	if !w.field() {
		return w.done(), true
	}
	if l.ft >= 0 {
		w.put(l.ft, "-")
	} else {
		w.put(l.f, "-")
	}
	if !w.field() {
		return w.done(), true
	}
	w.put(l.b, "-")
	w.dst = append(w.dst, '/')
	w.put(l.s, "-")
	if !w.field() {
		return w.done(), true
	}
	if l.tcp {
		w.list('/', sd{l.Tw, "-1"}, sd{l.Tc, "-1"}, sd{l.Tt, "0"})
		if !w.field() {
			return w.done(), true
		}
		w.put(l.bytes, "0")
		if !w.field() {
			return w.done(), true
		}
		l.term(&w, 2)
		if !w.field() {
			return w.done(), true
		}
		w.list('/', sd{l.ac, "0"}, sd{l.fc, "0"}, sd{l.bc, "0"}, sd{l.sc, "0"}, sd{l.rc, "0"})
		if !w.field() {
			return w.done(), true
		}
		w.list('/', sd{l.sq, "0"}, sd{l.bq, "0"})
		return w.done(), true
	}
	w.list('/', sd{l.TR, "-1"}, sd{l.Tw, "-1"}, sd{l.Tc, "-1"}, sd{l.Tr, "-1"}, sd{l.Ta, "0"})
	if !w.field() {
		return w.done(), true
	}
	w.put(l.st, "0")
	if !w.field() {
		return w.done(), true
	}
	w.put(l.bytes, "0")
	if !w.field() {
		return w.done(), true
	}
	w.put(l.cc, "-")
	if !w.field() {
		return w.done(), true
	}
	w.put(l.cs, "-")
	if !w.field() {
		return w.done(), true
	}
	l.term(&w, 4)
	if !w.field() {
		return w.done(), true
	}
	w.list('/', sd{l.ac, "0"}, sd{l.fc, "0"}, sd{l.bc, "0"}, sd{l.sc, "0"}, sd{l.rc, "0"})
	if !w.field() {
		return w.done(), true
	}
	w.list('/', sd{l.sq, "0"}, sd{l.bq, "0"})
	if !l.needReq && !l.needCaps {
		// nothing reads the captures and the request: leave them out
		return w.done(), true
	}
	if w.has(l.hr) {
		if !w.field() {
			return w.done(), true
		}
		w.put(l.hr, "")
	}
	if w.has(l.hs) {
		if !w.field() {
			return w.done(), true
		}
		w.put(l.hs, "")
	}
	if !w.field() {
		return w.done(), true
	}
	if w.lost(l.r, l.hm, l.hu, l.hp) {
		w.mark()
	}
	w.dst = l.request(w.dst, msg, sp)
	return w.done(), true
}

// rewriter builds one rewritten line.
type rewriter struct {
	dst, msg []byte
	sp       []formats.Span
	cut      bool // the message was cut short
	start    int  // start of the current field (before its space)
	end      int  // where the rewrite stops (first value lost to the cut), -1
	nf, max  int  // fields started, and how many the reports read (0: all)
}

// field starts a new field (a space unless first). It returns false, and
// starts nothing, when the fields the reports read are all written.
func (w *rewriter) field() bool {
	if w.nf == w.max && w.max > 0 {
		return false
	}
	w.nf++
	w.start = len(w.dst)
	if w.start > 0 {
		w.dst = append(w.dst, ' ')
	}
	return true
}

func (w *rewriter) has(slot int) bool { return slot >= 0 && w.sp[slot].Start >= 0 }

// lost reports whether the cut took all the format's slots among slots
// (none of them present, one at least in the format).
func (w *rewriter) lost(slots ...int) bool {
	if !w.cut {
		return false
	}
	in := false
	for _, s := range slots {
		if w.has(s) {
			return false
		}
		in = in || s >= 0
	}
	return in
}

// mark ends the rewrite before the current field.
func (w *rewriter) mark() {
	if w.end < 0 {
		w.end = w.start
	}
}

// put appends the value of slot, or def when the format lacks it.
func (w *rewriter) put(slot int, def string) {
	switch {
	case w.has(slot):
		s := w.sp[slot]
		w.dst = append(w.dst, w.msg[s.Start:s.End]...)
	case slot >= 0 && w.cut:
		w.mark()
	default:
		w.dst = append(w.dst, def...)
	}
}

// sd is a slot and the text written when the format lacks it.
type sd struct {
	slot int
	def  string
}

// list appends values separated by sep.
func (w *rewriter) list(sep byte, items ...sd) {
	if s, e, ok := w.contiguous(sep, items); ok {
		// the message holds the list as halog's layout does (the usual
		// "%TR/%Tw/%Tc/%Tr/%Ta"): one copy
		w.dst = append(w.dst, w.msg[s:e]...)
		return
	}
	for i, it := range items {
		if i > 0 {
			w.dst = append(w.dst, sep)
		}
		w.put(it.slot, it.def)
	}
}

// contiguous reports whether every item is present and the message holds
// them one after the other separated by sep, and returns their bounds.
func (w *rewriter) contiguous(sep byte, items []sd) (s, e int32, ok bool) {
	if items[0].slot < 0 {
		return 0, 0, false
	}
	s, e = w.sp[items[0].slot].Start, w.sp[items[0].slot].End
	if s < 0 {
		return 0, 0, false
	}
	for _, it := range items[1:] {
		if it.slot < 0 {
			return 0, 0, false
		}
		v := w.sp[it.slot]
		if v.Start != e+1 || w.msg[e] != sep {
			return 0, 0, false
		}
		e = v.End
	}
	return s, e, true
}

func (w *rewriter) done() []byte {
	if w.end >= 0 {
		return w.dst[:w.end]
	}
	return w.dst
}

var badReq = []byte("<BADREQ>")

// request appends %{+Q}r as httplog shows it, from %r or from %HM %HU
// (%HP) %HV.
func (l *lineFormat) request(dst, msg []byte, sp []formats.Span) []byte {
	get := func(slot int) ([]byte, bool) {
		if slot >= 0 && sp[slot].Start >= 0 {
			return msg[sp[slot].Start:sp[slot].End], true
		}
		return nil, false
	}
	dst = append(dst, '"')
	if r, ok := get(l.r); ok {
		dst = append(dst, r...)
		return append(dst, '"')
	}
	m, _ := get(l.hm)
	u, uok := get(l.hu)
	if !uok {
		u, uok = get(l.hp)
	}
	if bytes.Equal(m, badReq) || bytes.Equal(u, badReq) {
		dst = append(dst, badReq...)
		return append(dst, '"')
	}
	if m == nil {
		dst = append(dst, '-')
	} else {
		dst = append(dst, m...)
	}
	if uok {
		dst = append(dst, ' ')
		dst = append(dst, u...)
		// %HV shows HTTP/0.9 for a request line without a version,
		// where %r shows the space after the URI unless the line was cut
		// there (at tune.http.logurilen)
		if v, ok := get(l.hv); ok {
			if string(v) != "HTTP/0.9" {
				dst = append(dst, ' ')
				dst = append(dst, v...)
			} else if len(m)+1+rawLen(u) < formats.RequestLineMax {
				dst = append(dst, ' ')
			}
		}
	}
	return append(dst, '"')
}

// term appends the termination state (n = 2: %ts, 4: %tsc).
func (l *lineFormat) term(w *rewriter, n int) {
	switch {
	case w.has(l.tsc):
		s := w.sp[l.tsc]
		v := w.msg[s.Start:s.End]
		w.dst = append(w.dst, v[:min(n, len(v))]...)
	case w.has(l.tsShort):
		w.put(l.tsShort, "")
		if n == 4 {
			w.dst = append(w.dst, "--"...)
		}
	case w.lost(l.tsc, l.tsShort):
		w.mark()
	default:
		w.dst = append(w.dst, "----"[:n]...)
	}
}

// date appends the accept date as "dd/Mon/yyyy:HH:MM:SS.mmm".
func (l *lineFormat) date(dst, msg []byte, sp []formats.Span) []byte {
	get := func(slot int) []byte {
		if slot >= 0 && sp[slot].Start >= 0 {
			return msg[sp[slot].Start:sp[slot].End]
		}
		return nil
	}
	ms := get(l.ms)
	if d := get(l.tr); d != nil {
		return append(dst, d...)
	}
	if d := get(l.t); d != nil {
		return append(dst, d...)
	}
	d := get(l.trz)
	if d == nil {
		d = get(l.tz)
	}
	if d != nil {
		// "dd/Mon/yyyy:HH:MM:SS +zzzz": the date as printed (halog reads
		// the local time fields), milliseconds from %ms if any
		dst = append(dst, d[:min(20, len(d))]...)
		return appendMs(dst, ms)
	}
	if d := get(l.ts); d != nil {
		var v int64
		for _, c := range d {
			if c < '0' || c > '9' {
				break
			}
			v = v*10 + int64(c-'0')
		}
		t := time.Unix(v, 0).In(l.loc)
		dst = appendDate(dst, t)
		return appendMs(dst, ms)
	}
	return append(dst, "01/Jan/1970:00:00:00.000"...)
}

func appendMs(dst, ms []byte) []byte {
	if len(ms) == 0 {
		return append(dst, ".000"...)
	}
	dst = append(dst, '.')
	return append(dst, ms...)
}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func appendDate(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	two := func(v int) { dst = append(dst, byte('0'+v/10%10), byte('0'+v%10)) }
	two(d)
	dst = append(dst, '/')
	dst = append(dst, monthNames[mo-1]...)
	dst = append(dst, '/')
	two(y / 100)
	two(y % 100)
	dst = append(dst, ':')
	two(h)
	dst = append(dst, ':')
	two(mi)
	dst = append(dst, ':')
	two(s)
	return dst
}

// message returns what the handlers read for line (with a -log-format):
// the message after the syslog header (detected, or the first -s + 4
// fields), rewritten into halog's layout when it matches the format, the
// message itself otherwise (halog then counts it as it would count the same
// non-traffic line of an httplog file).
func (p *proc) message(line []byte) []byte {
	p.orig = line
	p.xlat = false
	msg := p.body(line)
	p.msg = msg
	lf := p.c.lf
	if lf.identity {
		return msg
	}
	b, ok := lf.rewrite(p.tbuf[:0], msg, p.spans)
	if !ok {
		return msg
	}
	p.tbuf = b
	p.xlat = true
	return b
}

// body returns the message of line: after the syslog header (detected, or
// the first -s + 4 fields).
func (c *config) body(line []byte) []byte {
	if c.o.skipSet {
		return line[formats.FieldStart(line, 0, int(int32(5)+c.o.Skip)):]
	}
	return line[formats.MessageStart(line):]
}

// body is c.body through the worker's cache of headers (p.hdr).
func (p *proc) body(line []byte) []byte {
	if p.c.o.skipSet {
		return p.c.body(line)
	}
	return line[p.hdr.MessageStart(line):]
}

// rawLen is the length of a '#XX'-encoded value before its encoding (every
// '#' of the log starts an escape).
func rawLen(b []byte) int {
	return len(b) - 2*bytes.Count(b, []byte{'#'})
}
