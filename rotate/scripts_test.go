package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

func TestIsReopenOnly(t *testing.T) {
	for _, s := range []string{
		"/usr/lib/rsyslog/rsyslog-rotate\n",                                                  // Debian 12 rsyslog
		"[ ! -x /usr/lib/rsyslog/rsyslog-rotate ] || /usr/lib/rsyslog/rsyslog-rotate\n",      // Debian 12 haproxy
		"invoke-rc.d rsyslog rotate > /dev/null\n",                                           // Debian 10
		"invoke-rc.d rsyslog rotate >/dev/null 2>&1 || true\n",                               // Debian 9
		"/bin/kill -HUP `cat /var/run/syslogd.pid 2> /dev/null` 2> /dev/null || true\n",      // RHEL rsyslog
		"/bin/kill -HUP $(cat /var/run/syslogd.pid 2> /dev/null) 2> /dev/null || true\n",     // the seed config
		"kill -HUP $(cat /var/run/rsyslogd.pid)",                                             //
		"kill -s HUP $(cat /run/syslog-ng.pid)",                                              //
		"systemctl kill -s HUP rsyslog.service\n",                                            // rsyslog-rotate's own command
		"systemctl kill --kill-who=main --signal=HUP rsyslog.service",                        //
		"systemctl reload rsyslog",                                                           //
		"service rsyslog rotate >/dev/null 2>&1 || true",                                     //
		"/usr/bin/killall -HUP syslogd",                                                      // logrotate(8)'s example
		"pkill -HUP rsyslogd",                                                                //
		"if [ -f /run/rsyslogd.pid ]; then\n  kill -HUP $(cat /run/rsyslogd.pid)\nfi\n",      //
		"# tell rsyslog\ninvoke-rc.d rsyslog rotate \\\n  >/dev/null\n",                      // comment, continuation
		"test -x /usr/lib/rsyslog/rsyslog-rotate && /usr/lib/rsyslog/rsyslog-rotate; true",   //
		"\t[ -s /var/run/rsyslogd.pid ] && kill -1 `cat /var/run/rsyslogd.pid` # reopen\n",   //
		"systemctl --quiet kill -s SIGHUP syslog.service && /usr/lib/rsyslog/rsyslog-rotate", //
		"invoke-rc.d --quiet rsyslog rotate",                                                 //
		"kill -HUP $(cat /run/rsyslogd.pid) $(cat /var/run/syslogd.pid)",                     //
	} {
		if !IsReopenOnly(s) {
			t.Errorf("IsReopenOnly(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"",
		"# nothing\n",
		"gzip -9 \"$2\"",
		"kill -HUP 1",
		"kill -HUP $(cat /var/run/nginx.pid)",
		"kill -TERM $(cat /var/run/rsyslogd.pid)",
		"kill -HUP",
		"killall -HUP",
		"killall -HUP nginx",
		"invoke-rc.d rsyslog restart",
		"invoke-rc.d nginx rotate",
		"systemctl restart rsyslog",
		"systemctl kill -s TERM rsyslog.service",
		"systemctl kill -s HUP haproxy.service",
		"systemctl kill rsyslog.service",
		"/tmp/rsyslog-rotate",
		"invoke-rc.d rsyslog rotate | logger",
		"invoke-rc.d rsyslog rotate > /tmp/out",
		"invoke-rc.d rsyslog rotate >/dev/nullx",
		"invoke-rc.d rsyslog rotate &",
		"invoke-rc.d rsyslog rotate; chmod 600 /var/log/haproxy.log",
		"/usr/lib/rsyslog/rsyslog-rotate\naws s3 cp \"$2\" s3://bucket/",
		"[ -x /usr/lib/rsyslog/rsyslog-rotate ] && rm -f /var/log/x",
		"kill -HUP $(cat /run/rsyslogd.pid; rm -f /x)",
		"kill -HUP $(cat /run/rsyslogd.pid) $(rm -rf /x)",
		"$RELOAD",
		"for p in 1 2; do kill -HUP $p; done",
		"(invoke-rc.d rsyslog rotate)",
		"[ -x $1 ] || /usr/lib/rsyslog/rsyslog-rotate",
		"[ -x /usr/lib/rsyslog/rsyslog-rotate -a -w /etc/passwd ]",
		"invoke-rc.d rsyslog rotate <<EOF\nx\nEOF",
		"'invoke-rc.d' rsyslog rotate",
		"[ -e /run/rsyslogd.pid ] || exit 0\nkill -HUP $(cat /run/rsyslogd.pid)\n", // exit is not modelled
	} {
		if IsReopenOnly(s) {
			t.Errorf("IsReopenOnly(%q) = true, want false", s)
		}
	}
}

// TestConfigScripts: a script that does real work is given to the writer
// (Options.Scripts) without a warning; one that only reopens a logging
// daemon is a warning and is not run.
func TestConfigScripts(t *testing.T) {
	conf := `/var/log/a.log  /var/log/b.log {
  rotate 2
  sharedscripts
  prerotate
    /usr/lib/rsyslog/rsyslog-rotate
  endscript
  postrotate
    gzip -c "$2" > /backup/x.gz
  endscript
  preremove
    cp "$1" /archive/
  endscript
}
/var/log/c.log
{
  postrotate
    invoke-rc.d rsyslog rotate >/dev/null
  endscript
}
`
	cfg, err := ParseConfig(strings.NewReader(conf), "s.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := Scripts{PostRotate: "    gzip -c \"$2\" > /backup/x.gz\n", PreRemove: "    cp \"$1\" /archive/\n",
		Shared: true, Pattern: "/var/log/a.log  /var/log/b.log "}
	if got := cfg.Rules[0].Options.Scripts; got != want {
		t.Errorf("scripts\n got %+v\nwant %+v", got, want)
	}
	if got := cfg.Rules[1].Options.Scripts; got != (Scripts{}) {
		t.Errorf("reopen-only script given to the writer: %+v", got)
	}
	var warns []string
	for _, w := range cfg.Warnings {
		if strings.Contains(w.Msg, "script") {
			warns = append(warns, w.String())
		}
	}
	if want := []string{
		"s.conf:6: warning: prerotate script is not run: it only tells a logging daemon to reopen its files, which the writer does by itself",
		"s.conf:18: warning: postrotate script is not run: it only tells a logging daemon to reopen its files, which the writer does by itself",
	}; strings.Join(warns, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings\n got %q\nwant %q", warns, want)
	}
}

// waitScript is a script that creates DIR/NAME.started and returns when
// DIR/NAME.go exists.
func waitScript(dir, name string) string {
	return fmt.Sprintf("touch %s/%s.started\nwhile [ ! -e %s/%s.go ]; do sleep 0.01; done\n", dir, name, dir, name)
}

// waitFile waits until path exists.
func waitFile(t *testing.T, what, path string) {
	t.Helper()
	testkit.Eventually(t, what, func() bool { _, err := os.Stat(path); return err == nil })
}

func numberedLines(from, to int) []byte {
	var b bytes.Buffer
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "line %06d %s\n", i, strings.Repeat("y", 60))
	}
	return b.Bytes()
}

