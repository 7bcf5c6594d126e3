package fidelity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParseDgram checks the harness's syslog header reader on arbitrary
// datagrams: it never panics, the message is the tail of the datagram,
// and a header that matched leaves a message the layout did not eat.
func FuzzParseDgram(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "wire", "*.log"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for i, ln := range strings.SplitAfter(string(data), "\n") {
			if i%7 == 0 && ln != "" {
				f.Add(ln)
			}
		}
	}
	layouts := []framing{frameLocal, frame3164, frame5424, frameShort, frameRaw, frameISO, frameTimed, framePriority}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, fr := range layouts {
			d := parseDgram(raw, fr)
			body := strings.TrimSuffix(raw, "\n")
			if d.hdr.size != len(raw) || d.hdr.lf != strings.HasSuffix(raw, "\n") {
				t.Fatalf("%s: size/lf wrong for %q: %+v", fr, raw, d.hdr)
			}
			if !strings.HasSuffix(body, d.msg) {
				t.Fatalf("%s: message %q is not the tail of %q", fr, d.msg, raw)
			}
			if !d.hdr.ok && d.msg != body {
				t.Fatalf("%s: no header but message %q != %q", fr, d.msg, body)
			}
			if d.hdr.pri > 999 || (d.hdr.pri < 0 && d.hdr.pri != -1) {
				t.Fatalf("%s: PRI %d", fr, d.hdr.pri)
			}
			adminKey(d)
			stampPlausible(d.hdr.stamp, time.Date(2026, 11, 21, 13, 35, 0, 0, time.UTC), time.UTC)
		}
	})
}
