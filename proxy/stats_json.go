package proxy

import (
	"strconv"
	"strings"
	"time"
)

// jsonTag is one field's typed-output tags: origin, nature, scope and
// the value type (u32, u64, s32, str).
type jsonTag struct{ origin, nature, scope, typ string }

var jsonObjTypes = [3]string{"Frontend", "Backend", "Server"}

// statsJSON renders the rows as HAProxy 2.6's ";json" (typed JSON): an
// array per row of one object per non-empty field, with its position
// (the extra-module fields numbered on after the general ones, without
// the "-" separator), tags and typed value.
func (p *Proxy) statsJSON(now time.Time, up, legends bool) string {
	return statsJSONRows(p.statsRowsFor(now, up, legends))
}

// statsJSONRows renders rows as typed JSON.
func statsJSONRows(rows []*statsRow) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		id := 0
		if r.srv != nil {
			id = r.srv.cfg.ID
		}
		first := true
		for f, v := range r.v {
			tag := statJSONTags[f][r.kind]
			// last_chk is set (possibly empty) once a check ran: haproxy
			// prints it in JSON even when the CSV shows it empty.
			present := v != "" || f == fLastChk && r.v[fCheckStatus] != "" && r.v[fCheckStatus] != "INI"
			if !present || tag.typ == "" {
				continue
			}
			pos := f
			if f > fSep {
				pos--
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(`{"objType":"` + jsonObjTypes[r.kind] + `","proxyId":` + strconv.Itoa(r.pc.ID) +
				`,"id":` + strconv.Itoa(id) + `,"field":{"pos":` + strconv.Itoa(pos) + `,"name":"` + statFieldNames[f] +
				`"},"processNum":1,"tags":{"origin":"` + tag.origin + `","nature":"` + tag.nature + `","scope":"` + tag.scope +
				`"},"value":{"type":"` + tag.typ + `","value":`)
			if tag.typ == "str" {
				writeJSONString(&b, v)
			} else {
				b.WriteString(v)
			}
			b.WriteString("}}")
		}
		b.WriteByte(']')
	}
	b.WriteString("]\n")
	return b.String()
}

// writeJSONString writes v as a JSON string (quotes, backslashes and
// control characters escaped).
func writeJSONString(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
