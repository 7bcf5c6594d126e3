package genlog

import (
	"fmt"
	"io"
)

// WriteBufSize is the size of the blocks Write hands to the writer.
const WriteBufSize = 1 << 20

// Write writes newline-terminated lines to w until maxLines lines or at
// least maxBytes bytes have been written, whichever comes first (a bound
// <= 0 is ignored; at least one bound must be positive). Output goes to w
// in blocks of about WriteBufSize bytes. It returns the number of lines
// and bytes written.
func (g *Generator) Write(w io.Writer, maxLines, maxBytes int64) (lines, bytes int64, err error) {
	if maxLines <= 0 && maxBytes <= 0 {
		return 0, 0, fmt.Errorf("genlog: Write needs a line or byte bound")
	}
	buf := make([]byte, 0, WriteBufSize+4096)
	for (maxLines <= 0 || lines < maxLines) && (maxBytes <= 0 || bytes < maxBytes) {
		n := len(buf)
		buf = g.Next(buf)
		buf = append(buf, '\n')
		lines++
		bytes += int64(len(buf) - n)
		if len(buf) >= WriteBufSize {
			if _, err := w.Write(buf); err != nil {
				return lines, bytes, fmt.Errorf("genlog: write: %w", err)
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return lines, bytes, fmt.Errorf("genlog: write: %w", err)
		}
	}
	return lines, bytes, nil
}
