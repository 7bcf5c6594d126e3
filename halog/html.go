package halog

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"strconv"
	"strings"
)

// writeHTML writes the -html report: one self-contained page (inline style
// and SVG, no script, no external resource) with the servers (-srv), the
// status codes (-st), the slowest URLs (-ua, first 20), and two charts per
// minute: requests and errors (-pct-by minute, and the same with -e), and
// the p99 of Ta (-pct-by minute -timer Ta). Each table is a pass of the
// ordinary reports over the input, which therefore must be files (they
// are read once per pass); the filters of the command line apply to every
// pass.
func writeHTML(o *Options, stderr io.Writer) error {
	if len(o.Files) == 0 || (len(o.Files) == 1 && o.Files[0] == "-") {
		return fmt.Errorf("-html reads the input several times: give the log files as arguments")
	}
	pass := func(tweak func(*Options)) (string, error) {
		p := *o
		p.HTML, p.Output, p.Quiet = "", "", true
		p.Count, p.StatusHist, p.Servers, p.URL, p.PctBy, p.PctTimer = false, false, false, 0, "", ""
		p.MaxLines = -1
		tweak(&p)
		in, closeIn, err := openInput(&p, nil)
		if err != nil {
			return "", err
		}
		defer closeIn()
		var out bytes.Buffer
		if err := Run(&p, in, &out, io.Discard); err != nil {
			return "", err
		}
		return out.String(), nil
	}
	srv, err := pass(func(p *Options) { p.Servers = true })
	if err != nil {
		return err
	}
	st, err := pass(func(p *Options) { p.StatusHist = true })
	if err != nil {
		return err
	}
	urls, err := pass(func(p *Options) { p.URL, p.MaxLines = URLTAvg, 20 })
	if err != nil {
		return err
	}
	mins, err := pass(func(p *Options) { p.PctBy, p.PctTimer = "minute", "Ta" })
	if err != nil {
		return err
	}
	errMins, err := pass(func(p *Options) { p.PctBy, p.PctTimer, p.Errors = "minute", "Ta", true })
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>halog report</title>
<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#eee}svg{border:1px solid #bbb;margin-bottom:2em}</style></head><body>
<h1>halog report</h1>
`)
	fmt.Fprintf(&b, "<p id=\"files\">%s</p>\n", html.EscapeString(strings.Join(o.Files, " ")))
	table(&b, "servers", "Servers", srv, nil)
	table(&b, "status", "Status codes", st, []string{"status", "requests"})
	table(&b, "urls", "Slowest URLs (average time)", urls, nil)
	// per-minute series
	type minute struct {
		key            string
		req, errs, p99 int64
	}
	var ms []minute
	idx := map[string]int{}
	for _, row := range rows(mins) {
		if len(row) >= 6 {
			idx[row[0]] = len(ms)
			req, _ := strconv.ParseInt(row[1], 10, 64)
			p99, _ := strconv.ParseInt(row[5], 10, 64)
			ms = append(ms, minute{key: row[0], req: req, p99: p99})
		}
	}
	for _, row := range rows(errMins) {
		if i, ok := idx[row[0]]; ok && len(row) >= 2 {
			ms[i].errs, _ = strconv.ParseInt(row[1], 10, 64)
		}
	}
	keys := make([]string, len(ms))
	req, errs, p99 := make([]int64, len(ms)), make([]int64, len(ms)), make([]int64, len(ms))
	for i, m := range ms {
		keys[i], req[i], errs[i], p99[i] = m.key, m.req, m.errs, m.p99
	}
	chart(&b, "chart-requests", "Requests and errors per minute", keys,
		[]series{{"requests", "#1f77b4", req}, {"errors", "#d62728", errs}})
	chart(&b, "chart-p99", "p99 of Ta per minute (ms)", keys, []series{{"p99 Ta", "#2ca02c", p99}})
	b.WriteString("</body></html>\n")
	if err := os.WriteFile(o.HTML, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("-html: %w", err)
	}
	return nil
}

// rows splits a text report into fields, without its '#' header.
func rows(text string) [][]string {
	var out [][]string
	for _, l := range strings.Split(text, "\n") {
		if l != "" && l[0] != '#' {
			out = append(out, strings.Fields(l))
		}
	}
	return out
}

// table writes a text report as an HTML table; cols is used when the
// report has no '#' header.
func table(b *strings.Builder, id, title, text string, cols []string) {
	if i := strings.IndexByte(text, '\n'); i > 0 && text[0] == '#' {
		cols = strings.Fields(text[1:i])
	}
	fmt.Fprintf(b, "<h2>%s</h2>\n<table id=\"%s\"><thead><tr>", html.EscapeString(title), id)
	for _, c := range cols {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(c))
	}
	b.WriteString("</tr></thead><tbody>\n")
	for _, r := range rows(text) {
		b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(b, "<td>%s</td>", html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table>\n")
}

type series struct {
	name, color string
	v           []int64
}

// chart writes an inline SVG line chart of the series over the keys.
func chart(b *strings.Builder, id, title string, keys []string, ss []series) {
	const w, h, pad = 800, 240, 40
	var top int64 = 1
	for _, s := range ss {
		for _, v := range s.v {
			top = max(top, v)
		}
	}
	fmt.Fprintf(b, "<h2>%s</h2>\n<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		html.EscapeString(title), id, w, h, w, h)
	fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", pad, h-pad, w-10, h-pad)
	fmt.Fprintf(b, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", pad, pad, h-pad)
	fmt.Fprintf(b, "<text x=\"2\" y=\"20\" font-size=\"11\">%d</text><text x=\"2\" y=\"%d\" font-size=\"11\">0</text>\n", top, h-pad)
	x := func(i int) float64 {
		if len(keys) < 2 {
			return pad
		}
		return pad + float64(i)*float64(w-pad-10)/float64(len(keys)-1)
	}
	y := func(v int64) float64 { return float64(h-pad) - float64(v)*float64(h-pad-10)/float64(top) }
	for k, s := range ss {
		fmt.Fprintf(b, "<polyline class=\"series\" data-name=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", html.EscapeString(s.name), s.color)
		for i, v := range s.v {
			fmt.Fprintf(b, "%.1f,%.1f ", x(i), y(v))
		}
		b.WriteString("\"/>\n")
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>\n", w-150, 20+14*k, s.color, html.EscapeString(s.name))
	}
	if len(keys) > 0 {
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", pad, h-pad+16, html.EscapeString(keys[0]))
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>\n", w-10, h-pad+16, html.EscapeString(keys[len(keys)-1]))
	}
	b.WriteString("</svg>\n")
}
