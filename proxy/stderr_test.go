package proxy

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
)

func TestStderrHandlerLayout(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(NewStderrHandler(&b, 77, slog.LevelWarn))
	l.Info("hidden")
	l.Warn("accept failed", "frontend", "fe", "err", errors.New("too many open files"))
	l.Error("boom")
	want := "[WARNING]  (77) : accept failed (frontend=fe, err=too many open files)\n" +
		"[ALERT]    (77) : boom\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
