package main

import (
	"sort"
	"strings"

	"github.com/haplog/haplog/internal/diag"
	haconfig "github.com/haplog/haplog/proxy/config"
)

// formatFromConfig takes the log format of a proxy from an HAProxy
// configuration, read by the proxy's own parser (defaults, option
// httplog/tcplog/httpslog, quoting and escapes as the proxy reads them):
// the only proxy with a format, or the one named by proxy. It lives in
// cmd/halog so that package halog imports no other feature package.
func formatFromConfig(path, proxy string) (src string, reqCaps, respCaps int, err error) {
	cfg, err := haconfig.Parse(path)
	if err != nil {
		return "", 0, 0, err // diagnostics at FILE:LINE, as every config reader prints them
	}
	at := diag.Pos{File: path}
	var cands []*haconfig.Proxy
	for _, p := range cfg.Frontends {
		if p.LogFormat == "" {
			continue
		}
		if proxy == "" || p.Name == proxy {
			cands = append(cands, p)
		}
	}
	switch {
	case len(cands) == 1:
		p := cands[0]
		return p.LogFormat, len(p.Captures.Request), len(p.Captures.Response), nil
	case len(cands) == 0 && proxy != "":
		return "", 0, 0, at.Errorf("", "no frontend or listen section %q (-proxy) with a log format", proxy)
	case len(cands) == 0:
		return "", 0, 0, at.Errorf("", "no frontend or listen section sets a log format")
	}
	// several: the same format everywhere is not ambiguous
	same := true
	for _, p := range cands[1:] {
		same = same && p.LogFormat == cands[0].LogFormat &&
			len(p.Captures.Request) == len(cands[0].Captures.Request) &&
			len(p.Captures.Response) == len(cands[0].Captures.Response)
	}
	if same {
		p := cands[0]
		return p.LogFormat, len(p.Captures.Request), len(p.Captures.Response), nil
	}
	names := make([]string, len(cands))
	for i, p := range cands {
		names[i] = p.Name
	}
	sort.Strings(names)
	return "", 0, 0, at.Errorf("", "several proxies define a log format (%s): pick one with -proxy", strings.Join(names, ", "))
}
