package syslogd

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// TestConfigStrictClassification: every rsyslog directive syslogd reads
// without implementing is either a no-op with its value (a warning at its
// file:line saying why), refused (an ErrUnsupported error at its
// file:line naming it) or implemented (its effect on the configuration).
// The line before each directive is a comment, so every position is
// line 2.
func TestConfigStrictClassification(t *testing.T) {
	const warn, fatal, bad = "warn", "fatal", "bad" // bad: a bad value, not a refusal
	cases := []struct {
		conf  string
		want  string // warn, fatal, or "" (implemented: check)
		text  string // in the warning or the error
		check func(*Config) bool
	}{
		// Legacy directives.
		{conf: "$WorkDirectory /var/spool/rsyslog", want: warn, text: "nothing in syslogd reads it"},
		{conf: "$ActionFileEnableSync off", want: warn, text: "the default"},
		{conf: "$ActionFileEnableSync on", want: fatal, text: "$ActionFileEnableSync"},
		{conf: "$IMUXSockRateLimitInterval 0", want: warn, text: "no rate limit"},
		{conf: "$IMUXSockRateLimitInterval 5", want: fatal, text: "rate limiting drops messages"},
		{conf: "$SystemLogRateLimitInterval 5 # comment", want: fatal, text: "rate limiting"},
		{conf: "$SystemLogRateLimitBurst 50", want: warn, text: "rate-limit interval"},
		{conf: "$IMUXSockAnnotate on", want: fatal, text: "unknown directive"},
		{conf: "$FailOnChownFailure on", want: warn, text: "the default"},
		{conf: "$FailOnChownFailure off", want: fatal, text: "owner could not be set"},
		{conf: "$ActionResumeInterval 30", want: warn, text: "the default"},
		{conf: "$ActionResumeInterval 10", want: fatal, text: "retry interval"},
		{conf: "$ActionResumeRetryCount -1", want: fatal, text: "retrying"},
		{conf: "$ActionExecOnlyWhenPreviousIsSuspended off", want: warn, text: "the default"},
		{conf: "$ActionExecOnlyWhenPreviousIsSuspended on", want: fatal, text: "failover"},
		{conf: "$AbortOnUncommittedConfig on", want: warn, text: "does not know it"},
		{conf: "$UDPServerRcvBufSize 1m", want: warn, text: "does not know it"},
		{conf: "$DefaultNetstreamDriver ptcp", want: warn, text: "plain TCP"},
		{conf: "$DefaultNetstreamDriver gtls", want: fatal, text: "TLS"},
		{conf: "$DefaultNetstreamDriverCAFile /etc/ca.pem", want: warn, text: "TLS drivers"},
		{conf: "$MainMsgQueueSize 100000", want: warn, text: "without a queue"},
		{conf: "$MainMsgQueueFileName mainq", want: fatal, text: "disk queue"},
		{conf: "$MainMsgQueueType Disk", want: fatal, text: "disk queue"},
		{conf: "$MainMsgQueueType LinkedList", want: warn, text: "without a queue"},
		{conf: "$MainMsgQueueDiscardSeverity 8", want: warn, text: "none discarded"},
		{conf: "$MainMsgQueueDiscardSeverity 4", want: fatal, text: "discards"},
		{conf: "$MainMsgQueueDequeueTimeBegin 1", want: fatal, text: "time window"},
		{conf: "$MainMsgQueueFrobnicate 1", want: fatal, text: "unknown directive"},
		{conf: "$ActionQueueFileName fwdq", want: fatal, text: "disk queue"},
		{conf: "$ActionQueueSaveOnShutdown on", want: warn, text: "disk queue"},
		{conf: "$PreserveFQDN on", check: func(c *Config) bool { return c.PreserveFQDN }},
		{conf: "$PreserveFQDN off", check: func(c *Config) bool { return !c.PreserveFQDN }},
		{conf: "$AllowedSender UDP, 127.0.0.1, 10.0.0.0/8, [::1], [fe80::]/10", check: func(c *Config) bool {
			return len(c.allowTCP) == 0 && len(c.allowUDP) == 4 && c.allowUDP[0] == netip.MustParsePrefix("127.0.0.1/32") &&
				c.allowUDP[1] == netip.MustParsePrefix("10.0.0.0/8") && c.allowUDP[2] == netip.MustParsePrefix("::1/128") &&
				c.allowUDP[3] == netip.MustParsePrefix("fe80::/10")
		}},
		{conf: "$AllowedSender TCP, 192.0.2.0/24", check: func(c *Config) bool { return len(c.allowTCP) == 1 && len(c.allowUDP) == 0 }},
		{conf: "$AllowedSender UDP, *.example.net", want: fatal, text: "host names"},
		{conf: "$AllowedSender GSS, 127.0.0.1", want: fatal, text: "only UDP and TCP"},
		{conf: "$InputTCPMaxSessions 2", want: warn, text: "does not enforce it either"},
		{conf: "$InputTCPMaxSessions lots", want: bad, text: "positive number"},
		{conf: "$MaxOpenFiles 4096", check: func(c *Config) bool { return c.Process.MaxOpenFiles == 4096 }},
		{conf: "$PrivDropToUser root", check: func(c *Config) bool { return c.Process.UID == "0" && c.Process.GID == "" }},
		{conf: "$PrivDropToGroupID 65534", check: func(c *Config) bool { return c.Process.GID == "65534" && c.Process.UID == "" }},
		{conf: "$PrivDropToUser no-such-user-here", want: bad, text: "no-such-user-here"},
		{conf: "$PrivDropToGroup no-such-group-here", want: bad, text: "group \"no-such-group-here\""},
		{conf: "$PrivDropToGroup nogroup", check: func(c *Config) bool { return c.Process.GID == "65534" && c.Process.UID == "" }}, // a group, not a user name (base-passwd)
		{conf: "$FileOwnerNum 0", check: func(c *Config) bool { return c.file.Owner == "0" }},
		{conf: "$DirGroupNum 4", check: func(c *Config) bool { return c.file.DirGroup == "4" }},
		{conf: "$FileOwnerNum root", want: bad, text: "numeric id"},
		// an owner or group the system does not know: rsyslogd -N1 exits 1
		// ("ID for user 'x' could not be found"); found at the first write
		// instead, every line of that file was dropped
		{conf: "$FileOwner no-such-user-here", want: bad, text: `fileowner "no-such-user-here"`},
		{conf: "$DirGroup no-such-group-here", want: bad, text: `dirgroup "no-such-group-here"`},
		{conf: `*.* action(type="omfile" file="/x" fileGroup="no-such-group-here")`, want: bad, text: "no-such-group-here"},
		{conf: "$FileOwnerNum 54321", want: bad, text: "54321"}, // no passwd entry: rotate could not chown to it
		{conf: "$DirOwnerNum 54321", check: func(c *Config) bool { return c.file.DirOwner == "54321" }},
		// action(type="omfile") parameters.
		{conf: `*.* action(type="omfile" file="/x" zipLevel="0")`, want: warn, text: "not compressed"},
		{conf: `*.* action(type="omfile" file="/x" zipLevel="6")`, want: fatal, text: "ziplevel"},
		{conf: `*.* action(type="omfile" file="/x" sync="on")`, want: fatal, text: "sync"},
		{conf: `*.* action(type="omfile" file="/x" ioBufferSize="64k")`, want: warn, text: "buffering"},
		{conf: `*.* action(type="omfile" file="/x" cry.provider="gcry")`, want: fatal, text: "encrypted"},
		{conf: `*.* action(type="omfile" file="/x" sig.provider="ksi")`, want: fatal, text: "signed"},
		{conf: `*.* action(type="omfile" file="/x" rotation.sizeLimit="1m")`, want: fatal, text: "logrotate"},
		{conf: `*.* action(type="omfile" file="/x" closeTimeout="0")`, want: warn, text: "default for a file"},
		{conf: `*.* action(type="omfile" file="/x" closeTimeout="5")`, want: fatal, text: "closeTimeout"},
		{conf: `*.* action(type="omfile" dynaFile="RSYSLOG_FileFormat" closeTimeout="10")`, want: warn, text: "default for a dynaFile"},
		{conf: `*.* action(type="omfile" file="/x" queue.type="LinkedList")`, want: warn, text: "without a queue"},
		{conf: `*.* action(type="omfile" file="/x" queue.filename="q")`, want: fatal, text: "disk queue"},
		{conf: `*.* action(type="omfile" file="/x" action.execOnlyWhenPreviousIsSuspended="on")`, want: fatal, text: "failover"},
		{conf: `*.* action(type="omfile" file="/x" action.errorFile="/e")`, want: fatal, text: "error file"},
		{conf: `*.* action(type="omfile" file="/x" frobnicate="1")`, want: fatal, text: "frobnicate"},
		{conf: `*.* action(type="omfile" file="/x" queue.frobnicate="1")`, want: fatal, text: "queue.frobnicate"}, // rsyslogd -N1: not known
		{conf: `*.* action(type="omfile" file="/x" fileOwnerNum="0")`, check: func(c *Config) bool { return c.Rules[0].File.Owner == "0" }},
		{conf: `module(load="builtin:omfile" fileGroupNum="4")`, check: func(c *Config) bool { return c.modFile.Group == "4" }},
		{conf: `module(load="builtin:omfile" frobnicate="1")`, want: fatal, text: "frobnicate"},
		// global(), main_queue(), inputs and modules.
		{conf: `global(workDirectory="/var/spool/rsyslog")`, want: warn, text: "nothing in syslogd reads it"},
		{conf: `global(preserveFQDN="on")`, check: func(c *Config) bool { return c.PreserveFQDN }},
		{conf: `global(umask="0027")`, check: func(c *Config) bool { return c.Umask == 0o027 }},
		{conf: `global(privDrop.user.id="65534" privDrop.group.name="root")`, check: func(c *Config) bool {
			return c.Process.UID == "65534" && c.Process.GID == "0"
		}},
		{conf: `global(net.enableDNS="off")`, want: fatal, text: "by address only"},
		{conf: `global(frobnicate="1")`, want: fatal, text: "frobnicate"},
		{conf: `main_queue(queue.size="1000")`, want: warn, text: "without a queue"},
		{conf: `main_queue(queue.filename="mq")`, want: fatal, text: "disk queue"},
		{conf: `timezone(id="CET" offset="+01:00")`, want: fatal, text: "timezone"},
		{conf: `input(type="imudp" port="5514" rateLimit.Interval="5")`, want: fatal, text: "rate limiting"},
		{conf: `input(type="imudp" port="5514" name="udp")`, want: warn, text: "inputname"},
		{conf: `input(type="imudp" port="5514" device="eth0")`, want: fatal, text: "network device"},
		{conf: `input(type="imtcp" port="5514" streamDriver.mode="1")`, want: fatal, text: "TLS"},
		{conf: `input(type="imtcp" port="5514" keepAlive="on")`, want: warn, text: "dead peers"},
		{conf: `input(type="imtcp" port="5514" maxSessions="3")`, want: warn, text: "does not enforce it either"},
		{conf: `input(type="imudp" port="5514" maxSessions="3")`, want: fatal, text: "maxsessions"},
		{conf: `input(type="imudp" port="5514" frobnicate="1")`, want: fatal, text: "frobnicate"},
		{conf: `input(type="imtcp" port="5514" frobnicate="1")`, want: fatal, text: "frobnicate"},
		{conf: `module(load="imtcp" frobnicate="1")`, want: fatal, text: "frobnicate"},
		{conf: `module(load="imtcp" maxSessions="7")`, want: warn, text: "does not enforce it either"},
		{conf: `module(load="imuxsock" SysSock.RateLimit.Interval="0")`, want: warn, text: "no rate limit"},
		{conf: `module(load="imuxsock" SysSock.RateLimit.Interval="5")`, want: fatal, text: "rate limiting"},
		{conf: `module(load="imuxsock" SysSock.Annotate="on")`, want: fatal, text: "trusted properties"},
		{conf: `module(load="imuxsock" SysSock.Frobnicate="on")`, want: fatal, text: "frobnicate"},
		{conf: `input(type="imuxsock" socket="/x.sock" useSysTimeStamp="off")`, want: fatal, text: "sender's time stamp"},
		{conf: `input(type="imuxsock" socket="/x.sock" createPath="on")`, want: fatal, text: "createpath"},
	}
	for _, c := range cases {
		conf := "# first line\n" + c.conf + "\n"
		cfg, err := ParseConfig("s.conf", []byte(conf))
		switch c.want {
		case fatal, bad:
			var ce *ConfigError
			if err == nil || !errors.As(err, &ce) || c.want == fatal && !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: error %v, want a %s error", c.conf, err, c.want)
				continue
			}
			if !strings.HasPrefix(err.Error(), "s.conf:2: ") || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.text)) {
				t.Errorf("%s: error %q, want s.conf:2 and %q", c.conf, err, c.text)
			}
		case warn:
			if err != nil {
				t.Errorf("%s: %v", c.conf, err)
				continue
			}
			if len(cfg.Warnings) != 1 || !strings.HasPrefix(cfg.Warnings[0].String(), "s.conf:2: warning: ") ||
				!strings.Contains(cfg.Warnings[0].String(), c.text) {
				t.Errorf("%s: warnings %q, want one at s.conf:2 with %q", c.conf, cfg.Warnings, c.text)
			}
		default:
			if err != nil {
				t.Errorf("%s: %v", c.conf, err)
				continue
			}
			if len(cfg.Warnings) != 0 || !c.check(cfg) {
				t.Errorf("%s: warnings %q, config %+v: not the effect wanted", c.conf, cfg.Warnings, cfg)
			}
		}
	}
}
