package halog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress returns a reader of the decompressed input when in starts with
// a gzip or zstd magic number, and the input itself otherwise. A HAProxy log
// never starts with those bytes.
func decompress(in io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		if len(head) == 0 {
			return nil, fmt.Errorf("read input: %w", err)
		}
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip input: %w", err)
		}
		zr.Multistream(true)
		return zr, nil
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd input: %w", err)
		}
		return zr.IOReadCloser(), nil
	}
	return br, nil
}
