package fidelity

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/formats"
)

// lineFormat is the log format of one frontend, with what Parse needs.
type lineFormat struct {
	src      string
	f        *formats.Format
	vars     map[string]bool // variable names the format uses
	reqCaps  int
	respCaps int
}

var varNameRe = regexp.MustCompile(`%(?:\{[^}]*\})?([A-Za-z]+|\[[^\]]*\])`)

func newLineFormat(src string, reqCaps, respCaps int) (*lineFormat, error) {
	f, err := formats.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("compile %q: %w", src, err)
	}
	lf := &lineFormat{src: src, f: f, vars: map[string]bool{}, reqCaps: reqCaps, respCaps: respCaps}
	for _, m := range varNameRe.FindAllStringSubmatch(src, -1) {
		lf.vars[m[1]] = true
	}
	return lf, nil
}

// field is one named value of a parsed line.
type field struct {
	name  string
	value string
	// masked fields are shown but never compared (ports, pids, dates).
	masked bool
	// timer holds the raw value of a timer field; value holds its class.
	timer  bool
	rawVal int64
}

// parsed is a traffic line read back through its log format.
type parsed struct {
	fields    []field
	truncated bool
	err       error // a parse error other than truncation
}

// fieldsOf parses msg with lf and lists the fields the format shows, in a
// fixed order, with masked values for what cannot be reproduced. now is
// used to check that dates (in zone loc) are plausible; the date itself
// is masked.
func fieldsOf(lf *lineFormat, msg string, now time.Time, loc *time.Location) parsed {
	if lf.f == nil {
		return parsed{err: fmt.Errorf("log format %q does not compile", lf.src)}
	}
	var r formats.Record
	err := lf.f.Parse([]byte(msg), &r, formats.ParseOptions{Location: loc, ReqCaptures: lf.reqCaps, RespCaptures: lf.respCaps})
	p := parsed{}
	if err != nil {
		if errors.Is(err, formats.ErrTruncated) {
			p.truncated = true
		} else {
			p.err = err
			return p
		}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if lf.vars[n] {
				return true
			}
		}
		return false
	}
	add := func(name, value string) { p.fields = append(p.fields, field{name: name, value: value}) }
	mask := func(name, value string) { p.fields = append(p.fields, field{name: name, value: value, masked: true}) }
	addIf := func(name, value string) {
		if has(name) {
			add(name, value)
		}
	}
	addr := func(a netip.AddrPort) string {
		if !a.Addr().IsValid() {
			return "-"
		}
		return a.Addr().String()
	}
	port := func(a netip.AddrPort) string { return strconv.Itoa(int(a.Port())) }
	for _, a := range []struct {
		ip, port string
		v        netip.AddrPort
	}{{"ci", "cp", r.ClientAddr}, {"fi", "fp", r.FrontendAddr}, {"bi", "bp", r.BackendAddr}, {"si", "sp", r.ServerAddr}} {
		if has(a.ip) {
			add(a.ip, addr(a.v))
		}
		switch {
		case !has(a.port):
		case a.port == "sp":
			// Server ports are the test's backends: same on both sides.
			add(a.port, port(a.v))
		default:
			mask(a.port, port(a.v))
		}
	}
	if has("t", "T", "Tl", "Ts", "ms", "tr", "trg", "trl") {
		// The date is masked, but it must be a plausible accept date.
		// %tr/%trg/%trl set RequestTime; %t sets AcceptTime (and %ms
		// alone only its milliseconds).
		at := r.RequestTime
		if at.IsZero() {
			at = r.AcceptTime
		}
		ok := "ok"
		if d := now.Sub(at); at.IsZero() || d < -time.Minute || d > 10*time.Minute {
			ok = "implausible"
		}
		add("date", ok)
		mask("date.value", at.Format("02/Jan/2006:15:04:05.000"))
	}
	if has("f", "ft") {
		v := r.Frontend
		if r.FrontendSSL {
			v += "~"
		}
		add("ft", v)
	}
	addIf("b", r.Backend)
	addIf("s", orDefault(r.Server, "<NOSRV>"))
	timers := []struct {
		name string
		v    int64
	}{{"Th", r.Th}, {"Ti", r.Ti}, {"TR", r.TR}, {"Tq", r.Tq}, {"Tw", r.Tw}, {"Tc", r.Tc}, {"Tr", r.Tr},
		{"Td", r.Td}, {"Ta", r.Ta}, {"Tt", r.Tt}, {"Tu", r.Tu}}
	for _, tm := range timers {
		if has(tm.name) {
			p.fields = append(p.fields, field{name: tm.name, timer: true, rawVal: tm.v})
		}
	}
	if has("Ta", "Tt", "Tu", "B") {
		add("logasap", strconv.FormatBool(r.LogASAP))
	}
	addIf("ST", strconv.Itoa(r.Status))
	addIf("B", strconv.FormatInt(r.BytesOut, 10))
	addIf("U", strconv.FormatInt(r.BytesIn, 10))
	addIf("CC", r.ReqCookie)
	addIf("CS", r.RespCookie)
	if has("ts", "tsc") {
		add("tsc", termString(r.TermState))
	}
	addIf("ac", strconv.Itoa(r.ActConn))
	addIf("fc", strconv.Itoa(r.FeConn))
	addIf("bc", strconv.Itoa(r.BeConn))
	addIf("sc", strconv.Itoa(r.SrvConn))
	if has("rc") {
		v := strconv.Itoa(r.Retries)
		if r.Redispatched {
			v = "+" + v
		}
		add("rc", v)
	}
	addIf("sq", strconv.Itoa(r.SrvQueue))
	addIf("bq", strconv.Itoa(r.BackendQueue))
	if has("hr", "hrl") {
		add("hr.n", strconv.Itoa(len(r.ReqHeaders)))
		for i, h := range r.ReqHeaders {
			add("hr["+strconv.Itoa(i)+"]", h)
		}
	}
	if has("hs", "hsl") {
		add("hs.n", strconv.Itoa(len(r.RespHeaders)))
		for i, h := range r.RespHeaders {
			add("hs["+strconv.Itoa(i)+"]", h)
		}
	}
	if has("r", "HM", "HU", "HV", "HP", "HQ", "HPO") {
		add("HM", orDefault(r.Method, "<BADREQ>"))
		add("HU", r.URI)
		add("HV", r.Version)
	}
	addIf("ID", r.UniqueID)
	addIf("H", r.Hostname)
	if has("pid") {
		mask("pid", strconv.Itoa(r.PID))
	}
	addIf("rt", strconv.FormatUint(r.ReqCounter, 10))
	addIf("lc", strconv.FormatUint(r.LogCounter, 10))
	return p
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func termString(ts [4]byte) string {
	b := make([]byte, 0, 4)
	for _, c := range ts {
		if c == 0 {
			c = '-'
		}
		b = append(b, c)
	}
	return string(b)
}

