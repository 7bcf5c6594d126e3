package syslogd

import (
	"fmt"
	"os"
	"testing"
)

// rainerMsgs exercise the expressions: severities 0 to 7, procids that
// compare differently as numbers and as strings, case, regex.
var rainerMsgs = []string{
	"<11>Nov 10 10:00:00 web1 app[1]: has abc inside",
	"<12>Nov 10 10:00:00 db1 app[12]: no match here",
	"<13>Nov 10 10:00:00 web2 other[9]: xyz ABC regex",
	"<14>Nov 10 10:00:00 host tag[010]: 42 a",
	"<15>Nov 10 10:00:00 host tag[-3]: 42 c",
	"<8>Nov 10 10:00:00 host haproxy[3x]: local0 with b",
	"<134>Nov 10 10:00:00 zeta haproxy[100]: local0 without",
	"<10>Nov 10 10:00:00 host app2: say \"q\" and ABC",
	"<9>Nov 10 10:00:00 host tag: amp",
	"<13>1 2026-11-10T10:00:00Z web9 app 77 - - RFC 5424 abc",
}

// exprConf has else-if chains, the comparison operators with rsyslog's
// number and string coercions, contains_i, startswith, re_match, not,
// arithmetic, and set/unset of $! and $. variables used in conditions
// and templates.
const exprConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template S,"%syslogseverity%|%syslogtag%|%procid%|%msg%\n"
template(name="V" type="string" string="%syslogtag%|%$!v%|%$.l%|%$!n%|%$!Mixed%\n")
*.* OUTDIR/all.log;S
if $syslogseverity == 3 then OUTDIR/sev3.log;S
else if $syslogseverity < 5 then OUTDIR/sevlt5.log;S
else if $syslogseverity-text == "notice" then {
  OUTDIR/notice.log;S
} else if $syslogseverity <> '7' then OUTDIR/other.log;S
else OUTDIR/debug.log;S
if $procid == 1 then OUTDIR/pid-eq1.log;S
if $procid == "010" then OUTDIR/pid-eqs010.log;S
if $procid == "10" then OUTDIR/never-pid-eqs10.log;S
if $procid == 10 then OUTDIR/pid-eq10.log;S
if $procid > 9 then OUTDIR/pid-gt9.log;S
if $procid > "9" then OUTDIR/pid-gts9.log;S
if $procid <= -3 then OUTDIR/pid-le-3.log;S
if $procid >= "100" then OUTDIR/pid-ge100.log;S
if $procid != 3 then OUTDIR/pid-ne3.log;S
if $hostname < "host" then OUTDIR/host-lt.log;S
if $msg contains_i "ABC" then OUTDIR/ci.log;S
if $programname startswith "app" then OUTDIR/sw.log;S
if $hostname startswith_i "WEB" then OUTDIR/swi.log;S
if re_match($msg, '^ [0-9]+ (a|b)$') then OUTDIR/re.log;S
if not $syslogseverity == 1 then OUTDIR/not.log;S
if $syslogseverity + 1 * 2 == 5 or $syslogfacility * 2 == 32 then OUTDIR/arith.log;S
if $msg contains "a" or $msg contains "x" and $hostname == "host" then OUTDIR/andor.log;S
set $!v = $programname & "-" & $syslogseverity;
set $.l = "L" & $procid;
set $!n = $syslogseverity * 10 + 2;
set $!Mixed = "m";
if $!v startswith "app" then OUTDIR/setv.log;V
if $!n == 32 then OUTDIR/n32.log;V
if $!n == "52" then OUTDIR/n52s.log;V
if $!n > 40 then OUTDIR/n40.log;V
if $!mixed == "m" and $.l != "L-" then OUTDIR/mixed.log;V
if $.l == "L1" or $.l == "L9" then {
  set $.l = "changed";
  OUTDIR/memo1.log;V
  if $.l == "changed" then OUTDIR/memo2.log;V
} else {
  OUTDIR/memo-else.log;V
}
unset $!v;
if $!v == "" then OUTDIR/unset.log;V
if $syslogseverity >= 6 then stop
OUTDIR/after.log;V
`

// exprLogs are the files rsyslogd must write (those named never-* it must
// not: syslogd must not either).
var exprLogs = []string{"all", "sev3", "sevlt5", "notice", "other", "debug", "pid-eq1", "pid-eqs010", "pid-eq10",
	"pid-gt9", "pid-gts9", "pid-le-3", "pid-ge100", "pid-ne3", "host-lt", "ci", "sw", "swi", "re", "not",
	"arith", "andor", "setv", "n32", "n52s", "n40", "mixed", "memo1", "memo2", "memo-else", "unset", "after"}

// TestLiveRsyslogExpressions compares expressions, else if and set/unset
// with the installed rsyslogd's on the same datagrams.
func TestLiveRsyslogExpressions(t *testing.T) {
	runRsyslogDiff(t, diffCase{conf: exprConf, msgs: udpMsgs(rainerMsgs...), all: "all.log", want: logNames(exprLogs)})
}

// rulesetConf binds inputs to rulesets (input ruleset=, the legacy
// $InputUDPServerBindRuleset and $RuleSet), calls rulesets from others
// (a stop in a called ruleset ends the message's processing) and calls
// one ruleset twice with a variable changed in between.
const rulesetConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
input(type="imudp" address="127.0.0.1" port="PORT2" ruleset="remote")
$template S,"%syslogtag%|%msg%|%$!pass%\n"
ruleset(name="common") {
  if $msg contains "drop" then stop
  if $!pass == "" then OUTDIR/common-first.log;S
  else OUTDIR/common-again.log;S
  OUTDIR/common.log;S
}
ruleset(name="remote") {
  OUTDIR/remote.log;S
  call common
  set $!pass = "2";
  call common
  OUTDIR/remote-after.log;S
}
*.* OUTDIR/all.log;S
local0.* call common
OUTDIR/default-after.log;S
$RuleSet legacy
*.* OUTDIR/legacy.log;S
call common
$RuleSet RSYSLOG_DefaultRuleset
$InputUDPServerBindRuleset legacy
$UDPServerAddress 127.0.0.1
$UDPServerRun PORT3
`

