package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Options tune Parse. The zero value reads the process environment and the
// real file system.
type Options struct {
	// Env looks up environment variables; nil means os.LookupEnv.
	Env LookupFunc
	// ReadFile reads files referenced by the configuration (errorfile,
	// acl -f, crt, return file); nil means os.ReadFile. Relative paths are
	// used as written (relative to the working directory, as HAProxy does).
	ReadFile func(name string) ([]byte, error)
	// Hostname returns the system host name, used by a bare
	// log-send-hostname; nil means os.Hostname.
	Hostname func() (string, error)
	// ZeroWarning makes warnings fatal, like HAProxy's -dW.
	ZeroWarning bool
}

// Parse reads the configuration files (or directories: their *.cfg files in
// C-locale order) in order and returns the resolved configuration. On error
// it returns the diagnostics collected so far in a non-nil *Config (not fit
// to run) and an Errors value listing every problem with file:line.
func Parse(files ...string) (*Config, error) {
	return Options{}.Parse(files...)
}

// Parse is like the package-level Parse with the given options.
func (o Options) Parse(files ...string) (*Config, error) {
	p := newParser(o)
	for _, f := range files {
		if p.parsePath(f); p.openFailed || p.stopped > 0 {
			break // haproxy stops at the first file it cannot open
		}
	}
	return p.finish()
}

// ParseReader parses one configuration read from r; name is used in
// messages. env may be nil (no variable set); referenced files are read
// from the file system.
func ParseReader(name string, r io.Reader, env LookupFunc) (*Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	return Options{Env: env}.ParseReader(name, r)
}

// ParseReader is like the package-level ParseReader with options.
func (o Options) ParseReader(name string, r io.Reader) (*Config, error) {
	p := newParser(o)
	if err := p.parseStream(name, r); err != nil {
		p.alertf(0, "%v", err)
	}
	return p.finish()
}

func (p *parser) parsePath(path string) {
	st, err := os.Stat(path)
	if err != nil {
		p.fileAlert(path, err)
		return
	}
	if !st.IsDir() {
		p.parseFile(path)
		return
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		p.fileAlert(path, err)
		return
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cfg") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // byte order = C locale
	for _, n := range names {
		if p.parseFile(filepath.Join(path, n)); p.stopped > 0 {
			break
		}
	}
}

func (p *parser) fileAlert(path string, err error) {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	p.openFailed = true
	msg := fmt.Sprintf("Cannot open configuration file/directory %s : %s", path, errText(err))
	p.add(Alertf("", 0, "%s", msg), fmt.Errorf("%s: %w", path, err))
}

// errText capitalises the first letter of a syscall error text, as
// strerror does ("No such file or directory").
func errText(err error) string {
	s := err.Error()
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func (p *parser) parseFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		p.fileAlert(path, err)
		return
	}
	defer f.Close()
	if err := p.parseStream(path, f); err != nil {
		p.fileAlert(path, err)
	}
}

