package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// StderrHandler is a slog.Handler printing records in HAProxy's stderr
// layout, "[WARNING]  (pid) : message", so that nothing else than
// HAProxy's format reaches stderr: Error is [ALERT], Warn [WARNING],
// Info [NOTICE], Debug [DEBUG]; attributes follow the message as
// "(key=value, ...)".
type StderrHandler struct {
	mu    *sync.Mutex
	w     io.Writer
	pid   int
	level slog.Level
	attrs []slog.Attr
}

// NewStderrHandler returns a handler writing to w records at level and
// above.
func NewStderrHandler(w io.Writer, pid int, level slog.Level) *StderrHandler {
	return &StderrHandler{mu: &sync.Mutex{}, w: w, pid: pid, level: level}
}

// Enabled implements slog.Handler.
func (h *StderrHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

// Handle implements slog.Handler.
func (h *StderrHandler) Handle(_ context.Context, r slog.Record) error {
	word := "[NOTICE]"
	switch {
	case r.Level >= slog.LevelError:
		word = "[ALERT]"
	case r.Level >= slog.LevelWarn:
		word = "[WARNING]"
	case r.Level < slog.LevelInfo:
		word = "[DEBUG]"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s (%d) : %s", word, h.pid, r.Message)
	var parts []string
	for _, a := range h.attrs {
		parts = append(parts, a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		parts = append(parts, a.String())
		return true
	})
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// WithAttrs implements slog.Handler.
func (h *StderrHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

// WithGroup implements slog.Handler (groups are flattened).
func (h *StderrHandler) WithGroup(string) slog.Handler { return h }
