//go:build !amd64 || purego

package formats

func fieldStart(b []byte, p, n int) int { return fieldStartGeneric(b, p, n) }

func fieldEnd(b []byte, p int) int { return fieldEndGeneric(b, p) }

func fieldIndex(b []byte, p int, dst []int32) int { return fieldIndexGeneric(b, p, dst) }

func fieldIndexPlatform(b []byte, p int, dst []int32) int { return fieldIndexGeneric(b, p, dst) }
