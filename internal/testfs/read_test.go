package testfs

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadFileAndNames(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("packed\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "b.log.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "a.log"), []byte("plain\n"), 0o644)
	if got := string(ReadFile(t, filepath.Join(dir, "b.log.gz"))); got != "packed\n" {
		t.Errorf("ReadFile(.gz) = %q", got)
	}
	if got := string(ReadFile(t, filepath.Join(dir, "a.log"))); got != "plain\n" {
		t.Errorf("ReadFile = %q", got)
	}
	if got := Names(t, dir); !slices.Equal(got, []string{"a.log", "b.log.gz"}) {
		t.Errorf("Names = %q", got)
	}
}

func TestGzip(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(Gzip([]byte("packed\n"))))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || string(b) != "packed\n" {
		t.Errorf("gunzip(Gzip) = %q, %v", b, err)
	}
}
