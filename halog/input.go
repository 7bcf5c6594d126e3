package halog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// openInput returns the input of a run: stdin when o.Files is empty, else
// the files in order ("-" is stdin), each decompressed on its own when it
// starts with a gzip or zstd magic number and ended with a LF if its last
// line lacks one (so that two files never merge a line). A single plain
// file is returned as the *os.File itself, which Run maps.
//
// halog 2.6 reads only stdin and silently ignores every argument after the
// first that does not start with '-'. For compatibility, when the first
// file name does not exist and stdin is not a terminal, the names are
// ignored and stdin is read, as halog 2.6 does; on a terminal it is an
// error.
func openInput(o *Options, stdin io.Reader) (io.Reader, func(), error) {
	if len(o.Files) == 0 {
		return stdin, func() {}, nil
	}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var parts []io.Reader
	for i, name := range o.Files {
		if name == "-" {
			parts = append(parts, stdin)
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			if i == 0 && errors.Is(err, fs.ErrNotExist) && stdin != nil && !isTerminal(stdin) {
				closeAll()
				return stdin, func() {}, nil
			}
			closeAll()
			return nil, nil, fmt.Errorf("open input: %w", err)
		}
		files = append(files, f)
		parts = append(parts, f)
	}
	if len(parts) == 1 {
		return parts[0], closeAll, nil
	}
	rs := make([]io.Reader, 0, len(parts))
	for i, p := range parts {
		rs = append(rs, &lazyFile{in: p, name: o.Files[i]})
	}
	return io.MultiReader(rs...), closeAll, nil
}

// isTerminal reports whether r (a reader or writer) is a character device
// (a terminal).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&fs.ModeCharDevice != 0 && st.Mode()&fs.ModeDevice != 0
}

// lazyFile is one of several inputs: decompressed when first read, and
// ended with a LF when its last byte is not one.
type lazyFile struct {
	in     io.Reader
	name   string
	r      io.Reader
	last   byte
	n      int64
	ended  bool
	pendLF bool
}

func (l *lazyFile) Read(p []byte) (int, error) {
	if l.ended || len(p) == 0 {
		return 0, io.EOF
	}
	if l.pendLF {
		p[0], l.pendLF, l.ended = '\n', false, true
		return 1, nil
	}
	if l.r == nil {
		r, err := decompress(l.in)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", l.name, err)
		}
		l.r = r
	}
	n, err := l.r.Read(p)
	if n > 0 {
		l.last = p[n-1]
		l.n += int64(n)
	}
	if err == io.EOF {
		if l.n > 0 && l.last != '\n' {
			if n < len(p) {
				p[n] = '\n'
				l.ended = true
				return n + 1, nil
			}
			l.pendLF = true
			return n, nil
		}
		l.ended = true
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", l.name, err)
	}
	return n, nil
}
