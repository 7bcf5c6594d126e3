package halog

import "github.com/haplog/haplog/formats"

// maxIndexed bounds the number of fields located by the scan of each line.
const maxIndexed = 32 // a power of 2 (see at)

// fields locates the fields of one line: the first ones (as many as the
// filters need) in a single scan when the line is reset, the following
// ones up to limit (those the output needs) by continuing that scan when
// one of them is first asked for, any later one from the last located
// field.
type fields struct {
	b     []byte
	n     int  // starts stored in pos
	full  bool // the last scan filled pos up to its bound: b may have more fields
	limit int  // fields located by continuing the scan
	pos   [maxIndexed]int32
}

// reset points f at b and locates its first need fields (need <= limit <=
// maxIndexed).
func (f *fields) reset(b []byte, need, limit int) {
	f.b = b
	f.limit = limit
	f.n = formats.FieldIndex(b, 0, f.pos[:need])
	f.full = f.n == need
}

// at returns the start of field j (1-based, as formats.Line.Field) and
// whether it exists; when it does not, the offset is len(b).
func (f *fields) at(j int) (int, bool) {
	if uint(j-1) < uint(f.n) {
		return int(f.pos[uint(j-1)%maxIndexed]), true
	}
	p := f.beyond(j)
	return p, p < len(f.b)
}

// beyond returns the start of field j > n, or len(b).
func (f *fields) beyond(j int) int {
	if j < 1 || !f.full {
		return len(f.b)
	}
	if j <= f.limit {
		// continue the scan from the last located field (located again)
		start, base := 0, 0
		if f.n > 0 {
			start, base = int(f.pos[f.n-1]), f.n-1
		}
		f.n = base + formats.FieldIndex(f.b, start, f.pos[base:f.limit])
		f.full = f.n == f.limit
		if j > f.n {
			return len(f.b)
		}
		return int(f.pos[j-1])
	}
	p, m := 0, j
	if f.n > 0 {
		p, m = int(f.pos[f.n-1]), j-f.n+1
	}
	return formats.FieldStart(f.b, p, m)
}
