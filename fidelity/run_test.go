package fidelity

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// scenario is one configuration and the traffic driven against it.
type scenario struct {
	name    string
	tmpl    string                 // testdata file
	loggers map[string]framing     // logger name (template `log "name"`) -> layout
	formats map[string]*lineFormat // frontend -> format; "" is the default
	startup []string               // admin messages (regexps) to wait for before traffic
	steps   []step
	halog   [][]string // halog argument sets run on the main logger's lines
}

// step is one bounded piece of traffic and what it must log.
type step struct {
	name      string
	fe        string // frontend whose log format the lines use
	lines     int    // traffic lines HAProxy logs for it (per logger)
	run       func(c *client)
	cond      func(e *env) bool  // nil: always run
	before    func(e *env) error // run once before the step on both sides
	admin     []string           // admin messages (regexps) the step must cause, waited for on both sides
	unordered bool               // lines are paired after sorting, not by arrival
	mask      []string           // fields not compared for this step
	threshold map[string]int64   // timer classes "<N"/"≥N" instead of "≥0"
}

// stepResult is what one side logged for one step.
type stepResult struct {
	lines    map[string][]dgram
	problems []string
}

func runStep(s *side, st *step, id string) stepResult {
	var problems []string
	if !s.waitIdle(time.Now().Add(stepDeadline)) {
		problems = append(problems, fmt.Sprintf("%s: connections still open before the step", s.name))
	}
	from := len(s.admin["main"])
	c := &client{side: s}
	st.run(c)
	if len(st.admin) > 0 {
		for _, p := range s.waitAdmin(st.admin, time.Now().Add(stepDeadline), from) {
			problems = append(problems, fmt.Sprintf("%s: no admin line matching %q", s.name, p))
		}
	}
	lines, more := s.stepLines(id, st.lines)
	for lg, ds := range lines {
		s.traffic[lg] = append(s.traffic[lg], ds...)
	}
	return stepResult{lines: lines, problems: append(problems, more...)}
}

// table counts matching and differing fields of a scenario.
type table struct {
	order         []string
	match, differ map[string]int
	pairs, steps  int
	failedSteps   []string
}

func newTable() *table { return &table{match: map[string]int{}, differ: map[string]int{}} }

func (tb *table) add(name string, ok bool) {
	if tb.match[name] == 0 && tb.differ[name] == 0 {
		tb.order = append(tb.order, name)
	}
	if ok {
		tb.match[name]++
	} else {
		tb.differ[name]++
	}
}

func (tb *table) render(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s\n\n%d steps, %d line pairs compared, %d steps differ", title, tb.steps, tb.pairs, len(tb.failedSteps))
	if len(tb.failedSteps) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(tb.failedSteps, ", "))
	}
	b.WriteString("\n\n| field | match | differ |\n|---|---:|---:|\n")
	for _, n := range tb.order {
		mark := ""
		if tb.differ[n] > 0 {
			mark = " **"
		}
		fmt.Fprintf(&b, "| %s%s | %d | %d |\n", n, mark, tb.match[n], tb.differ[n])
	}
	return b.String()
}

