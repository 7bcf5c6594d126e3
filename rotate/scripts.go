package rotate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"time"
)

// Scripts are the logrotate scripts of a log file that the Writer runs, at
// the points of a rotation where logrotate runs them, through /bin/sh -c
// with $0 "logrotate_script" (see the package documentation). A script
// that only tells a logging daemon to reopen its files (IsReopenOnly) is
// not put here by ParseConfig: the Writer reopens by itself.
type Scripts struct {
	FirstAction string // once before the rotation, $1 = Pattern
	PreRotate   string // before the rename, $1 = the log file (Pattern with Shared)
	PostRotate  string // after the rename and create, $1 = the log file, $2 = the backup (only $1 = Pattern with Shared)
	LastAction  string // once after the rotation, $1 = Pattern
	PreRemove   string // before a backup (or a compressed backup's source) is removed, $1 = that file

	// Shared is logrotate's sharedscripts: pre- and postrotate get the
	// Pattern as $1 and no $2, and their failure is reported as shared.
	Shared bool

	// Pattern is the text of the block's patterns as written before `{`
	// (logrotate passes it as is, quotes and trailing blank included).
	// "" means the log file's path.
	Pattern string

	// Timeout bounds each script run: a script still running then gets
	// SIGTERM, and SIGKILL 5 seconds later (its whole process group), and
	// counts as failed. 0 means DefaultScriptTimeout; negative: no limit.
	Timeout time.Duration
}

// DefaultScriptTimeout bounds a script run when Scripts.Timeout is 0.
// Logging does not wait for scripts (lines go on to the old file during
// prerotate and to the new one during postrotate); the bound only keeps a
// hung script from holding up rotation, compression and retention forever.
const DefaultScriptTimeout = 5 * time.Minute

// scriptKillDelay is how long a script that got SIGTERM has to exit before SIGKILL.
const scriptKillDelay = 5 * time.Second

// rotating reports whether a rotation runs scripts (and therefore runs as
// a sequence on the backup worker rather than inline).
func (s Scripts) rotating() bool {
	return s.FirstAction != "" || s.PreRotate != "" || s.PostRotate != "" || s.LastAction != ""
}

