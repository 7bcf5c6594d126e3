package syslogd

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzParseConfig feeds rsyslog configurations to the parser: no panic;
// an error is a ConfigError naming the file and a line of it; a
// configuration that parses routes every rule to a defined template, its
// selectors answer for every facility row and severity, and parsing it
// again gives the same rules.
func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{"../testdata/syslog/crafted/rsyslog.conf", "../examples/rsyslog-haproxy.conf"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(issueConfig)
	f.Add("module(load=\"imudp\")\ninput(type=\"imudp\" port=\"514\" rcvbufSize=\"1m\")\n" +
		"template(name=\"t\" type=\"string\" string=\"%msg:2:$:drop-last-lf%\\n\")\n" +
		"local0.*;local0.!=debug action(type=\"omfile\" file=\"/x\" template=\"t\" fileCreateMode=\"0640\")\n& stop\n")
	f.Add("$FileCreateMode 0640\n$Umask 0022\nkern,mail.!err;*.none -/var/log/x;RSYSLOG_FileFormat\n*.* ~\n")
	f.Add(filterConf)
	f.Add(":msg, !regex, \"a\\\\(b\\\\)\" { /x\n& stop }\n}\n{\n")
	f.Add("\\\n") // a continuation before an empty line (found by fuzzing)
	// list templates
	f.Add(listConfFor(`global(parser.escapeControlCharactersOnReceive="off")`, "/spool", "514", "/out"))
	f.Add("template(name=\"haproxy\" type=\"list\") {\n    property(name=\"timereported\" dateFormat=\"rfc3339\")\n" +
		"    constant(value=\" \")\n    property(name=\"msg\" droplastlf=\"on\")\n    constant(value=\"\\n\")\n}\nlocal0.* /var/log/haproxy.log;haproxy\n")
	f.Add("template(name=\"t\"\n type=\"list\" string=\"%msg%\")\n# c\n{ constant(value=\"} # /* \\\"\") /* } */ # }\n" +
		"property(name=\"msg\" position.from=\"2\" position.to=\"9\" caseConversion=\"upper\" format=\"json\" controlCharacters=\"space\")\n" +
		"} *.* /x;t\ntemplate(name=\"u\" type=\"string\" string=\"%msg%\") {\nconstant(value=\"x\")\n}\n& /y;u\n")
	f.Add("template(name=\"t\" type=\"list\") {\nproperty(name=\"msg\" regex.expression=\"x\")\n")
	f.Add("template(name=\"t\" type=\"list\") { property(name=\"hostname\" spifno1stsp=\"on\" outname=\"h\") constant(value=\"\\101\\t\" outname=\"c\") }\n*.* /z;t\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig("fuzz.conf", []byte(text))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a ConfigError", err, err)
			}
			if ce.File != "fuzz.conf" || ce.Line < 1 || ce.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error at %s:%d, outside fuzz.conf (%d lines): %v", ce.File, ce.Line, strings.Count(text, "\n")+1, err)
			}
			return
		}
		for _, r := range cfg.Rules {
			if !r.Stop && cfg.Templates[r.Template] == nil {
				t.Fatalf("rule %s uses undefined template %q", r.Pos, r.Template)
			}
			for fac := range numRows {
				for sev := range 8 {
					r.Selector.Match(fac, sev)
				}
			}
		}
		again, err := ParseConfig("fuzz.conf", []byte(text))
		if err != nil || len(again.Rules) != len(cfg.Rules) || len(again.Inputs) != len(cfg.Inputs) {
			t.Fatalf("second parse differs: %v", err)
		}
		for i := range cfg.Rules {
			a, b := cfg.Rules[i], again.Rules[i]
			if a.Path != b.Path || a.Template != b.Template || a.Stop != b.Stop || a.File != b.File {
				t.Fatalf("rule %d differs on a second parse: %+v / %+v", i, a, b)
			}
		}
	})
}

// FuzzCompileTemplate compiles template strings and renders the compiled
// ones on parsed messages: no panic, and a template without properties
// renders as its literal text.
func FuzzCompileTemplate(f *testing.F) {
	for _, s := range builtinTemplates() {
		f.Add(s)
	}
	for _, s := range []string{`%msg%\n`, `%timegenerated:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n`,
		`%msg:1:5:lowercase,json%|%pri-text%|%$year%-%$month%|%rawmsg-after-pri%`, `%timereported:1:3:date-mysql%`,
		`plain text, no property\n`, `%%`, `%msg:::`, `%msg:R,ERE,0,DFLT:x--end%`} {
		f.Add(s)
	}
	p := NewParser(ParserOptions{Location: time.UTC})
	msgs := [][]byte{haproxyLine, []byte("<134>1 2026-11-21T13:30:05.123+01:00 host app 1 ID [a b=\"c\"] \xef\xbb\xbfmsg\n"),
		[]byte("<999>not a header"), []byte("no pri\x01\x1f")}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := CompileTemplate("f", s)
		if err != nil {
			return
		}
		var m Message
		for _, b := range msgs {
			p.Parse(&m, b, receptionTime, []byte("from"), []byte("127.0.0.1"))
			out := tmpl.Append(nil, &m)
			if !strings.Contains(s, "%") && string(out) != unescapeAll(s) {
				t.Fatalf("template %q without properties rendered %q", s, out)
			}
		}
	})
}

// unescapeAll applies the template string's backslash escapes.
func unescapeAll(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			b = append(b, unescape(s[i]))
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// FuzzParseSelector parses selectors: no panic, and a selector that parses
// answers consistently for every facility row and severity.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"local0.*", "local0.=info", "local0.notice", "local0.!=debug", "*.none", "kern,mail.!err;*.none",
		"*.*;auth,authpriv.none", "local7.!*", "user.=!info", "*.emerg", "mark.*", "local0,local1.warn;local1.none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		again, _ := ParseSelector(s)
		for fac := range numRows {
			for sev := range 8 {
				if sel.Match(fac, sev) != again.Match(fac, sev) {
					t.Fatalf("%q: Match(%d,%d) differs between two parses", s, fac, sev)
				}
			}
		}
	})
}
