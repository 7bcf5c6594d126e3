//go:build amd64 && !purego

package formats

// fieldStart is FieldStart for n >= 1, p >= 0 and len(b) >= 16
// (line_amd64.s).
//
//go:noescape
func fieldStart(b []byte, p, n int) int

// fieldEnd is FieldEnd for 0 <= p < len(b) and len(b) >= 16
// (line_amd64.s).
//
//go:noescape
func fieldEnd(b []byte, p int) int

// fieldIndex is FieldIndex for p >= 0 and len(b) >= 16 (line_amd64.s).
//
//go:noescape
func fieldIndex(b []byte, p int, dst []int32) int