func writeAll(t *testing.T, w *Writer, p []byte) {
	t.Helper()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n') + 1
		if _, err := w.Write(p[:i]); err != nil {
			t.Fatal(err)
		}
		p = p[i:]
	}
}

// TestScriptsLinesFlow: while a slow prerotate runs, lines go on to the
// old file; while a slow postrotate runs, to the new one. Write never
// waits for a script, and no line is lost, duplicated or reordered.
func TestScriptsLinesFlow(t *testing.T) {
	dir := t.TempDir()
	ctl := t.TempDir()
	path := filepath.Join(dir, "h.log")
	w := mustNew(t, path, Options{Keep: 3, FlushInterval: 5 * time.Millisecond, Scripts: Scripts{
		PreRotate: waitScript(ctl, "pre"), PostRotate: waitScript(ctl, "post"), Timeout: time.Minute}})
	defer w.Close()
	a, b, c := numberedLines(0, 1000), numberedLines(1000, 2000), numberedLines(2000, 3000)
	writeAll(t, w, a)
	res := make(chan error, 1)
	go func() { res <- w.Rotate() }()
	for _, ph := range []struct {
		script string
		lines  []byte
		file   func([]byte) bool // what the log file holds once the lines are written
	}{
		{"pre", b, func(got []byte) bool { return bytes.HasSuffix(got, b) }}, // the old file
		{"post", c, func(got []byte) bool { return bytes.Equal(got, c) }},    // the new file
	} {
		waitFile(t, ph.script+"rotate runs", filepath.Join(ctl, ph.script+".started"))
		writeAll(t, w, ph.lines)
		testkit.Eventually(t, "lines reach the file during "+ph.script+"rotate", func() bool {
			got, _ := os.ReadFile(path)
			return ph.file(got)
		})
		os.WriteFile(filepath.Join(ctl, ph.script+".go"), nil, 0o644)
	}
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, path+".1", string(a)+string(b))
	wantContent(t, path, string(c))
	if st := w.Stats(); st.Scripts != 2 || st.ScriptErrors != 0 || st.Rotations != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestScriptsSizeRotation: a size rotation with a slow prerotate runs on
