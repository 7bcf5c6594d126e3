package syslogd

import (
	"bytes"
	"testing"
	"time"

	"github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

func deref[T any](p *T) (v T) {
	if p != nil {
		v = *p
	}
	return v
}

// TestAgreesWithGoSyslog cross-checks the zero-allocation header parser
// against github.com/leodido/go-syslog/v4 (an independent RFC 3164/5424
// parser) on every datagram HAProxy sent in the RFC 3164 and RFC 5424
// captures: facility, severity, hostname, app name, procid, timestamp and
// message must agree. (On odd input the two differ by design: syslogd
// follows rsyslog, go-syslog the RFCs; the crafted conformance test covers
// that.)
func TestAgreesWithGoSyslog(t *testing.T) {
	p := NewParser(ParserOptions{Location: time.UTC})
	p3164 := rfc3164.NewMachine(rfc3164.WithYear(rfc3164.Year{YYYY: 2026}), rfc3164.WithBestEffort())
	p5424 := rfc5424.NewMachine(rfc5424.WithBestEffort())
	host := []byte("localhost")
	n := 0
	for _, file := range []string{"wire-rfc5424.bin", "wire-rfc5424-rfc5424.bin", "wire-rfc5424-len4096.bin"} {
		for _, d := range readDatagrams(t, "../testdata/syslog/haproxy/rfc5424/"+file) {
			var m Message
			p.Parse(&m, d, receptionTime, host, []byte("127.0.0.1"))
			ref, err := p3164.Parse(bytes.TrimSuffix(d, []byte("\n")))
			if m.Protocol == 1 {
				ref, err = p5424.Parse(bytes.TrimSuffix(d, []byte("\n")))
			}
			if err != nil {
				t.Fatalf("go-syslog: %v on %q", err, d)
			}
			var b syslog.Base
			switch r := ref.(type) {
			case *rfc3164.SyslogMessage:
				b = r.Base
			case *rfc5424.SyslogMessage:
				b = r.Base
			}
			wantHost := deref(b.Hostname)
			if wantHost == "" {
				wantHost = string(host)
			}
			msg := m.Msg
			if m.Protocol == 0 {
				msg = bytes.TrimPrefix(msg, []byte(" ")) // rsyslog keeps the space after "tag:"
			}
			app := m.AppName
			if app == nil {
				app = programName(m.Tag)
			}
			got := []any{m.Facility, m.Severity, string(m.Hostname), string(app), string(m.ProcID), m.Reported.Time().Unix(), string(msg)}
			want := []any{int(deref(b.Facility)), int(deref(b.Severity)), wantHost, deref(b.Appname), deref(b.ProcID), deref(b.Timestamp).Unix(), deref(b.Message)}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: field %d = %v, go-syslog says %v, in %q", file, i, got[i], want[i], d)
				}
			}
			n++
		}
	}
	if n < 500 {
		t.Fatalf("only %d datagrams compared", n)
	}
}
