package rotate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haplog/haplog/internal/diag"
)

// Sentinel errors carried by *ConfigError.
var (
	ErrSyntax           = errors.New("syntax error")
	ErrUnknownDirective = errors.New("unknown directive")
	ErrUnsupported      = errors.New("not supported")
	ErrUnknownID        = errors.New("no such user or group")
)

// ConfigError is a logrotate configuration error with its position: the
// one diagnostics type of every config reader (internal/diag), printed
// "FILE:LINE: error: DIRECTIVE: MESSAGE" (Directive "" for syntax errors
// outside a directive); Err is the cause, one of the sentinels above.
type ConfigError = diag.Diag

// configErr returns the error err at file:line in directive.
func configErr(file string, line int, directive string, err error) *ConfigError {
	return diag.Pos{File: file, Line: line}.Wrap(directive, err)
}

// Warning is something in a configuration that is accepted but behaves
// differently than under logrotate (a script that is not run, a directive
// that has no effect in-process): an internal/diag diagnostic of severity
// warning, printed "FILE:LINE: warning: MESSAGE".
type Warning = diag.Diag

// Rule is one logrotate block: the patterns before `{` and the options that
// result from the global directives before it and the directives inside it.
type Rule struct {
	Patterns []string
	Options  Options
	File     string            // configuration file of the block
	Line     int               // line of the block's `{`
	Scripts  map[string]string // "postrotate" etc. → script text, as written (Options.Scripts has those that are run)
}

// Config is a parsed logrotate configuration.
type Config struct {
	Rules    []Rule
	Warnings []*Warning
}

// LoadConfig reads a logrotate configuration file (and what it includes).
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rotate: load config: %w", err)
	}
	defer f.Close()
	return ParseConfig(f, path)
}

