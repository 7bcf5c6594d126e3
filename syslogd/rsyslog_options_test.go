package syslogd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// The reception options (rsyslog's parser.* globals and their legacy
// $-directives) are checked against rsyslog 8.2302 in two ways:
//
//   - TestLiveRsyslogParserOptions (rsyslog_options_live_test.go) runs the
//     installed rsyslogd once per entry of optionCombos and syslogd with
//     the same configuration, sends both optionDatagrams and compares the
//     files byte for byte;
//   - TestParserOptionGoldens runs syslogd alone and compares its files
//     with the ones rsyslogd wrote, kept in testdata/rsyslog_options, so
//     that the behaviour is checked where rsyslog is not installed.
//
// The golden files were produced by the live test itself, from the real
// rsyslogd 8.2302.0 (Debian/Ubuntu package rsyslog):
//
//	go test -run TestLiveRsyslogParserOptions -rsyslog-options-update ./syslogd
//
// which writes testdata/rsyslog_options/<combo>.log (rsyslog's output file
// as is) and <combo>.conf (the option lines it ran with). Regenerate them
// whenever optionCombos or optionDatagrams change.

// optionsConf is the configuration both receivers run; OPTIONS is replaced
// by a combination's lines. The template shows every property the
// reception options can change and none that depends on the reception
// time.
const optionsConf = `OPTIONS
global(workDirectory="SPOOL")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="PORT")
$template O,"pri=%pri% host=[%hostname%] tag=[%syslogtag%] msg=[%msg%] raw=[%rawmsg%]\n"
*.* OUTDIR/out.log;O
`

// optionCombos are the option combinations tried, each in the legacy or
// the RainerScript form (or both).
var optionCombos = []struct{ name, conf string }{
	{"default", ``},
	{"noescape-legacy", `$EscapeControlCharactersOnReceive off`},
	{"noescape", `global(parser.escapeControlCharactersOnReceive="off")`},
	{"prefix-caret", `global(parser.controlCharacterEscapePrefix="^")`},
	{"prefix-backslash", `global(parser.controlCharacterEscapePrefix="\\")`},
	{"keeplf-legacy", `$DropTrailingLFOnReception off`},
	{"keeplf-noescape", `global(parser.dropTrailingLFOnReception="off" parser.escapeControlCharactersOnReceive="off")`},
	{"8bit-legacy", `$Escape8BitCharactersOnReceive on`},
	{"8bit-noescape", `global(parser.escape8BitCharactersOnReceive="on" parser.escapeControlCharactersOnReceive="off")`},
	{"8bit-caret", `global(parser.escape8BitCharactersOnReceive="on" parser.controlCharacterEscapePrefix="^")`},
	{"notab", `global(parser.escapeControlCharacterTab="off")`},
	{"notab-legacy", `$EscapeControlCharacterTab off`},
	{"cstyle", `global(parser.escapeControlCharactersCStyle="on")`},
	{"cstyle-8bit-notab", `global(parser.escapeControlCharactersCStyle="on" parser.escape8BitCharactersOnReceive="on" parser.escapeControlCharacterTab="off")`},
	{"cstyle-noescape-8bit", `global(parser.escapeControlCharactersCStyle="on" parser.escapeControlCharactersOnReceive="off" parser.escape8BitCharactersOnReceive="on")`},
	{"spacelf", `global(parser.spaceLFOnReceive="on")`},
	{"spacelf-8bit-legacy", "$SpaceLFOnReceive on\n$Escape8BitCharactersOnReceive on"},
	{"spacelf-noescape", `global(parser.spaceLFOnReceive="on" parser.escapeControlCharactersOnReceive="off")`},
	{"spacelf-keeplf-legacy", "$SpaceLFOnReceive on\n$DropTrailingLFOnReception off"},
	{"maxsize", `global(maxMessageSize="256")`},
	{"maxsize-8bit-cstyle", `global(maxMessageSize="256" parser.escape8BitCharactersOnReceive="on" parser.escapeControlCharactersCStyle="on")`},
}

