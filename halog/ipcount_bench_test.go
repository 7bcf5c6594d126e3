package halog

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkIPChunk times the -ic fast path alone (one worker, no reading,
// no report) on 200k generated requests in httplog from 60 client
// addresses, cut into chunks of 1 MB at line ends as the splitter cuts
// them, through processChunk: ns/line is the CPU cost per line of one
// worker, for profiling (perf record, callgrind). The comparison with C
// halog is bench/halog-vs.sh's -ic row, both programs in the same run.
func BenchmarkIPChunk(b *testing.B) {
	httpLog, _ := writeLogs(b, genRecords(200000, 3), issueFormat)
	data, err := os.ReadFile(httpLog)
	if err != nil {
		b.Fatal(err)
	}
	var chunks [][]byte
	for rest := data; len(rest) > 0; {
		end := min(1<<20, len(rest))
		if i := bytes.IndexByte(rest[end-1:], '\n'); i >= 0 {
			end += i
		} else {
			end = len(rest)
		}
		chunks = append(chunks, rest[:end])
		rest = rest[end:]
	}
	o, err := Parse([]string{"-ic", "-q"})
	if err != nil {
		b.Fatal(err)
	}
	c := newConfig(o, nil)
	if !c.ipDirect() {
		b.Fatal("-ic does not take the fast path")
	}
	p := newProc(c)
	r := &chunkOut{}
	lines := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, ch := range chunks {
			p.processChunk(ch, ch, r)
			lines += r.lines
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
}
