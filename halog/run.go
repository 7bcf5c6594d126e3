package halog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MaxLine is the length from which a line ends the input: halog reads with
// a 256 KiB buffer and treats a line that does not fit (262144 bytes or
// more, without its LF) as the end of the file.
const MaxLine = 262144

// Env is what Main needs from its process: the standard streams, the time
// zone used by -time and the parallelism.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Location       *time.Location // nil means UTC
	Workers        int            // 0 means GOMAXPROCS
	// Context ends -follow (nil: never).
	Context context.Context
	// ConfigFormat reads -haproxy-cfg (nil: the option is an error).
	ConfigFormat ConfigFormatFunc
}

// Main runs halog with the given arguments (without the program name) and
// returns the exit status. It prints the help, usage errors, the report and
// the summary exactly like halog 2.6.
func Main(args []string, env Env) int {
	return mainOpts(args, env, nil)
}

func mainOpts(args []string, env Env, tweak func(*Options)) int {
	o, err := Parse(args)
	if errors.Is(err, ErrHelp) {
		io.WriteString(env.Stdout, Usage+Help)
		return 0
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		io.WriteString(env.Stderr, ue.Msg+Usage)
		return 1
	}
	o.Workers = env.Workers
	o.Location = env.Location
	o.ConfigFormat = env.ConfigFormat
	if tweak != nil {
		tweak(o)
	}
	if o.Follow {
		ctx := env.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if err := follow(ctx, o, env); err != nil {
			fmt.Fprintf(env.Stderr, "halog: %v\n", err)
			return 1
		}
		return 0
	}
	if o.HTML != "" {
		if err := writeHTML(o, env.Stderr); err != nil {
			fmt.Fprintf(env.Stderr, "halog: %v\n", err)
			return 1
		}
		return 0
	}
	if o.Kafka != "" {
		return runKafka(o, env)
	}
	in, closeIn, err := openInput(o, env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "halog: %v\n", err)
		return 1
	}
	defer closeIn()
	if err := Run(o, in, env.Stdout, env.Stderr); err != nil {
		fmt.Fprintf(env.Stderr, "halog: %v\n", err)
		return 1
	}
	return 0
}

// runKafka runs the report on a Kafka topic (-kafka), then, in a group,
// commits the offsets of what it read.
func runKafka(o *Options, env Env) int {
	ctx := env.Context
	if ctx == nil {
		ctx = context.Background()
	}
	kr, err := openKafka(ctx, o, false)
	if err != nil {
		fmt.Fprintf(env.Stderr, "halog: %v\n", err)
		return 1
	}
	defer kr.Close()
	if err := Run(o, kr, env.Stdout, env.Stderr); err != nil {
		fmt.Fprintf(env.Stderr, "halog: %v\n", err)
		return 1
	}
	if err := kr.commit(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "halog: %v\n", err)
		return 1
	}
	return 0
}

// Run processes the log read from in according to o and writes the output
// to stdout and the diagnostics and summary to stderr.
func Run(o *Options, in io.Reader, stdout, stderr io.Writer) error {
	var lf *lineFormat
	if o.LogFormat != "" || o.HAProxyCfg != "" {
		var err error
		if lf, err = resolveFormat(o); err != nil {
			return err
		}
	}
	if o.PctBy != "" {
		if err := checkPctBy(o, lf); err != nil {
			return err
		}
	}
	if o.Since != "" || o.Until != "" {
		if err := applySinceUntil(o); err != nil {
			return err
		}
	}
	c := newConfig(o, lf)
	if o.Output != "" {
		// run in text, then convert the report
		var text bytes.Buffer
		st := &runStats{}
		if err := runText(o, c, in, &text, stderr, st); err != nil {
			return err
		}
		return writeStructured(stdout, o, c, text.Bytes(), st.in, st.out, st.errs)
	}
	return runText(o, c, in, stdout, stderr, &runStats{})
}

// runStats is the summary of a run (the counts of halog's summary line).
type runStats struct{ in, out, errs int32 }

