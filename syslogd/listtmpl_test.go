package syslogd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// The goldens under testdata/listtmpl were written by rsyslogd 8.2302.0
// (Debian's /usr/sbin/rsyslogd) with
//
//	go test ./syslogd/ -run TestLiveRsyslogListTemplates -listtmpl-update
//
// which also writes the datagrams (datagrams.bin: liveCases, then the
// first listHAProxyPerCapture datagrams of each HAProxy capture under
// ../testdata/syslog/haproxy/rfc5424, each as a 4-byte big-endian length
// and the bytes) and, for each variant, the configuration (listtmpl.conf)
// the files were made with. TestListTemplateGoldens checks syslogd against
// them without rsyslogd.
const listGoldenDir = "testdata/listtmpl"

// listVariants are the reception options listConf runs with: by default
// control characters are escaped on reception, so the controlCharacters
// parameter and JSON's control-character escapes only matter with
// escaping off.
var listVariants = []struct{ name, opts string }{
	{"default", ""},
	{"noescape", `global(parser.escapeControlCharactersOnReceive="off")`},
}

// listFiles are the files listConf writes, one per list template.
var listFiles = []string{"props", "dates", "case", "pos", "lf", "json", "cc", "trad", "file"}

// listConf holds one list template per parameter family, and the list
// forms of RSYSLOG_TraditionalFileFormat and RSYSLOG_FileFormat. count.log,
// written last, gets each message: a receiver has handled a datagram once
// the listSync that follows it is there. Reception-time properties are
// avoided, except where
// timereported is the reception time (a message without a timestamp):
// dropReceptionPairs masks those lines.
const listConf = `global(workDirectory="SPOOL")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
OPTIONS

template(name="Lprops" type="list") {
  constant(value="pri=") property(name="pri")
  constant(value=" pt=") property(name="pri-text")
  constant(value=" fac=") property(name="syslogfacility") constant(value="/") property(name="syslogfacility-text")
  constant(value=" sev=") property(name="syslogseverity") constant(value="/") property(name="syslogseverity-text")
  constant(value=" prio=") property(name="syslogpriority-text")
  constant(value=" proto=") property(name="protocol-version")
  constant(value=" host=[") property(name="hostname") constant(value="] src=[") property(name="source")
  constant(value="] tag=[") property(name="syslogtag")
  constant(value="] prog=[") property(name="programname")
  constant(value="] procid=[") property(name="procid" outname="pid")
  constant(value="] msgid=[") property(name="msgid")
  constant(value="] sd=[") property(name="structured-data")
  constant(value="] app=[") property(name="APP-NAME")
  constant(value="] ip=[") property(name="fromhost-ip")
  constant(value="] msg=[") property(name="msg")
  constant(value="] esc=[\t|\"q\"|\\|\101|\?|\'|}|#|/*]" outname="c")
  constant(value="\n")
}

# dates: the first field decides the masking (see dropReceptionPairs)
template(name="Ldates" type="list") {
  property(name="timereported" dateFormat="rfc3339") constant(value=" ")
  property(name="timereported") constant(value=" ")
  property(name="timestamp" dateFormat="rfc3164") constant(value=" ")
  property(name="timereported" dateFormat="mysql") constant(value=" ")
  property(name="timereported" dateFormat="unixtimestamp") constant(value=" ")
  property(name="timereported" dateFormat="year") constant(value="-")
  property(name="timereported" dateFormat="month") constant(value="-")
  property(name="timereported" dateFormat="day") constant(value="T")
  property(name="timereported" dateFormat="hour") constant(value=":")
  property(name="timereported" dateFormat="minute") constant(value=":")
  property(name="timereported" dateFormat="second") constant(value=".")
  property(name="timereported" dateFormat="subseconds") constant(value=" |")
  property(name="msg" dateFormat="rfc3339") constant(value="|")
  property(name="pri" dateFormat="unixtimestamp")
  constant(value="\n")
}

template(name="Lcase" type="list") {
  property(name="msg" caseConversion="lower") constant(value="|")
  property(name="msg" caseConversion="upper") constant(value="|")
  property(name="hostname" caseConversion="upper") constant(value="|")
  property(name="syslogtag" caseConversion="lower") constant(value="|")
  property(name="pri-text" caseConversion="upper")
  constant(value="\n")
}

template(name="Lpos" type="list") {
  property(name="msg" position.from="2" position.to="6") constant(value="|")
  property(name="msg" position.from="3") constant(value="|")
  property(name="msg" position.to="4") constant(value="|")
  property(name="msg" position.from="0" position.to="3") constant(value="|")
  property(name="msg" position.to="0") constant(value="|")
  property(name="msg" position.from="100") constant(value="|")
  property(name="msg" position.from="5" position.to="5") constant(value="|")
  property(name="syslogtag" position.from="1" position.to="32") constant(value="|")
  property(name="hostname" position.from="2") constant(value="|")
  property(name="msg" position.from="3" spifno1stsp="on") constant(value="|")
  property(name="msg" position.from="2" position.to="40" caseConversion="upper" format="json")
  constant(value="\n")
}

template(name="Llf" type="list") {
  property(name="syslogtag") property(name="msg" spifno1stsp="on") property(name="msg" droplastlf="on") constant(value="|")
  property(name="hostname" spifno1stsp="on") constant(value="|")
  property(name="programname" spifno1stsp="on") constant(value="|")
  property(name="structured-data" spifno1stsp="on") constant(value="|")
  property(name="rawmsg" droplastlf="on" controlCharacters="escape") constant(value="|")
  property(name="rawmsg" droplastlf="on" controlCharacters="drop") constant(value="|")
  property(name="rawmsg" droplastlf="on" format="json") constant(value="|")
  property(name="rawmsg" position.from="2" droplastlf="on" controlCharacters="space")
  constant(value="\n")
}

# (rawmsg-after-pri is left out: with format="json" it crashes rsyslogd
# 8.2302 after a few dozen messages, and rsyslog prints it as
# "**OUT OF MEMORY**" for "<" and "<1>", keeping a 4-digit PRI.)
template(name="Ljson" type="list") {
  property(name="msg" format="json") constant(value="|")
  property(name="structured-data" format="json") constant(value="|")
  property(name="syslogtag" format="json") constant(value="|")
  property(name="rawmsg" format="json") constant(value="|")
  property(name="programname" format="json" caseConversion="lower")
  constant(value="\n")
}

template(name="Lcc" type="list") {
  property(name="msg" controlCharacters="escape") constant(value="|")
  property(name="msg" controlCharacters="space") constant(value="|")
  property(name="msg" controlCharacters="drop") constant(value="|")
  property(name="rawmsg" controlCharacters="escape" outname="r") constant(value="|")
  property(name="rawmsg" controlCharacters="space") constant(value="|")
  property(name="rawmsg" controlCharacters="drop") constant(value="|")
  property(name="rawmsg" controlCharacters="escape" format="json" caseConversion="upper")
  constant(value="\n")
}

# RSYSLOG_TraditionalFileFormat
template(name="Ltrad" type="list") {
  property(name="timestamp") constant(value=" ")
  property(name="hostname") constant(value=" ")
  property(name="syslogtag")
  property(name="msg" spifno1stsp="on")
  property(name="msg" droplastlf="on")
  constant(value="\n")
}

# RSYSLOG_FileFormat, the brace on its own line
template(name="Lfile" type="list")
{
  property(name="timestamp" dateFormat="rfc3339") constant(value=" ")
  property(name="hostname") constant(value=" ")
  property(name="syslogtag")
  property(name="msg" spifno1stsp="on")
  property(name="msg" droplastlf="on")
  constant(value="\n")
}

template(name="Lcount" type="list") { property(name="msg") constant(value="\n") }

*.* OUTDIR/props.log;Lprops
*.* OUTDIR/dates.log;Ldates
*.* OUTDIR/case.log;Lcase
*.* OUTDIR/pos.log;Lpos
*.* OUTDIR/lf.log;Llf
*.* OUTDIR/json.log;Ljson
*.* OUTDIR/cc.log;Lcc
*.* OUTDIR/trad.log;Ltrad
*.* OUTDIR/file.log;Lfile
*.* OUTDIR/count.log;Lcount
`