// timerClass renders a timer for comparison: "-1" or "≥0", or, when the
// step sets a threshold for it, "<N" / "≥N".
func timerClass(v int64, threshold int64) string {
	switch {
	case v < 0:
		return "-1"
	case threshold > 0 && v < threshold:
		return "<" + strconv.FormatInt(threshold, 10)
	case threshold > 0:
		return "≥" + strconv.FormatInt(threshold, 10)
	default:
		return "≥0"
	}
}

// diff is one differing field of a line pair.
type diff struct {
	field    string
	ref, got string
}

// compareOpts says what a step does not compare.
type compareOpts struct {
	mask      map[string]bool  // field names not compared
	threshold map[string]int64 // timer thresholds (ms)
}

// compareFields compares two parsed lines field by field. It returns the
// names of the compared fields and the differences. When either line was
// cut at the log length limit, a string field that is a prefix of the
// other one matches (timers of other widths move the cut).
func compareFields(ref, got parsed, o compareOpts) (compared []string, diffs []diff) {
	if ref.err != nil || got.err != nil {
		errText := func(e error) string {
			if e == nil {
				return "ok"
			}
			return e.Error()
		}
		return []string{"parse"}, []diff{{field: "parse", ref: errText(ref.err), got: errText(got.err)}}
	}
	truncated := ref.truncated || got.truncated
	gi := map[string]field{}
	for _, f := range got.fields {
		gi[f.name] = f
	}
	seen := map[string]bool{}
	value := func(f field) string {
		if f.timer {
			return timerClass(f.rawVal, o.threshold[f.name])
		}
		return f.value
	}
	for _, rf := range ref.fields {
		seen[rf.name] = true
		if rf.masked || o.mask[rf.name] {
			continue
		}
		compared = append(compared, rf.name)
		gf, ok := gi[rf.name]
		if !ok {
			diffs = append(diffs, diff{rf.name, value(rf), "(absent)"})
			continue
		}
		rv, gv := value(rf), value(gf)
		if rv == gv {
			continue
		}
		if truncated && !rf.timer && (strings.HasPrefix(rv, gv) || strings.HasPrefix(gv, rv)) {
			continue
		}
		diffs = append(diffs, diff{rf.name, rv, gv})
	}
	for _, gf := range got.fields {
		if !seen[gf.name] && !gf.masked && !o.mask[gf.name] {
			if truncated {
				continue // the cut fell before this field on the other side
			}
			compared = append(compared, gf.name)
			diffs = append(diffs, diff{gf.name, "(absent)", value(gf)})
		}
	}
	return compared, diffs
}

// canonical is a sort key for a parsed line: its compared values.
func canonical(p parsed, o compareOpts) string {
	var b strings.Builder
	if p.err != nil {
		b.WriteString("ERR ")
	}
	for _, f := range p.fields {
		if f.masked || o.mask[f.name] {
			continue
		}
		v := f.value
		if f.timer {
			v = timerClass(f.rawVal, o.threshold[f.name])
		}
		b.WriteString(f.name + "=" + v + " ")
	}
	return b.String()
}
