package syslogd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigIssueExample(t *testing.T) {
	cfg, err := ParseConfig("issue.conf", []byte(issueConfig))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Inputs) != 1 || cfg.Inputs[0] != (Input{Kind: UDP, Addr: "127.0.0.1:0"}) {
		t.Fatalf("inputs = %+v", cfg.Inputs)
	}
	if len(cfg.Rules) != 3 {
		t.Fatalf("%d rules", len(cfg.Rules))
	}
	want := []struct{ path, tmpl string }{
		{"/x/haproxy-info.log", "Haproxy"},
		{"/x/haproxy-allbutinfo.log", "RSYSLOG_FileFormat"},
		{"/x/haproxy-traffic.log", "RSYSLOG_TraditionalFileFormat"},
	}
	for i, w := range want {
		if r := cfg.Rules[i]; r.Path != w.path || r.Template != w.tmpl {
			t.Errorf("rule %d = %s;%s, want %s;%s", i, r.Path, r.Template, w.path, w.tmpl)
		}
	}
	if pos := cfg.Rules[2].Pos; pos != "issue.conf:7" {
		t.Errorf("pos = %q", pos)
	}
}

func TestConfigRainerScript(t *testing.T) {
	conf := `module(load="imudp")
input(type="imudp" address="127.0.0.1"
      port="5140" rcvbufSize="4m")
module(load="imtcp")
input(type="imtcp" port="5141")
global(workDirectory="/tmp")
template(name="t1" type="string"
         string="%HOSTNAME% %msg%\n")
local0.* action(type="omfile" file="/x/a.log" template="t1")
local1.* -/x/b.log
& stop
*.* /x/c.log
`
	cfg, err := ParseConfig("r.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []Input{{Kind: UDP, Addr: "127.0.0.1:5140", RcvBuf: 4 << 20}, {Kind: TCP, Addr: ":5141"}} // no address: all, as rsyslogd
	if len(cfg.Inputs) != 2 || cfg.Inputs[0] != wantIn[0] || cfg.Inputs[1] != wantIn[1] {
		t.Fatalf("inputs = %+v", cfg.Inputs)
	}
	if len(cfg.Warnings) != 1 || !strings.HasPrefix(cfg.Warnings[0].String(), "r.conf:6: warning: ") {
		t.Fatalf("warnings = %q", cfg.Warnings)
	}
	if len(cfg.Rules) != 4 || cfg.Rules[0].Template != "t1" || !cfg.Rules[2].Stop || cfg.Rules[1].Path != "/x/b.log" {
		t.Fatalf("rules = %+v", cfg.Rules)
	}
	if cfg.Rules[0].Pos != "r.conf:9" || cfg.Rules[2].Pos != "r.conf:11" {
		t.Fatalf("positions %q %q", cfg.Rules[0].Pos, cfg.Rules[2].Pos)
	}
}

func TestConfigErrors(t *testing.T) {
	f := func(conf, wantPos, wantText string) {
		t.Helper()
		_, err := ParseConfig("e.conf", []byte(conf))
		if err == nil {
			t.Fatalf("%q: no error", conf)
		}
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: %v is not a *ConfigError", conf, err)
		}
		if !strings.HasPrefix(err.Error(), wantPos) || !strings.Contains(err.Error(), wantText) {
			t.Fatalf("%q: error %q, want prefix %q containing %q", conf, err, wantPos, wantText)
		}
	}
	f("# c\nlocal0.* |/run/pipe\n", "e.conf:2:", "only files")
	f("local0.* @(z9)remote\n", "e.conf:1:", `option "z9"`)
	f("local0.* @remote:99999\n", "e.conf:1:", "port")
	f("local0.* @[::1\n", "e.conf:1:", "unterminated")
	f("local0.* @\n", "e.conf:1:", "target")
	f("\n\nlocal9.* /x\n", "e.conf:3:", `facility "local9"`)
	f("local0.bogus /x\n", "e.conf:1:", `severity "bogus"`)
	f("$Foo bar\n", "e.conf:1:", "unknown directive")
	f("if $!v!w == 'x' then /x\n", "e.conf:1:", "not subtrees: unsupported")
	f("if $! == 'x' then /x\n", "e.conf:1:", "variable tree $!: unsupported")
	f("if $msg == ['a', 'b'] then /x\n", "e.conf:1:", "array: unsupported")
	f("if lookup('t', $msg) == 'x' then /x\n", "e.conf:1:", `"lookup"`)
	f("if $msg == \"$x\" then /x\n", "e.conf:1:", "must be escaped")
	f("else /x\n", "e.conf:1:", "else without if")
	f("\nset $!v = 'x'\n", "e.conf:2:", "missing ';'")
	f("set $/v = 'x';\n", "e.conf:1:", "global variable")
	f("call nosuch\n", "e.conf:1:", `ruleset "nosuch" is not defined`)
	f("ruleset(name=\"a\") {\n call b\n}\nruleset(name=\"b\") {\n call a\n}\n", "e.conf:5:", "calls itself")
	f("ruleset(name=\"a\" queue.type=\"LinkedList\") {\n}\n", "e.conf:1:", "unsupported")
	f("ruleset(name=\"a\") {\n}\nruleset(name=\"a\") {\n}\n", "e.conf:3:", "already defined")
	f("*.* ?Nope\n", "e.conf:1:", `template "Nope" is not defined`)
	f("local0.* /x;Nope\n", "e.conf:1:", `template "Nope" is not defined`)
	f("$template T,\"%nosuch%\"\n", "e.conf:1:", `property "nosuch"`)
	f("$template T,\"%msg:::frobnicate%\"\n", "e.conf:1:", `option "frobnicate"`)
	f("module(load=\"imfile\")\n", "e.conf:1:", "imfile")
	f("\ninput(type=\"imudp\" port=\"514\" ruleset=\"r\")\n", "e.conf:2:", `ruleset "r" is not defined`)
	f("local0.* action(type=\"omfwd\" target=\"x\" protocol=\"sctp\")\n", "e.conf:1:", "protocol")
	f("template(name=\"x\" type=\"list\")\n", "e.conf:1:", "list")
	f("local0.*\n", "e.conf:1:", "want a selector or filter followed by an action")
	f("$RepeatedMsgReduction on\n", "e.conf:1:", "unsupported")
	f("global(pidFile=\"/run/x.pid\")\n", "e.conf:1:", "use the -i PIDFILE flag")
	f("module(load=\"imklog\")\n$KLogPath /x\n", "e.conf:2:", "not permitted")
	f("$KLogPath /x\n", "e.conf:1:", "imklog is not loaded")
	f("module(load=\"imklog\" ParseKernelTimestamp=\"on\")\n", "e.conf:1:", "unsupported")
	f("*.emerg :omusrmsg:a b\n", "e.conf:1:", "bad user list")
}

