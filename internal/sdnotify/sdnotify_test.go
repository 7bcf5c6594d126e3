package sdnotify

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplog/haplog/internal/sdnotify/sdtest"
)

func TestSendCredentials(t *testing.T) {
	l := sdtest.Listen(t, filepath.Join(t.TempDir(), "notify"))
	for _, msg := range []string{Reloading, Ready(os.Getpid()), Stopping} {
		if err := Send(l.Path, msg); err != nil {
			t.Fatal(err)
		}
		got := l.Next(t)
		if got.State != msg {
			t.Errorf("got %q, want %q", got.State, msg)
		}
		if got.PID != os.Getpid() {
			t.Errorf("sender pid %d, want %d", got.PID, os.Getpid())
		}
	}
}

func TestAbstract(t *testing.T) {
	l := sdtest.Listen(t, "@haplog-sdnotify-test-"+filepath.Base(t.TempDir()))
	t.Setenv(Env, l.Path)
	if err := Notify(Stopping); err != nil {
		t.Fatal(err)
	}
	if got := l.Next(t); got.State != Stopping {
		t.Errorf("got %q", got.State)
	}
}

func TestErrors(t *testing.T) {
	t.Setenv(Env, "")
	if err := Notify(Stopping); !errors.Is(err, ErrNoSocket) {
		t.Errorf("unset: %v", err)
	}
	if err := Send("relative", Stopping); err == nil {
		t.Error("relative path accepted")
	}
	if err := Send(filepath.Join(t.TempDir(), "absent"), Stopping); err == nil {
		t.Error("absent socket accepted")
	}
}

func TestReady(t *testing.T) {
	// The datagram haproxy 2.6.12 -Ws sent, recorded with a listener on
	// NOTIFY_SOCKET (master pid 20603).
	if got := Ready(20603); got != "READY=1\nMAINPID=20603" {
		t.Errorf("got %q", got)
	}
}
