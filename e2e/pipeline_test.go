package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// echoMsg is what the TCP session sends and reads back.
const echoMsg = "hello e2e\n"

// TestPipeline sends HTTP requests with chosen statuses and one TCP session
// through the proxy and checks the three files syslogd writes with the
// users' rsyslog configuration, then halog's reports over the traffic file.
func TestPipeline(t *testing.T) {
	pl := startPipeline(t, readTestdata(t, "logrotate-haproxy"))
	reqs := plan(60)
	sendHTTP(t, pl.web, reqs, 1, false)
	sendTCP(t, pl.echo, echoMsg)

	pl.waitLines(t, trafficFile, "traffic lines", func(l []string) bool {
		return countTraffic(l) >= len(reqs)+1
	})
	pl.stopProxy()
	pl.stopSyslogd()
	if d := pl.px.Stats().LogsDropped.Load(); d != 0 {
		t.Errorf("proxy dropped %d log lines", d)
	}
	traffic := readLines(t, filepath.Join(pl.dir, trafficFile), false)

	// local0.*: every line, traditional format.
	admin := checkTraffic(t, trafficFile, traffic, reqs, len(echoMsg))
	if admin == 0 {
		t.Errorf("%s: no admin line", trafficFile)
	}

	// local0.=info with %msg%: the traffic lines only, message as sent
	// (rsyslog keeps the space after the tag).
	info := readLines(t, filepath.Join(pl.dir, infoFile), false)
	if len(info) != len(reqs)+1 {
		t.Errorf("%s: %d lines, want %d", infoFile, len(info), len(reqs)+1)
	}
	for _, ln := range info {
		msg, ok := strings.CutPrefix(ln, " ")
		if !ok {
			t.Errorf("%s: line without the leading space: %q", infoFile, ln)
			continue
		}
		if l := classify(t, infoFile, msg); l.kind != "http" && l.kind != "tcp" {
			t.Errorf("%s: not a traffic line: %q", infoFile, ln)
		}
	}
	var trafficMsgs []string
	for _, ln := range traffic {
		if m := payload(ln); !adminRe.MatchString(m) {
			trafficMsgs = append(trafficMsgs, " "+m)
		}
	}
	if strings.Join(trafficMsgs, "\n") != strings.Join(info, "\n") {
		t.Errorf("%s and the traffic lines of %s differ", infoFile, trafficFile)
	}

	// local0.notice: the admin lines (web3 DOWN is alert), no traffic.
	adminLines := readLines(t, filepath.Join(pl.dir, adminFile), false)
	down := 0
	for _, ln := range adminLines {
		msg := payload(ln)
		if !adminRe.MatchString(msg) {
			t.Errorf("%s: not an admin line: %q", adminFile, ln)
		}
		if downRe.MatchString(msg) {
			down++
		}
	}
	if down != 1 {
		t.Errorf("%s: %d DOWN lines for web3, want 1:\n%s", adminFile, down, strings.Join(adminLines, "\n"))
	}
	if len(adminLines) != admin {
		t.Errorf("%s: %d lines, %s has %d admin lines", adminFile, len(adminLines), trafficFile, admin)
	}

	// halog over the traffic file. Admin lines are not HAProxy traffic
	// lines: halog counts each as a parsing error.
	data, err := os.ReadFile(filepath.Join(pl.dir, trafficFile))
	if err != nil {
		t.Fatal(err)
	}
	out, in, _, perr := runHalog(t, data, "-srv", "-H")
	if in != len(traffic) || perr != admin {
		t.Errorf("halog -srv -H: %d lines in, %d parsing errors; want %d, %d", in, perr, len(traffic), admin)
	}
	checkSrv(t, out, reqs)
	t.Logf("halog -srv -H: %d lines in, %d parsing errors (%d admin lines)\n%s", in, perr, admin, out)
	out, _, _, perr = runHalog(t, data, "-st")
	if perr != admin {
		t.Errorf("halog -st: %d parsing errors, want %d", perr, admin)
	}
	checkSt(t, stCounts(t, out), reqs, len(echoMsg))
	t.Logf("halog -st:\n%s", out)

	// Without the admin lines, halog finds no parsing error at all.
	var onlyTraffic []byte
	for _, ln := range traffic {
		if !adminRe.MatchString(payload(ln)) {
			onlyTraffic = append(onlyTraffic, ln+"\n"...)
		}
	}
	out, in, _, perr = runHalog(t, onlyTraffic, "-srv", "-H")
	if in != len(reqs)+1 || perr != 0 {
		t.Errorf("halog -srv -H without admin lines: %d lines in, %d parsing errors; want %d, 0", in, perr, len(reqs)+1)
	}
	checkSrv(t, out, reqs)
	t.Logf("%s:\n%s", adminFile, strings.Join(adminLines, "\n"))
}

