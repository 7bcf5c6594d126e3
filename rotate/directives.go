package rotate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/internal/diag"
)

// criterion is what triggers rotation in logrotate: the last of `size` and
// the time directives wins.
type criterion int

const (
	critDefault criterion = iota // logrotate's compiled default: size 1M
	critSize
	critTime
)

// ruleState accumulates directives for the global section or one block.
type ruleState struct {
	o        Options
	crit     criterion
	period   Period
	size     int64 // `size`
	maxsize  int64 // `maxsize`
	compress bool
	codec    Codec // from compresscmd; Unset = gzip
	ext      string
	ext1     line // where compressext was set
	keepSet  bool
	inBlock  bool // a { } block, not the global section
	scripts  map[string]string
	shared   bool // sharedscripts
	warnings []*Warning
}

func newRuleState() *ruleState { return &ruleState{scripts: map[string]string{}} }

func (s *ruleState) clone() *ruleState {
	c := *s
	c.scripts = maps.Clone(s.scripts)
	c.warnings = nil
	c.inBlock = true
	return &c
}

func (s *ruleState) warn(ln line, msg string) {
	s.warnings = append(s.warnings, diag.Pos{File: ln.file, Line: ln.num}.Warnf("", "%s", msg))
}

func isScript(d string) bool {
	switch d {
	case "postrotate", "prerotate", "firstaction", "lastaction", "preremove":
		return true
	}
	return false
}

func isDirective(d string) bool {
	_, ok := directives[d]
	return ok || isScript(d) || d == "include"
}

// directive handlers; args excludes the keyword.
type handler func(s *ruleState, ln line, args []string) error

// noEffect accepts a directive without arguments that changes nothing
// here (logrotate's default, or a choice the writer has no use for).
var noEffect = flag(func(*ruleState) {})

var directives = map[string]handler{
	"hourly":  period(Hourly),
	"daily":   period(Daily),
	"weekly":  weekly,
	"monthly": period(Monthly),
	"yearly":  period(Yearly),
	"size": func(s *ruleState, ln line, a []string) error {
		n, err := sizeArg(ln, "size", a)
		s.size, s.crit = n, critSize
		return err
	},
	"maxsize": func(s *ruleState, ln line, a []string) error {
		n, err := sizeArg(ln, "maxsize", a)
		s.maxsize = n
		return err
	},
	"minsize": func(s *ruleState, ln line, a []string) error {
		n, err := sizeArg(ln, "minsize", a)
		s.o.MinSize = n
		return err
	},
	"rotate":           rotateCount,
	"maxage":           maxAge,
	"compress":         flag(func(s *ruleState) { s.compress = true }),
	"nocompress":       flag(func(s *ruleState) { s.compress = false }),
	"compresscmd":      compressCmd,
	"uncompresscmd":    oneArg(func(*ruleState, string) {}),
	"compressext":      compressExt,
	"compressoptions":  compressOptions,
	"delaycompress":    flag(func(s *ruleState) { s.o.DelayCompress = true }),
	"nodelaycompress":  flag(func(s *ruleState) { s.o.DelayCompress = false }),
	"dateext":          flag(func(s *ruleState) { s.o.DateExt = true }),
	"nodateext":        flag(func(s *ruleState) { s.o.DateExt = false }),
	"dateformat":       dateFormat,
	"dateyesterday":    noEffect, // backups are always named by their content's date
	"datehourago":      noEffect,
	"create":           create,
	"nocreate":         ignored("nocreate is ignored: the writer must create the file it writes"),
	"ifempty":          flag(func(s *ruleState) { s.o.NotIfEmpty = false }),
	"notifempty":       flag(func(s *ruleState) { s.o.NotIfEmpty = true }),
	"missingok":        flag(func(s *ruleState) { s.o.MissingOK = true }),
	"nomissingok":      flag(func(s *ruleState) { s.o.MissingOK = false }),
	"sharedscripts":    flag(func(s *ruleState) { s.shared = true }),
	"nosharedscripts":  flag(func(s *ruleState) { s.shared = false }),
	"copytruncate":     ignored("copytruncate is not needed (the writer renames and reopens in-process, losing nothing); ignored"),
	"copy":             ignored("copy is not needed in-process; ignored"),
	"renamecopy":       ignored("renamecopy is not needed in-process; ignored"),
	"nocopytruncate":   noEffect,
	"nocopy":           noEffect,
	"norenamecopy":     noEffect,
	"su":               su,
	"minage":           checkedInt("minage is ignored"),
	"shred":            ignored("shred is not supported: removed backups are unlinked"),
	"noshred":          noEffect,
	"shredcycles":      checkedInt("shredcycles is ignored"),
	"mail":             mail,
	"nomail":           noEffect,
	"mailfirst":        noEffect,
	"maillast":         noEffect,
	"tabooext":         globalOnly("tabooext is ignored: included directories skip logrotate's default taboo list"),
	"taboopat":         globalOnly("taboopat is ignored: included directories skip logrotate's default taboo list"),
	"noolddir":         noEffect,
	"olddir":           olddir,
	"createolddir":     createOldDir,
	"nocreateolddir":   noEffect,
	"extension":        unsupported("backups keep the full log file name"),
	"addextension":     unsupported("backups keep the full log file name"),
	"allowhardlink":    noEffect,
	"noallowhardlink":  noEffect,
	"ignoreduplicates": noEffect,
	"start":            start,
}