// optionDatagrams hold control characters (NUL, TAB, LF in the middle and
// at the end, CR, ESC, DEL and the others), bytes from 0x80 (valid and
// invalid UTF-8), in the header and in the message, and long runs that
// grow beyond maxMessageSize when escaped.
var optionDatagrams = func() [][]byte {
	all := make([]byte, 0, 32)
	for c := byte(1); c < 0x20; c++ {
		all = append(all, c)
	}
	s := []string{
		"<13>h t: plain",
		"<13>h t: nul\x00mid",
		"<13>h t: nul end\x00",
		"<13>h t: lf then nul\n\x00",
		"<13>h t: nul then lf\x00\n",
		"<13>h t: two nul\x00\x00",
		"<13>h t: tab\tmid",
		"<13>h t: tab end\t",
		"<13>h t: lf\nmid",
		"<13>h t: lf end\n",
		"<13>h t: two lf\n\n",
		"<13>h t: crlf\r\n",
		"<13>h t: cr\rmid",
		"<13>h t: esc\x1b[31mred\x1b[0m",
		"<13>h t: del\x7f bell\a bs\b ff\f vt\v",
		"<13>h t: all " + string(all) + " end",
		"<13>h t: utf8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"<13>h t: invalid \xff\xfe \xc3 x \x80",
		"<13>h t: c1 \x85\x9b\xa0",
		"<13>h t: 8bit then lf \xe9\nafter\x01x\ty",
		"<13>h t: lf then 8bit\nx\xe9\ty\x01",
		"<13>h t: lf and ctrl\na\x01b\nc",
		"<13>h t: ctrl then lf\x01a\nb\tc",
		"<13>h t: lf nul\na\x00b",
		"<13>h t: ctrl nul\x01\x00x\x02",
		"<13>h t: ctrl 8bit\x01\xe9x\x02\xe9",
		"<13>h t: tab nul\t\x00\ty",
		"<13>h t: lf 8bit\n\xe9\n",
		"<13>h\tt: tab in header",
		"<13>h t\x01: ctrl in tag",
		"<13>Nov 21 13:30:00 ho\x01st tag: ctrl in host",
		"<13>Nov 21 13:30:00 h\xe9st tag: 8bit in host",
		"<13>1 2026-11-21T13:30:12Z host app\x01 - - - ctrl in app",
		"<13>1 2026-11-21T13:30:12Z host app - - [a b=\"\x01\xe9\"] sd",
		"<1\x003>h t: nul in pri",
		"\x01<13>h t: ctrl before pri",
		"\xe9<13>h t: 8bit before pri",
		"\n",
		"\x00",
		"\n\x00",
		"\t",
		"\x01",
		"\xe9",
		"\r\n",
		"<13>h t: " + strings.Repeat("\x01", 2100),
		"<13>h t: " + strings.Repeat("\xe9", 2100),
		"<13>h t: " + strings.Repeat("\n", 2100),
		"<13>h t: " + strings.Repeat("a", 2040) + "\x01",
		"<13>h t: " + strings.Repeat("a", 8070) + "\x01\x02\x03\x04",
		"<13>h t: " + strings.Repeat("a", 8086) + "\n",
		"<13>h t: " + strings.Repeat("b", 8086) + "\x00",
		"<13>h t: " + strings.Repeat("c", 8087) + "\n\x00",
		"<13>h t: " + strings.Repeat("d", 200) + "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10" + strings.Repeat("e", 60),
	}
	out := make([][]byte, len(s))
	for i, d := range s {
		out[i] = []byte(d)
	}
	return out
}()

// optionSync is the datagram sent after optionDatagrams[i]: a receiver
// has handled datagram i once its line is in the file.
func optionSync(i int) []byte { return fmt.Appendf(nil, "<13>h t: sync %03d", i) }

// optionSyncSeen is what the file holds once optionSync(i) is written.
func optionSyncSeen(i int) string { return fmt.Sprintf("msg=[ sync %03d]", i) }

// optionSequence is every datagram sent, in order: each case followed by
// its sync datagram.
func optionSequence() [][]byte { return withSyncs(optionDatagrams, optionSync) }

// withSyncs returns msgs with sync(i) sent after message i, so that a
// receiver's output can be awaited message by message.
func withSyncs(msgs [][]byte, sync func(int) []byte) [][]byte {
	seq := make([][]byte, 0, 2*len(msgs))
	for i, m := range msgs {
		seq = append(seq, m, sync(i))
	}
	return seq
}

