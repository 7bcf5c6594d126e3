package syslogd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// filterConf has one file per property filter, a block after a selector
// and after a filter, '&' after a filter, and a filtered stop.
const filterConf = `global(workDirectory="OUTDIR")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template T,"%syslogtag%|%msg%|%hostname%\n"
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
	bin := needLiveRsyslogd(t)
	rdir := t.TempDir()
	port := freeUDPPort(t)
	conf := strings.NewReplacer("PORT", fmt.Sprint(port), "OUTDIR", rdir).Replace(filterConf)
	confPath := writeRsyslogConf(t, rdir, conf)
	checkRsyslogConf(t, bin, confPath)
	c := startRsyslogd(t, bin, confPath, rdir, port)
	all := filepath.Join(rdir, "all.log")
	deadline := time.Now().Add(20 * time.Second)
	probeRsyslogd(t, c, all, deadline)
	markRsyslogdStarted(t, c, all, "started", deadline)
	for _, m := range filterMsgs {
		_, _ = c.Write([]byte(m))
		time.Sleep(2 * time.Millisecond) // rsyslog's imudp is not ordered across batches otherwise
	}
	_, _ = c.Write([]byte("<13>h t: done"))
	if !waitFileHas(all, "done", deadline, 10*time.Millisecond) {
		t.Fatal("rsyslogd did not write everything")
	}

	sdir := t.TempDir()
	s, stop := testServer(t, strings.ReplaceAll(filterConf, "PORT", "0"), sdir, Options{})
	udp, _, _ := s.Addrs()
	var msgs [][]byte
	msgs = append(msgs, []byte(rsyslogProbe), []byte(rsyslogStarted))
	for _, m := range filterMsgs {
		msgs = append(msgs, []byte(m))
	}
	msgs = append(msgs, []byte("<13>h t: done"))
	sendUDP(t, udp[0], msgs)
	waitReceived(t, s, uint64(len(msgs)))
	stop()
	for _, name := range filterLogs {
		want, err := os.ReadFile(filepath.Join(rdir, name+".log"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(sdir, name+".log"))
		want, got = dropProbes(want), dropProbes(got)
		if len(want) == 0 {
			t.Errorf("rsyslogd wrote nothing to %s.log: the case checks nothing", name)
		}
		t.Run(name, func(t *testing.T) { compareLines(t, got, want) })
	}
}
