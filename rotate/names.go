package rotate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	tmpSuffix     = ".tmp"      // compression in progress: NAME.gz.tmp
	pendingInfix  = ".pending." // numbered mode, not yet shifted: NAME.pending.N
	maxDateSuffix = 100000
)

// appendDate expands a logrotate dateformat (%Y %m %d %H %M %S %V %s) for t.
func appendDate(dst []byte, format string, t time.Time) []byte {
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			dst = append(dst, c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			dst = fmt.Appendf(dst, "%04d", t.Year())
		case 'm':
			dst = fmt.Appendf(dst, "%02d", int(t.Month()))
		case 'd':
			dst = fmt.Appendf(dst, "%02d", t.Day())
		case 'H':
			dst = fmt.Appendf(dst, "%02d", t.Hour())
		case 'M':
			dst = fmt.Appendf(dst, "%02d", t.Minute())
		case 'S':
			dst = fmt.Appendf(dst, "%02d", t.Second())
		case 'V':
			_, wk := t.ISOWeek()
			dst = fmt.Appendf(dst, "%02d", wk)
		case 's':
			dst = strconv.AppendInt(dst, t.Unix(), 10)
		case '%':
			dst = append(dst, '%')
		}
	}
	return dst
}

// validDateFormat accepts the specifiers appendDate knows and no path separator.
func validDateFormat(f string) error {
	if strings.ContainsRune(f, '/') {
		return fmt.Errorf("rotate: dateformat %q contains '/'", f)
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 == len(f) || !strings.ContainsRune("YmdHMSVs%", rune(f[i+1])) {
			return fmt.Errorf("rotate: dateformat %q: unsupported specifier at offset %d (want %%Y %%m %%d %%H %%M %%S %%V %%s)", f, i)
		}
		i++
	}
	return nil
}

// dateRegexp turns a dateformat into a regexp with one group per specifier;
// fields lists the specifier of each group.
func dateRegexp(format string) (re string, fields []byte) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			b.WriteString(`(\d{4})`)
		case 'm', 'd', 'H', 'M', 'S', 'V':
			b.WriteString(`(\d{2})`)
		case 's':
			b.WriteString(`(\d+)`)
		case '%':
			b.WriteString(`%`)
			continue
		}
		fields = append(fields, format[i])
	}
	return b.String(), fields
}

// backup is one rotated file of the log.
type backup struct {
	path  string    // full path, with codec extension if compressed
	stem  string    // path without codec extension
	ext   string    // ".gz", ".zst" or ""
	t     time.Time // dateext: the date in the name
	seq   int       // dateext: same-date suffix; numbered: N; pending: counter
	mtime time.Time
	// foreign: not made by this package (see ownership): never renamed,
	// compressed or removed, and not counted for retention.
	foreign bool
}

// namer knows the backup names of one log file.
type namer struct {
	path    string
	dateExt bool
	format  string
	loc     *time.Location
	re      *regexp.Regexp // matches base names of backups (dateext or numbered)
	pend    *regexp.Regexp // numbered mode: pending names
	fields  []byte
	own     *ownership
	// stage is held by a rotation from the rename of the file to its
	// backup name until that name is final or undone (a failed create
	// renames the backup back), and by the backup worker while it scans
	// and moves pending backups: the worker never moves a backup whose
	// rotation is being undone.
	stage sync.Mutex
}

func newNamer(path string, o Options) *namer {
	base := regexp.QuoteMeta(filepath.Base(path))
	n := &namer{path: path, dateExt: o.DateExt, format: o.DateFormat, loc: o.Location, own: newOwnership()}
	ext := `((?:\.gz|\.zst)?)`
	if o.DateExt {
		dre, fields := dateRegexp(o.DateFormat)
		n.fields = fields
		n.re = regexp.MustCompile(`^` + base + dre + `(?:\.(\d+))?` + ext + `$`)
	} else {
		n.re = regexp.MustCompile(`^` + base + `\.(\d+)` + ext + `$`)
	}
	n.pend = regexp.MustCompile(`^` + base + regexp.QuoteMeta(pendingInfix) + `(\d+)$`)
	return n
}

