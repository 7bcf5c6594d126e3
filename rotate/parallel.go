package rotate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// Backup compression runs in blocks so that several cores can share one
// file, as pigz and zstd -T do:
//
//   - gzip: one gzip member whose deflate stream is the concatenation of
//     independently compressed blocks. Each block is primed with the last
//     32 KiB of the previous block as dictionary (the whole deflate window,
//     so back-references across the boundary are not lost) and ends with a
//     sync flush (byte aligned, not final); an empty final block closes the
//     stream. The CRC-32 and length of the whole input go in the trailer.
//     Any gzip reader sees an ordinary single-member file.
//   - zstd: one zstd frame per block, concatenated; every zstd decoder
//     (zstd -d, zstdcat, klauspost, the reference library) reads a sequence
//     of frames as one stream. Frames do not share history, so blocks are
//     larger than for gzip to keep the ratio.
//
// The output depends only on the input, level and block size, not on the
// number of workers or on scheduling.

const (
	gzipBlockSize = 1 << 20 // input bytes per deflate block
	zstdBlockSize = 4 << 20 // input bytes per zstd frame
	deflateWindow = 32 << 10
	// maxDefaultConcurrency caps the default number of compressing
	// goroutines per backup (memory: about 2 blocks in and out per worker).
	maxDefaultConcurrency = 4
)

// defaultConcurrency is the number of workers used when
// Options.CompressConcurrency is 0: half the cores (GOMAXPROCS), at least
// one, at most 4, so that compression never takes every core from the
// process writing the logs. On a saturated 2-core machine a second worker
// gave no wall-time gain and cost about 15% more CPU per byte.
func defaultConcurrency() int {
	return min(max(runtime.GOMAXPROCS(0)/2, 1), maxDefaultConcurrency)
}

// gzipHeader is a gzip member header without name or time: the modification
// time is unknown (0) and the OS byte is 255 (unknown), as Go's gzip writer
// does. XFL is 2 for the slowest level and 4 for the fastest (RFC 1952).
func gzipHeader(level int) []byte {
	xfl := byte(0)
	switch level {
	case 1:
		xfl = 4
	case 9:
		xfl = 2
	}
	return []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255}
}

// emptyFinalBlock is a final deflate block with fixed Huffman codes and
// nothing but the end-of-block code: BFINAL=1, BTYPE=01, EOB=0000000.
var emptyFinalBlock = []byte{0x03, 0x00}

// blockJob is one block of input on its way through a worker.
type blockJob struct {
	in   []byte   // input block
	dict []byte   // gzip: up to 32 KiB of input preceding the block
	out  sliceBuf // compressed block
	err  error
	done chan struct{}
}

// sliceBuf is a minimal append-only io.Writer.
type sliceBuf struct{ b []byte }

func (s *sliceBuf) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// blockEncoder compresses one block into job.out. Each worker owns one.
type blockEncoder func(j *blockJob) error

// newBlockEncoder returns an encoder for codec c at a level already
// resolved (gzip 1-9; zstd: any Options.Level).
func newBlockEncoder(c Codec, level int) (blockEncoder, error) {
	switch c {
	case Gzip:
		fw, err := flate.NewWriter(io.Discard, level)
		if err != nil {
			return nil, err
		}
		return func(j *blockJob) error {
			fw.ResetDict(&j.out, j.dict)
			if _, err := fw.Write(j.in); err != nil {
				return err
			}
			return fw.Flush()
		}, nil
	case Zstd:
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstdLevel(level)), zstd.WithEncoderConcurrency(1),
			zstd.WithZeroFrames(true))
		if err != nil {
			return nil, err
		}
		return func(j *blockJob) error {
			j.out.b = enc.EncodeAll(j.in, j.out.b[:0])
			return nil
		}, nil
	}
	return nil, fmt.Errorf("rotate: codec %v does not compress", c)
}

// compressParams says how to compress a backup.
type compressParams struct {
	codec     Codec
	level     int                     // 0: the codec's default
	workers   int                     // 0: defaultConcurrency()
	blockSize int                     // 0: gzipBlockSize or zstdBlockSize (tests use small blocks)
	mark      func(path string)       // nil, or marks the complete temporary file as ours
	preRemove func(path string) error // nil, or runs before the source is removed (an error keeps it)
}