// TestPipelineRotation runs enough traffic through a 4 KiB size rotation
// (rotate 50, compress) to rotate the traffic file many times, with a
// syslogd reload half way, then checks
// that every request is in exactly one of the current file and the
// decompressed backups, and that halog gives the same totals from the
// concatenated .gz backups (read through its gzip detection) plus the
// current file.
func TestPipelineRotation(t *testing.T) {
	// HAPLOG_LOAD=1: 20 times the traffic from 8 clients, with 64k files.
	n, workers, size, sizeText := 300, 4, 4096, "4k"
	if os.Getenv("HAPLOG_LOAD") == "1" {
		n, workers, size, sizeText = 6000, 8, 64<<10, "64k"
	}
	policy := strings.Replace(readTestdata(t, "logrotate-size4k"), "size 4k", "size "+sizeText, 1)
	pl := startPipeline(t, policy)
	reqs := plan(n)
	// Half the traffic, a reload of syslogd (files reopened, rules swapped:
	// no message may be lost), the other half.
	sendHTTP(t, pl.web, reqs[:n/2], workers, true)
	if err := pl.srv.Reload(); err != nil {
		t.Fatalf("syslogd reload: %v", err)
	}
	sendHTTP(t, pl.web, reqs[n/2:], workers, true)
	sendTCP(t, pl.echo, echoMsg)

	// Stop the proxy: every datagram it will ever send is sent. Then wait
	// until syslogd has received them all and stop it: Close compresses
	// and names the backups.
	pl.stopProxy()
	sent := pl.px.Stats().LogsSent.Load()
	if d := pl.px.Stats().LogsDropped.Load(); d != 0 {
		t.Errorf("proxy dropped %d log lines", d)
	}
	if sent < int64(len(reqs)+2) {
		t.Fatalf("proxy sent %d log lines, want at least %d", sent, len(reqs)+2)
	}
	pl.waitLines(t, adminFile, "all datagrams", func([]string) bool {
		return pl.srv.Stats().Received >= uint64(sent)
	})
	pl.stopSyslogd()
	if st := pl.srv.Stats(); st.Received != uint64(sent) || st.Dropped != 0 || st.KernelDrops != 0 {
		t.Errorf("syslogd: %+v, proxy sent %d", st, sent)
	}

	backups := listBackups(t, pl.dir, trafficFile)
	if len(backups) < 10 {
		t.Fatalf("%d backups of %s, want many rotations", len(backups), trafficFile)
	}
	if len(backups) >= 50 {
		t.Fatalf("%d backups: rotate 50 may have removed some; send less traffic", len(backups))
	}
	var all []string
	var gz []byte
	for _, b := range backups {
		raw, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		gz = append(gz, raw...)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(plain) > size {
			t.Errorf("%s: %d bytes, over the %s size limit", b, len(plain), sizeText)
		}
		all = append(all, splitLines(t, b, plain)...)
	}
	current, err := os.ReadFile(filepath.Join(pl.dir, trafficFile))
	if err != nil {
		t.Fatal(err)
	}
	// `create 0644`: the files created at rotation get that mode exactly.
	if fi, err := os.Stat(filepath.Join(pl.dir, trafficFile)); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o644 {
		t.Errorf("%s: mode %v, want 0644 (create 0644)", trafficFile, fi.Mode().Perm())
	}
	all = append(all, splitLines(t, trafficFile, current)...)
	if int64(len(all)) != sent {
		t.Errorf("%d lines across %s and its backups, proxy sent %d", len(all), trafficFile, sent)
	}
	admin := checkTraffic(t, trafficFile+"*", all, reqs, len(echoMsg))

	// halog: the .gz backups concatenated (one multi-member gzip stream),
	// then the current file.
	outGz, inGz, _, perrGz := runHalog(t, gz, "-st")
	outCur, inCur, _, perrCur := runHalog(t, current, "-st")
	if inGz+inCur != len(all) || perrGz+perrCur != admin {
		t.Errorf("halog -st: %d+%d lines in, %d+%d parsing errors; want %d, %d", inGz, inCur, perrGz, perrCur, len(all), admin)
	}
	st := stCounts(t, outGz)
	for k, v := range stCounts(t, outCur) {
		st[k] += v
	}
	checkSt(t, st, reqs, len(echoMsg))

	// -srv -H over everything at once must match the per-request plan too;
	// halog reads a gzip stream only as a whole, so the current file is
	// compressed and appended as one more member.
	var cur bytes.Buffer
	zw := gzip.NewWriter(&cur)
	if _, err := zw.Write(current); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out, in, _, perr := runHalog(t, append(gz, cur.Bytes()...), "-srv", "-H")
	if in != len(all) || perr != admin {
		t.Errorf("halog -srv -H: %d lines in, %d parsing errors; want %d, %d", in, perr, len(all), admin)
	}
	checkSrv(t, out, reqs)
	t.Logf("%d backups, %d lines, %d admin; halog -srv -H:\n%s", len(backups), len(all), admin, out)
}

// listBackups returns name's backups in dir oldest first (NAME.N.gz, N
// descending), failing on any other file that starts with name.
func listBackups(t *testing.T, dir, name string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\.(\d+)\.gz$`)
	type backup struct {
		n    int
		path string
	}
	var bs []backup
	for _, e := range ents {
		if e.Name() == name || !strings.HasPrefix(e.Name(), name) {
			continue
		}
		m := re.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("unexpected file %s in %s", e.Name(), dir)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		bs = append(bs, backup{n, filepath.Join(dir, e.Name())})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].n > bs[j].n })
	for i, b := range bs {
		if b.n != len(bs)-i {
			t.Errorf("backups of %s are not numbered 1..%d: %s", name, len(bs), filepath.Base(b.path))
		}
	}
	paths := make([]string, len(bs))
	for i, b := range bs {
		paths[i] = b.path
	}
	return paths
}
