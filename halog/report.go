package halog

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// reporter writes the final report. linesOut is halog's lines_out counter,
// which report rows keep incrementing; max is -m.
type reporter struct {
	w        *bufio.Writer
	buf      []byte
	linesOut int32
	max      int32
}

// row flushes the scratch buffer as one report row and reports whether the
// -m limit has been reached.
func (r *reporter) row() bool {
	r.w.Write(r.buf)
	r.buf = r.buf[:0]
	r.linesOut++
	return r.max >= 0 && r.linesOut >= r.max
}

func (r *reporter) int(v int64) {
	r.buf = strconv.AppendInt(r.buf, v, 10)
}

func (r *reporter) uint(v uint64) {
	r.buf = strconv.AppendUint(r.buf, v, 10)
}

func (r *reporter) sp() { r.buf = append(r.buf, ' ') }

// report writes the report selected by halog's final-report precedence.
func (r *reporter) report(o *Options, a *aggregates) {
	switch {
	case o.PctBy != "":
		r.pctBy(a)
	case o.AccHoles:
		r.holes(o, a)
	case o.Graph:
		r.graph(a)
	case o.Percentile:
		r.percentiles(a)
	case o.StatusHist:
		r.counts(a.status.sorted(), false)
	case o.Servers:
		r.servers(a)
	case o.TermHist || o.CookieHist:
		r.codes(a)
	case o.URL != 0 || o.IPCount:
		r.urls(o, a)
	}
}

func (r *reporter) counts(kc []keyCount, codes bool) {
	for _, e := range kc {
		if codes {
			r.buf = append(r.buf, byte(e.key>>8), byte(e.key))
		} else {
			r.int(int64(e.key))
		}
		r.sp()
		r.uint(uint64(e.count))
		r.buf = append(r.buf, '\n')
		if r.row() {
			return
		}
	}
}

func (r *reporter) codes(a *aggregates) {
	var kc []keyCount
	for i, n := range a.codes {
		if n != 0 {
			kc = append(kc, keyCount{int32(i + codeMin), n})
		}
	}
	r.counts(kc, true)
}

func (r *reporter) holes(o *Options, a *aggregates) {
	keys := make([]uint32, 0, len(a.holes))
	for k := range a.holes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var last uint32
	if len(keys) > 0 {
		last = keys[0]
	}
	for _, k := range keys {
		d := k - last
		last = k
		n := a.holes[k]
		if d < o.AccDelay || n < o.AccCount {
			continue
		}
		h := k
		ms := h % 1000
		h /= 1000
		s := h % 60
		h /= 60
		m := h % 60
		h /= 60
		r.buf = appendPad(r.buf, h, 2)
		r.buf = append(r.buf, ':')
		r.buf = appendPad(r.buf, m, 2)
		r.buf = append(r.buf, ':')
		r.buf = appendPad(r.buf, s, 2)
		r.buf = append(r.buf, '.')
		r.buf = appendPad(r.buf, ms, 3)
		r.sp()
		r.int(int64(int32(k)))
		r.sp()
		r.uint(uint64(d))
		r.sp()
		r.uint(uint64(n))
		r.buf = append(r.buf, '\n')
		if r.row() {
			return
		}
	}
}