// optionsConfFor returns the configuration of a combination.
func optionsConfFor(opts, spool, port, outdir string) string {
	return confFor(optionsConf, opts, spool, port, outdir)
}

// confFor fills a configuration template's OPTIONS, SPOOL, PORT and OUTDIR.
func confFor(conf, opts, spool, port, outdir string) string {
	return strings.NewReplacer("OPTIONS", opts, "SPOOL", spool, "PORT", port, "OUTDIR", outdir).Replace(conf)
}

// runSyslogdOptions runs syslogd with a combination over optionSequence
// and returns the file it wrote.
func runSyslogdOptions(t *testing.T, opts string, o Options) []byte {
	t.Helper()
	dir := t.TempDir()
	s, stop := testServer(t, optionsConfFor(opts, dir, "0", dir), dir, o)
	udp, _, _ := s.Addrs()
	msgs := optionSequence()
	sendUDP(t, udp[0], msgs)
	waitReceived(t, s, uint64(len(msgs)))
	stop()
	got := testfs.ReadFile(t, filepath.Join(dir, "out.log"))
	return got
}

const optionGoldenDir = "testdata/rsyslog_options"

// TestParserOptionGoldens compares syslogd's files with those rsyslogd
// 8.2302 wrote for the same configuration and datagrams (see the top of
// this file for how the goldens were produced).
func TestParserOptionGoldens(t *testing.T) {
	for _, c := range optionCombos {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conf, err := os.ReadFile(filepath.Join(optionGoldenDir, c.name+".conf"))
			if err != nil {
				t.Fatalf("%v (regenerate the goldens, see rsyslog_options_test.go)", err)
			}
			if string(conf) != c.conf+"\n" {
				t.Fatalf("golden was made with %q, the test runs %q: regenerate it", conf, c.conf)
			}
			want := testfs.ReadFile(t, filepath.Join(optionGoldenDir, c.name+".log"))
			got := runSyslogdOptions(t, c.conf, Options{})
			testkit.EqualLines(t, "output", got, want)
		})
	}
}

// TestReceiveOptionsConfig checks that the legacy directives and the
// global() parameters set the same reception options, and that they are no
// longer ignored with a warning.
func TestReceiveOptionsConfig(t *testing.T) {
	const rule = "*.* /x/a.log\n"
	cases := []struct {
		legacy, rainer string
		want           ReceiveOptions
	}{
		{"", "", ReceiveOptions{}},
		{"$EscapeControlCharactersOnReceive off", `global(parser.escapeControlCharactersOnReceive="off")`, ReceiveOptions{NoEscapeControl: true}},
		{"$EscapeControlCharactersOnReceive on # the default", `global(parser.escapeControlCharactersOnReceive="on")`, ReceiveOptions{}},
		{"$ControlCharacterEscapePrefix ^", `global(parser.controlCharacterEscapePrefix="^")`, ReceiveOptions{EscapePrefix: '^'}},
		{"$ControlCharacterEscapePrefix #  # the default", `global(parser.controlCharacterEscapePrefix="#")`, ReceiveOptions{EscapePrefix: '#'}},
		{"", `global(parser.controlCharacterEscapePrefix="\\")`, ReceiveOptions{EscapePrefix: '\\'}},
		{"$DropTrailingLFOnReception off", `global(parser.dropTrailingLFOnReception="off")`, ReceiveOptions{KeepTrailingLF: true}},
		{"$Escape8BitCharactersOnReceive on", `global(parser.escape8BitCharactersOnReceive="on")`, ReceiveOptions{Escape8Bit: true}},
		{"$EscapeControlCharacterTab off", `global(parser.escapeControlCharacterTab="off")`, ReceiveOptions{NoEscapeTab: true}},
		{"", `global(parser.escapeControlCharactersCStyle="on")`, ReceiveOptions{CStyle: true}},
		{"$SpaceLFOnReceive on", `global(parser.spaceLFOnReceive="on")`, ReceiveOptions{SpaceLF: true}},
		{"$spacelfonreceive on\n$SPACELFONRECEIVE off", `global(PARSER.SPACELFONRECEIVE="off")`, ReceiveOptions{}},
	}
	for _, c := range cases {
		for _, conf := range []string{c.legacy, c.rainer} {
			if conf == "" && c.legacy+c.rainer != "" {
				continue
			}
			cfg, err := ParseConfig("o.conf", []byte(conf+"\n"+rule))
			if err != nil {
				t.Errorf("%q: %v", conf, err)
				continue
			}
			if cfg.Receive != c.want {
				t.Errorf("%q: Receive = %+v, want %+v", conf, cfg.Receive, c.want)
			}
			if len(cfg.Warnings) != 0 {
				t.Errorf("%q: warnings %q", conf, cfg.Warnings)
			}
		}
	}
	// Options accumulate, in both forms.
	cfg, err := ParseConfig("o.conf", []byte("$SpaceLFOnReceive on\nglobal(parser.escape8BitCharactersOnReceive=\"on\"\n  parser.controlCharacterEscapePrefix=\"%\")\n$DropTrailingLFOnReception off\n"+rule))
	if err != nil {
		t.Fatal(err)
	}
	if want := (ReceiveOptions{SpaceLF: true, Escape8Bit: true, EscapePrefix: '%', KeepTrailingLF: true}); cfg.Receive != want {
		t.Errorf("Receive = %+v, want %+v", cfg.Receive, want)
	}
}