// runText is Run with halog's text output.
func runText(o *Options, c *config, in io.Reader, stdout, stderr io.Writer, st *runStats) error {
	w := bufio.NewWriterSize(stdout, 256<<10)
	if c.h == hCount && !c.filters {
		n := 0
		if !o.Invert {
			var err error
			if n, err = countLines(in, o); err != nil {
				return err
			}
			if o.MaxLines >= 0 && n > int(o.MaxLines) {
				n = int(o.MaxLines)
			}
		}
		w.WriteString(strconv.Itoa(int(int32(n))) + "\n")
		st.out = int32(n)
		return w.Flush()
	}
	mapped, unmap := mapInput(in)
	if unmap != nil {
		defer unmap()
	}
	if mapped == nil {
		var err error
		if in, err = decompress(in); err != nil {
			return err
		}
	}
	e := &engine{c: c, stdout: w, stderr: stderr, prog: newProgress(stderr)}
	agg, err := e.run(in, mapped)
	e.prog.done()
	if err != nil {
		return err
	}
	st.in, st.out, st.errs = int32(e.linesIn), int32(e.linesOut), int32(e.parseErr)
	if o.Count {
		w.WriteString(strconv.Itoa(int(int32(e.linesOut))) + "\n")
		return w.Flush()
	}
	rep := &reporter{w: w, linesOut: int32(e.linesOut), max: o.MaxLines}
	rep.report(o, agg)
	if err := w.Flush(); err != nil {
		return err
	}
	st.out = rep.linesOut
	if !o.Quiet {
		fmt.Fprintf(stderr, "%d lines in, %d lines out, %d parsing errors\n",
			int32(e.linesIn), rep.linesOut, int32(e.parseErr))
	}
	return nil
}

type engine struct {
	c        *config
	stdout   *bufio.Writer
	stderr   io.Writer
	linesIn  int
	linesOut int
	parseErr int
	ebuf     []byte
	size     int64     // bytes read
	prog     *progress // nil unless stderr is a terminal
}

// merge writes one chunk's output and diagnostics, in input order.
func (e *engine) merge(r *chunkOut) error {
	base := e.linesIn
	e.linesIn += r.lines
	e.linesOut += r.linesOut
	e.parseErr += r.parseErr
	e.size += int64(r.size)
	e.prog.update(int64(e.linesIn), e.size)
	if len(r.out) > 0 {
		if _, err := e.stdout.Write(r.out); err != nil {
			return err
		}
	}
	if len(r.diags) == 0 {
		return nil
	}
	buf := e.ebuf[:0]
	start := 0
	for _, d := range r.diags {
		if d.line > 0 {
			buf = append(buf, "Truncated line "...)
			buf = strconv.AppendInt(buf, int64(int32(base+d.line)), 10)
			buf = append(buf, ": "...)
		}
		buf = append(buf, r.diag[start:d.end]...)
		start = d.end
	}
	e.ebuf = buf
	_, err := e.stderr.Write(buf)
	return err
}

// block is one read buffer, shared by the chunks cut from it and recycled
// when the last of them is released.
type block struct {
	buf  []byte
	refs atomic.Int32
	pool *sync.Pool
}

func (b *block) release() {
	if b.refs.Add(-1) == 0 {
		b.pool.Put(b)
	}
}

// chunk is a run of whole lines, part of a block.
type chunk struct {
	seq  int
	blk  *block
	data []byte // whole lines
	ext  []byte // data followed by the rest of the block
}

// Read buffers and chunks: each read buffer of readSize bytes is cut into
// chunks of about chunkSize bytes at line boundaries.
const (
	defaultRead  = 4 << 20
	defaultChunk = 1 << 20
)

// splitter reads the input and cuts it into chunks.
type splitter struct {
	in        io.Reader
	pool      sync.Pool
	chunkSize int
	seq       int
}

