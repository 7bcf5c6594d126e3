package syslogd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ifConf has RainerScript if/then/else with and, or, not, parentheses
// and the string comparisons, on one line and with blocks.
const ifConf = `module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template T,"%syslogtag%|%msg%|%hostname%\n"
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
	bin := needLiveRsyslogd(t)
	rdir := t.TempDir()
	port := freeUDPPort(t)
	conf := strings.NewReplacer("PORT", fmt.Sprint(port), "OUTDIR", rdir).Replace(ifConf)
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
	s, stop := testServer(t, strings.ReplaceAll(ifConf, "PORT", "0"), sdir, Options{})
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
	for _, name := range ifLogs {
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
