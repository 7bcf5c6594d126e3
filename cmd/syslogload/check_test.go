package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
)

func TestCheckCountsBackups(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "traffic.log")
	now := time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC)
	var cur, old []byte
	for seq := 0; seq < 200; seq++ {
		line := appendMessage(nil, "r1", seq, now)
		switch {
		case seq == 17: // lost
		case seq < 100:
			old = append(old, line...)
		default:
			cur = append(cur, line...)
		}
		if seq == 150 { // duplicated
			cur = append(cur, line...)
		}
	}
	if err := os.WriteFile(path, cur, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".1.gz", testfs.Gzip(old), 0o644); err != nil {
		t.Fatal(err)
	}
	all, _ := wanted("all")
	r, err := check(path, "r1", 200, all)
	if err != nil {
		t.Fatal(err)
	}
	if r.lost != 1 || r.dup != 1 || r.unexpected != 0 || r.lines != 200 || len(r.files) != 2 {
		t.Fatalf("%v", r)
	}
	notice, _ := wanted("notice")
	r, err = check(path, "r1", 200, notice)
	if err != nil {
		t.Fatal(err)
	}
	// 90% of the lines are info: misrouted for a notice-and-above file.
	if r.unexpected != 180 {
		t.Fatalf("unexpected = %d, want 180 (%v)", r.unexpected, r)
	}
}

func TestMessageMix(t *testing.T) {
	counts := map[int]int{}
	for seq := 0; seq < 1000; seq++ {
		counts[severity(seq)]++
		m := appendMessage(nil, "x", seq, time.Now())
		if !bytes.HasPrefix(m, []byte("<1")) || !bytes.HasSuffix(m, []byte("\n")) || !strings.Contains(string(m), "rid=x&seq=") {
			t.Fatalf("message %q", m)
		}
	}
	if counts[6] != 900 || counts[3] != 70 || counts[5] != 30 {
		t.Fatalf("mix %v", counts)
	}
}
