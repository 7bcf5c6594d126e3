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

// fieldIndexAVX2 is fieldIndex for CPUs with AVX2 and len(b) >= 32.
//
//go:noescape
func fieldIndexAVX2(b []byte, p int, dst []int32) int

func cpuHasAVX2() bool

// useAVX2 is set once, before main, from the CPU's features.
var useAVX2 = cpuHasAVX2()

func fieldIndexPlatform(b []byte, p int, dst []int32) int {
	if useAVX2 && len(b) >= 32 {
		return fieldIndexAVX2(b, p, dst)
	}
	return fieldIndex(b, p, dst)
}