func TestConfigWarningsOnly(t *testing.T) {
	conf := "$WorkDirectory /var/spool/rsyslog\n$RepeatedMsgReduction off\n$DirCreateMode 0755\nmain_queue(queue.size=\"1000\")\n*.* /x\n"
	cfg, err := ParseConfig("w.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 2 {
		t.Fatalf("warnings = %q", cfg.Warnings)
	}
}

// TestConfigFileAttrs: $FileCreateMode, $FileOwner and $FileGroup apply to
// the selector lines after them (as in rsyslog); an action() takes the
// builtin:omfile module parameters and its own instead (rsyslog's omfile
// does not read the legacy settings for it: TestLiveRsyslogDynaFile);
// $Umask is global.
func TestConfigFileAttrs(t *testing.T) {
	conf := `*.* /a
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$Umask 0027
*.* /b
module(load="builtin:omfile" fileCreateMode="0600")
*.* action(type="omfile" file="/c" fileOwner="nobody")
*.* action(type="omfile" file="/d" fileCreateMode="0604" fileGroup="users")
`
	cfg, err := ParseConfig("f.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]FileAttrs{
		"/a": {},
		"/b": {Mode: 0o640, Owner: "root", Group: "adm"},
		"/c": {Mode: 0o600, Owner: "nobody"},
		"/d": {Mode: 0o604, Group: "users"},
	}
	for _, r := range cfg.Rules {
		if r.File != want[r.Path] {
			t.Errorf("%s: %+v, want %+v", r.Path, r.File, want[r.Path])
		}
	}
	if cfg.Umask != 0o027 || len(cfg.Warnings) != 0 {
		t.Errorf("umask %o, warnings %q", cfg.Umask, cfg.Warnings)
	}
	for _, bad := range []string{"$FileCreateMode rw-r-----\n", "$Umask 9\n", "*.* action(type=\"omfile\" file=\"/x\" fileCreateMode=\"1777\")\n"} {
		if _, err := ParseConfig("bad.conf", []byte(bad)); err == nil || !strings.Contains(err.Error(), "bad.conf:1") {
			t.Errorf("%q: err = %v, want an error at bad.conf:1", bad, err)
		}
	}
}

func TestConfigInclude(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "main.conf")
	sub := filepath.Join(dir, "d", "h.conf")
	if err := os.MkdirAll(filepath.Dir(sub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, []byte("$IncludeConfig d/*.conf\n*.* /x/all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, []byte("local0.* /x/h\nlocal0.* nonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(main)
	if err == nil || !strings.HasPrefix(err.Error(), sub+":2:") {
		t.Fatalf("error %v, want it at %s:2", err, sub)
	}
}

func TestSelector(t *testing.T) {
	f := func(sel string, fac, sev int, want bool) {
		t.Helper()
		s, err := ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Match(fac, sev); got != want {
			t.Errorf("%s matches fac %d sev %d: %v, want %v", sel, fac, sev, got, want)
		}
	}
	f("local0.=info", 16, 6, true)
	f("local0.=info", 16, 5, false)
	f("local0.notice", 16, 5, true)
	f("local0.notice", 16, 0, true)
	f("local0.notice", 16, 6, false)
	f("local0.*", 16, 7, true)
	f("local0.*", 17, 7, false)
	f("*.info;mail.none", 2, 0, false)
	f("*.info;mail.none", 3, 6, true)
	f("mail.*;mail.!=debug", 2, 7, false)
	f("mail.*;mail.!=debug", 2, 6, true)
	f("local7.*;local7.!err", 23, 3, false)
	f("local7.*;local7.!err", 23, 4, true)
	f("auth,authpriv.*", 10, 1, true)
	f("auth,authpriv.*", 4, 1, true)
	f("*.*", invalidFacility, 7, true)
	f("*.=debug", invalidFacility, 7, true)
	f("*.info", invalidFacility, 7, false)
	f("user.*", invalidFacility, 7, false)
}
