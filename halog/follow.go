package halog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/haplog/haplog/formats"
)

// followPoll is how often -follow looks for new data and rotations.
const followPoll = 200 * time.Millisecond

// follower reads a file like tail -F: at EOF it waits for more data; when
// the name points to a new file (rename + create) it finishes the old one
// and reopens; when the file shrinks (copytruncate) it reads from the
// start again.
type follower struct {
	ctx  context.Context
	name string
	f    *os.File
	ino  uint64
	off  int64
	mod  time.Time // mtime seen at EOF (size == off)
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func (fw *follower) open(fromEnd bool) error {
	f, err := os.Open(fw.name)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if fw.f != nil {
		fw.f.Close()
	}
	fw.f, fw.ino, fw.off, fw.mod = f, inode(fi), 0, time.Time{}
	if fromEnd {
		fw.off, _ = f.Seek(0, io.SeekEnd)
	}
	return nil
}

func (fw *follower) Read(p []byte) (int, error) {
	for {
		if fw.f != nil {
			n, err := fw.f.Read(p)
			fw.off += int64(n)
			if n > 0 {
				fw.mod = time.Time{} // seen again at the next EOF
				return n, nil
			}
			if err != nil && err != io.EOF {
				return 0, err
			}
			// at EOF: rotated or truncated?
			if fi, err := os.Stat(fw.name); err == nil {
				switch {
				case inode(fi) != fw.ino:
					if err := fw.open(false); err == nil {
						continue
					}
				case fi.Size() < fw.off || fi.Size() == fw.off && !fw.mod.IsZero() && !fi.ModTime().Equal(fw.mod):
					// copytruncate (then maybe rewritten up to our
					// offset: the file changed while its size did not)
					fw.f.Seek(0, io.SeekStart)
					fw.off, fw.mod = 0, time.Time{}
					continue
				case fi.Size() == fw.off:
					fw.mod = fi.ModTime()
				}
			}
		} else if err := fw.open(false); err == nil {
			continue
		}
		select {
		case <-fw.ctx.Done():
			return 0, io.EOF
		case <-time.After(followPoll):
		}
	}
}

// histBuckets are the upper bounds (ms) of the timer histograms.
var histBuckets = []int64{1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

var timerNames = [5]string{"TR", "Tw", "Tc", "Tr", "Ta"}

type hist struct {
	counts [13]uint64 // per bucket (not cumulative), last = +Inf
	sum    int64
	n      uint64
}

func (h *hist) add(v int64) {
	i := sort.Search(len(histBuckets), func(i int) bool { return v <= histBuckets[i] })
	h.counts[i]++
	h.sum += v
	h.n++
}

// liveMetrics are the Prometheus series -follow -metrics serves.
type liveMetrics struct {
	mu       sync.Mutex
	lines    uint64
	errs     uint64
	timers   map[[2]string]*[5]hist // backend, server
	statuses map[string]uint64
}

func (m *liveMetrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# HELP halog_lines_total Log lines read.\n# TYPE halog_lines_total counter\nhalog_lines_total %d\n", m.lines)
	fmt.Fprintf(bw, "# HELP halog_parse_errors_total Lines that are not traffic logs.\n# TYPE halog_parse_errors_total counter\nhalog_parse_errors_total %d\n", m.errs)
	fmt.Fprintf(bw, "# HELP halog_responses_total Responses by HTTP status.\n# TYPE halog_responses_total counter\n")
	codes := make([]string, 0, len(m.statuses))
	for c := range m.statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(bw, "halog_responses_total{code=%q} %d\n", c, m.statuses[c])
	}
	fmt.Fprintf(bw, "# HELP halog_timer_milliseconds HAProxy timers per backend and server (values >= 0).\n# TYPE halog_timer_milliseconds histogram\n")
	keys := make([][2]string, 0, len(m.timers))
	for k := range m.timers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"/"+keys[i][1] < keys[j][0]+"/"+keys[j][1] })
	for _, k := range keys {
		for t, h := range m.timers[k] {
			if h.n == 0 {
				continue
			}
			lbl := fmt.Sprintf("backend=%q,server=%q,timer=%q", k[0], k[1], timerNames[t])
			var cum uint64
			for i, b := range histBuckets {
				cum += h.counts[i]
				fmt.Fprintf(bw, "halog_timer_milliseconds_bucket{%s,le=\"%d\"} %d\n", lbl, b, cum)
			}
			fmt.Fprintf(bw, "halog_timer_milliseconds_bucket{%s,le=\"+Inf\"} %d\n", lbl, h.n)
			fmt.Fprintf(bw, "halog_timer_milliseconds_sum{%s} %d\nhalog_timer_milliseconds_count{%s} %d\n", lbl, h.sum, lbl, h.n)
		}
	}
	bw.Flush()
}

