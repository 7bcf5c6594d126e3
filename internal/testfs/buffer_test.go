package testfs

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestLockedBuffer writes whole lines from several goroutines while another
// reads: every line must come out once and intact, and every read must be
// a prefix of the final text (run with -race to check the locking).
func TestLockedBuffer(t *testing.T) {
	const writers, lines = 8, 200
	var b LockedBuffer
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				line := fmt.Sprintf("writer=%d line=%d\n", w, i)
				if n, err := b.Write([]byte(line)); n != len(line) || err != nil {
					t.Errorf("Write(%q) = %d, %v", line, n, err)
				}
			}
		})
	}
	var reads []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			reads = append(reads, b.String())
		}
	}()
	wg.Wait()
	<-done

	final := b.String()
	for _, r := range reads {
		if !strings.HasPrefix(final, r) {
			t.Fatalf("a read during the writes (%d bytes) is not a prefix of the final text", len(r))
		}
	}
	got := strings.Split(strings.TrimSuffix(final, "\n"), "\n")
	var want []string
	for w := range writers {
		for i := range lines {
			want = append(want, fmt.Sprintf("writer=%d line=%d", w, i))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %d lines, want the %d written, each once", len(got), len(want))
	}
}
