package syslogd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRainerForms: statement layouts rsyslog accepts parse, and the
// misplaced ones are errors at their line.
func TestRainerForms(t *testing.T) {
	ok := []string{
		"ruleset(name=\"r\")\n{\n  /x/a\n}\ncall r\n",
		"ruleset(name=\"r\") {\n}\nif $msg contains 'a' then call r\n",
		"set $!a = 'x'; set $.b = $!a & 'y'; /x/a\n",
		"if $msg == 'a' then set $!a = 1;\n",
		"if $msg == 'a' then {\n /x/a\n} else if $msg == 'b' then {\n /x/b\n} else {\n /x/c\n}\n",
		"*.* ?T\n$template T,\"/x/%programname%\"\n",
		"template(name=\"T\" type=\"string\" string=\"/x/%$!a%\")\nset $!A = 'v';\naction(type=\"omfile\" dynaFile=\"T\" dynaFileCacheSize=\"5000\")\n",
		"ruleset(name=\"RSYSLOG_DefaultRuleset2\") {\n}\n$InputTCPServerBindRuleset RSYSLOG_DefaultRuleset2\n$InputTCPServerRun 5141\n",
		"if 0x1F == 31 and 010 == 8 and -1 < 0 then /x/a\n",
	}
	for _, conf := range ok {
		if _, err := ParseConfig("f.conf", []byte(conf)); err != nil {
			t.Errorf("%q: %v", conf, err)
		}
	}
	bad := map[string]string{
		"if $msg == 'a' then {\n /x/a\n} else {\n /x/b\n}\nelse /x/c\n": "f.conf:6: error: else: else without if",
		"ruleset(name=\"r\")\n/x/a\n":                                   "f.conf:2: error: ruleset:",
		"if $msg == 'a' then {\n ruleset(name=\"r\") {\n }\n}\n":        "f.conf:2: error: ruleset:",
		"set $msg = 'a';\n":                                             "f.conf:1: error: set:",
		"if 1_000 == 1 then /x\n":                                       "f.conf:1: error: if:",
		"if strlen($msg, 1) == 1 then /x\n":                             "f.conf:1: error: if:",
		"if re_match($msg, $msg) then /x\n":                             "f.conf:1: error: if:",
		"action(type=\"omfile\" file=\"/x\" dynaFile=\"T\")\n":          "f.conf:1: error: dynaFile:",
		"ruleset(name=\"9x\") {\n}\n":                                   "f.conf:1: error: name:",
	}
	for conf, want := range bad {
		_, err := ParseConfig("f.conf", []byte(conf))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %q...", conf, err, want)
		}
	}
}

// TestTCPAndUnixRuleset: messages of a TCP and a unix socket input bound
// to rulesets go through those rulesets only.
func TestTCPAndUnixRuleset(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcpAddr := l.Addr().String()
	l.Close()
	sock := filepath.Join(dir, "log.sock")
	conf := fmt.Sprintf(`$template M,"%%msg%%\n"
input(type="imtcp" address="127.0.0.1" port="%s" ruleset="tcp")
input(type="imuxsock" socket="%s" ruleset="ux")
ruleset(name="tcp") {
  OUTDIR/tcp.log;M
}
ruleset(name="ux") {
  OUTDIR/ux.log;M
}
*.* OUTDIR/default.log;M
`, tcpAddr[strings.LastIndexByte(tcpAddr, ':')+1:], sock)
	s, stop := testServer(t, conf, dir, Options{TCP: []string{tcpAddr}, Unix: []string{sock}})
	sendOnce(t, "tcp", tcpAddr, "<13>Nov 10 10:00:00 h t: over tcp\n")
	sendOnce(t, "unixgram", sock, "<13>Nov 10 10:00:00 t: over unix")
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>Nov 10 10:00:00 h t: over udp")})
	waitReceived(t, s, 3)
	stop()
	for name, want := range map[string]string{"tcp.log": " over tcp\n", "ux.log": " over unix\n", "default.log": " over udp\n"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if string(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
