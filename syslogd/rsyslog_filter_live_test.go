package syslogd

import "testing"

// filterConf has one file per property filter, a block after a selector
// and after a filter, '&' after a filter, and a filtered stop.
const filterConf = `global(workDirectory="OUTDIR")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template T,"%syslogtag%|%msg%|%hostname%\n"
*.* OUTDIR/every.log;T
:msg, contains, "abc" OUTDIR/contains.log;T
:msg, !contains, "abc" OUTDIR/ncontains.log;T
:programname, isequal, "app" OUTDIR/isequal.log;T
:programname, !isequal, "app" OUTDIR/nisequal.log;T
:hostname, startswith, "web" OUTDIR/startswith.log;T
:HOSTNAME, !startswith, "web" OUTDIR/nstartswith.log;T
:msg, regex, "x\(yz\)*w+" OUTDIR/regex.log;T
:msg, regex, "x\\(yz\\)*w\\{2\\}" OUTDIR/regex2.log;T
:msg, ereregex, "^ [0-9]+ (a|b)$" OUTDIR/ereregex.log;T
:msg, isempty, "" OUTDIR/isempty.log;T
:procid, !isempty, "x" OUTDIR/nisempty.log;T
:syslogtag, isequal, "app[1]:" OUTDIR/tag.log;T
:fromhost-ip, isequal, "127.0.0.1" OUTDIR/fromip.log;T
:rawmsg, contains, "<134>" OUTDIR/raw.log;T
:msg, contains, "\"q\"" OUTDIR/quoted.log;T
:msg, contains, "ABC" OUTDIR/case.log;T
local0.* {
  :msg, contains, "b" {
    OUTDIR/nested.log;T
  }
  OUTDIR/local0.log;T
}
:msg, contains, "amp" OUTDIR/amp1.log;T
& OUTDIR/amp2.log;T
:msg, contains, "stopme" stop
*.* OUTDIR/all.log;T
`

var filterMsgs = []string{
	"<13>Nov 10 10:00:00 web1 app[1]: has abc inside",
	"<13>Nov 10 10:00:00 db1 app: no match here",
	"<13>Nov 10 10:00:00 web2 other[2]: xyzyzwww regex",
	"<13>Nov 10 10:00:00 host tag: x(yz)w+ literal BRE",
	"<13>Nov 10 10:00:00 host tag: 42 a",
	"<13>Nov 10 10:00:00 host tag: 42 c",
	"<134>Nov 10 10:00:00 host haproxy[3]: local0 with b",
	"<134>Nov 10 10:00:00 host haproxy[3]: local0 without",
	"<13>Nov 10 10:00:00 host tag: say \"q\" and ABC",
	"<13>Nov 10 10:00:00 host tag: amp and stopme",
	"<13>Nov 10 10:00:00 host tag:",
	"<13>1 2026-11-10T10:00:00Z web9 app 77 - - RFC 5424 abc",
}

var filterLogs = []string{"contains", "ncontains", "isequal", "nisequal", "startswith", "nstartswith",
	"regex", "regex2", "ereregex", "isempty", "nisempty", "tag", "fromip", "raw", "quoted", "case", "nested", "local0",
	"amp1", "amp2", "all"}

// TestLiveRsyslogFilters compares property filters, blocks, '&' and stop
// with the installed rsyslogd's on the same datagrams.
func TestLiveRsyslogFilters(t *testing.T) {
	runRsyslogDiff(t, diffCase{conf: filterConf, msgs: udpMsgs(filterMsgs...), all: "all.log", every: []string{"every.log"}, want: logNames(filterLogs)})
}