// listSync is the datagram sent after datagram i (rsyslog writes nothing
// for some datagrams, "<" for one); listSyncSeen is its line in count.log.
func listSync(i int) []byte { return fmt.Appendf(nil, "<13>Nov 21 12:00:00 h t: sync %03d", i) }

func listSyncSeen(i int) string { return fmt.Sprintf(" sync %03d\n", i) }

// listSequence is every datagram sent, in order: each followed by its
// sync datagram.
func listSequence(msgs [][]byte) [][]byte { return withSyncs(msgs, listSync) }

func listConfFor(opts, spool, port, outdir string) string {
	return confFor(listConf, opts, spool, port, outdir)
}

// readListDatagrams reads the datagrams the goldens were made with.
func readListDatagrams(t *testing.T) [][]byte {
	t.Helper()
	return readDatagrams(t, filepath.Join(listGoldenDir, "datagrams.bin"))
}

func encodeDatagrams(msgs [][]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
		b = append(b, m...)
	}
	return b
}

// runSyslogdList runs syslogd with listConf over msgs and returns its
// files by name.
func runSyslogdList(t *testing.T, opts string, msgs [][]byte, o Options) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	s, stop := testServer(t, listConfFor(opts, dir, "0", dir), dir, o)
	udp, _, _ := s.Addrs()
	seq := listSequence(msgs)
	sendUDP(t, udp[0], seq)
	waitReceived(t, s, uint64(len(seq)))
	stop()
	out := map[string][]byte{}
	for _, name := range append(listFiles, "count") {
		b := testfs.ReadFile(t, filepath.Join(dir, name+".log"))
		out[name] = b
	}
	return out
}

