package halog

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
)

// nearestRank computes the expected report independently: values per key
// from the records themselves, sorted, pN = v[ceil(N/100*n)].
func nearestRank(recs []formats.Record, key func(*formats.Record) string, timer func(*formats.Record) int64) string {
	vals := map[string][]int64{}
	for i := range recs {
		if v := timer(&recs[i]); v >= 0 {
			k := key(&recs[i])
			vals[k] = append(vals[k], v)
		}
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("#key count p50 p90 p95 p99 p99.9 max\n")
	for _, k := range keys {
		v := vals[k]
		slices.Sort(v)
		n := len(v)
		fmt.Fprintf(&b, "%s %d", k, n)
		for _, p := range []float64{50, 90, 95, 99, 99.9} {
			r := int(math.Ceil(p*float64(n)/100 - 1e-9))
			fmt.Fprintf(&b, " %d", v[max(r, 1)-1])
		}
		fmt.Fprintf(&b, " %d\n", v[n-1])
	}
	return b.String()
}

func TestPctBy(t *testing.T) {
	recs := genRecords(5000, 99)
	httpLog, customLog := writeLogs(t, recs, fullFormat)
	srv := func(r *formats.Record) string {
		s := r.Server
		if s == "" {
			s = "<NOSRV>"
		}
		return r.Backend + "/" + s
	}
	url := func(r *formats.Record) string {
		if r.Method == "" {
			return `"<BADREQ>"`
		}
		u := r.URI
		if i := strings.IndexAny(u, "?;"); i >= 0 {
			u = u[:i]
		}
		return u
	}
	fe := func(r *formats.Record) string {
		if r.FrontendSSL {
			return r.Frontend + "~"
		}
		return r.Frontend
	}
	for _, tc := range []struct {
		by, timer string
		key       func(*formats.Record) string
		val       func(*formats.Record) int64
	}{
		{"srv", "Ta", srv, func(r *formats.Record) int64 { return r.Ta }},
		{"srv", "Tr", srv, func(r *formats.Record) int64 { return r.Tr }},
		{"be", "Tw", func(r *formats.Record) string { return r.Backend }, func(r *formats.Record) int64 { return r.Tw }},
		{"fe", "TR", fe, func(r *formats.Record) int64 { return r.TR }},
		{"url", "Ta", url, func(r *formats.Record) int64 { return r.Ta }},
		{"ip", "Tc", func(r *formats.Record) string { return r.ClientAddr.Addr().String() }, func(r *formats.Record) int64 { return r.Tc }},
		{"status", "Ta", func(r *formats.Record) string { return strconv.Itoa(r.Status) }, func(r *formats.Record) int64 { return r.Ta }},
	} {
		want := nearestRank(recs, tc.key, tc.val)
		for _, workers := range []int{1, 3} {
			args := []string{"-log-format", fullFormat, "-pct-by", tc.by, "-timer", tc.timer, customLog}
			if workers == 3 {
				// halog's own layout, no -log-format
				args = []string{"-pct-by", tc.by, "-timer", tc.timer, httpLog}
			}
			var out, errOut bytes.Buffer
			exit := Main(args,
				Env{Stdout: &out, Stderr: &errOut, Location: time.UTC, Workers: workers})
			if exit != 0 || out.String() != want {
				t.Errorf("-pct-by %s -timer %s (%d workers): exit %d %s\n%s", tc.by, tc.timer, workers, exit, errOut.String(),
					firstDiff(out.Bytes(), []byte(want)))
			}
		}
	}
	// Tt is not in the httplog layout: read from the format, or an error
	var out, errOut bytes.Buffer
	if exit := Main([]string{"-pct-by", "srv", "-timer", "Tt", customLog}, Env{Stdout: &out, Stderr: &errOut}); exit != 1 || !strings.Contains(errOut.String(), "%Tt") {
		t.Errorf("-timer Tt without a format: exit %d, %q", exit, errOut.String())
	}
	out.Reset()
	if exit := Main([]string{"-pct-by", "nope", customLog}, Env{Stdout: &out, Stderr: &errOut}); exit != 1 {
		t.Errorf("-pct-by nope: exit %d", exit)
	}
}

// TestPctSketch: past pctExactMax values a key's percentiles come from the
// sketch, within pctAlpha of the exact ones; count and max stay exact.
func TestPctSketch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var v pctVals
	var exact []int32
	for range pctExactMax + 200000 {
		x := int32(r.ExpFloat64() * 300)
		if r.IntN(50) == 0 {
			x = 0
		}
		exact = append(exact, x)
		v.add(x)
		if len(v.vals) > pctExactMax {
			v.toSketch()
		}
	}
	if v.sk == nil {
		t.Fatal("no sketch")
	}
	slices.Sort(exact)
	for _, pm := range pctPermille {
		k := (pm*v.n + 999) / 1000
		got, want := float64(v.sk.rank(k)), float64(exact[k-1])
		if d := got - want; d > pctAlpha*want+0.5 || -d > pctAlpha*want+0.5 {
			t.Errorf("p%v: sketch %v, exact %v", float64(pm)/10, got, want)
		}
	}
	if v.n != uint64(len(exact)) || v.max != exact[len(exact)-1] {
		t.Errorf("count %d max %d, want %d %d", v.n, v.max, len(exact), exact[len(exact)-1])
	}
}
