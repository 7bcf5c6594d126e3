package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplog/haplog/formats"
)

// syslogFormats are the accepted "format" values of a log line.
var syslogFormats = map[string]bool{
	"local": true, "rfc3164": true, "rfc5424": true, "priority": true,
	"short": true, "timed": true, "iso": true, "raw": true,
}

// parseLogTarget parses the arguments of a "log" line after the keyword:
// <target> [len n] [format f] [sample r:s] <facility> [<max> [<min>]].
func (p *parser) parseLogTarget(args []string) (LogTarget, error) {
	t := LogTarget{Len: 1024, Format: "", MaxLevel: formats.Debug, MinLevel: formats.Emerg,
		File: p.file, Line: p.line}
	if len(args) < 2 {
		return t, errors.New("expects <address> and <facility> as arguments")
	}
	addr, err := expandAddrVars(args[0], p.env)
	if err != nil {
		return t, err
	}
	if t.Addr, err = parseLogAddr(addr); err != nil {
		return t, err
	}
	args = args[1:]
	if args[0] == "len" {
		if len(args) < 2 {
			return t, errors.New("expects <address> and <facility> as arguments")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 80 || n > 65535 {
			return t, fmt.Errorf("invalid log length '%s', must be between 80 and 65535", args[1])
		}
		t.Len, args = n, args[2:]
	}
	if len(args) > 0 && args[0] == "format" {
		if len(args) < 2 {
			return t, errors.New("expects <address> and <facility> as arguments")
		}
		if !syslogFormats[args[1]] {
			return t, fmt.Errorf("unknown log format '%s'", args[1])
		}
		t.Format, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "sample" {
		if len(args) < 2 {
			return t, errors.New("expects <address> and <facility> as arguments")
		}
		if err := parseSample(&t, args[1]); err != nil {
			return t, err
		}
		args = args[2:]
	}
	if len(args) == 0 {
		return t, errors.New("expects <address> and <facility> as arguments")
	}
	f, err := formats.ParseFacility(args[0])
	if err != nil || strings.EqualFold(args[0], "security") || strings.EqualFold(args[0], "mark") {
		return t, fmt.Errorf("unknown log facility '%s'", args[0])
	}
	t.Facility = f
	if len(args) > 1 {
		if t.MaxLevel, err = parseLevel(args[1]); err != nil {
			return t, err
		}
	}
	if len(args) > 2 {
		if t.MinLevel, err = parseLevel(args[2]); err != nil {
			return t, fmt.Errorf("unknown optional minimum log level '%s'", args[2])
		}
	}
	if len(args) > 3 {
		return t, fmt.Errorf("cannot handle unexpected argument '%s'", args[3])
	}
	return t, nil
}

// parseLevel accepts HAProxy's level names only.
func parseLevel(s string) (formats.Severity, error) {
	for i, n := range [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"} {
		if s == n {
			return formats.Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown optional log level '%s'", s)
}

func parseLogAddr(s string) (Addr, error) {
	switch s {
	case "stdout":
		return Addr{Network: "fd", FD: 1}, nil
	case "stderr":
		return Addr{Network: "fd", FD: 2}, nil
	}
	if i := strings.Index(s, "@"); i >= 0 {
		switch s[:i] {
		case "ring", "tcp", "tcp4", "tcp6":
			return Addr{}, fmt.Errorf("log target '%s': %s@ targets (rings, TCP forwarding) are not supported by this implementation", s, s[:i])
		}
	}
	a, err := parseAddr(s, false, true)
	if err != nil {
		return a, err
	}
	if a.Network == "unix" && len(a.Path) > maxUnixPath {
		return a, fmt.Errorf("socket path '%s' too long (max %d)", a.Path, maxUnixPath)
	}
	switch a.Network {
	case "unix":
		a.Network = "unixgram"
	case "tcp", "tcp4", "tcp6": // a log server is sent datagrams
		a.Network = "udp" + a.Network[len("tcp"):]
	}
	if a.Network != "fd" && a.Network != "unixgram" {
		if a.Host == "" {
			return a, fmt.Errorf("log target '%s': missing address", s)
		}
		if a.Port == 0 {
			a.Port = 514
		}
	}
	return a, nil
}

// maxUnixPath is the longest UNIX socket path haproxy 2.6 accepts
// (sun_path less the room it keeps for a temporary suffix).
const maxUnixPath = 97

// parseSample parses "1,3-5:10".
func parseSample(t *LogTarget, s string) error {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return fmt.Errorf("invalid sample '%s': missing ':<size>'", s)
	}
	size, err := strconv.Atoi(s[i+1:])
	if err != nil || size <= 0 {
		return fmt.Errorf("invalid sample size '%s'", s[i+1:])
	}
	for _, r := range strings.Split(s[:i], ",") {
		lo, hi, ok := strings.Cut(r, "-")
		if !ok {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b < a || b > size {
			return fmt.Errorf("invalid sample range '%s'", r)
		}
		t.SampleRanges = append(t.SampleRanges, [2]int{a, b})
	}
	t.SampleSize = size
	return nil
}

// logLine handles "log ..." / "log global" / "no log" in a proxy.
func (p *parser) proxyLog(px *Proxy, w []string) {
	if len(w) >= 2 && w[1] == "global" {
		if len(w) > 2 {
			p.alertf(p.line, "'log global' does not take arguments")
			return
		}
		px.Logs = append(px.Logs, p.cfg.Global.Logs...)
		return
	}
	t, err := p.parseLogTarget(w[1:])
	if err != nil {
		p.alertErr(p.line, ErrSyntax, "log : %v", err)
		return
	}
	px.Logs = append(px.Logs, t)
}
