//go:build !amd64 || purego

package halog

// scanNL is scanNLGeneric (there is no assembly version for this
// platform).
func scanNL(b []byte, dst []int32) (n, end int, nul bool) { return scanNLGeneric(b, dst) }