// TestReceiveOptionsConfigErrors checks that a value rsyslog rejects is a
// ConfigError at the right line.
func TestReceiveOptionsConfigErrors(t *testing.T) {
	for _, bad := range []string{
		"$EscapeControlCharactersOnReceive yes",
		"$EscapeControlCharactersOnReceive On",
		"$EscapeControlCharactersOnReceive 1",
		"$EscapeControlCharactersOnReceive",
		"$EscapeControlCharactersOnReceive off x",
		"$DropTrailingLFOnReception no",
		"$Escape8BitCharactersOnReceive true",
		"$EscapeControlCharacterTab 0",
		"$SpaceLFOnReceive enabled",
		"$ControlCharacterEscapePrefix",
		"$ControlCharacterEscapePrefix \\",
		"$ControlCharacterEscapePrefix ^x",
		`global(parser.escapeControlCharactersOnReceive="yes")`,
		`global(parser.escapeControlCharactersOnReceive="ON")`,
		`global(parser.dropTrailingLFOnReception="")`,
		`global(parser.escape8BitCharactersOnReceive="1")`,
		`global(parser.escapeControlCharacterTab="of")`,
		`global(parser.escapeControlCharactersCStyle="true")`,
		`global(parser.spaceLFOnReceive="onn")`,
		`global(parser.controlCharacterEscapePrefix="ab")`,
		`global(parser.controlCharacterEscapePrefix="")`,
		// rsyslog 8.2302 knows no legacy form of the C style option.
		"$EscapeControlCharactersCStyle on",
	} {
		_, err := ParseConfig("o.conf", []byte("# options\n"+bad+"\n*.* /x/a.log\n"))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v, want a ConfigError", bad, err)
			continue
		}
		if ce.File != "o.conf" || ce.Line != 2 {
			t.Errorf("%q: error at %s:%d, want o.conf:2 (%v)", bad, ce.File, ce.Line, err)
		}
		if strings.Contains(bad, "CharactersOnReceive ") && strings.Contains(bad, "yes") && !errors.Is(err, errOnOff) {
			t.Errorf("%q: %v does not wrap errOnOff", bad, err)
		}
	}
}

// TestParseAllocsOptions checks that no option combination makes Parse
// allocate, escaping included.
func TestParseAllocsOptions(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	inputs := append([][]byte{haproxyLine}, optionDatagrams...)
	for o := range 64 {
		ro := fuzzReceiveOptions(byte(o) | 0x40)
		p := NewParser(ParserOptions{Location: receptionTime.Location(), Receive: ro})
		var m Message
		for _, in := range inputs {
			if a := testing.AllocsPerRun(5, func() { p.Parse(&m, in, receptionTime, nil, nil) }); a != 0 {
				t.Fatalf("%+v: Parse(%.40q): %v allocations, want 0", ro, in, a)
			}
		}
	}
}
