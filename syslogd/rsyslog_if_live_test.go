package syslogd

import "testing"

// ifConf has RainerScript if/then/else with and, or, not, parentheses
// and the string comparisons, on one line and with blocks.
const ifConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template T,"%syslogtag%|%msg%|%hostname%\n"
*.* OUTDIR/every.log;T
if $msg contains 'abc' then OUTDIR/if1.log;T
if $programname == "app" and not ($hostname startswith "web") then OUTDIR/if2.log;T
else OUTDIR/else2.log;T
if ($syslogtag != 'tag:' or $msg contains_i "ABC") and $hostname startswith_i 'WEB' then {
  OUTDIR/if3.log;T
  if $msg contains "5424" then OUTDIR/if3in.log;T
} else {
  action(type="omfile" file="OUTDIR/else3.log" template="T")
}
if not ($msg contains "a") or $syslogfacility-text == "local0" then OUTDIR/if4.log;T
if $msg contains "a" or $msg contains "x" and $hostname == "host" then OUTDIR/if6.log;T
if $msg == " 42 a" then OUTDIR/if5.log;T
if $msg startswith " x" then stop
*.* OUTDIR/all.log;T
`

var ifLogs = []string{"if1", "if2", "else2", "if3", "if3in", "else3", "if4", "if5", "if6", "all"}

// TestLiveRsyslogIf compares RainerScript if/then/else with the installed
// rsyslogd's on the same datagrams.
func TestLiveRsyslogIf(t *testing.T) {
	runRsyslogDiff(t, diffCase{conf: ifConf, msgs: udpMsgs(filterMsgs...), all: "all.log", every: []string{"every.log"}, want: logNames(ifLogs)})
}