func (s *ruleState) apply(ln line, toks []string) error {
	h, ok := directives[toks[0]]
	if !ok {
		if toks[0] == "include" {
			return ln.errf("include", "%w: include is only allowed outside { } blocks", ErrSyntax)
		}
		return ln.errf(toks[0], "%w", ErrUnknownDirective)
	}
	return h(s, ln, toks[1:])
}

func flag(f func(*ruleState)) handler {
	return func(s *ruleState, ln line, a []string) error {
		if len(a) != 0 {
			return ln.errf(dname(ln), "%w: takes no argument, got %q", ErrSyntax, a[0])
		}
		f(s)
		return nil
	}
}

// dname is the directive keyword of a line.
func dname(ln line) string { return strings.Fields(ln.text)[0] }

func oneArg(f func(*ruleState, string)) handler {
	return func(s *ruleState, ln line, a []string) error {
		if len(a) != 1 {
			return ln.errf(dname(ln), "%w: want one argument", ErrSyntax)
		}
		f(s, a[0])
		return nil
	}
}

func ignored(msg string) handler {
	return func(s *ruleState, ln line, a []string) error {
		if len(a) != 0 {
			return ln.errf(dname(ln), "%w: takes no argument", ErrSyntax)
		}
		s.warn(ln, msg)
		return nil
	}
}

func unsupported(why string) handler {
	return func(_ *ruleState, ln line, _ []string) error {
		return ln.errf(dname(ln), "%w: %s", ErrUnsupported, why)
	}
}

// checkedInt checks a numeric argument, as logrotate does, then warns.
func checkedInt(msg string) handler {
	return func(s *ruleState, ln line, a []string) error {
		if _, err := intArg(ln, a); err != nil {
			return err
		}
		s.warn(ln, msg)
		return nil
	}
}

// globalOnly is a directive logrotate allows only outside { } blocks.
func globalOnly(msg string) handler {
	return func(s *ruleState, ln line, _ []string) error {
		if s.inBlock {
			return ln.errf(dname(ln), "%w: only allowed outside { } blocks (as logrotate)", ErrSyntax)
		}
		s.warn(ln, msg)
		return nil
	}
}

func mail(s *ruleState, ln line, a []string) error {
	if len(a) != 1 {
		return ln.errf("mail", "%w: want one address", ErrSyntax)
	}
	s.warn(ln, "mail is not supported: removed backups are not mailed")
	return nil
}

// su USER GROUP: both must exist (logrotate checks them when it reads the
// file); the directive itself is not acted on.
func su(s *ruleState, ln line, a []string) error {
	switch len(a) {
	case 0:
		return ln.errf("su", "%w: no user", ErrSyntax)
	case 1:
		return ln.errf("su", "%w: no group", ErrSyntax)
	case 2:
	default:
		return ln.errf("su", "%w: want USER GROUP", ErrSyntax)
	}
	if err := checkOwner(ln, "su", a[0], a[1]); err != nil {
		return err
	}
	s.warn(ln, "su is ignored: files are written with the writer process's own rights")
	return nil
}

// olddir is not supported; a directory that does not exist is reported as
// such first (logrotate's own error).
func olddir(_ *ruleState, ln line, a []string) error {
	if len(a) != 1 {
		return ln.errf("olddir", "%w: want one directory", ErrSyntax)
	}
	dir := a[0]
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(ln.file), dir)
	}
	if fi, err := os.Stat(dir); err != nil {
		return ln.errf("olddir", "%w", err)
	} else if !fi.IsDir() {
		return ln.errf("olddir", "%w: %s is not a directory", ErrSyntax, dir)
	}
	return ln.errf("olddir", "%w: backups are kept next to the log file", ErrUnsupported)
}

// createolddir [mode [owner [group]]] is checked like create, then ignored.
func createOldDir(s *ruleState, ln line, a []string) error {
	if _, _, _, err := modeOwnerGroup(ln, "createolddir", a); err != nil {
		return err
	}
	s.warn(ln, "createolddir is ignored (olddir is not supported)")
	return nil
}

func period(p Period) handler {
	return flag(func(s *ruleState) { s.period, s.crit = p, critTime })
}