// dropReceptionPairs removes the line pairs where syslogd's line (got)
// starts with its reception time, receptionTime (testServer's clock), in
// RFC 3339 or RFC 3164 form: the message had no timestamp, and rsyslog
// printed its own reception time. Lines are split at LF; both files must
// have as many.
func dropReceptionPairs(got, want []byte) ([]byte, []byte) {
	g, w := strings.SplitAfter(string(got), "\n"), strings.SplitAfter(string(want), "\n")
	if len(g) != len(w) {
		return got, want
	}
	r3339 := receptionTime.Format("2006-01-02T15:04:05")
	r3164 := receptionTime.Format(time.Stamp)
	var kg, kw strings.Builder
	for i := range g {
		if strings.HasPrefix(g[i], r3339) || strings.HasPrefix(g[i], r3164) {
			continue
		}
		kg.WriteString(g[i])
		kw.WriteString(w[i])
	}
	return []byte(kg.String()), []byte(kw.String())
}

// compareListFile compares one file byte for byte, time-dependent line
// pairs masked, and reports the first differing lines.
func compareListFile(t *testing.T, got, want []byte) {
	t.Helper()
	if n, m := bytes.Count(got, []byte("\n")), bytes.Count(want, []byte("\n")); n != m {
		t.Errorf("got %d lines, want %d", n, m)
	}
	got, want = dropReceptionPairs(got, want)
	testkit.EqualLines(t, "output", got, want)
}

// TestListTemplateGoldens compares syslogd's files with those rsyslogd
// 8.2302 wrote for listConf and the same datagrams (see the top of this
// file for how they were produced).
func TestListTemplateGoldens(t *testing.T) {
	msgs := readListDatagrams(t)
	for _, v := range listVariants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(listGoldenDir, v.name)
			conf, err := os.ReadFile(filepath.Join(dir, "listtmpl.conf"))
			if err != nil {
				t.Fatalf("%v (regenerate the goldens, see listtmpl_test.go)", err)
			}
			if string(conf) != listConfFor(v.opts, "SPOOL", "PORT", "OUTDIR") {
				t.Fatal("the goldens were made with another configuration: regenerate them (see listtmpl_test.go)")
			}
			got := runSyslogdList(t, v.opts, msgs, Options{})
			if !strings.HasSuffix(string(got["count"]), listSyncSeen(len(msgs)-1)) {
				t.Fatal("count.log does not end with the last sync message")
			}
			for _, name := range listFiles {
				want := testfs.ReadFile(t, filepath.Join(dir, name+".log"))
				t.Run(name, func(t *testing.T) { compareListFile(t, got[name], want) })
			}
		})
	}
}

