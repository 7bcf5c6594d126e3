package halog

import (
	"bytes"
	"io"
	"os"
	"syscall"
)

// mapInput maps in when it is a non-empty regular file, so that chunks are
// slices of the page cache instead of copies. It returns nil when the input
// cannot be mapped (pipes, terminals, empty files, other readers), and the
// input then goes through read(2) as usual. The mapping starts at the
// file's current offset, like a read would.
func mapInput(in io.Reader) (data []byte, unmap func()) {
	f, ok := in.(*os.File)
	if !ok {
		return nil, nil
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, nil
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || off != 0 {
		return nil, nil
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil
	}
	syscall.Madvise(m, syscall.MADV_SEQUENTIAL)
	if bytes.HasPrefix(m, gzipMagic) || bytes.HasPrefix(m, zstdMagic) {
		syscall.Munmap(m)
		return nil, nil
	}
	// consume the input, as reading it would
	f.Seek(0, io.SeekEnd)
	return m, func() { syscall.Munmap(m) }
}

// runMapped sends chunks of data (the whole input) to out, applying the
// same end-of-input rules as run.
func (s *splitter) runMapped(data []byte, out chan<- chunk, done <-chan struct{}) error {
	if i := bytes.LastIndexByte(data, '\n'); len(data)-i-1 >= MaxLine {
		data = data[:i+1]
	}
	blk := &block{}
	blk.refs.Store(1 << 30) // never recycled
	for len(data) > 0 {
		end := min(s.chunkSize, len(data))
		if end < len(data) {
			if i := bytes.IndexByte(data[end-1:], '\n'); i >= 0 {
				end += i
			} else {
				end = len(data)
			}
		}
		// chunks end at a LF, so a line of MaxLine bytes or more lies
		// within one chunk; checking chunk by chunk touches no page early
		last := false
		if i := longLine(data[:end]); i >= 0 {
			end, last = i, true
		}
		select {
		case out <- chunk{seq: s.seq, blk: blk, data: data[:end], ext: data}:
			s.seq++
		case <-done:
			return nil
		}
		if last {
			return nil
		}
		data = data[end:]
	}
	return nil
}

// dropMapped tells the kernel that the pages wholly inside the chunk are
// no longer needed, so that the resident set stays small on big files (the
// pages stay in the page cache and fault back in if read again).
func dropMapped(mapped []byte, ch chunk) {
	off := len(mapped) - len(ch.ext)
	releaseMapped(mapped, off, off+len(ch.data))
}

// releaseMapped drops the pages wholly inside mapped[lo:hi] from the
// resident set (they stay in the page cache).
func releaseMapped(mapped []byte, lo, hi int) {
	pg := os.Getpagesize()
	start := (lo + pg - 1) / pg * pg
	end := hi / pg * pg
	if end > start {
		syscall.Madvise(mapped[start:end], syscall.MADV_DONTNEED)
	}
}