// the worker; the file grows past MaxSize meanwhile (nothing waits), then
// is rotated between two lines, once.
func TestScriptsSizeRotation(t *testing.T) {
	dir := t.TempDir()
	ctl := t.TempDir()
	path := filepath.Join(dir, "h.log")
	trace := filepath.Join(ctl, "trace")
	w := mustNew(t, path, Options{MaxSize: 10 << 10, Keep: 5, FlushInterval: 5 * time.Millisecond, Scripts: Scripts{
		PreRotate:  waitScript(ctl, "pre"),
		PostRotate: fmt.Sprintf("echo \"$1 $2\" >> %s\n", trace), Timeout: time.Minute}})
	defer w.Close()
	all := numberedLines(0, 600) // 600 lines of 73 bytes: 43 KiB
	writeAll(t, w, all[:20<<10/73*73])
	waitFile(t, "prerotate runs", filepath.Join(ctl, "pre.started"))
	writeAll(t, w, all[20<<10/73*73:])
	testkit.Eventually(t, "the file grows past MaxSize while prerotate runs", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() == int64(len(all))
	})
	os.WriteFile(filepath.Join(ctl, "pre.go"), nil, 0o644)
	testkit.Eventually(t, "postrotate ran", func() bool { b, _ := os.ReadFile(trace); return len(b) > 0 })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := string(readOr(trace)), path+" "+path+".1\n"; got != want {
		t.Errorf("postrotate got %q, want %q", got, want)
	}
	wantContent(t, path+".1", string(all))
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("new file: %v %v", fi, err)
	}
}

// TestScriptTimeout: a prerotate still running at Scripts.Timeout is
// ended, with what it started (its process group); the rotation does not
// happen and Rotate returns the *ScriptError.
func TestScriptTimeout(t *testing.T) {
	dir := t.TempDir()
	ctl := t.TempDir()
	path := filepath.Join(dir, "h.log")
	pidFile := filepath.Join(ctl, "pid")
	w := mustNew(t, path, Options{Keep: 3, Scripts: Scripts{
		PreRotate: "sleep 60 &\necho $! > " + pidFile + "\nwait\n", Timeout: 300 * time.Millisecond}})
	defer w.Close()
	writeAll(t, w, numberedLines(0, 10))
	err := w.Rotate()
	var se *ScriptError
	if !errors.As(err, &se) || se.Script != "prerotate" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Rotate: %v, want a prerotate *ScriptError after the deadline", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(readOr(pidFile))))
	if pid <= 0 {
		t.Fatalf("no pid from the script: %q", readOr(pidFile))
	}
	testkit.Eventually(t, "the script's child is ended", func() bool {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		return len(f) > 0 && f[0] == "Z" // a zombie nobody reaps here
	})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(testfs.Names(t, dir), " "); names != "h.log" {
		t.Errorf("files %q, want h.log alone", names)
	}
	wantContent(t, path, string(numberedLines(0, 10)))
}

