package halog

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// naiveCount is halog -c's line count written plainly: lines up to the
// first one of MaxLine bytes or more, a last line without LF included.
func naiveCount(data []byte) int {
	n := 0
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) >= MaxLine {
			break
		}
		n++
	}
	return n
}

// TestCountLongLine checks the -c count of a file with a line of MaxLine
// bytes or more around the boundaries of the blocks read (countRead).
func TestCountLongLine(t *testing.T) {
	const countPiece = countRead
	line := []byte("Feb  6 12:14:14 localhost haproxy[1]: 10.0.0.1:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/1/2/4 200 10 - - ---- 1/1/1/1/0 0/0 \"GET /p HTTP/1.1\"\n")
	size := 2*countPiece + countPiece/2
	body := bytes.Repeat(line, size/len(line)+1)[:size]
	body = body[:bytes.LastIndexByte(body, '\n')+1]
	dir := t.TempDir()
	for _, at := range []int{-1, 100, countPiece - 300, countPiece - MaxLine/2, countPiece + 10, 2*countPiece - MaxLine - 7, len(body)} {
		data := body
		if at >= 0 {
			at = bytes.LastIndexByte(body[:min(at, len(body))], '\n') + 1
			long := append(bytes.Repeat([]byte{'x'}, MaxLine+3), '\n')
			if at == len(body) {
				long = long[:len(long)-1] // last line without LF
			}
			data = append(append(append([]byte{}, body[:at]...), long...), body[at:]...)
		}
		name := filepath.Join(dir, "in.log")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			Main([]string{"-c"}, Env{Stdin: f, Stdout: &out, Stderr: &errb, Workers: workers})
			f.Close()
			if want := strconv.Itoa(naiveCount(data)) + "\n"; out.String() != want {
				t.Errorf("long line at %d, %d workers: -c = %q, want %q", at, workers, out.String(), want)
			}
		}
	}
}