// TestListTemplateEquivalent checks that a list template compiles to the
// same parts as the string template it is equivalent to.
func TestListTemplateEquivalent(t *testing.T) {
	for _, c := range []struct{ str, list string }{
		{TraditionalFileFormat, `property(name="timestamp") constant(value=" ") property(name="hostname")
			constant(value=" ") property(name="syslogtag") property(name="msg" spifno1stsp="on")
			property(name="msg" droplastlf="on") constant(value="\n")`},
		{FileFormat, `property(name="TIMESTAMP" dateFormat="rfc3339") constant(value=" ")
			property(name="HOSTNAME") constant(value=" ") property(name="syslogtag")
			property(name="msg" spifno1stsp="on") property(name="msg" droplastlf="on") constant(value="\n")`},
		{`%msg%\n`, `property(name="msg") constant(value="\n")`},
		{`a\tb%msg:2:6:uppercase,json%c`, `constant(value="a") constant(value="\tb")
			property(name="msg" position.from="2" position.to="6" caseConversion="upper" format="json")
			constant(value="") constant(value="c")`},
		{`%msg:3:10%|%msg:::lowercase%|%hostname:2:9:sp-if-no-1st-sp%`, `property(name="msg" position.from="3" position.to="10")
			constant(value="|") property(name="msg" caseConversion="lower") constant(value="|")
			property(name="hostname" position.from="2" position.to="9" spifno1stsp="on")`},
		{`%msg:1:4%`, `property(name="msg" position.to="4")`},
		{`%rawmsg:::escape-cc%%rawmsg:::space-cc%%rawmsg:::drop-cc%%msg:::drop-last-lf%`,
			`property(name="rawmsg" controlCharacters="escape") property(name="rawmsg" controlCharacters="space")
			property(name="rawmsg" controlCharacters="drop") property(name="msg" droplastlf="on")`},
		{`%timereported:::date-mysql% %timereported:::date-subseconds% %pri-text%`,
			`/* c */ property(name="timereported" dateFormat="mysql") # comment )
			constant(value=" ") property(name="timereported" dateFormat="subseconds") constant(value=" ")
			property(name="pri-text" outname="p")`},
		{`%fromhost%`, `property(name="fromhost")`},
	} {
		st, err := CompileTemplate("s", c.str)
		if err != nil {
			t.Fatalf("%q: %v", c.str, err)
		}
		lt, err := CompileListTemplate("s", c.list)
		if err != nil {
			t.Fatalf("%q: %v", c.list, err)
		}
		if !reflect.DeepEqual(st, lt) {
			t.Errorf("%q and its list form compile differently:\n%+v\n%+v", c.str, st, lt)
		}
	}
	if _, err := CompileListTemplate("d", `property(name="msg" droplastlf="on" droplastlf="on")`); err == nil {
		t.Error("a parameter given twice is accepted")
	}
}