// TestLiveRsyslogRulesets compares rulesets, call and the binding of
// inputs to rulesets with the installed rsyslogd's on the same datagrams.
func TestLiveRsyslogRulesets(t *testing.T) {
	var msgs []diffMsg
	for port := range 3 {
		for _, m := range []string{
			"<134>Nov 10 10:00:00 host haproxy[3]: local0 keep",
			"<134>Nov 10 10:00:00 host haproxy[3]: local0 drop me",
			"<13>Nov 10 10:00:00 host app: user keep",
			"<13>Nov 10 10:00:00 host app: user drop",
		} {
			msgs = append(msgs, diffMsg{port: port, text: m})
		}
	}
	runRsyslogDiff(t, diffCase{conf: rulesetConf, msgs: msgs, all: "all.log", ports: 3,
		every: []string{"all.log", "remote.log", "legacy.log"},
		want: []string{"all.log", "common-first.log", "common-again.log", "common.log", "remote.log",
			"remote-after.log", "default-after.log", "legacy.log"}})
}

// dynaConf writes dynaFiles through caches smaller than the number of
// files (so that files are closed and opened again), in directories the
// action creates, with the file and directory modes and owners of
// $FileCreateMode, $DirCreateMode, $Umask, $FileOwner, $FileGroup,
// $DirOwner, $DirGroup and omfile's parameters.
const dynaConf = `module(load="builtin:omfile" dirOwner="daemon" fileCreateMode="0606")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template S,"%syslogtag%|%msg%\n"
$template Dyn,"OUTDIR/dyn/%programname%.log"
template(name="Dyn2" type="string" string="OUTDIR/d2/%hostname%/sub/%syslogseverity-text%.log")
template(name="Dyn3" type="string" string="OUTDIR/d3/%procid%.log")
$Umask 0000
$DynaFileCacheSize 2
$FileCreateMode 0604
$DirCreateMode 0751
$FileOwner nobody
$DirGroup nogroup
*.* OUTDIR/all.log;S
local0.* ?Dyn;S
$FileOwner root
$DirOwner daemon
action(type="omfile" dynaFile="Dyn2" template="S" dynaFileCacheSize="1" fileGroup="daemon" dirCreateMode="0750")
action(type="omfile" dynaFile="Dyn3" template="S")
`

// TestLiveRsyslogDynaFile compares dynaFile actions with the installed
// rsyslogd's: the files, their contents, modes and owners.
func TestLiveRsyslogDynaFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the owners need root")
	}
	var msgs []string
	for i := range 24 {
		msgs = append(msgs, fmt.Sprintf("<%d>Nov 10 10:00:00 host%d prog%d[%d]: message %d", 128+i%8, i%3, i%4, i, i))
	}
	runRsyslogDiff(t, diffCase{conf: dynaConf, msgs: udpMsgs(msgs...), all: "all.log", attrs: true,
		want: []string{"all.log", "dyn/prog0.log", "dyn/prog3.log", "d2/host0/sub/emerg.log", "d2/host2/sub/debug.log", "d3/11.log"}})
}