// compressBlocks reads src to its end and writes the compressed stream to
// dst, compressing up to p.workers blocks at once. It returns the number of
// input bytes. Reading and writing happen on the calling goroutine, in
// order; the workers only compress, and all of them have exited when
// compressBlocks returns.
func compressBlocks(dst io.Writer, src io.Reader, p compressParams, stop *atomic.Bool) (n int64, err error) {
	c, level, workers, blockSize := p.codec, p.level, p.workers, p.blockSize
	switch c {
	case Gzip:
		if level == 0 {
			level = defaultGzipLevel
		}
		if blockSize <= 0 {
			blockSize = gzipBlockSize
		}
	case Zstd:
		if blockSize <= 0 {
			blockSize = zstdBlockSize
		}
	default:
		return 0, fmt.Errorf("rotate: codec %v does not compress", c)
	}
	if workers <= 0 {
		workers = defaultConcurrency()
	}

	work := make(chan *blockJob)
	var wg sync.WaitGroup
	started := 0
	defer func() {
		close(work)
		wg.Wait()
	}()
	startWorker := func() error {
		enc, err := newBlockEncoder(c, level)
		if err != nil {
			return err
		}
		started++
		wg.Go(func() {
			for j := range work {
				j.err = enc(j)
				close(j.done)
			}
		})
		return nil
	}

	// Jobs in flight, oldest first. Up to 2*workers so that workers stay
	// busy while the oldest block waits to be written; finished jobs are
	// recycled, so memory stays at about 2*workers blocks.
	var inflight, free []*blockJob
	crc := crc32.NewIEEE()
	if c == Gzip {
		if _, err := dst.Write(gzipHeader(level)); err != nil {
			return 0, err
		}
	}
	writeOldest := func() error {
		j := inflight[0]
		inflight = inflight[1:]
		<-j.done
		if j.err != nil {
			return j.err
		}
		if _, err := dst.Write(j.out.b); err != nil {
			return err
		}
		free = append(free, j)
		return nil
	}
	var prev []byte // previous input block (gzip dictionary)
	for {
		if stop.Load() {
			return n, errAborted
		}
		if len(inflight) == 2*workers {
			if err := writeOldest(); err != nil {
				return n, err
			}
		}
		var j *blockJob
		if k := len(free); k > 0 {
			j, free = free[k-1], free[:k-1]
		} else {
			j = &blockJob{in: make([]byte, blockSize)}
		}
		j.in = j.in[:blockSize]
		m, rerr := io.ReadFull(src, j.in)
		j.in = j.in[:m]
		n += int64(m)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return n, rerr
		}
		if m > 0 {
			if c == Gzip {
				crc.Write(j.in)
				j.dict = append(j.dict[:0], prev[max(len(prev)-deflateWindow, 0):]...)
			}
			j.out.b, j.err, j.done = j.out.b[:0], nil, make(chan struct{})
			if started < workers {
				if err := startWorker(); err != nil {
					return n, err
				}
			}
			inflight = append(inflight, j)
			work <- j
			// The newest job is never recycled before the next block is
			// read (at least two jobs are in flight), so prev stays valid
			// for the dictionary copy above.
			prev = j.in
		}
		if rerr != nil {
			break
		}
	}
	for len(inflight) > 0 {
		if err := writeOldest(); err != nil {
			return n, err
		}
	}
	switch {
	case c == Zstd && n == 0:
		// An empty input still gets one (empty) frame: a zero-length
		// file is not a valid zstd stream.
		enc, err := newBlockEncoder(c, level)
		if err != nil {
			return n, err
		}
		j := &blockJob{}
		if err := enc(j); err != nil {
			return n, err
		}
		if _, err := dst.Write(j.out.b); err != nil {
			return n, err
		}
	case c == Gzip:
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc.Sum32())
		binary.LittleEndian.PutUint32(trailer[4:], uint32(n))
		if _, err := dst.Write(append(emptyFinalBlock, trailer[:]...)); err != nil {
			return n, err
		}
	}
	return n, nil
}