// ScriptError is a script that failed: it exited non-zero, was killed at
// its timeout, or could not be started.
type ScriptError struct {
	Script string // "prerotate", ...
	Args   []string
	Err    error
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("rotate: %s script %q: %v", e.Script, e.Args, e.Err)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// runScript runs text as logrotate does: /bin/sh -c TEXT logrotate_script
// ARGS..., with the process's environment, current directory, standard
// output and error, and standard input from /dev/null. ctx ends the script
// early (Close).
func runScript(ctx context.Context, name, text string, timeout time.Duration, args ...string) error {
	if timeout == 0 {
		timeout = DefaultScriptTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", text, "logrotate_script"}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd, false) }
	cmd.WaitDelay = scriptKillDelay
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // exited; a child kept an output open
	}
	if err != nil {
		if ctx.Err() != nil {
			_ = killGroup(cmd, true)
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return &ScriptError{Script: name, Args: args, Err: err}
	}
	return nil
}

// IsReopenOnly reports whether every command of a logrotate script only
// tells a logging daemon (rsyslog, syslogd, syslog-ng) to reopen its files
// or reload: Debian's /usr/lib/rsyslog/rsyslog-rotate, `invoke-rc.d rsyslog
// rotate`, `service rsyslog rotate`, `systemctl kill -s HUP
// rsyslog.service`, `systemctl reload rsyslog`, `kill -HUP $(cat
// /var/run/rsyslogd.pid)`, `killall -HUP rsyslogd` and their like, joined
// by `;`, `&&`, `||` or newlines, with file tests (`[ -x FILE ]`, `test -f
// FILE`), `if TEST; then ...; fi`, `true`, and output sent to /dev/null.
// Such a script is a no-op for a Writer, which reopens by itself.
// Anything not recognised (another daemon, a pipe, a variable, a
// redirection to a file, a command the list does not know) counts as real
// work: the script is run.
func IsReopenOnly(script string) bool {
	cmds, ok := shellCommands(script)
	if !ok {
		return false
	}
	n := 0
	for _, c := range cmds {
		if len(c) == 0 {
			continue
		}
		if !reopenCommand(c) {
			return false
		}
		n++
	}
	return n > 0
}

// loggers are the daemons whose reopen is a no-op for us, by program,
// service and pid file name.
var (
	loggerProg    = map[string]bool{"rsyslogd": true, "syslogd": true, "syslog-ng": true}
	loggerService = map[string]bool{"rsyslog": true, "rsyslog.service": true, "syslog": true, "syslog.service": true, "syslog-ng": true, "syslog-ng.service": true}
	loggerPidFile = regexp.MustCompile(`^/(var/)?run/(rsyslogd|syslogd|syslog-ng|rsyslog)\.pid$`)
	// $(cat PIDFILE) or `cat PIDFILE`, stderr optionally to /dev/null
	pidSubst = regexp.MustCompile("^(?:\\$\\(|`)\\s*cat\\s+(\\S+?)(?:\\s+2>\\s*/dev/null)?\\s*(?:\\)|`)$")
)

// reopenCommand reports whether one simple command (words, redirections
// removed) only reopens or reloads a logging daemon, or has no effect.
func reopenCommand(c []string) bool {
	prog := path.Base(c[0])
	args := c[1:]
	switch prog {
	case "true", ":":
		return len(args) == 0
	case "[", "test":
		return fileTest(prog, args)
	case "rsyslog-rotate":
		return c[0] == "/usr/lib/rsyslog/rsyslog-rotate" && len(args) == 0
	case "invoke-rc.d", "service":
		if len(args) > 0 && args[0] == "--quiet" && prog == "invoke-rc.d" {
			args = args[1:]
		}
		return len(args) == 2 && loggerService[args[0]] && (args[1] == "rotate" || args[1] == "reload")
	case "systemctl":
		return systemctlReopen(args)
	case "kill":
		if len(args) < 2 || !hupSignal(args, &args) || len(args) == 0 {
			return false
		}
		for _, a := range args {
			m := pidSubst.FindStringSubmatch(a)
			if m == nil || !loggerPidFile.MatchString(m[1]) {
				return false
			}
		}
		return true
	case "killall", "pkill":
		if len(args) < 2 || !hupSignal(args, &args) || len(args) == 0 {
			return false
		}
		for _, a := range args {
			if !loggerProg[a] {
				return false
			}
		}
		return true
	}
	return false
}

// hupSignal accepts -HUP, -SIGHUP, -1, -s HUP, --signal HUP (and =) at the
// start of args, and leaves the rest in *rest.
func hupSignal(args []string, rest *[]string) bool {
	hup := func(s string) bool { return s == "HUP" || s == "SIGHUP" || s == "1" }
	switch a := args[0]; {
	case (a == "-s" || a == "--signal") && len(args) > 2 && hup(args[1]):
		*rest = args[2:]
	case strings.HasPrefix(a, "--signal=") && hup(a[len("--signal="):]):
		*rest = args[1:]
	case len(a) > 1 && a[0] == '-' && hup(a[1:]):
		*rest = args[1:]
	default:
		return false
	}
	return true
}

// systemctlReopen: `systemctl [--quiet] kill -s HUP [--kill-who=main] UNIT`
// or `systemctl reload UNIT`, for logging daemons' units only.
func systemctlReopen(args []string) bool {
	var units []string
	verb := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--quiet" || a == "-q" || strings.HasPrefix(a, "--kill-who=") || strings.HasPrefix(a, "--kill-whom="):
		case verb == "" && (a == "kill" || a == "reload"):
			verb = a
		case verb == "kill" && (a == "-s" || a == "--signal") && i+1 < len(args):
			i++
			if args[i] != "HUP" && args[i] != "SIGHUP" {
				return false
			}
			verb = "kill-hup"
		case verb == "kill" && (a == "--signal=HUP" || a == "--signal=SIGHUP"):
			verb = "kill-hup"
		case strings.HasPrefix(a, "-"):
			return false
		default:
			if !loggerService[a] {
				return false
			}
			units = append(units, a)
		}
	}
	return len(units) > 0 && (verb == "reload" || verb == "kill-hup")
}