func runScenario(t *testing.T, e *env, sc *scenario, refBin, gotBin, gotName string) string {
	dir := t.TempDir()
	ref, got := newSide("haproxy", refBin, sc), newSide(gotName, gotBin, sc)
	sides := []*side{ref, got}
	cfgs := []string{ref.render(t, e, sc, dir), got.render(t, e, sc, dir)}
	for i, s := range sides {
		s.start(t, cfgs[i])
	}
	tb := newTable()
	// Startup: health-check admin lines, then a first sync (which also
	// waits for the listeners).
	var startProblems [2][]string
	parallel(func() { startProblems[0] = startup(ref, sc) }, func() { startProblems[1] = startup(got, sc) })
	if len(startProblems[0]) > 0 {
		t.Fatalf("[harness] haproxy did not start as expected: %s\nadmin lines received:\n%sstderr:\n%s",
			strings.Join(startProblems[0], "; "), dump(ref.admin["main"]), ref.stderr)
	}
	for _, p := range startProblems[1] {
		t.Errorf("startup: %s", p)
	}
	tb.add("startup", len(startProblems[1]) == 0)
	if !got.alive() {
		t.Fatalf("%s exited at startup: %v\nstderr:\n%s", gotName, got.cmd.ProcessState, got.stderr)
	}

	for i := range sc.steps {
		st := &sc.steps[i]
		if st.cond != nil && !st.cond(e) {
			t.Logf("step %s skipped (not supported here)", st.name)
			continue
		}
		if !got.alive() {
			t.Errorf("%s exited before step %s: %v\nstderr:\n%s", gotName, st.name, got.cmd.ProcessState, got.stderr)
			break
		}
		id := fmt.Sprintf("%s-%02d", sc.name, i)
		if st.before != nil {
			if err := st.before(e); err != nil {
				t.Fatalf("[harness] step %s: %v", st.name, err)
			}
		}
		var res [2]stepResult
		parallel(func() { res[0] = runStep(ref, st, id) }, func() { res[1] = runStep(got, st, id) })
		tb.steps++
		if !compareStep(t, tb, sc, st, ref, got, res[0], res[1]) {
			tb.failedSteps = append(tb.failedSteps, st.name)
		}
	}

	var stopProblems [2][]string
	parallel(func() { stopProblems[0] = ref.stop() }, func() { stopProblems[1] = got.stop() })
	for _, p := range stopProblems[0] {
		t.Errorf("[harness] %s", p)
	}
	for _, p := range stopProblems[1] {
		t.Errorf("stop: %s", p)
	}
	tb.add("stop", len(stopProblems[1]) == 0)
	compareAdmin(t, tb, ref, got)
	compareExtra(t, tb, ref, got)
	for _, args := range sc.halog {
		compareHalog(t, tb, sc, ref, got, args, dir)
	}
	title := fmt.Sprintf("%s: haproxy vs %s", sc.name, gotName)
	out := tb.render(title)
	t.Log(out)
	return out
}

func startup(s *side, sc *scenario) []string {
	var problems []string
	for _, p := range s.waitAdmin(sc.startup, time.Now().Add(startupDeadline), 0) {
		problems = append(problems, fmt.Sprintf("%s: no admin line matching %q", s.name, p))
	}
	if err := s.syncRequest("start", time.Now().Add(startupDeadline)); err != nil {
		return append(problems, err.Error())
	}
	deadline := time.Now().Add(stepDeadline)
	for _, lg := range s.loggers() {
		for {
			d, sid, ok := s.receive(lg, deadline)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: logger %s: no sync line at startup", s.name, lg))
				break
			}
			if sid == "start" {
				break
			}
			if sid == "" && !d.admin {
				s.extra[lg] = append(s.extra[lg], d)
			}
		}
	}
	return problems
}

// lineFields is every compared field of a datagram: its header, then its
// message read through the frontend's log format. procPID is the pid of
// the process that sent it.
func lineFields(d dgram, lf *lineFormat, procPID int, now time.Time, loc *time.Location) parsed {
	p := fieldsOf(lf, d.msg, now, loc)
	pid := "none"
	switch {
	case d.hdr.pid == 0:
	case d.hdr.pid == procPID:
		pid = "process"
	default:
		pid = "other(" + strconv.Itoa(d.hdr.pid) + ")"
	}
	hdr := []field{
		{name: "hdr.layout", value: strconv.FormatBool(d.hdr.ok)},
		{name: "hdr.pri", value: strconv.Itoa(d.hdr.pri)},
		{name: "hdr.host", value: d.hdr.host},
		{name: "hdr.tag", value: d.hdr.tag},
		{name: "hdr.pid", value: pid},
		{name: "hdr.time", value: strconv.FormatBool(stampPlausible(d.hdr.stamp, now, loc))},
		{name: "hdr.lf", value: strconv.FormatBool(d.hdr.lf)},
	}
	if p.truncated {
		hdr = append(hdr, field{name: "hdr.size", value: strconv.Itoa(d.hdr.size)})
	}
	p.fields = append(hdr, p.fields...)
	return p
}