func newSplitter(in io.Reader, readSize, chunkSize int) *splitter {
	if readSize <= MaxLine {
		readSize = defaultRead
	}
	if chunkSize <= 0 {
		chunkSize = defaultChunk
	}
	s := &splitter{in: in, chunkSize: chunkSize}
	s.pool.New = func() any { return &block{buf: make([]byte, readSize), pool: &s.pool} }
	return s
}

// run reads the input and processes it, in parallel when the output does
// not depend on the order of processing (always merged in input order).
func (e *engine) run(in io.Reader, mapped []byte) (*aggregates, error) {
	workers := e.c.o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if e.c.inputLimited() {
		workers = 1
	}
	chunks := make(chan chunk, workers)
	results := make(chan *chunkOut, workers*2)
	done := make(chan struct{})
	var readErr error
	sp := newSplitter(in, e.c.o.readSize, e.c.o.chunkSize)
	go func() {
		defer close(chunks)
		if mapped != nil {
			readErr = sp.runMapped(mapped, chunks, done)
		} else {
			readErr = sp.run(chunks, done)
		}
	}()
	procs := make([]*proc, workers)
	var wg sync.WaitGroup
	outPool := sync.Pool{New: func() any { return new(chunkOut) }}
	for i := range procs {
		p := newProc(e.c)
		procs[i] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range chunks {
				r := outPool.Get().(*chunkOut)
				r.reset(ch.seq)
				if !p.stop {
					p.processChunk(ch.data, ch.ext, r)
				}
				if mapped != nil {
					dropMapped(mapped, ch)
				}
				ch.blk.release()
				results <- r
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	pending := map[int]*chunkOut{}
	next := 0
	var err error
	for r := range results {
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err == nil {
				err = e.merge(r)
			}
			if r.stop {
				// -m reached (sequential mode, one worker that no longer
				// touches its aggregates): stop reading, drop the rest.
				close(done)
				if mapped != nil {
					// the mapping is released on return: let the
					// worker drain (the splitter cannot block)
					for range results {
					}
				}
				return procs[0].agg, err
			}
			outPool.Put(r)
		}
	}
	if err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	agg := procs[0].agg
	for _, p := range procs[1:] {
		agg.merge(p.agg)
	}
	return agg, nil
}

// processChunk handles every line of data, a run of whole lines. ext
// starts with data and goes on with the input that follows it (if known).
func (p *proc) processChunk(data, ext []byte, r *chunkOut) {
	p.r = r
	p.ext = ext
	start := p.lout
	if p.c.ipDirect() {
		r.lines = p.ipChunk(data) // finds the NUL bytes as it goes
	} else {
		r.lines = p.lines(data, bytes.IndexByte(data, 0) >= 0)
	}
	r.size = len(data)
	r.linesOut = p.lout - start
	p.r = nil
	p.ext = nil
	p.orig = nil
}

// lines handles the lines of data one by one (hasNUL: data has a NUL
// byte) and returns how many it read.
func (p *proc) lines(data []byte, hasNUL bool) int {
	limit := p.c.o.MaxLines
	n := 0
	for s := 0; s < len(data); {
		e := len(data)
		if i := bytes.IndexByte(data[s:], '\n'); i >= 0 {
			e = s + i
		}
		line := data[s:e]
		if hasNUL {
			if i := bytes.IndexByte(line, 0); i >= 0 {
				line = line[:i]
			}
		}
		p.ls, p.le = s, e
		s = e + 1
		n++
		done, out := false, false
		if p.c.direct != directOff {
			if p.c.srv != nil {
				done, out = p.srvLine(line, data[p.ls:])
			}
			if !done {
				done, out = p.directLine(line, n)
			}
		}
		if !done {
			out = p.genericLine(line, n)
		}
		if out && limit >= 0 && p.lout >= int(limit) {
			p.stop = true
			p.r.stop = true
			break
		}
	}
	return n
}

// genericLine handles line (number n of the chunk, at p.ls:p.le, cut at its
// first NUL) field by field and reports whether it reached the output
// handler.
func (p *proc) genericLine(line []byte, n int) bool {
	if p.c.lf != nil {
		line = p.message(line)
	}
	p.f.reset(line, p.c.need, p.c.needAll)
	return p.processLine(line, n)
}

// run reads the input and sends chunks of whole lines to out until EOF, a
// line of MaxLine bytes or more (halog's end of input), or done is closed.
func (s *splitter) run(out chan<- chunk, done <-chan struct{}) error {
	var carry []byte
	for {
		blk := s.pool.Get().(*block)
		buf := blk.buf
		n := copy(buf, carry)
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = s.in.Read(buf[n:])
			n += m
		}
		eof := err == io.EOF
		if err != nil && !eof {
			return err
		}
		data := buf[:n]
		last := eof
		if eof {
			// a final line without LF is dropped if too long
			if i := bytes.LastIndexByte(data, '\n'); len(data)-i-1 >= MaxLine {
				data = data[:i+1]
			}
		} else {
			cut := bytes.LastIndexByte(data, '\n') + 1
			carry = append(carry[:0], data[cut:]...)
			data = data[:cut]
			if len(carry) >= MaxLine {
				last = true
			}
		}
		if i := longLine(data); i >= 0 {
			data = data[:i]
			last = true
		}
		if !s.dispatch(blk, data, out, done) || last {
			return nil
		}
	}
}