// appendPad appends v in decimal, zero-padded to width (printf "%0Nu").
func appendPad(dst []byte, v uint32, width int) []byte {
	var tmp [10]byte
	s := strconv.AppendUint(tmp[:0], uint64(v), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func (r *reporter) graph(a *aggregates) {
	for f := range a.gt {
		if a.gt[f].dense == nil {
			continue
		}
		for _, e := range a.gt[f].sorted() {
			abs := uint32(e.key)
			if e.key < 0 {
				abs = uint32(-e.key)
			}
			d := float64(e.count)
			if i := fls(abs) - 4; i > 0 {
				d /= float64(uint32(1) << i)
			}
			r.int(int64(f))
			r.sp()
			r.int(int64(e.key))
			r.sp()
			r.buf = strconv.AppendFloat(r.buf, d+1.0, 'f', 6, 64)
			r.buf = append(r.buf, '\n')
			r.w.Write(r.buf)
			r.buf = r.buf[:0]
		}
	}
}

func (r *reporter) percentiles(a *aggregates) {
	if r.linesOut == 0 {
		return
	}
	var series [5][]keyCount
	var idx [5]int
	var cum [5]uint64
	for f := 1; f < 5; f++ {
		if a.pct[f].dense != nil {
			series[f] = a.pct[f].sorted()
		}
		if len(series[f]) > 0 {
			cum[f] = uint64(series[f][0].count)
		}
	}
	for step := 1; step <= 1000; {
		thres := uint32(float64(r.linesOut) * (float64(step) / 1000.0))
		r.buf = strconv.AppendFloat(r.buf, float64(step)/10.0, 'f', 1, 64)
		r.sp()
		r.uint(uint64(thres))
		r.sp()
		for f := 1; f < 5; f++ {
			s := series[f]
			for cum[f] < uint64(thres) && idx[f]+1 < len(s) {
				idx[f]++
				cum[f] += uint64(s[idx[f]].count)
			}
			var key int32
			if len(s) > 0 {
				key = s[idx[f]].key
			}
			r.int(int64(key))
			r.sp()
		}
		r.buf = append(r.buf, '\n')
		r.w.Write(r.buf)
		r.buf = r.buf[:0]
		switch {
		case step >= 100 && step < 900:
			step += 50
		case step >= 20 && step < 980:
			step += 10
		default:
			step++
		}
	}
}

func (r *reporter) servers(a *aggregates) {
	r.w.WriteString("#srv_name 1xx 2xx 3xx 4xx 5xx other tot_req req_ok pct_ok avg_ct avg_rt\n")
	order := make([]int, a.servers.len())
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return bytes.Compare(a.servers.key(x), a.servers.key(y)) })
	for _, i := range order {
		k, s := a.servers.key(i), a.servers.val(i)
		var tot int32
		for _, n := range s.st {
			tot += int32(n)
		}
		r.buf = append(r.buf, k...)
		for _, i := range []int{1, 2, 3, 4, 5, 0} {
			r.sp()
			r.uint(uint64(s.st[i]))
		}
		r.sp()
		r.int(int64(tot))
		r.sp()
		r.uint(uint64(s.nbOK))
		r.sp()
		div := tot
		if div == 0 {
			div = 1
		}
		r.buf = strconv.AppendFloat(r.buf, float64(s.nbOK)*100.0/float64(div), 'f', 1, 64)
		r.sp()
		r.int(int64(int32(s.cumCT / uint64(max(s.nbCT, 1)))))
		r.sp()
		r.int(int64(int32(s.cumRT / uint64(max(s.nbRT, 1)))))
		r.buf = append(r.buf, '\n')
		if r.row() {
			return
		}
	}
}

// urlRow is one row of the -u/-ic report: the sort value v, the first 16
// bytes of the key (big-endian, zero-padded: when they differ they order
// the keys as bytes.Compare does) and the entry. Rows hold no pointers, so
// that sorting many of them moves 32 bytes and needs no write barrier.
type urlRow struct {
	v, k0, k1 uint64
	i         int
}

