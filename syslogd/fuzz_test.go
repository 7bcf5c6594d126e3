package syslogd

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// seedDatagrams adds the crafted and HAProxy datagrams, each with the
// default reception options (0) and, for the crafted ones, with every
// option on in turn (see fuzzReceiveOptions).
func seedDatagrams(f *testing.F) {
	f.Helper()
	for _, d := range optionDatagrams {
		if len(d) < 2048 {
			for _, o := range []byte{0, 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x32, 0x3f, 0xff} {
				f.Add(d, o)
			}
		}
	}
	for _, p := range []string{"../testdata/syslog/crafted/datagrams.bin",
		"../testdata/syslog/haproxy/rfc5424/wire-rfc5424-short.bin",
		"../testdata/syslog/haproxy/rfc5424/wire-rfc5424-timed.bin"} {
		for i, d := range readDatagrams(f, p) {
			if len(d) < 2048 && (i%7 == 0 || filepath.Base(p) == "datagrams.bin") {
				f.Add(d, byte(0))
			}
		}
	}
}

// within reports whether sub occurs in one of the buffers.
func within(sub []byte, bufs ...[]byte) bool {
	for _, b := range bufs {
		if bytes.Contains(b, sub) {
			return true
		}
	}
	return false
}

// fuzzReceiveOptions derives reception options from a byte: one bit per
// flag, the two high bits choose the escape prefix (default, '^', '\\',
// '#').
func fuzzReceiveOptions(o byte) ReceiveOptions {
	return ReceiveOptions{
		KeepTrailingLF:  o&1 != 0,
		NoEscapeControl: o&2 != 0,
		NoEscapeTab:     o&4 != 0,
		CStyle:          o&8 != 0,
		Escape8Bit:      o&0x10 != 0,
		SpaceLF:         o&0x20 != 0,
		EscapePrefix:    [4]byte{0, '^', '\\', '#'}[o>>6],
	}
}

// FuzzParse checks the header parser under every combination of
// reception options: no panic, the message kept whole unless the datagram
// is empty, never beyond the maximum size, the escaping promised by the
// options done, the default escaping path equal to the general one, every
// field inside the kept message (or the sender name), the routing row in
// range, and the message body a suffix of the raw message.
func FuzzParse(f *testing.F) {
	seedDatagrams(f)
	const max = 512
	var parsers, general [256]*Parser
	host, ip := []byte("localhost"), []byte("127.0.0.1")
	f.Fuzz(func(t *testing.T, b []byte, opt byte) {
		ro := fuzzReceiveOptions(opt)
		p := parsers[opt]
		if p == nil {
			p = NewParser(ParserOptions{MaxMessageSize: max, Location: time.UTC, Receive: ro})
			parsers[opt] = p
		}
		var m Message
		if !p.Parse(&m, b, receptionTime, host, ip) {
			if len(b) != 0 {
				t.Fatalf("non-empty datagram %q dropped", b)
			}
			return
		}
		if len(m.Raw) > max {
			t.Fatalf("raw of %d bytes", len(m.Raw))
		}
		if p.octal {
			// The general path must agree with the default one.
			g := general[opt]
			if g == nil {
				g = NewParser(ParserOptions{MaxMessageSize: max, Location: time.UTC, Receive: ro})
				g.octal = false
				general[opt] = g
			}
			var gm Message
			g.Parse(&gm, b, receptionTime, host, ip)
			if !bytes.Equal(gm.Raw, m.Raw) {
				t.Fatalf("%q: general path %q, default path %q", b, gm.Raw, m.Raw)
			}
		}
		if m.Facility < 0 || m.Facility >= numRows || m.Severity < 0 || m.Severity > 7 {
			t.Fatalf("row %d sev %d", m.Facility, m.Severity)
		}
		if !bytes.HasSuffix(m.Raw, m.Msg) {
			t.Fatalf("msg %q is not a suffix of raw %q", m.Msg, m.Raw)
		}
		for _, fld := range [][]byte{m.Hostname, m.ProcID, m.MsgID, m.SD, m.AppName} {
			if !within(fld, m.Raw, host, nilValue) {
				t.Fatalf("field %q outside the message %q", fld, m.Raw)
			}
		}
		if !within(m.Tag, m.Raw, nilValue, p.tagBuf) {
			t.Fatalf("tag %q outside the message", m.Tag)
		}
		escaped := !ro.NoEscapeControl && !ro.SpaceLF
		for _, c := range m.Raw {
			switch {
			case c == 0 && !ro.SpaceLF:
				t.Fatalf("NUL left in %q", m.Raw)
			case c < 0x20 && escaped && !(c == '\t' && ro.NoEscapeTab):
				t.Fatalf("control byte left in %q", m.Raw)
			case c == '\n' && ro.SpaceLF:
				t.Fatalf("LF left in %q", m.Raw)
			case c >= 0x80 && ro.Escape8Bit:
				t.Fatalf("8-bit byte left in %q", m.Raw)
			}
		}
		if ro.NoEscapeControl && !ro.SpaceLF {
			return // LFs may be kept: a template writes them
		}
		for name, tmpl := range builtinTemplates() {
			if name[0] == ' ' {
				continue // omusrmsg's terminal formats end in "\n\r"
			}
			tt, _ := CompileTemplate("x", tmpl)
			line := tt.Append(nil, &m)
			if bytes.IndexByte(line[:len(line)-1], '\n') >= 0 {
				t.Fatalf("template %s wrote a line break inside %q", tmpl, line)
			}
		}
	})
}

// FuzzFrameReader checks TCP framing: no panic, no message above the
// limit, and LF framing never returns a message containing LF.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte("3 abc2 de"))
	f.Add([]byte("a\nb\n\nc"))
	f.Add([]byte("182 <134>1 2026-11-21T13:37:09.402487+00:00 lb1.example haproxy 22493 - - x"))
	f.Add([]byte("99999999999 x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 64
		fr := NewFrameReader(bytes.NewReader(b), max)
		for i := 0; i <= len(b); i++ {
			m, err := fr.Next()
			if err != nil {
				if err == io.EOF && fr.Framing() == FramingLF && len(b) > 0 && i == 0 && b[len(b)-1] != '\n' {
					t.Fatalf("no message from %q", b)
				}
				return
			}
			if len(m) > max {
				t.Fatalf("message of %d bytes", len(m))
			}
			if fr.Framing() == FramingLF && bytes.IndexByte(m, '\n') >= 0 {
				t.Fatalf("LF inside %q", m)
			}
		}
		t.Fatalf("more messages than bytes in %q", b)
	})
}
