package syslogd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dirModeConf creates directories under DIR with rsyslog's default
// directory mode, two $DirCreateMode values in force at their rules, and
// omfile's dirCreateMode; umask is the $Umask line.
const dirModeConf = `$template M,"%%msg%%\n"
%s
*.* DIR/d1/a/b/x.log;M
$DirCreateMode 0750
*.* DIR/d2/a/x.log;M
$DirCreateMode 0775
*.* DIR/d3/a/x.log;M
*.* action(type="omfile" file="DIR/d4/x.log" dirCreateMode="0777" template="M")
`

var dirModeDirs = []string{"d1", "d1/a", "d1/a/b", "d2", "d2/a", "d3", "d3/a", "d4"}

// TestLiveRsyslogDirCreateMode: the missing directories of a file are
// created with the modes rsyslogd 8.2302 gives them on the same
// configuration ($DirCreateMode where the rule is, 0700 by default,
// omfile's dirCreateMode, less $Umask).
func TestLiveRsyslogDirCreateMode(t *testing.T) {
	bin := needLiveRsyslogd(t)
	for _, umask := range []string{"$Umask 0022", "$Umask 0027"} {
		t.Run(strings.Fields(umask)[1], func(t *testing.T) {
			rdir := t.TempDir()
			port := freeUDPPort(t)
			conf := fmt.Sprintf("module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\")\n", port) +
				strings.ReplaceAll(fmt.Sprintf(dirModeConf, umask), "DIR", rdir)
			path := writeRsyslogConf(t, rdir, conf)
			checkRsyslogConf(t, bin, path)
			c := startRsyslogd(t, bin, path, rdir, port)
			deadline := time.Now().Add(20 * time.Second)
			probeRsyslogd(t, c, filepath.Join(rdir, "d4/x.log"), deadline)

			sdir := t.TempDir()
			s, stop := testServer(t, strings.ReplaceAll(fmt.Sprintf(dirModeConf, umask), "DIR", sdir), sdir, Options{})
			udp, _, _ := s.Addrs()
			sendUDP(t, udp[0], [][]byte{[]byte(rsyslogProbe)})
			waitReceived(t, s, 1)
			stop()
			for _, d := range dirModeDirs {
				rs, err1 := os.Stat(filepath.Join(rdir, d))
				ss, err2 := os.Stat(filepath.Join(sdir, d))
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: %v %v", d, err1, err2)
				}
				if rs.Mode() != ss.Mode() {
					t.Errorf("%s: mode %v, rsyslogd's %v", d, ss.Mode(), rs.Mode())
				}
			}
		})
	}
}