// dispatch cuts data (whole lines of blk) into chunks and sends them. It
// returns false when done was closed.
func (s *splitter) dispatch(blk *block, data []byte, out chan<- chunk, done <-chan struct{}) bool {
	blk.refs.Store(1)
	defer blk.release()
	for len(data) > 0 {
		end := len(data)
		if s.chunkSize < end {
			end = s.chunkSize
			if i := bytes.IndexByte(data[end-1:], '\n'); i >= 0 {
				end += i
			} else {
				end = len(data)
			}
		}
		blk.refs.Add(1)
		select {
		case out <- chunk{seq: s.seq, blk: blk, data: data[:end], ext: data[:cap(data)]}:
			s.seq++
		case <-done:
			blk.refs.Add(-1)
			return false
		}
		data = data[end:]
	}
	return true
}

// longLine returns the offset of the first line of MaxLine bytes or more in
// data (whole lines), or -1. A line that long contains an aligned window of
// MaxLine/2 bytes without LF, so only such windows are examined closely.
func longLine(data []byte) int {
	const win = MaxLine / 2
	for c := 0; c+win <= len(data); c += win {
		if bytes.IndexByte(data[c:c+win], '\n') >= 0 {
			continue
		}
		ls := bytes.LastIndexByte(data[:c], '\n') + 1
		le := bytes.IndexByte(data[c:], '\n')
		if le < 0 {
			le = len(data)
		} else {
			le += c
		}
		if le-ls >= MaxLine {
			return ls
		}
	}
	return -1
}

// countRead is the read size of the -c fast path: reads into a buffer
// that stays in the caches cost less CPU than faults on a mapping (measured
// on 200 MB: about 150 against 210 ms).
const countRead = 1 << 20

// countLines counts the lines halog would read (the -c fast path).
func countLines(in io.Reader, o *Options) (int, error) {
	in, err := decompress(in)
	if err != nil {
		return 0, err
	}
	readSize := o.readSize
	if readSize == 0 {
		readSize = countRead
	}
	chunks := make(chan chunk, 2)
	done := make(chan struct{})
	var readErr error
	sp := newSplitter(in, readSize, o.chunkSize)
	go func() {
		defer close(chunks)
		readErr = sp.run(chunks, done)
	}()
	n := 0
	for ch := range chunks {
		n += bytes.Count(ch.data, []byte{'\n'})
		if len(ch.data) > 0 && ch.data[len(ch.data)-1] != '\n' {
			n++
		}
		ch.blk.release()
	}
	return n, readErr
}

// mainWithSizes is Main with explicit read and chunk sizes (for tests).
func mainWithSizes(args []string, env Env, readSize, chunkSize int) int {
	return mainOpts(args, env, func(o *Options) { o.readSize, o.chunkSize = readSize, chunkSize })
}
