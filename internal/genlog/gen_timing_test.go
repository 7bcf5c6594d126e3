package genlog

import (
	"io"
	"testing"
)

func BenchmarkNext(b *testing.B) {
	g, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		buf = g.Next(buf[:0])
		n += int64(len(buf)) + 1
	}
	b.SetBytes(n / int64(b.N))
}

func BenchmarkWrite(b *testing.B) {
	g, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	const lines = 100000
	var bytes int64
	b.ReportAllocs()
	for b.Loop() {
		_, nb, err := g.Write(io.Discard, lines, 0)
		if err != nil {
			b.Fatal(err)
		}
		bytes = nb
	}
	b.SetBytes(bytes)
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