// fileTest accepts `[ [!] -OP FILE ]` and `test [!] -OP FILE` with a file
// test operator and a literal absolute path: no side effect.
func fileTest(prog string, args []string) bool {
	if prog == "[" {
		if len(args) == 0 || args[len(args)-1] != "]" {
			return false
		}
		args = args[:len(args)-1]
	}
	if len(args) > 0 && args[0] == "!" {
		args = args[1:]
	}
	if len(args) != 2 || len(args[0]) != 2 || args[0][0] != '-' || !strings.ContainsRune("edfrsxwL", rune(args[0][1])) {
		return false
	}
	return strings.HasPrefix(args[1], "/") && !strings.ContainsAny(args[1], "$`*?[")
}

// shellCommands splits a script into simple commands (lists of words) at
// newlines, `;`, `&&`, `||` and the keywords if/then/else/fi, dropping
// comments, line continuations and redirections to /dev/null (or 2>&1).
// It fails (ok false) on anything it does not model: pipes, background
// jobs, other redirections, quotes, variables outside a recognised
// $(cat FILE), subshells, loops, here-documents.
func shellCommands(script string) (cmds [][]string, ok bool) {
	s := strings.ReplaceAll(script, "\\\n", " ")
	var cur []string
	end := func() {
		cmds = append(cmds, cur)
		cur = nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '\n' || c == ';':
			end()
			i++
		case c == '#' && (i == 0 || strings.IndexByte(" \t\n;", s[i-1]) >= 0):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			end()
			i += 2
		case c == '>' || (strings.IndexByte("12&", c) >= 0 && i+1 < len(s) && s[i+1] == '>'):
			n, ok := devNullRedirect(s[i:])
			if !ok {
				return nil, false
			}
			i += n
		case c == '|' || c == '&' || c == '(' || c == ')' || c == '<' || c == '"' || c == '\'' || c == '{' || c == '}':
			return nil, false
		case c == '$' || c == '`':
			n := substEnd(s[i:])
			if n < 0 {
				return nil, false
			}
			w := s[i : i+n]
			if !pidSubst.MatchString(w) {
				return nil, false
			}
			cur = append(cur, w)
			i += n
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\n;&|<>()$`\"'#{}", s[j]) < 0 {
				j++
			}
			w := s[i:j]
			if len(cur) == 0 && (w == "if" || w == "then" || w == "else" || w == "fi") {
				end() // keywords around file tests: the branches are commands like the others
			} else {
				cur = append(cur, w)
			}
			i = j
		}
	}
	end()
	return cmds, true
}

var devNull = regexp.MustCompile(`^(?:[12&]?>>?\s*/dev/null|2>&1)`)

// devNullRedirect matches a redirection to /dev/null or 2>&1 at the start
// of s and returns its length.
func devNullRedirect(s string) (int, bool) {
	m := devNull.FindString(s)
	if m == "" {
		return 0, false
	}
	if len(m) < len(s) && strings.IndexByte(" \t\n;&|", s[len(m)]) < 0 {
		return 0, false // /dev/nullx
	}
	return len(m), true
}

// substEnd returns the length of a $(...) or `...` at the start of s
// (no nesting), or -1.
func substEnd(s string) int {
	switch {
	case strings.HasPrefix(s, "$("):
		if i := strings.IndexByte(s, ')'); i > 0 {
			return i + 1
		}
	case s[0] == '`':
		if i := strings.IndexByte(s[1:], '`'); i >= 0 {
			return i + 2
		}
	}
	return -1
}