// ParseConfig parses logrotate syntax read from r; name is used in errors.
// `include` directives are read from the file system (relative paths are
// relative to the directory of name).
func ParseConfig(r io.Reader, name string) (*Config, error) {
	p := &parser{cfg: &Config{}, global: newRuleState(), seen: map[string]bool{}}
	if err := p.parse(r, name, 0); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// OptionsFor returns the options of the first rule with a pattern matching
// path (shell glob syntax, as logrotate), and whether one matched.
func (c *Config) OptionsFor(path string) (Options, bool) {
	if r, ok := c.RuleFor(path); ok {
		return r.Options, true
	}
	return Options{}, false
}

// RuleFor returns the first rule with a pattern matching path.
func (c *Config) RuleFor(path string) (Rule, bool) {
	clean := filepath.Clean(path)
	abs, _ := filepath.Abs(path)
	for _, r := range c.Rules {
		for _, pat := range r.Patterns {
			for _, cand := range [...]string{clean, abs} {
				if ok, _ := filepath.Match(filepath.Clean(pat), cand); ok {
					return r, true
				}
			}
		}
	}
	return Rule{}, false
}

type parser struct {
	cfg    *Config
	global *ruleState
	seen   map[string]bool // included files, against include loops
}

// line is one logical configuration line.
type line struct {
	file string
	num  int
	text string
}

func (p *parser) parse(r io.Reader, name string, depth int) error {
	if depth > 8 {
		return configErr(name, 0, "", fmt.Errorf("%w: includes nested too deep", ErrSyntax))
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var (
		block    *ruleState // inside { }
		patterns []string   // collected before {
		patLine  int
		patText  strings.Builder // the patterns' text as written (logrotate's $1 for shared scripts)
		script   string          // inside a script: its keyword
		body     strings.Builder
		num      int
	)
	for sc.Scan() {
		num++
		text := strings.TrimSpace(sc.Text())
		ln := line{name, num, text}
		if script != "" {
			if text == "endscript" {
				block.scripts[script] = body.String()
				if IsReopenOnly(body.String()) {
					block.warn(ln, script+" script is not run: it only tells a logging daemon to reopen its files, which the writer does by itself")
				}
				script = ""
				body.Reset()
			} else {
				body.WriteString(sc.Text() + "\n")
			}
			continue
		}
		if text == "" || text[0] == '#' {
			continue
		}
		if block != nil {
			if text == "}" {
				rule, err := block.finish(patterns, patText.String(), name, patLine)
				if err != nil {
					return err
				}
				p.cfg.Rules = append(p.cfg.Rules, rule)
				p.cfg.Warnings = append(p.cfg.Warnings, block.warnings...)
				block, patterns = nil, nil
				patText.Reset()
				continue
			}
			toks, err := tokenize(ln)
			if err != nil {
				return err
			}
			if isScript(toks[0]) {
				if len(toks) > 1 {
					return ln.errf(toks[0], "%w: script keyword must be alone on its line", ErrSyntax)
				}
				script = toks[0]
				continue
			}
			if err := block.apply(ln, toks); err != nil {
				return err
			}
			continue
		}
		toks, err := tokenize(ln)
		if err != nil {
			return err
		}
		if len(patterns) == 0 && isDirective(toks[0]) {
			if toks[0] == "include" {
				if err := p.include(ln, toks, depth); err != nil {
					return err
				}
				continue
			}
			if isScript(toks[0]) {
				return ln.errf(toks[0], "%w: scripts are only allowed inside a { } block", ErrSyntax)
			}
			if err := p.global.apply(ln, toks); err != nil {
				return err
			}
			p.cfg.Warnings = append(p.cfg.Warnings, p.global.warnings...)
			p.global.warnings = nil
			continue
		}
		// patterns, possibly ending with (or followed by a line holding) "{"
		raw := strings.TrimLeft(sc.Text(), " \t")
		if i := strings.IndexByte(raw, '{'); i >= 0 {
			patText.WriteString(raw[:i])
		} else {
			patText.WriteString(raw + "\n")
		}
		for i, t := range toks {
			if t == "{" {
				if i != len(toks)-1 {
					return ln.errf("", "%w: unexpected %q after {", ErrSyntax, toks[i+1])
				}
				if len(patterns) == 0 {
					return ln.errf("", "%w: { without a log file pattern", ErrSyntax)
				}
				block, patLine = p.global.clone(), num
				break
			}
			if t == "}" {
				return ln.errf("", "%w: } without {", ErrSyntax)
			}
			patterns = append(patterns, t)
		}
	}
	if err := sc.Err(); err != nil {
		return configErr(name, num+1, "", fmt.Errorf("read: %w", err))
	}
	switch {
	case script != "":
		return configErr(name, num, script, fmt.Errorf("%w: missing endscript", ErrSyntax))
	case block != nil:
		return configErr(name, patLine, "", fmt.Errorf("%w: missing }", ErrSyntax))
	case len(patterns) > 0:
		return configErr(name, num, "", fmt.Errorf("%w: log file pattern %q without { }", ErrSyntax, patterns[0]))
	}
	return nil
}

// tabooExt are the file endings an included directory skips (logrotate's defaults).
var tabooExt = [...]string{",v", ".cfsaved", ".disabled", ".dpkg-bak", ".dpkg-del", ".dpkg-dist", ".dpkg-new", ".dpkg-old", ".dpkg-tmp", ".rhn-cfg-tmp-*", ".rpmnew", ".rpmorig", ".rpmsave", ".swp", ".ucf-dist", ".ucf-new", ".ucf-old", "~"}

// include reads a file, or the files of a directory in name order.
func (p *parser) include(ln line, toks []string, depth int) error {
	if len(toks) != 2 {
		return ln.errf("include", "%w: want one file or directory", ErrSyntax)
	}
	path := toks[1]
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(ln.file), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return ln.errf("include", "%w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return ln.errf("include", "%w", err)
		}
		files = files[:0]
		for _, e := range ents {
			if e.Type().IsRegular() && !slices.ContainsFunc(tabooExt[:], func(x string) bool { ok, _ := filepath.Match("*"+x, e.Name()); return ok }) {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	for _, f := range files {
		if p.seen[f] {
			return ln.errf("include", "%w: %s included twice", ErrSyntax, f)
		}
		p.seen[f] = true
		r, err := os.Open(f)
		if err != nil {
			return ln.errf("include", "%w", err)
		}
		err = p.parse(r, f, depth+1)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (l line) errf(directive, format string, args ...any) error {
	return configErr(l.file, l.num, directive, fmt.Errorf(format, args...))
}

// tokenize splits a line on blanks; "double" and 'single' quotes group.
func tokenize(ln line) ([]string, error) {
	var toks []string
	s := ln.text
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return toks, nil
		}
		if q := s[0]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil, ln.errf("", "%w: unterminated quote", ErrSyntax)
			}
			toks = append(toks, s[1:1+end])
			s = s[2+end:]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		tok := s[:end]
		// "pattern{" is accepted as "pattern {"
		if len(tok) > 1 && strings.HasSuffix(tok, "{") {
			toks = append(toks, tok[:len(tok)-1], "{")
		} else {
			toks = append(toks, tok)
		}
		s = s[end:]
	}
}