// TestListTemplateConfig checks how the configuration reader takes list
// templates: bodies over several lines, braces and # inside quoted
// constants, comments between statements, the brace on the next line, a
// statement after the closing brace, and the string/list combinations
// rsyslog warns about and ignores.
func TestListTemplateConfig(t *testing.T) {
	conf := `template(name="A" type="list") {
    property(name="timereported" dateFormat="rfc3339")  # a comment with } and (
    constant(value=" } { # ")
    # a comment line
    /* a block
       comment } */
    property(name="msg" droplastlf="on")
    constant(value="\n")
}
template(name="B"
         type="list")

{ constant(value="b") property(name="hostname"
     caseConversion="upper") } *.* /b.log;B
template(name="C" type="list" string="%msg%") { constant(value="c") }
template(name="D" type="string" string="%msg%") {
  constant(value="ignored")
}
*.* /a.log;A
& /c.log;C
& /d.log;D
`
	cfg, err := ParseConfig("t.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	m := &Message{Msg: []byte("hello\n"), Hostname: []byte("host"),
		Reported: Timestamp{Year: 2026, Month: 11, Day: 21, Hour: 1, Minute: 2, Second: 3, OffsetMode: 'Z'}}
	for name, want := range map[string]string{
		"A": "2026-11-21T01:02:03Z } { # hello\n",
		"B": "bHOST", "C": "c", "D": "hello\n",
	} {
		tp := cfg.Templates[name]
		if tp == nil {
			t.Fatalf("template %s missing", name)
		}
		if got := string(tp.Append(nil, m)); got != want {
			t.Errorf("template %s renders %q, want %q", name, got, want)
		}
	}
	if len(cfg.Rules) != 4 || cfg.Rules[0].Path != "/b.log" || cfg.Rules[0].Pos != "t.conf:14" || cfg.Rules[1].Template != "A" {
		t.Errorf("rules: %+v", cfg.Rules)
	}
	if len(cfg.Warnings) != 2 || !strings.Contains(cfg.Warnings[0].String(), "t.conf:15:") || !strings.Contains(cfg.Warnings[1].String(), "t.conf:16:") {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}

// TestListTemplateErrors checks that what syslogd does not render is a
// ConfigError naming the line and the parameter.
func TestListTemplateErrors(t *testing.T) {
	head := "template(name=\"t\" type=\"list\") {\n  constant(value=\"x\")\n"
	for _, c := range []struct {
		conf  string
		line  int
		field string
		uns   bool // ErrUnsupported
	}{
		{head + "  property(name=\"msg\" regex.expression=\"x\")\n}\n", 3, "regex.expression", true},
		{head + "\n  property(name=\"msg\"\n    field.number=\"2\")\n}\n", 5, "field.number", true},
		{head + "  property(name=\"msg\" format=\"jsonf\")\n}\n", 3, "format", true},
		{head + "  property(name=\"msg\" format=\"csv\")\n}\n", 3, "format", true},
		{head + "  property(name=\"msg\" dateFormat=\"pgsql\")\n}\n", 3, "dateformat", true},
		{head + "  property(name=\"msg\" dateFormat=\"RFC3339\")\n}\n", 3, "dateformat", true},
		{head + "  property(name=\"msg\" date.inUTC=\"on\")\n}\n", 3, "date.inutc", true},
		{head + "  property(name=\"msg\" foo=\"bar\")\n}\n", 3, "foo", true},
		{head + "  property(name=\"msg\" caseConversion=\"title\")\n}\n", 3, "caseconversion", false},
		{head + "  property(name=\"msg\" controlCharacters=\"keep\")\n}\n", 3, "controlcharacters", false},
		{head + "  property(name=\"msg\" droplastlf=\"yes\")\n}\n", 3, "droplastlf", false},
		{head + "  property(name=\"msg\" spifno1stsp=\"ON\")\n}\n", 3, "spifno1stsp", false},
		{head + "  property(name=\"msg\" position.from=\"-3\")\n}\n", 3, "position.from", false},
		{head + "  property(name=\"msg\" position.to=\"x\")\n}\n", 3, "position.to", false},
		{head + "  property(name=\"msg\" position.from=\"3\" position.to=\"1\")\n}\n", 3, "position.to", false},
		{head + "  property(name=\"nosuch\")\n}\n", 3, "name", false},
		{head + "  property(droplastlf=\"on\")\n}\n", 3, "property", false},
		{head + "  constant(value=\"x\" format=\"jsonf\")\n}\n", 3, "format", true},
		{head + "  constant(value=\"\\x41\")\n}\n", 3, "value", true},
		{head + "  constant(outname=\"x\")\n}\n", 3, "constant", false},
		{head + "  constant(value=x)\n}\n", 3, "value", false},
		{head + "  if $msg then {}\n}\n", 3, "if", true},
		{head + "  property\n  (name=\"msg\") foo\n}\n", 4, "foo", true},
		{head + "  constant(value=\"x\"), constant(value=\"y\")\n}\n", 3, "template body", false},
		{head + "  constant(value=\"x\"\n}\n", 4, "constant", false},
		{head + "  constant(value=\"x\")\n", 1, "template", false},
		{"template(name=\"t\" type=\"list\") {\n# nothing\n}\n", 1, "template body", false},
		{"template(name=\"t\" type=\"list\")\n*.* /x;t\n", 1, "type", false},
		{"template(name=\"t\" type=\"subtree\" subtree=\"$!\")\n", 1, "subtree", true},
		{"template(name=\"t\" type=\"plugin\")\n", 1, "type", true},
		{"template(name=\"t\" type=\"list\" option.json=\"on\") { constant(value=\"x\") }\n", 1, "option.json", true},
	} {
		_, err := ParseConfig("e.conf", []byte(c.conf))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v, want a ConfigError", c.conf, err)
			continue
		}
		if ce.File != "e.conf" || ce.Line != c.line || ce.Directive != c.field || errors.Is(err, ErrUnsupported) != c.uns {
			t.Errorf("%q:\n got %v (line %d, field %q, unsupported %v)\nwant line %d, field %q, unsupported %v",
				c.conf, err, ce.Line, ce.Directive, errors.Is(err, ErrUnsupported), c.line, c.field, c.uns)
		}
	}
}

