package testfs

import (
	"bytes"
	"sync"
)

// LockedBuffer is a bytes.Buffer behind a mutex: any number of goroutines
// may Write to it while others read it with String. The zero value is an
// empty buffer ready to use; it must not be copied after first use.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer; it never fails.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns a copy of what has been written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
