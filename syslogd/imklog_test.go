package syslogd

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzKernPRI: the priority is valid and the text is the line or a suffix
// of it.
func FuzzKernPRI(f *testing.F) {
	for _, l := range kernLines {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pri, text := parseKernPRI(b)
		if pri < 0 || pri > maxPRI || !bytes.HasSuffix(b, text) {
			t.Fatalf("%q: pri %d text %q", b, pri, text)
		}
		if len(text) == len(b) && pri != kernPRI {
			t.Fatalf("%q: pri %d without a <pri>", b, pri)
		}
	})
}

// FuzzUtmp: any utmp content is read without a failure, with at most one
// entry per record.
func FuzzUtmp(f *testing.F) {
	f.Add(utmpRecord(utUserProcess, "root", "pts/0"))
	f.Add(append(utmpRecord(utUserProcess, "root", "pts/0"), utmpRecord(8, "x", "tty1")[:100]...))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "utmp")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		ents, err := readUtmp(path)
		if err != nil || len(ents) > len(b)/utmpSize {
			t.Fatalf("%d entries, err %v", len(ents), err)
		}
	})
}

// TestUsrMsgFrames: the frames of several actions come back in order,
// each with its users.
func TestUsrMsgFrames(t *testing.T) {
	tm, err := CompileTemplate("t", "%msg%\n")
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	b = appendUsrMsg(b, "*", tm, &Message{Msg: []byte("one")})
	b = appendUsrMsg(b, "a,b", tm, &Message{Msg: []byte("two")})
	dir := t.TempDir()
	// Terminals are plain files here: dev is the test directory.
	for _, n := range []string{"t1", "t2"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var utmp []byte
	utmp = append(utmp, utmpRecord(utUserProcess, "b", "t1")...)
	utmp = append(utmp, utmpRecord(utUserProcess, "c", "t2")...)
	utmp = append(utmp, utmpRecord(utUserProcess, "d", "../t2")...) // refused
	if err := os.WriteFile(filepath.Join(dir, "utmp"), utmp, 0o600); err != nil {
		t.Fatal(err)
	}
	u := &usrMsgSink{utmp: filepath.Join(dir, "utmp"), dev: dir}
	if n, err := u.Write(b); err != nil || n != len(b) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	t1, _ := os.ReadFile(filepath.Join(dir, "t1"))
	t2, _ := os.ReadFile(filepath.Join(dir, "t2"))
	if string(t1) != "one\ntwo\n" || string(t2) != "one\n" {
		t.Errorf("t1 %q, t2 %q", t1, t2)
	}
}

// TestKlogUnreadable: a kernel log that cannot be opened is logged and
// the other inputs run, as rsyslogd's imklog does.
func TestKlogUnreadable(t *testing.T) {
	dir := t.TempDir()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	s, stop := testServer(t, "module(load=\"imklog\" logpath=\""+dir+"/none\")\n*.* OUTDIR/x.log\n", dir, Options{Logger: log})
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: hello")})
	waitReceived(t, s, 1)
	stop()
	if !strings.Contains(logBuf.String(), "kernel log not read") {
		t.Errorf("log: %s", logBuf.String())
	}
}

// TestKlogUnreadableReload: a reload keeps running without the kernel
// log it cannot open.
func TestKlogUnreadableReload(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "r.conf")
	body := "module(load=\"imklog\" logpath=\"" + dir + "/none\")\n*.* " + dir + "/x.log\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{ConfigPath: conf, UDP: []string{"127.0.0.1:0"}, TCP: []string{}, Unix: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	stop := runServer(t, s)
	if err := s.Reload(); err != nil {
		t.Errorf("Reload: %v", err)
	}
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: hello")})
	waitReceived(t, s, 1)
	stop()
}