func (sc *scenario) format(fe string) *lineFormat {
	if f, ok := sc.formats[fe]; ok {
		return f
	}
	return sc.formats[""]
}

// compareStep compares what both sides logged for a step; it reports
// whether everything matched.
func compareStep(t *testing.T, tb *table, sc *scenario, st *step, ref, got *side, r, g stepResult) bool {
	t.Helper()
	ok := true
	for _, p := range r.problems {
		t.Errorf("[harness] step %s: %s", st.name, p)
		ok = false
	}
	for _, p := range g.problems {
		t.Errorf("step %s: %s", st.name, p)
		ok = false
	}
	o := compareOpts{mask: map[string]bool{}, threshold: st.threshold}
	for _, m := range st.mask {
		o.mask[m] = true
	}
	lf := sc.format(st.fe)
	now := time.Now()
	for _, lg := range ref.loggers() {
		rl, gl := r.lines[lg], g.lines[lg]
		if os.Getenv("HAPLOG_FIDELITY_VERBOSE") != "" {
			t.Logf("step %s: logger %s:\nhaproxy:\n%s%s:\n%s", st.name, lg, dump(rl), got.name, dump(gl))
		}
		if len(rl) != st.lines {
			t.Errorf("[harness] step %s: logger %s: haproxy logged %d lines, the step expects %d:\n%s",
				st.name, lg, len(rl), st.lines, dump(rl))
			ok = false
		}
		if len(rl) != len(gl) {
			tb.add("lines", false)
			t.Errorf("step %s: logger %s: haproxy logged %d lines, %s %d\nhaproxy:\n%s%s:\n%s",
				st.name, lg, len(rl), got.name, len(gl), dump(rl), got.name, dump(gl))
			ok = false
			continue
		}
		tb.add("lines", true)
		rp := make([]parsed, len(rl))
		gp := make([]parsed, len(gl))
		for i := range rl {
			rp[i] = lineFields(rl[i], lf, ref.cmd.Process.Pid, now, time.Local)
			gp[i] = lineFields(gl[i], lf, got.cmd.Process.Pid, now, time.Local)
		}
		idx := func(ps []parsed) []int {
			ix := make([]int, len(ps))
			for i := range ix {
				ix[i] = i
			}
			if st.unordered {
				sort.SliceStable(ix, func(a, b int) bool { return canonical(ps[ix[a]], o) < canonical(ps[ix[b]], o) })
			}
			return ix
		}
		ri, gi := idx(rp), idx(gp)
		for k := range ri {
			tb.pairs++
			compared, diffs := compareFields(rp[ri[k]], gp[gi[k]], o)
			bad := map[string]bool{}
			for _, d := range diffs {
				bad[d.field] = true
			}
			for _, name := range compared {
				tb.add(name, !bad[name])
			}
			if len(diffs) > 0 {
				ok = false
				var names []string
				for _, d := range diffs {
					names = append(names, d.field)
				}
				d := diffs[0]
				t.Errorf("step %s: logger %s: line %d: %d field(s) differ (%s); first: %s\n  haproxy: %q\n  %s: %q\n  haproxy line: %s\n  %s line: %s",
					st.name, lg, k, len(diffs), strings.Join(names, " "), d.field, d.ref, got.name, d.got,
					strings.TrimSuffix(rl[ri[k]].raw, "\n"), got.name, strings.TrimSuffix(gl[gi[k]].raw, "\n"))
			}
		}
	}
	return ok
}

func dump(ds []dgram) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("    " + strings.TrimSuffix(d.raw, "\n") + "\n")
	}
	if len(ds) == 0 {
		b.WriteString("    (none)\n")
	}
	return b.String()
}

