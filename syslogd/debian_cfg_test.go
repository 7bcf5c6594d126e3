package syslogd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebianHaproxyConfLoads: Debian's 49-haproxy.conf (from the haproxy
// package, copied unmodified into testdata/debian) loads: its socket,
// its property filter and its block.
func TestDebianHaproxyConfLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("testdata", "debian", "49-haproxy.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Inputs) != 1 || cfg.Inputs[0] != (Input{Kind: Unix, Addr: "/var/lib/haproxy/dev/log"}) {
		t.Errorf("inputs %+v", cfg.Inputs)
	}
	if len(cfg.Rules) != 2 || cfg.Rules[0].Path != "/var/log/haproxy.log" || !cfg.Rules[1].Stop ||
		len(cfg.Rules[0].filters) != 1 || len(cfg.Rules[1].filters) != 1 {
		t.Errorf("rules %+v", cfg.Rules)
	}
}

// TestDebianRsyslogConfRefused: what syslogd does not implement in
// Debian's rsyslog.conf is a fatal error naming it and its line.
func TestDebianRsyslogConfRefused(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "debian", "rsyslog.conf"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseConfig("rsyslog.conf", data)
	if err == nil || !strings.Contains(err.Error(), "rsyslog.conf:") || !strings.Contains(err.Error(), "imklog") {
		t.Fatalf("err = %v, want rsyslog.conf:LINE naming imklog", err)
	}
}