// parseStream reads lines from r and dispatches them.
func (p *parser) parseStream(name string, r io.Reader) error {
	p.cfg.Files = append(p.cfg.Files, name)
	p.file, p.line = name, 0
	p.section = ""
	p.cur = nil
	p.conds = p.conds[:0]
	p.fileStopped = false
	errsBefore := p.nerr
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		raw, err := br.ReadString('\n')
		if raw != "" {
			p.line++
			if p.handleLine(strings.TrimRight(raw, "\n")); p.stopped > 0 || p.fileStopped {
				break
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	p.closeProxy()
	if len(p.conds) > 0 && p.stopped < stopNow {
		p.alertf(p.line, "non-terminated '.if' block.")
		p.tighten()
		p.stop(stopNow)
	}
	if p.nerr > errsBefore {
		p.add(Alertf("", 0, "Error(s) found in configuration file : %s", name), nil)
	}
	return nil
}

func (p *parser) env(name string) (string, bool) {
	switch name {
	case ".FILE":
		return p.file, true
	case ".LINE":
		return strconv.Itoa(p.line), true
	case ".SECTION":
		return p.section, true
	}
	if p.opts.Env != nil {
		return p.opts.Env(name)
	}
	return os.LookupEnv(name)
}

func (p *parser) handleLine(line string) {
	words, err := Tokenize(line, p.env)
	if err != nil {
		var te *TokenError
		if errors.As(err, &te) {
			p.alertf(p.line, "%s at position %d:\n  %s\n  %s^", te.Msg, te.Pos+1, strings.TrimLeft(line, " \t"),
				strings.Repeat(" ", max(0, te.Pos-(len(line)-len(strings.TrimLeft(line, " \t"))))))
			p.tighten()
		} else {
			p.alertf(p.line, "%v", err)
		}
		return
	}
	if len(words) == 0 {
		return
	}
	if strings.HasPrefix(words[0], ".") {
		p.directive(words)
		return
	}
	if !p.active() {
		return
	}
	if p.startSection(words) {
		return
	}
	switch p.section {
	case "":
		p.alertf(p.line, "unknown keyword '%s' out of section.", words[0])
	case "global":
		p.globalLine(words)
	case "defaults", "frontend", "backend", "listen":
		p.proxyLine(words)
	default:
		// Body of a section this implementation skips (warned once).
	}
}

// skippedSections are parsed and skipped with a warning.
var skippedSections = map[string]bool{
	"userlist": true, "peers": true, "resolvers": true, "mailers": true,
	"http-errors": true, "ring": true, "cache": true,
}

func (p *parser) startSection(w []string) bool {
	kw := w[0]
	switch kw {
	case "global":
		p.closeProxy()
		p.section = kw
		if len(w) > 1 {
			p.alertf(p.line, "'global' cannot have arguments")
		}
		if p.cfg.Global.File == "" {
			p.cfg.Global.File, p.cfg.Global.Line = p.file, p.line
		}
		return true
	case "defaults", "frontend", "backend", "listen":
		p.closeProxy()
		p.section = kw
		p.openProxy(w)
		return true
	}
	if kw == "program" || kw == "log-forward" {
		p.closeProxy()
		p.section = kw
		p.alertErr(p.line, ErrUnsupported, "section '%s' is not supported by this implementation (it would run a %s).", kw,
			map[string]string{"program": "program under the master", "log-forward": "syslog listener"}[kw])
		return true
	}
	if skippedSections[kw] {
		p.closeProxy()
		p.section = kw
		p.warnf(p.line, "section '%s' is not supported: its content is ignored.", kw)
		return true
	}
	return false
}

func (p *parser) finish() (*Config, error) {
	if p.stopped == 0 {
		p.finishTune()
	}
	if p.nerr == 0 {
		p.resolve()
	}
	if p.nerr == 0 && (p.cfg.Global.ZeroWarning || p.opts.ZeroWarning) && hasWarning(p.cfg.Warnings) {
		p.zeroWarnAbort = true
		p.add(Alertf("", 0, "Some warnings were found and 'zero-warning' is set. Aborting."), ErrWarnings)
	}
	if p.nerr > 0 {
		return p.cfg, p.errs
	}
	return p.cfg, nil
}

// readFile reads a file referenced by the configuration.
func (p *parser) readFile(name string) ([]byte, error) {
	if p.opts.ReadFile != nil {
		return p.opts.ReadFile(name)
	}
	return os.ReadFile(name)
}

// readLines reads a pattern file: one entry per line, leading blanks
// stripped, empty lines and lines starting with '#' ignored.
func (p *parser) readLines(name string) ([]string, error) {
	b, err := p.readFile(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		l = bytes.TrimRight(bytes.TrimLeft(l, " \t"), "\r")
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		out = append(out, string(l))
	}
	return out, nil
}