// follow runs -follow: it reads the lines appended to the file from now
// on, like tail -F, feeds the metrics and, on a terminal, shows a progress
// line. It returns when ctx is done.
func follow(ctx context.Context, o *Options, env Env) (err error) {
	if o.Kafka == "" && (len(o.Files) != 1 || o.Files[0] == "-") {
		return errors.New("-follow needs exactly one log file (or -kafka)")
	}
	var lf *lineFormat
	if o.LogFormat != "" || o.HAProxyCfg != "" {
		var err error
		if lf, err = resolveFormat(o); err != nil {
			return err
		}
	}
	m := &liveMetrics{timers: map[[2]string]*[5]hist{}, statuses: map[string]uint64{}}
	var src io.Reader
	if o.Kafka != "" {
		kr, oerr := openKafka(ctx, o, true)
		if oerr != nil {
			return oerr
		}
		defer kr.Close()
		// In a group, what was read is committed when halog ends; a
		// commit that fails is an error (the group's next reader would
		// count those records again).
		defer func() {
			if cerr := kr.commit(context.Background()); err == nil {
				err = cerr
			}
		}()
		src = kr
	} else {
		fw := &follower{ctx: ctx, name: o.Files[0]}
		if err := fw.open(true); err != nil {
			return fmt.Errorf("-follow: %w", err)
		}
		defer func() {
			if fw.f != nil {
				fw.f.Close()
			}
		}()
		src = fw
	}
	// The metrics are announced once the input is open (at its end): a
	// line appended after the announcement is counted.
	if o.Metrics != "" {
		ln, err := net.Listen("tcp", o.Metrics)
		if err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
		fmt.Fprintf(env.Stderr, "halog: serving metrics on http://%s/metrics\n", ln.Addr())
		mux := http.NewServeMux()
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			m.write(w)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}
	c := newConfig(o, lf)
	p := newProc(c)
	prog := newProgress(env.Stderr)
	defer prog.done()
	br := bufio.NewReaderSize(src, 256<<10)
	nbytes := int64(0)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && (err == nil || err == io.EOF) {
			nbytes += int64(len(line))
			line = line[:len(line)-1]
			if len(line) > 0 || err == nil {
				p.liveLine(line, m)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return err
		}
		if prog != nil {
			m.mu.Lock()
			n := m.lines
			m.mu.Unlock()
			prog.update(int64(n), nbytes)
		}
	}
}

// liveLine adds one line to the metrics.
func (p *proc) liveLine(line []byte, m *liveMetrics) {
	b := line
	if p.c.lf != nil {
		b = p.message(line)
	}
	f := &p.f
	f.reset(b, min(p.c.accN+offStatus, maxIndexed), min(p.c.accN+offStatus, maxIndexed))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lines++
	acc, ok := f.at(p.c.accN)
	if !ok || b[acc] != '[' {
		m.errs++
		return
	}
	sp, ok1 := f.at(p.c.accN + offServer)
	tp, ok2 := f.at(p.c.accN + offTime)
	st, ok3 := f.at(p.c.accN + offStatus)
	if !ok1 || !ok2 || !ok3 {
		m.errs++
		return
	}
	var tv [5]int32
	if n, _ := formats.ParseTimers(b, tp, tv[:]); n < 5 {
		m.errs++
		return
	}
	srv := b[sp:formats.FieldEnd(b, sp)]
	var key [2]string
	for i, c := range srv {
		if c == '/' {
			key = [2]string{string(srv[:i]), string(srv[i+1:])}
			break
		}
	}
	h := m.timers[key]
	if h == nil {
		h = new([5]hist)
		m.timers[key] = h
	}
	for i, v := range tv {
		if v >= 0 {
			h[i].add(int64(v))
		}
	}
	m.statuses[strconv.Itoa(int(formats.ParseInt(b, st)))]++
}