// exists reports whether stem is taken, compressed, uncompressed or in progress.
func exists(stem string) bool {
	for _, s := range [...]string{"", ".gz", ".zst", ".gz" + tmpSuffix, ".zst" + tmpSuffix} {
		if _, err := os.Lstat(stem + s); !errors.Is(err, os.ErrNotExist) {
			return true
		}
	}
	return false
}

// dateName returns a free dateext name for content starting at t.
func (n *namer) dateName(t time.Time) (string, error) {
	stem := string(appendDate([]byte(n.path), n.format, t.In(n.loc)))
	if !exists(stem) {
		return stem, nil
	}
	for i := 1; i < maxDateSuffix; i++ {
		s := stem + "." + strconv.Itoa(i)
		if !exists(s) {
			return s, nil
		}
	}
	return "", fmt.Errorf("no free backup name for %s", stem)
}

// pendingName returns a free numbered-mode staging name.
func (n *namer) pendingName(counter *int) string {
	for {
		*counter++
		s := n.path + pendingInfix + strconv.Itoa(*counter)
		if !exists(s) {
			return s
		}
	}
}

// numbered returns the name of numbered backup i (uncompressed stem).
func (n *namer) numbered(i int) string { return n.path + "." + strconv.Itoa(i) }

// scan lists the backups, newest first, the pending (numbered mode) files,
// oldest first, and stale temporary files.
func (n *namer) scan() (backups []backup, pending []backup, stale []string, err error) {
	dir := filepath.Dir(n.path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list backups: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if t, ok := strings.CutSuffix(name, tmpSuffix); ok {
			if n.re.MatchString(t) {
				stale = append(stale, filepath.Join(dir, name))
			}
			continue
		}
		if m := n.pend.FindStringSubmatch(name); m != nil {
			seq, _ := strconv.Atoi(m[1])
			pending = append(pending, backup{path: filepath.Join(dir, name), stem: filepath.Join(dir, name), seq: seq})
			continue
		}
		b, ok := n.parse(name)
		if !ok {
			continue
		}
		b.path = filepath.Join(dir, name)
		b.stem = strings.TrimSuffix(b.path, b.ext)
		info, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		b.mtime = info.ModTime()
		b.foreign = !n.own.owns(b.path, info)
		backups = append(backups, b)
	}
	slices.SortFunc(backups, n.newerFirst)
	slices.SortFunc(pending, func(a, b backup) int { return a.seq - b.seq })
	return backups, pending, stale, nil
}

func (n *namer) newerFirst(a, b backup) int {
	if n.dateExt {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		if a.seq != b.seq {
			return b.seq - a.seq
		}
	} else if a.seq != b.seq {
		return a.seq - b.seq
	}
	return strings.Compare(a.ext, b.ext)
}

// parse recognises a backup base name.
func (n *namer) parse(name string) (backup, bool) {
	m := n.re.FindStringSubmatch(name)
	if m == nil {
		return backup{}, false
	}
	var b backup
	b.ext = m[len(m)-1]
	if !n.dateExt {
		b.seq, _ = strconv.Atoi(m[1])
		return b, b.seq > 0
	}
	y, mo, d, h, mi, s := 1970, 1, 1, 0, 0, 0
	var epoch int64 = -1
	for i, f := range n.fields {
		v, _ := strconv.Atoi(m[i+1])
		switch f {
		case 'Y':
			y = v
		case 'm':
			mo = v
		case 'd':
			d = v
		case 'H':
			h = v
		case 'M':
			mi = v
		case 'S':
			s = v
		case 's':
			epoch, _ = strconv.ParseInt(m[i+1], 10, 64)
		}
	}
	if epoch >= 0 {
		b.t = time.Unix(epoch, 0)
	} else {
		b.t = time.Date(y, time.Month(mo), d, h, mi, s, 0, n.loc)
	}
	if seq := m[len(n.fields)+1]; seq != "" {
		b.seq, _ = strconv.Atoi(seq)
	}
	return b, true
}
