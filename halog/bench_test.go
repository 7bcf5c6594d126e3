package halog

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// benchInput is the classic-syslog synthetic corpus, repeated to ~45 MB.
func benchInput(b *testing.B) []byte {
	b.Helper()
	in, err := os.ReadFile(logDir + "/synth/synth-s1-20k.log")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(in, 10)
}

func benchMode(b *testing.B, args string, workers int) {
	in := benchInput(b)
	o, err := Parse(strings.Fields(args))
	if err != nil {
		b.Fatal(err)
	}
	o.Workers = workers
	o.Quiet = true
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Run(o, bytes.NewReader(in), io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

var benchModes = []string{"-c", "-c -H", "-st", "-e -st", "-tc", "-srv -H", "-pct", "-gt",
	"-u", "-uc -query", "-ua", "-ic", "-hs 500:599 -u", "-ac 1", "-hdr 1:2", "-H", "-time 1793491200 -c"}

func BenchmarkRun(b *testing.B) {
	for _, m := range benchModes {
		b.Run(strings.ReplaceAll(m, " ", "_"), func(b *testing.B) { benchMode(b, m, 0) })
	}
}

func BenchmarkRunSingle(b *testing.B) {
	for _, m := range benchModes {
		b.Run(strings.ReplaceAll(m, " ", "_"), func(b *testing.B) { benchMode(b, m, 1) })
	}
}