// compareAdmin compares the admin lines of the whole run per logger as
// multisets of level+text.
func compareAdmin(t *testing.T, tb *table, ref, got *side) {
	t.Helper()
	for _, lg := range ref.loggers() {
		count := map[string]int{}
		var keys []string
		for _, d := range ref.admin[lg] {
			k := adminKey(d)
			if count[k] == 0 {
				keys = append(keys, k)
			}
			count[k]++
		}
		for _, d := range got.admin[lg] {
			k := adminKey(d)
			if _, seen := count[k]; !seen {
				keys = append(keys, k)
			}
			count[k]--
		}
		for _, k := range keys {
			n := count[k]
			tb.add("admin", n == 0)
			switch {
			case n > 0:
				t.Errorf("admin: logger %s: %s did not log (%d×): %s", lg, got.name, n, k)
			case n < 0:
				t.Errorf("admin: logger %s: %s logged (%d× more than haproxy): %s", lg, got.name, -n, k)
			}
		}
	}
}

// compareExtra reports traffic lines logged outside any step.
func compareExtra(t *testing.T, tb *table, ref, got *side) {
	t.Helper()
	for _, lg := range ref.loggers() {
		r, g := ref.extra[lg], got.extra[lg]
		tb.add("extra", len(r) == len(g))
		if len(r) != len(g) {
			t.Errorf("logger %s: lines outside any step: haproxy %d, %s %d\nhaproxy:\n%s%s:\n%s",
				lg, len(r), got.name, len(g), dump(r), got.name, dump(g))
		}
	}
}

var halogSummaryRe = regexp.MustCompile(`([0-9]+) lines in, ([0-9]+) lines out, ([0-9]+) parsing errors`)

// compareHalog runs the real halog on both sides' traffic lines of the
// main logger: the proxy's must give as many parse errors as haproxy's
// (0), and outputs that do not depend on timings (-st, -tc) must match.
func compareHalog(t *testing.T, tb *table, sc *scenario, ref, got *side, args []string, dir string) {
	t.Helper()
	bin, ok := testkit.Want(t, "halog")
	if !ok {
		return
	}
	skip := "0"
	if sc.loggers["main"] == frame3164 {
		skip = "1"
	}
	run := func(s *side) (stdout string, errs int, err error) {
		var b strings.Builder
		for _, d := range s.traffic["main"] {
			b.WriteString(d.raw)
		}
		path := filepath.Join(dir, s.name+"-halog.log")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return "", 0, err
		}
		f, err := os.Open(path)
		if err != nil {
			return "", 0, err
		}
		defer f.Close()
		cmd := exec.Command(bin, append([]string{"-s", skip}, args...)...)
		cmd.Stdin = f
		cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
		var out, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return "", 0, fmt.Errorf("halog %v: %w: %s", args, err, stderr.String())
		}
		m := halogSummaryRe.FindStringSubmatch(stderr.String())
		if m == nil {
			return "", 0, fmt.Errorf("halog %v: no summary in %q", args, stderr.String())
		}
		errs, _ = strconv.Atoi(m[3])
		return out.String(), errs, nil
	}
	name := "halog " + strings.Join(args, " ")
	rout, rerr, err := run(ref)
	if err != nil {
		t.Errorf("[harness] %v", err)
		return
	}
	gout, gerr, err := run(got)
	if err != nil {
		t.Errorf("%v", err)
		tb.add(name, false)
		return
	}
	t.Logf("%s: %d parse errors on haproxy's %d lines, %d on %s's %d lines", name, rerr, len(ref.traffic["main"]), gerr, got.name, len(got.traffic["main"]))
	tb.add(name+" parse errors", rerr == gerr)
	if rerr != gerr {
		t.Errorf("%s: parse errors: haproxy's lines %d, %s's lines %d", name, rerr, got.name, gerr)
	}
	if args[0] == "-st" || args[0] == "-tc" {
		tb.add(name+" output", rout == gout)
		if rout != gout {
			t.Errorf("%s: outputs differ\nhaproxy:\n%s%s:\n%s", name, rout, got.name, gout)
		}
	}
}
