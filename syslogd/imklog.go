package syslogd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Klog is the kind of the kernel log input (rsyslog's imklog); its Addr
// is the path read, /proc/kmsg unless logpath= or $KLogPath names another.
const Klog InputKind = "klog"

// DefaultKlogPath is what imklog reads on Linux: rsyslog 8.2302's imklog
// reads /proc/kmsg ("<pri>text" lines), not /dev/kmsg (that is imkmsg).
const DefaultKlogPath = "/proc/kmsg"

// kernPRI is the priority of a kernel log line without a valid "<pri>"
// (kern.info), as rsyslogd 8.2302 gives it.
const kernPRI = 6

// maxPRI is the largest valid priority (facility 23, severity 7).
const maxPRI = 191

// kernelTag is the tag of every kernel message.
var kernelTag = []byte("kernel:")

// openKlog opens the kernel log for reading. A FIFO (a test's fake kernel
// log) is opened read-write so that it never reads end of file when its
// writer goes; opened non-blocking, the read is in Go's poller and a Close
// ends it.
func openKlog(path string) (*os.File, error) {
	flag := os.O_RDONLY
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("imklog: open kernel log: %w", err)
	}
	return f, nil
}

// parseKernPRI splits a kernel log line into its priority and its text:
// a leading "<pri>" of digits whose value is at most 191 is the priority
// and is removed; otherwise the line has kern.info and is kept whole (as
// rsyslogd 8.2302 does: "<abc>x", "<>x" and "<999>x" are kept as text).
// A second "<pri>" after the first stays in the text.
func parseKernPRI(b []byte) (pri int, text []byte) {
	if len(b) < 3 || b[0] != '<' {
		return kernPRI, b
	}
	v, i := 0, 1
	for ; i < len(b) && i < 5 && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int(b[i]-'0')
	}
	if i == 1 || i >= len(b) || b[i] != '>' || v > maxPRI {
		return kernPRI, b
	}
	return v, b[i+1:]
}

// readKlog reads kernel log lines from f until ctx is done or f ends, and
// routes each as imklog makes it: facility and severity from its "<pri>"
// (lines of another facility than kern are dropped unless
// permitNonKernel), tag "kernel:", the local host as hostname and sender,
// the reception time as timestamp, the text neither parsed nor escaped.
func (s *Server) readKlog(ctx context.Context, f *os.File, permitNonKernel bool) {
	stop := context.AfterFunc(ctx, func() { _ = f.Close() })
	defer stop()
	w := s.newWorker(true)
	data := make([]byte, 0, 64<<10)
	buf := data
	chunk := make([]byte, 32<<10)
	for {
		n, err := f.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			w.routeKernel(buf[:i], permitNonKernel)
			buf = buf[i+1:]
		}
		if len(buf) > 0 && len(buf) >= w.p.maxSize {
			// A line longer than the maximum message size is cut.
			w.routeKernel(buf, permitNonKernel)
			buf = buf[:0]
		}
		buf = append(data[:0], buf...) // the partial line to the start
		if err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				w.routeKernel(buf, permitNonKernel)
			}
			if ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				s.stats.readErrors.Add(1)
				s.log.Error("imklog: error reading kernel log: input stopped", "path", f.Name(), "err", err)
			}
			return
		}
	}
}

// routeKernel routes one kernel log line (without its LF).
func (w *worker) routeKernel(line []byte, permitNonKernel bool) {
	pri, text := parseKernPRI(line)
	if pri>>3 != 0 && !permitNonKernel {
		return
	}
	w.begin()
	if len(text) > w.p.maxSize {
		text = text[:w.p.maxSize]
	}
	w.received++
	m := &w.m
	*m = Message{Raw: text, PRI: pri, Facility: pri >> 3, Severity: pri & 7, Received: w.now,
		Hostname: w.local.name, FromHost: w.local.name, FromIP: w.local.ip,
		Tag: kernelTag, ProcID: nilValue, MsgID: nilValue, SD: nilValue, Msg: text}
	m.Generated = w.p.generated(w.now)
	m.Reported = m.Generated
	w.p.rest = nil // no header to parse
	w.dispatch()
	w.end()
}

// klogParam sets one imklog parameter (key in lower case, without the
// "klog" of the legacy directive); field names it in errors. What imklog
// does beyond reading the log is unsupported: parsing kernel timestamps,
// setting the console log level, the facility of its own messages.
func (p *cfgParser) klogParam(key, v, field string, legacy bool, n int) error {
	if legacy {
		switch {
		case !p.c.klog.load:
			// As in rsyslogd: the directive exists once imklog is loaded.
			return p.errf(n, field, "unknown directive: imklog is not loaded")
		case p.c.klog.rainer:
			// rsyslogd 8.2302: "command 'KLogPath' is currently not
			// permitted - did you already set it via a RainerScript
			// command (v6+ config)?"
			return p.errf(n, field, "not permitted after module(load=\"imklog\"): set it as a module parameter")
		}
	}
	bin := func() (bool, error) {
		if legacy {
			return legacyOnOff(v)
		}
		return onOff(v)
	}
	switch key {
	case "logpath":
		if v == "" {
			return p.errf(n, field, "empty path")
		}
		p.c.klog.path = v
	case "permitnonkernelfacility":
		on, err := bin()
		if err != nil {
			return p.errf(n, field, "%w", err)
		}
		p.c.klog.permit = on
	case "parsekerneltimestamp", "keepkerneltimestamp":
		on, err := bin()
		if err != nil {
			return p.errf(n, field, "%w", err)
		}
		if on {
			return p.errf(n, field, "imklog kernel timestamps: %w", ErrUnsupported)
		}
	default:
		return p.errf(n, field, "imklog parameter %q: %w", field, ErrUnsupported)
	}
	return nil
}
