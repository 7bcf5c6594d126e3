package config

import (
	"fmt"
	"io"
	"os"

	"github.com/haplog/haplog/internal/diag"
)

// CheckOptions tune Check (the "-c" mode of the proxy command).
type CheckOptions struct {
	Options
	// Quiet silences both outputs (-q); only the exit status remains.
	Quiet bool
	// MasterWorker is set with -W/-Ws: a configuration without listeners
	// is then valid (the master keeps running).
	MasterWorker bool
	// PID is printed in the message prefix, as HAProxy does.
	PID int
}

// Check parses the files like "haproxy -c -f file...": it writes
// diagnostics to stderr in HAProxy's layout ("[WARNING]  (pid) : config :
// parsing [file:line] : message") and the verdict to stdout, and returns
// the exit status: 0 valid (warnings allowed), 1 errors (or warnings with
// zero-warning), 2 valid but nothing to listen on.
//
// Messages carry the process id, as HAProxy's do.
func Check(stdout, stderr io.Writer, files []string, quiet bool) int {
	return CheckOptions{Quiet: quiet, PID: os.Getpid()}.Check(stdout, stderr, files)
}

// Check is like the package-level Check with options.
func (o CheckOptions) Check(stdout, stderr io.Writer, files []string) int {
	if o.Quiet {
		stdout, stderr = io.Discard, io.Discard
	}
	p := newParser(o.Options)
	for _, f := range files {
		if p.parsePath(f); p.openFailed || p.stopped > 0 {
			break
		}
	}
	cfg, err := p.finish()
	for _, d := range p.all {
		diag.WriteHAProxy(stderr, o.PID, d)
	}
	if err != nil {
		if p.zeroWarnAbort || p.openFailed || p.stopped > 0 {
			return 1
		}
		diag.WriteHAProxy(stderr, o.PID, Alertf("", 0, "Fatal errors found in configuration."))
		return 1
	}
	if len(cfg.Warnings) > 0 && hasWarning(cfg.Warnings) {
		fmt.Fprintln(stdout, "Warnings were found.")
	}
	if !o.MasterWorker && !cfg.Global.MasterWorker && !cfg.HasListeners() {
		fmt.Fprintln(stdout, "Configuration file has no error but will not start (no listener) => exit(2).")
		return 2
	}
	fmt.Fprintln(stdout, "Configuration file is valid")
	return 0
}

func hasWarning(ds []*Diag) bool {
	for _, d := range ds {
		if d.Severity == diag.Warning {
			return true
		}
	}
	return false
}

// HasListeners reports whether the configuration binds anything: a bind
// line of an enabled frontend, or a stats socket.
func (c *Config) HasListeners() bool {
	if len(c.Global.StatsSockets) > 0 {
		return true
	}
	for _, px := range c.Frontends {
		if !px.Disabled && len(px.Binds) > 0 {
			return true
		}
	}
	return false
}
