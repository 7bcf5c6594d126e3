package halog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Output forms other than halog's text (-json, -table, -csv).
const (
	OutputJSON  = "json"
	OutputTable = "table"
	OutputCSV   = "csv"
)

// reportShape names the report Run printed and its columns, following
// halog's final-report precedence (spec §5). A nil cols means the report
// has a '#' header line that gives them.
func reportShape(o *Options, c *config) (name string, cols []string, keyCol string) {
	switch {
	case o.Count:
		return "count", []string{"count"}, ""
	case c.h == hPrint:
		return "lines", []string{"line"}, "line"
	case c.h == hHdr:
		return "headers", []string{"value"}, "value"
	case o.PctBy != "":
		return "percentiles_by_" + o.PctBy, nil, o.PctBy
	case o.AccHoles:
		return "accept_holes", []string{"time", "ms", "gap", "count"}, "time"
	case o.Graph:
		return "graph", []string{"series", "value", "weight"}, ""
	case o.Percentile:
		return "percentiles", []string{"pct", "count", "TR", "Tc", "Tr", "Td"}, ""
	case o.StatusHist:
		return "status", []string{"status", "count"}, ""
	case o.Servers:
		return "servers", nil, "srv_name"
	case o.CookieHist:
		return "cookie_codes", []string{"code", "count"}, "code"
	case o.TermHist:
		return "termination_codes", []string{"code", "count"}, "code"
	case c.h == hIP:
		return "clients", nil, "ip"
	}
	return "urls", nil, "url"
}

// writeStructured converts the text report rep (halog's output) into the
// form o.Output to w.
func writeStructured(w io.Writer, o *Options, c *config, rep []byte, linesIn, linesOut, parseErr int32) error {
	name, cols, keyCol := reportShape(o, c)
	var rows [][]string
	whole := len(cols) == 1 // one column: the whole line
	for len(rep) > 0 {
		line := rep
		if i := bytes.IndexByte(rep, '\n'); i >= 0 {
			line, rep = rep[:i], rep[i+1:]
		} else {
			rep = nil
		}
		if cols == nil && len(line) > 0 && line[0] == '#' {
			cols = strings.Fields(string(line[1:]))
			// halog names the key column "src" in -u/-ic; -pct-by "key"
			for i, c := range cols {
				if c == "src" || c == "key" {
					cols[i] = keyCol
				}
			}
			continue
		}
		if whole {
			rows = append(rows, []string{string(line)})
		} else {
			rows = append(rows, strings.Fields(string(line)))
		}
	}
	if cols == nil {
		cols = []string{keyCol}
	}
	switch o.Output {
	case OutputCSV:
		cw := csv.NewWriter(w)
		cw.Write(cols)
		cw.WriteAll(rows)
		return cw.Error()
	case OutputTable:
		t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
		t.Header(cols)
		if err := t.Bulk(rows); err != nil {
			return fmt.Errorf("table: %w", err)
		}
		return t.Render()
	}
	b := fmt.Appendf(nil, `{"summary":{"lines_in":%d,"lines_out":%d,"parse_errors":%d},`, linesIn, linesOut, parseErr)
	b = appendJSONString(b, name)
	b = append(b, ":["...)
	for j, r := range rows {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for i, v := range r {
			if i >= len(cols) {
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, cols[i])
			b = append(b, ':')
			if cols[i] != keyCol && isNumber(v) {
				b = append(b, v...)
			} else {
				b = appendJSONString(b, v)
			}
		}
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	_, err := w.Write(b)
	return err
}

// appendJSONString appends s as a JSON string (no HTML escaping; bytes
// that are not UTF-8 become U+FFFD, as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// isNumber reports whether v is a plain decimal number as halog prints
// them (JSON would reject "+1", "1.", "Inf", "0x1").
func isNumber(v string) bool {
	s := strings.TrimPrefix(v, "-")
	if s == "" || s[0] < '0' || s[0] > '9' || strings.HasSuffix(s, ".") {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return strings.Count(s, ".") <= 1 && (len(s) == 1 || s[0] != '0' || s[1] == '.')
}

// parseWhen reads a -since/-until date: RFC 3339, or HAProxy's %tr form
// "dd/Mon/yyyy:HH:MM:SS[.mmm]" in loc.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"02/Jan/2006:15:04:05.000", "02/Jan/2006:15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want RFC 3339 (2026-11-21T08:00:00Z) or dd/Mon/yyyy:HH:MM:SS[.mmm]", s)
}

// applySinceUntil turns -since/-until into the -time filter (epoch seconds
// of the accept date; since inclusive, until exclusive), intersected with
// a -time given too.
func applySinceUntil(o *Options) error {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	lo, hi := int64(0), int64(0xFFFFFFFF)
	if o.TimeRange {
		lo, hi = int64(o.TimeMin), int64(o.TimeMax)
	}
	if o.Since != "" {
		t, err := parseWhen(o.Since, loc)
		if err != nil {
			return fmt.Errorf("-since: %w", err)
		}
		s := t.Unix()
		if t.Nanosecond() > 0 {
			s++ // whole seconds: the first one entirely after since
		}
		lo = max(lo, s)
	}
	if o.Until != "" {
		t, err := parseWhen(o.Until, loc)
		if err != nil {
			return fmt.Errorf("-until: %w", err)
		}
		u := t.Unix()
		if t.Nanosecond() == 0 {
			u-- // exclusive
		}
		hi = min(hi, u)
	}
	lo, hi = max(lo, 0), min(hi, 0xFFFFFFFF)
	o.TimeRange = true
	o.TimeMin, o.TimeMax = uint32(lo), uint32(max(hi, 0))
	if hi < lo {
		o.TimeMin, o.TimeMax = 1, 0 // matches nothing
	}
	return nil
}
