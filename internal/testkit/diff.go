package testkit

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// maxDiffLines is how many differing lines LineDiff describes.
const maxDiffLines = 10

// maxLineShown is how much of a line LineDiff quotes.
const maxLineShown = 300

// LineDiff returns "" when got and want are equal, else a description of
// how they differ: the number and quoted text of each of the first 10
// differing lines (at most 300 bytes of each; a line keeps its "\n", so a
// missing final newline shows), then the sizes of both. Lines are cut
// after "\n" only; raw control characters stay inside a line.
func LineDiff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	g, w := splitLines(got), splitLines(want)
	var sb strings.Builder
	n := 0
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if bytes.Equal(gl, wl) {
			continue
		}
		if n == maxDiffLines {
			sb.WriteString("...\n")
			break
		}
		n++
		fmt.Fprintf(&sb, "line %d:\n got: %s\nwant: %s\n", i+1, quote(gl, i < len(g)), quote(wl, i < len(w)))
	}
	fmt.Fprintf(&sb, "(got %d bytes in %d lines, want %d bytes in %d lines)", len(got), len(g), len(want), len(w))
	return sb.String()
}

// splitLines cuts b after each "\n"; the text after the last one is a
// line when it is not empty.
func splitLines(b []byte) [][]byte {
	l := bytes.SplitAfter(b, []byte("\n"))
	if len(l[len(l)-1]) == 0 {
		l = l[:len(l)-1]
	}
	return l
}

// quote quotes a line, cut to maxLineShown bytes; an absent line is shown
// as such, not as "".
func quote(b []byte, present bool) string {
	if !present {
		return "(no line)"
	}
	if len(b) > maxLineShown {
		return fmt.Sprintf("%q...", b[:maxLineShown])
	}
	return fmt.Sprintf("%q", b)
}

// EqualLines reports a test error, saying what (the output compared) and
// how got differs from want ([LineDiff]), when they differ. It returns
// whether they are equal.
func EqualLines(t testing.TB, what string, got, want []byte) bool {
	t.Helper()
	d := LineDiff(got, want)
	if d != "" {
		t.Errorf("%s differs:\n%s", what, d)
	}
	return d == ""
}

// LostDup reads counts[i] as how many times item i was seen (a line
// number, a sequence number) and returns how many items were never seen
// and how many extra copies the others had.
func LostDup(counts []int) (lost, dup int) {
	for _, c := range counts {
		if c == 0 {
			lost++
		}
		if c > 1 {
			dup += c - 1
		}
	}
	return lost, dup
}
