package syslogd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestFileCreatedOnFirstWrite: as with rsyslog's omfile, a file is created
// when the first line goes to it, not when the configuration names it, and
// a reload does not create it either.
func TestFileCreatedOnFirstWrite(t *testing.T) {
	dir := t.TempDir()
	conf := "$template M,\"%msg%\\n\"\nlocal0.* OUTDIR/a.log;M\nlocal7.* OUTDIR/sub/b.log;M\n"
	s, stop := testServer(t, conf, dir, Options{})
	defer stop()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "sub", "b.log")
	exists := func(p string) bool {
		_, err := os.Stat(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	if exists(a) || exists(b) {
		t.Fatal("files exist before any message")
	}
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<134>h t: zero")})
	waitReceived(t, s, 1)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if !exists(a) || exists(b) {
		t.Fatalf("after a local0 message: a.log exists %v (want true), sub/b.log exists %v (want false)", exists(a), exists(b))
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if exists(b) {
		t.Fatal("reload created sub/b.log")
	}
	sendUDP(t, udp[0], [][]byte{[]byte("<190>h t: seven")})
	waitReceived(t, s, 2)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(b); err != nil || string(got) != " seven\n" {
		t.Fatalf("sub/b.log = %q, %v; want \" seven\\n\"", got, err)
	}
}

// TestFileCreateMode: a file is created with $FileCreateMode (less
// $Umask) and $FileOwner/$FileGroup, unless the logrotate file gives a
// `create` mode, which wins.
func TestFileCreateMode(t *testing.T) {
	dir := t.TempDir()
	rot := filepath.Join(dir, "logrotate.conf")
	if err := os.WriteFile(rot, []byte(dir+"/c.log {\n  create 0600\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	conf := "$template M,\"%msg%\\n\"\n*.* OUTDIR/a.log;M\n$FileCreateMode 0666\n$Umask 0002\n" +
		"$FileOwner " + uid + "\n$FileGroup " + gid + "\n*.* OUTDIR/b.log;M\n*.* OUTDIR/c.log;M\n"
	s, stop := testServer(t, conf, dir, Options{RotateConfig: rot})
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: x")})
	waitReceived(t, s, 1)
	stop()
	for name, want := range map[string]os.FileMode{"a.log": 0o644, "b.log": 0o664, "c.log": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", name, got, want)
		}
	}
}
