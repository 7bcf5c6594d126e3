package config

import (
	"strings"
	"testing"
)

// TestFullConnAndStatsMaxConn: the values haproxy 2.6.12 uses (its
// "show stat" slim for fullconn, the maxconn it computes for "stats
// maxconn"): atol semantics, fullconn an unsigned int inherited from
// defaults, 0 = computed; the CLI frontend's maxconn is 10 as soon as any
// global "stats" line exists.
func TestFullConnAndStatsMaxConn(t *testing.T) {
	cfg := mustParse(t, "testdata/check/limits-ok.cfg")
	if cfg.Global.StatsMaxConn != 5 {
		t.Errorf("stats maxconn 5x = %d, want 5", cfg.Global.StatsMaxConn)
	}
	for name, want := range map[string]int{"b": 4294967295, "l": 12} {
		if got := proxyNamed(t, cfg.Backends, name).FullConn; got != want {
			t.Errorf("backend %s: fullconn %d, want %d", name, got, want)
		}
	}
	src := "defaults\n    fullconn 33\nbackend inherits\n    server s 127.0.0.1:1\nbackend zero\n    fullconn 0\n    server s 127.0.0.1:1\n"
	for _, c := range []struct {
		global string
		want   int
	}{
		{"", 0},
		{"global\n    stats timeout 30s\n", 10},
		{"global\n    stats bind-process 1\n", 10},
		{"global\n    stats socket /nonexistent/x.sock\n", 10},
		{"global\n    stats maxconn 50\n    stats timeout 30s\n", 50},
	} {
		cfg, err := ParseReader("x.cfg", strings.NewReader(c.global+src), nil)
		if err != nil {
			t.Fatalf("%q: %v", c.global, err)
		}
		if cfg.Global.StatsMaxConn != c.want {
			t.Errorf("%q: StatsMaxConn %d, want %d", c.global, cfg.Global.StatsMaxConn, c.want)
		}
		if fc := proxyNamed(t, cfg.Backends, "inherits").FullConn; fc != 33 {
			t.Errorf("fullconn from defaults = %d, want 33", fc)
		}
		if fc := proxyNamed(t, cfg.Backends, "zero").FullConn; fc != 0 {
			t.Errorf("fullconn 0 = %d", fc)
		}
	}
}

func TestAtol(t *testing.T) {
	for s, want := range map[string]int64{
		"": 0, "abc": 0, "12abc": 12, " +7": 7, "-1": -1, "99999999999": 99999999999,
		"99999999999999999999": 1<<63 - 1, "-99999999999999999999": -1 << 63,
	} {
		if got := atol(s); got != want {
			t.Errorf("atol(%q) = %d, want %d", s, got, want)
		}
	}
}
