package syslogd

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// closeSink records its path in closed when closed.
type closeSink struct {
	countSink
	path   string
	closed *[]string
	mu     *sync.Mutex
}

func (c *closeSink) Close() error {
	c.mu.Lock()
	*c.closed = append(*c.closed, c.path)
	c.mu.Unlock()
	return nil
}

// TestDynaFileCache: a dynaFile action keeps at most $DynaFileCacheSize
// files open, closing the least recently used one for a new name, and
// writes every message to the file its template names.
func TestDynaFileCache(t *testing.T) {
	cfg, err := ParseConfig("d.conf", []byte(`$template M,"%msg%\n"
$template D,"/x/%programname%.log"
$DynaFileCacheSize 2
*.* ?D;M
`))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var opened, closed []string
	sinks := map[string][]*closeSink{}
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{},
		LookupAddr: func(netip.Addr) string { return "localhost" },
		Now:        func() time.Time { return receptionTime }, Location: time.UTC,
		Open: func(p string) (Sink, error) {
			mu.Lock()
			defer mu.Unlock()
			opened = append(opened, p)
			c := &closeSink{path: p, closed: &closed, mu: &mu}
			sinks[p] = append(sinks[p], c)
			return c, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.closeListeners() })
	w := s.newWorker(false)
	from := netip.MustParseAddr("127.0.0.1")
	for _, prog := range []string{"a", "b", "a", "c", "a", "b"} {
		w.handleFrom([]byte("<13>Nov 10 10:00:00 h "+prog+": x"), from)
	}
	// a b a: two files; c evicts b (a was used last); a is open; b
	// evicts c.
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(opened) // files are opened by their flusher, in no set order
	if got, want := fmt.Sprint(opened), "[/x/a.log /x/b.log /x/b.log /x/c.log]"; got != want {
		t.Errorf("opened %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(closed), "[/x/b.log /x/c.log]"; got != want {
		t.Errorf("closed %s, want %s", got, want)
	}
	lines := map[string]int64{}
	for p, ss := range sinks {
		for _, c := range ss {
			lines[p] += c.lines.Load()
		}
	}
	if lines["/x/a.log"] != 3 || lines["/x/b.log"] != 2 || lines["/x/c.log"] != 1 {
		t.Errorf("lines %v, want a 3, b 2, c 1", lines)
	}
}

// TestDynaFileRefusedNames: in a batch, only the messages whose dynaFile
// name is not absolute are dropped (and counted so, the error naming the
// first such name); the others are written.
func TestDynaFileRefusedNames(t *testing.T) {
	cfg, err := ParseConfig("d.conf", []byte("$template M,\"%msg%\\n\"\n$template D,\"%msg:2:100%\"\n*.* ?D;M\n"))
	if err != nil {
		t.Fatal(err)
	}
	var written countSink
	var logged bytes.Buffer
	s, err := New(Options{Config: cfg, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{},
		Logger:     slog.New(slog.NewTextHandler(&logged, nil)),
		LookupAddr: func(netip.Addr) string { return "localhost" },
		Open:       func(string) (Sink, error) { return &written, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.closeListeners() })
	w := s.newWorker(false)
	h := w.sender(netip.MustParseAddr("127.0.0.1"))
	w.begin()
	for _, name := range []string{"/x/a.log", "rel.log", "/x/b.log"} {
		w.route([]byte("<13>Nov 10 10:00:00 h p: "+name), h)
	}
	w.end()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Dropped != 1 || st.Written != 2 {
		t.Errorf("dropped %d, written %d: want 1 (rel.log) and 2", st.Dropped, st.Written)
	}
	if n := written.lines.Load(); n != 2 {
		t.Errorf("%d lines in the files, want 2", n)
	}
	if !strings.Contains(logged.String(), `rel.log`) {
		t.Errorf("the error does not name the refused file name rel.log: %q", logged.String())
	}
}

// TestMakeDirsFor: $CreateDirs off creates nothing; otherwise each
// missing directory gets the mode less the umask and the owner.
func TestMakeDirsFor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "x.log")
	if err := makeDirsFor(path, FileAttrs{NoCreateDirs: true}, 0); err == nil {
		t.Fatal("$CreateDirs off: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Fatalf("$CreateDirs off created a directory: %v", err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	a := FileAttrs{DirMode: 0o775, DirOwner: fmt.Sprint(uid), DirGroup: fmt.Sprint(gid)}
	if err := makeDirsFor(path, a, 0o022); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "a/b"} {
		fi, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm() != 0o755 || int(st.Uid) != uid || int(st.Gid) != gid {
			t.Errorf("%s: %v %d %d, want 0755 %d %d", d, fi.Mode().Perm(), st.Uid, st.Gid, uid, gid)
		}
	}
	if err := makeDirsFor(filepath.Join(dir, "c", "x.log"), FileAttrs{DirOwner: "no-such-user-here"}, 0); err == nil ||
		!strings.Contains(err.Error(), "$DirOwner") {
		t.Fatalf("unknown $DirOwner: %v", err)
	}
}