func weekly(s *ruleState, ln line, a []string) error {
	s.period, s.crit, s.o.Weekday = Weekly, critTime, time.Sunday
	switch {
	case len(a) == 0:
		return nil
	case len(a) > 1:
		return ln.errf("weekly", "%w: want at most one weekday", ErrSyntax)
	}
	d, err := strconv.Atoi(a[0])
	switch {
	case err != nil || d < 0 || d > 7:
		return ln.errf("weekly", "%w: weekday %q (want 0-6, 0 = Sunday)", ErrSyntax, a[0])
	case d == 7:
		return ln.errf("weekly", "%w: weekday 7 (every 7 days regardless of weekday)", ErrUnsupported)
	}
	s.o.Weekday = time.Weekday(d)
	return nil
}

// sizeArg parses a logrotate size argument.
func sizeArg(ln line, d string, a []string) (int64, error) {
	if len(a) != 1 {
		return 0, ln.errf(d, "%w: want one size", ErrSyntax)
	}
	n, err := ParseSize(a[0])
	if err != nil {
		return 0, ln.errf(d, "%w: %w", ErrSyntax, err)
	}
	return n, nil
}

// ParseSize parses a logrotate size: 100, 100k, 100M, 100G (powers of 1024;
// the suffix may be either case).
func ParseSize(s string) (int64, error) {
	v, mult := s, int64(1)
	if v != "" {
		switch v[len(v)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			v = v[:len(v)-1]
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q (want N, Nk, NM or NG)", s)
	}
	return n * mult, nil
}

func intArg(ln line, a []string) (int, error) {
	if len(a) != 1 {
		return 0, ln.errf(dname(ln), "%w: want one number", ErrSyntax)
	}
	n, err := strconv.Atoi(a[0])
	if err != nil {
		return 0, ln.errf(dname(ln), "%w: %q is not a number", ErrSyntax, a[0])
	}
	return n, nil
}

func rotateCount(s *ruleState, ln line, a []string) error {
	n, err := intArg(ln, a)
	switch {
	case err != nil:
		return err
	case n < -1:
		return ln.errf("rotate", "%w: count %d (want -1 or more)", ErrSyntax, n)
	case n == -1:
		s.o.Keep = 0 // keep all
	case n == 0:
		s.o.Keep = -1 // keep none
	default:
		s.o.Keep = n
	}
	s.keepSet = true
	return nil
}

func maxAge(s *ruleState, ln line, a []string) error {
	n, err := intArg(ln, a)
	if err == nil && n < 0 {
		err = ln.errf("maxage", "%w: %d days", ErrSyntax, n)
	}
	s.o.MaxAge = time.Duration(n) * 24 * time.Hour
	return err
}

func start(_ *ruleState, ln line, a []string) error {
	n, err := intArg(ln, a)
	if err == nil && n != 1 {
		err = ln.errf("start", "%w: numbered backups start at 1", ErrUnsupported)
	}
	return err
}

func compressCmd(s *ruleState, ln line, a []string) error {
	if len(a) != 1 {
		return ln.errf("compresscmd", "%w: want one command", ErrSyntax)
	}
	switch filepath.Base(a[0]) {
	case "gzip", "pigz":
		s.codec = Gzip
	case "zstd", "pzstd", "zstdmt":
		s.codec = Zstd
	default:
		return ln.errf("compresscmd", "%w: %q (gzip and zstd are built in; no command is run)", ErrUnsupported, a[0])
	}
	return nil
}

func compressExt(s *ruleState, ln line, a []string) error {
	if len(a) != 1 {
		return ln.errf("compressext", "%w: want one extension", ErrSyntax)
	}
	s.ext, s.ext1 = a[0], ln
	return nil
}

func compressOptions(s *ruleState, ln line, a []string) error {
	if len(a) == 0 {
		return ln.errf("compressoptions", "%w: want options", ErrSyntax)
	}
	threads := func(opt, v string) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.warn(ln, fmt.Sprintf("compressoptions %q ignored (want a thread count)", opt))
			return
		}
		s.o.CompressConcurrency = n // zstd -T0 means all cores: our default
	}
	for i := 0; i < len(a); i++ {
		opt := a[i]
		switch {
		case len(opt) > 1 && opt[0] == '-' && strings.Trim(opt[1:], "0123456789") == "":
			s.o.Level, _ = strconv.Atoi(opt[1:])
		case opt == "--fast":
			s.o.Level = 1
		case opt == "--best":
			s.o.Level = 9
		case (opt == "-p" || opt == "--processes" || opt == "-T") && i+1 < len(a): // pigz -p N, zstd -T N
			i++
			threads(opt+" "+a[i], a[i])
		case strings.HasPrefix(opt, "-T"): // zstd -TN
			threads(opt, opt[2:])
		case strings.HasPrefix(opt, "--threads="): // zstd --threads=N
			threads(opt, opt[len("--threads="):])
		default:
			s.warn(ln, fmt.Sprintf("compressoptions %q ignored (only a level -N and a thread count are used)", opt))
		}
	}
	return nil
}