// TestPrerotateFailsKeepsNames: the backups renamed one up before a
// prerotate that then fails get their names back (logrotate leaves them
// renamed, a gap at NAME.1); nothing is rotated, lastaction still runs,
// and the failure is logged in logrotate's words.
func TestPrerotateFailsKeepsNames(t *testing.T) {
	dir := t.TempDir()
	ctl := t.TempDir()
	path := filepath.Join(dir, "h.log")
	trace := filepath.Join(ctl, "trace")
	var log testfs.LockedBuffer
	o := Options{Keep: 5, Logger: slog.New(slog.NewTextHandler(&log, nil)), Scripts: Scripts{
		PreRotate:  fmt.Sprintf("ls %s > %s; [ ! -e %s/fail ]\n", dir, trace, ctl),
		LastAction: fmt.Sprintf("echo last \"$1\" >> %s\n", trace),
	}}
	w := mustNew(t, path, o)
	defer w.Close()
	for i := range 3 {
		writeAll(t, w, numberedLines(i, i+1))
		if err := w.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	writeAll(t, w, numberedLines(3, 4))
	os.WriteFile(filepath.Join(ctl, "fail"), nil, 0o644)
	err := w.Rotate()
	var se *ScriptError
	if !errors.As(err, &se) || se.Script != "prerotate" {
		t.Fatalf("Rotate: %v, want the prerotate's *ScriptError", err)
	}
	if got, want := string(readOr(trace)), "h.log\nh.log.2\nh.log.3\nh.log.4\nlast "+path+"\n"; got != want {
		t.Errorf("trace %q, want %q (prerotate saw the backups renamed up)", got, want)
	}
	if got := strings.Join(testfs.Names(t, dir), " "); got != "h.log h.log.1 h.log.2 h.log.3" {
		t.Errorf("files %q, want the names before the rotation", got)
	}
	for i := 1; i <= 3; i++ {
		wantContent(t, fmt.Sprintf("%s.%d", path, i), string(numberedLines(3-i, 4-i)))
	}
	wantContent(t, path, string(numberedLines(3, 4)))
	if want := fmt.Sprintf("error running non-shared prerotate script for %s of '%s'", path, path); !strings.Contains(log.String(), want) {
		t.Errorf("log has no %q:\n%s", want, log.String())
	}
}

// TestPreremoveFailsKeepsFile: a backup whose preremove script fails is not
// removed (as logrotate), and is not overwritten by the next rotation
// either (logrotate's rename up replaces it).
func TestPreremoveFailsKeepsFile(t *testing.T) {
	for _, sc := range []Scripts{
		{PreRemove: "exit 2"},                     // the rotation runs inline
		{PreRemove: "exit 2", PostRotate: "true"}, // a sequence on the worker
	} {
		t.Run(fmt.Sprint(sc.PostRotate != ""), func(t *testing.T) { preremoveFails(t, sc) })
	}
}

func preremoveFails(t *testing.T, sc Scripts) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.log")
	var log testfs.LockedBuffer
	w := mustNew(t, path, Options{Keep: 1, Logger: slog.New(slog.NewTextHandler(&log, nil)), retryDelay: time.Hour, Scripts: sc})
	for i := range 3 {
		writeAll(t, w, numberedLines(i, i+1))
		if err := w.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(testfs.Names(t, dir), " "); got != "h.log h.log.1 h.log.2 h.log.3" {
		t.Errorf("files %q", got)
	}
	for i := 1; i <= 3; i++ {
		wantContent(t, fmt.Sprintf("%s.%d", path, i), string(numberedLines(3-i, 4-i)))
	}
	if want := fmt.Sprintf("error running preremove script for %s.2 of '%s'. Not removing this file.", path, path); !strings.Contains(log.String(), want) {
		t.Errorf("log has no %q:\n%s", want, log.String())
	}
}

// TestCloseEndsScript: Close waits for a hung postrotate at most CloseWait,
// then ends it; the Rotate waiting for it returns.
func TestCloseEndsScript(t *testing.T) {
	dir := t.TempDir()
	ctl := t.TempDir()
	path := filepath.Join(dir, "h.log")
	w := mustNew(t, path, Options{Keep: 3, CloseWait: 200 * time.Millisecond, Scripts: Scripts{
		PostRotate: "touch " + ctl + "/started; sleep 60", Timeout: -1}})
	writeAll(t, w, numberedLines(0, 10))
	res := make(chan error, 1)
	go func() { res <- w.Rotate() }()
	waitFile(t, "postrotate runs", filepath.Join(ctl, "started"))
	writeAll(t, w, numberedLines(10, 20))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil { // rotated; the postrotate's failure is logged
		t.Fatal(err)
	}
	if st := w.Stats(); st.ScriptErrors != 1 {
		t.Errorf("stats %+v, want the ended script counted as failed", st)
	}
	wantContent(t, path+".1", string(numberedLines(0, 10)))
	wantContent(t, path, string(numberedLines(10, 20)))
}

// TestScriptsNotIfEmpty: with notifempty, an empty file is not rotated and
// none of its scripts runs (logrotate does not run them either).
func TestScriptsNotIfEmpty(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(t.TempDir(), "trace")
	sc := Scripts{}
	for _, s := range []*string{&sc.FirstAction, &sc.PreRotate, &sc.PostRotate, &sc.LastAction} {
		*s = "echo ran >> " + trace
	}
	w := mustNew(t, filepath.Join(dir, "h.log"), Options{Keep: 2, NotIfEmpty: true, Scripts: sc})
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b := readOr(trace); len(b) != 0 {
		t.Errorf("scripts ran for an empty file: %q", b)
	}
	if st := w.Stats(); st.Rotations != 0 || st.Scripts != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestScriptsTimeRotation: a rotation at a period boundary runs its
// scripts (on the worker), with the date name as postrotate's $2.
func TestScriptsTimeRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.log")
	trace := filepath.Join(t.TempDir(), "trace")
	clk := &fakeClock{t: time.Date(2026, 11, 21, 23, 59, 0, 0, time.UTC)}
	w := mustNew(t, path, Options{Every: Daily, DateExt: true, FlushInterval: 2 * time.Millisecond, Now: clk.Now, Location: time.UTC,
		Scripts: Scripts{PreRotate: "echo pre \"$1\" >> " + trace, PostRotate: "echo post \"$1\" \"$2\" >> " + trace}})
	writeAll(t, w, []byte("before midnight\n"))
	testkit.Eventually(t, "first flush", func() bool { b, _ := os.ReadFile(path); return len(b) > 0 })
	clk.Set(time.Date(2026, 11, 22, 0, 0, 0, 1, time.UTC))
	testkit.Eventually(t, "midnight rotation and its scripts", func() bool { return w.Stats().Scripts == 2 })
	writeAll(t, w, []byte("after midnight\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := string(readOr(trace)), "pre "+path+"\npost "+path+" "+path+"-20261121\n"; got != want {
		t.Errorf("trace %q, want %q", got, want)
	}
	wantContent(t, path+"-20261121", "before midnight\n")
	wantContent(t, path, "after midnight\n")
}

// TestPreremoveFailsAfterCompress: a preremove script that fails for a
// compressed backup's source keeps the source beside the compressed file;
// the compression is counted as done, the script as failed, and nothing as
// a background (compression) error.
func TestPreremoveFailsAfterCompress(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.log")
	var log testfs.LockedBuffer
	w := mustNew(t, path, Options{Keep: 5, Compress: Gzip, Logger: slog.New(slog.NewTextHandler(&log, nil)), retryDelay: time.Hour,
		Scripts: Scripts{PreRemove: "exit 2"}})
	writeAll(t, w, numberedLines(0, 3))
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(testfs.Names(t, dir), " "); got != "h.log h.log.1 h.log.1.gz" {
		t.Errorf("files %q", got)
	}
	wantContent(t, path+".1", string(numberedLines(0, 3)))
	if got := testfs.ReadFile(t, path+".1.gz"); !bytes.Equal(got, numberedLines(0, 3)) {
		t.Errorf("h.log.1.gz holds %q", got)
	}
	st := w.Stats()
	if st.Compressed != 1 || st.BackgroundErrors != 0 || st.ScriptErrors == 0 {
		t.Errorf("compressed %d, background errors %d, script errors %d; want 1, 0, >0\n%s", st.Compressed, st.BackgroundErrors, st.ScriptErrors, log.String())
	}
	if strings.Contains(log.String(), "background compress failed") {
		t.Errorf("the preremove failure is logged as a compression failure:\n%s", log.String())
	}
}
