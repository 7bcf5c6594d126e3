package syslogd

import (
	"fmt"
	"path/filepath"
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

// TestDebianRsyslogConfLoads: Debian's rsyslog.conf (from the rsyslog
// package, copied unmodified into testdata/debian) loads: the system
// socket, imklog on /proc/kmsg, the emergency messages to every user.
func TestDebianRsyslogConfLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("testdata", "debian", "rsyslog.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// (Its $IncludeConfig /etc/rsyslog.d/*.conf reads this host's files
	// too: their inputs and rules come first.)
	ins := cfg.Inputs
	want := []Input{{Kind: Unix, Addr: "/dev/log"}, {Kind: Klog, Addr: DefaultKlogPath}}
	if len(ins) < 2 || fmt.Sprint(ins[len(ins)-2:]) != fmt.Sprint(want) {
		t.Errorf("inputs %+v, want them to end with %+v", cfg.Inputs, want)
	}
	last := cfg.Rules[len(cfg.Rules)-1]
	if last.Path != usrMsgPrefix+"*" || last.Template != wallFmtName || !last.Selector.Match(0, 0) || last.Selector.Match(0, 1) {
		t.Errorf("last rule %+v", last)
	}
	if cfg.Umask != 0o022 || cfg.file != (FileAttrs{Mode: 0o640, DirMode: 0o755, Owner: "root", Group: "adm"}) {
		t.Errorf("umask %#o, file attributes %+v", cfg.Umask, cfg.file)
	}
}