// TestListTemplateRender checks the render options list templates added
// (control characters, rsyslog's JSON escapes, sp-if-no-1st-sp after a
// substring) on values holding control characters, as rsyslog 8.2302
// rendered them with reception escaping off (observed, see
// /tmp/notes/listtmpl.md of the session that added them).
func TestListTemplateRender(t *testing.T) {
	tp, err := CompileListTemplate("r", `
		constant(value="esc[") property(name="msg" controlCharacters="escape") constant(value="]")
		constant(value="sp[") property(name="msg" controlCharacters="space") constant(value="]")
		constant(value="drop[") property(name="msg" controlCharacters="drop") constant(value="]")
		constant(value="json[") property(name="msg" format="json") constant(value="]")
		constant(value="esc-lf[") property(name="msg" controlCharacters="escape" droplastlf="on") constant(value="]")
		constant(value="sp1[") property(name="msg" position.from="3" spifno1stsp="on") constant(value="]")`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ msg, want string }{
		{" a\tb\x01c/\"q\x7f\x80\x1f\\\b\f\r\n",
			`esc[ a#009b#001c/"q#127` + "\x80" + `#031\#008#012#013#010]` +
				"sp[ a b c/\"q \x80 \\    ]" +
				"drop[ abc/\"q\x80\\]" +
				`json[ a\tb\u0001c\/\"q` + "\x7f\x80" + `\u001F\\\b\f\r\n]` +
				`esc-lf[ a#009b#001c/"q#127` + "\x80" + `#031\#008#012#013#010]` +
				"sp1[ ]"},
		{"ab\n", "esc[ab#010]sp[ab ]drop[ab]json[ab\\n]esc-lf[ab#010]sp1[ ]"},
		{"", "esc[]sp[]drop[]json[]esc-lf[]sp1[]"},
	} {
		if got := string(tp.Append(nil, &Message{Msg: []byte(c.msg)})); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.msg, got, c.want)
		}
	}
}

// TestListTemplateAllocs checks that rendering a list template that uses
// every parameter does not allocate.
func TestListTemplateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	cfg, err := ParseConfig("a.conf", []byte(listConfFor("", "/tmp", "514", "/tmp")))
	if err != nil {
		t.Fatal(err)
	}
	m := &Message{Msg: []byte(" Hello \"World\"/\x01\n"), Raw: []byte("<13>Nov 21 13:30:00 h t: Hello\t\x01\n"),
		Hostname: []byte("h"), Tag: []byte("t:"), SD: []byte(`[a b="c"]`),
		Reported: Timestamp{Year: 2026, Month: 11, Day: 21, Hour: 13, Minute: 30}}
	buf := make([]byte, 0, 64<<10)
	for name, tp := range cfg.Templates {
		if n := testing.AllocsPerRun(100, func() { buf = tp.Append(buf[:0], m) }); n != 0 {
			t.Errorf("template %s: %.1f allocations per rendering", name, n)
		}
	}
}