func (r *reporter) urls(o *Options, a *aggregates) {
	t := &a.urls
	rows := make([]urlRow, t.len())
	byName := o.URL&URLByName != 0
	for i := range rows {
		k := t.key(i)
		var pad [16]byte
		copy(pad[:], k)
		rows[i] = urlRow{k0: binary.BigEndian.Uint64(pad[:8]), k1: binary.BigEndian.Uint64(pad[8:]), i: i}
		if !byName {
			rows[i].v = sortKey(o, t.val(i))
		}
	}
	// by value then key, both descending
	rows = sortRows(rows, func(x, y urlRow) int {
		if c := cmp.Compare(y.v, x.v); c != 0 {
			return c
		}
		if c := cmp.Compare(y.k0, x.k0); c != 0 {
			return c
		}
		if c := cmp.Compare(y.k1, x.k1); c != 0 {
			return c
		}
		return bytes.Compare(t.key(y.i), t.key(x.i))
	}, reportWorkers(o, len(rows)))
	r.w.WriteString("#req err ttot tavg oktot okavg bavg btot src\n")
	// the rows up to -m, each counted in lines_out
	n := len(rows)
	if r.max >= 0 && n > 0 {
		n = min(n, max(int(r.max)-int(r.linesOut), 1))
	}
	rows = rows[:n]
	r.linesOut += int32(n)
	// formatted by blocks, in parallel when there are many
	const block = 4096
	bufs := make([][]byte, (n+block-1)/block)
	fill := func(b int) {
		buf := bufs[b][:0]
		for _, row := range rows[b*block : min(n, (b+1)*block)] {
			buf = appendURLRow(buf, t.val(row.i), t.key(row.i))
		}
		bufs[b] = buf
	}
	if w := reportWorkers(o, n); w > 1 {
		var next atomic.Int32
		var wg sync.WaitGroup
		for range w {
			wg.Go(func() {
				for b := int(next.Add(1) - 1); b < len(bufs); b = int(next.Add(1) - 1) {
					fill(b)
				}
			})
		}
		wg.Wait()
		for _, buf := range bufs {
			r.w.Write(buf)
		}
		return
	}
	for b := range bufs {
		fill(b)
		r.w.Write(bufs[b])
		if b+1 < len(bufs) {
			bufs[b+1], bufs[b] = bufs[b], nil // reuse the buffer
		}
	}
}

// appendURLRow appends the -u/-ic report row of s and key to buf.
func appendURLRow(buf []byte, s *urlStat, key []byte) []byte {
	buf = strconv.AppendInt(buf, int64(int32(s.req)), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(int32(s.err)), 10)
	for _, v := range [...]uint64{s.ttot, div64(s.ttot, uint64(s.req)), s.oktot,
		div64(s.oktot, uint64(s.req-s.err)), div64(s.btot, uint64(s.req)), s.btot} {
		buf = append(buf, ' ')
		buf = strconv.AppendUint(buf, v, 10)
	}
	buf = append(buf, ' ')
	buf = append(buf, key...)
	return append(buf, '\n')
}

// reportWorkers is the number of goroutines that sort and format n report
// rows: the workers of the run when n is large, else 1.
func reportWorkers(o *Options, n int) int {
	if n < 1<<14 {
		return 1
	}
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// sortRows sorts rows by cmp, the two halves in parallel and merged when
// workers > 1, and returns the sorted rows (rows or a new slice).
func sortRows[T any](rows []T, cmp func(x, y T) int, workers int) []T {
	if workers < 2 {
		slices.SortFunc(rows, cmp)
		return rows
	}
	h := len(rows) / 2
	a, b := rows[:h], rows[h:]
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(a, cmp) })
	slices.SortFunc(b, cmp)
	wg.Wait()
	out := make([]T, 0, len(rows))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

func div64(a, b uint64) uint64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func sortKey(o *Options, s *urlStat) uint64 {
	switch {
	case o.URL&URLCount != 0 || o.IPCount:
		return uint64(s.req)
	case o.URL&URLErr != 0:
		return uint64(s.err)
	case o.URL&URLTTot != 0:
		return s.ttot
	case o.URL&URLTAvg != 0:
		return div64(s.ttot, uint64(s.req))
	case o.URL&URLTTotOK != 0:
		return s.oktot
	case o.URL&URLTAvgOK != 0:
		return div64(s.oktot, uint64(s.req-s.err))
	case o.URL&URLBAvg != 0:
		return div64(s.btot, uint64(s.req))
	case o.URL&URLBTot != 0:
		return s.btot
	}
	return 0
}