func dateFormat(s *ruleState, ln line, a []string) error {
	if len(a) != 1 {
		return ln.errf("dateformat", "%w: want one format", ErrSyntax)
	}
	if err := validDateFormat(a[0]); err != nil {
		return ln.errf("dateformat", "%w: %w", ErrUnsupported, err)
	}
	s.o.DateFormat = a[0]
	return nil
}

// create [mode] [owner [group]]
func create(s *ruleState, ln line, a []string) error {
	mode, owner, group, err := modeOwnerGroup(ln, "create", a)
	if err != nil {
		return err
	}
	s.o.Mode, s.o.Owner, s.o.Group = mode, owner, group
	return nil
}

// modeOwnerGroup parses [mode] [owner [group]] (create, createolddir) and
// checks that owner and group exist on this machine, as logrotate does when
// it reads the file: a name that does not resolve would fail every rotation.
func modeOwnerGroup(ln line, d string, a []string) (os.FileMode, string, string, error) {
	var mode os.FileMode
	if len(a) > 0 && a[0] != "" && a[0][0] >= '0' && a[0][0] <= '9' {
		m, err := strconv.ParseUint(a[0], 8, 32)
		if err != nil || m > 0o7777 {
			return 0, "", "", ln.errf(d, "%w: mode %q is not an octal mode (0000-7777)", ErrSyntax, a[0])
		}
		mode, a = os.FileMode(m), a[1:]
	}
	if len(a) > 2 {
		return 0, "", "", ln.errf(d, "%w: extra arguments (want [mode] [owner [group]])", ErrSyntax)
	}
	var owner, group string
	if len(a) > 0 {
		owner = a[0]
	}
	if len(a) > 1 {
		group = a[1]
	}
	if err := checkOwner(ln, d, owner, group); err != nil {
		return 0, "", "", err
	}
	return mode, owner, group, nil
}

// checkOwner reports a user or group ("" skipped) unknown on this machine.
func checkOwner(ln line, d, owner, group string) error {
	if owner != "" {
		if _, err := lookupUser(owner); err != nil {
			return ln.errf(d, "unknown user %q: %w", owner, ErrUnknownID)
		}
	}
	if group != "" {
		if _, err := lookupGroup(group); err != nil {
			return ln.errf(d, "unknown group %q: %w", group, ErrUnknownID)
		}
	}
	return nil
}

// finish turns the state into a Rule.
func (s *ruleState) finish(patterns []string, patText, file string, num int) (Rule, error) {
	ln := line{file: file, num: num}
	o := s.o
	switch s.crit {
	case critDefault:
		o.MaxSize = 1 << 20
		s.warn(ln, "no rotation interval and no size: logrotate's default applies (size 1M)")
	case critSize:
		o.MaxSize = s.size
	case critTime:
		o.Every, o.MaxSize = s.period, s.maxsize
	}
	if !s.keepSet {
		o.Keep = -1
		s.warn(ln, "no rotate directive: logrotate's default (rotate 0) keeps no backup")
	}
	o.Compress = NoCompression
	if s.compress {
		o.Compress = Gzip
		if s.codec != Unset {
			o.Compress = s.codec
		}
		if s.ext != "" && s.ext != o.Compress.Ext() {
			return Rule{}, s.ext1.errf("compressext", "%w: %q with %s (backups are named %s)", ErrUnsupported, s.ext, o.Compress, o.Compress.Ext())
		}
	}
	if err := validLevel(o.Compress, o.Level); err != nil {
		return Rule{}, ln.errf("compressoptions", "%w", err)
	}
	if o.DateExt {
		s.warn(ln, "dateext: backups are named after the date their content starts (like dateyesterday), not the date of rotation")
	}
	o.Scripts = s.runScripts(patText)
	return Rule{Patterns: patterns, Options: o, File: file, Line: num, Scripts: s.scripts}, nil
}

// runScripts returns the scripts the writer runs: all but those that only
// tell a logging daemon to reopen.
func (s *ruleState) runScripts(patText string) Scripts {
	run := func(name string) string {
		if text := s.scripts[name]; !IsReopenOnly(text) {
			return text
		}
		return ""
	}
	sc := Scripts{FirstAction: run("firstaction"), PreRotate: run("prerotate"), PostRotate: run("postrotate"),
		LastAction: run("lastaction"), PreRemove: run("preremove")}
	if sc != (Scripts{}) {
		sc.Shared, sc.Pattern = s.shared, patText
	}
	return sc
}
