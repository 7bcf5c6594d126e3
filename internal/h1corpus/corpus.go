package h1corpus

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Case is one corpus entry.
type Case struct {
	Name string
	// Response is true for a server response (sent by the backend to
	// answer a plain GET), false for a client request.
	Response bool
	Source   string
	Raw      []byte
	// Note says where and why we are deliberately stricter than HAProxy
	// 2.6.12 (empty when we match it).
	Note string
	// Stricter is set with Note: the recorded HAProxy verdict is an
	// accept that we reject.
	Stricter bool
	// Normalised is set with Note: we forward the case differently from
	// HAProxy 2.6.12 because a later 2.6.x fix normalises it.
	Normalised bool
	// Split, when positive, makes the client send the first Split bytes,
	// wait until the backend has received a request head, then send the
	// rest (a body error found after the head was forwarded).
	Split int
	Line  int
}

// Verdict is what HAProxy did with a case, as recorded from a real run.
type Verdict struct {
	// Status is the status code of the first response the client
	// received (0: none).
	Status int
	// Logs are the log lines of the connection, in order.
	Logs []Log
	// Heads are the request heads the backend received (the
	// x-forwarded-for line removed) and Bodies their bodies as received.
	Heads, Bodies []string
}

// Log is what the comparison keeps of one log line.
type Log struct {
	Status int    // status field (-1 when logged so)
	Term   string // termination state, 4 characters
	BadReq bool   // the request field is <BADREQ>
}

// Refused tells whether the proxy that gave v refused the message of c
// (a request answered 4xx/5xx by itself with <BADREQ> and PR--, or 400
// PH-- when its body failed after the head was forwarded, or a response
// replaced by its 502 PH--), and the status it answered.
func (v Verdict) Refused(c Case) (bool, int) {
	for _, l := range v.Logs {
		if c.Response && l.Term == "PH--" {
			return true, 502
		}
		if !c.Response && (l.BadReq && l.Term == "PR--" || l.Status == 400 && l.Term == "PH--") {
			return true, l.Status
		}
	}
	return false, 0
}

func (l Log) String() string {
	s := strconv.Itoa(l.Status) + ":" + l.Term
	if l.BadReq {
		s += ":BADREQ"
	}
	return s
}

// Rejected reports whether no request reached the backend.
func (v Verdict) Rejected() bool { return len(v.Heads) == 0 }

// Dir returns the repository's testdata/h1 directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "h1")
}

// Load reads testdata/h1/cases.txt.
func Load() ([]Case, error) {
	return ReadFile(filepath.Join(Dir(), "cases.txt"))
}

// ReadFile parses a corpus file.
func ReadFile(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses corpus text: blocks of "key value" lines separated by
// blank lines; keys: case, dir, src, raw (a Go-quoted string, repeated
// lines concatenated), rep (a count then a Go-quoted string), note,
// stricter (a note on a case we reject although HAProxy 2.6.12 accepts),
// normalised (a note on a case we forward in a form a later 2.6.x
// release normalises), split (an offset: the client pauses there until
// the backend has the head).
func Parse(path string, data []byte) ([]Case, error) {
	var out []Case
	var cur *Case
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	ln := 0
	flush := func() error {
		if cur == nil {
			return nil
		}
		if len(cur.Raw) == 0 || cur.Source == "" {
			return fmt.Errorf("%s:%d: case %q: raw and src are required", path, cur.Line, cur.Name)
		}
		if cur.Split >= len(cur.Raw) || cur.Split > 0 && cur.Response {
			return fmt.Errorf("%s:%d: case %q: split must fall inside a request", path, cur.Line, cur.Name)
		}
		out = append(out, *cur)
		cur = nil
		return nil
	}
	for sc.Scan() {
		ln++
		text := strings.TrimRight(sc.Text(), " \t")
		if strings.HasPrefix(text, "#") {
			continue
		}
		if text == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		key, val, _ := strings.Cut(text, " ")
		val = strings.TrimSpace(val)
		if key == "case" {
			if err := flush(); err != nil {
				return nil, err
			}
			if prev, dup := seen[val]; dup {
				return nil, fmt.Errorf("%s:%d: case %q already defined at line %d", path, ln, val, prev)
			}
			seen[val] = ln
			cur = &Case{Name: val, Line: ln}
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: %q outside a case", path, ln, key)
		}
		switch key {
		case "dir":
			switch val {
			case "request":
			case "response":
				cur.Response = true
			default:
				return nil, fmt.Errorf("%s:%d: dir: %q is not request or response", path, ln, val)
			}
		case "src":
			cur.Source = val
		case "note":
			cur.Note = val
		case "split":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s:%d: split: bad offset %q", path, ln, val)
			}
			cur.Split = n
		case "stricter":
			cur.Note, cur.Stricter = val, true
		case "normalised":
			cur.Note, cur.Normalised = val, true
		case "raw":
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: raw: %w", path, ln, err)
			}
			cur.Raw = append(cur.Raw, s...)
		case "rep":
			ns, q, _ := strings.Cut(val, " ")
			n, err := strconv.Atoi(ns)
			if err != nil || n < 0 || n > 100000 {
				return nil, fmt.Errorf("%s:%d: rep: bad count %q", path, ln, ns)
			}
			s, err := strconv.Unquote(strings.TrimSpace(q))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: rep: %w", path, ln, err)
			}
			cur.Raw = append(cur.Raw, strings.Repeat(s, n)...)
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, ln, key)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, sc.Err()
}

// VerdictsFile is the file holding HAProxy's recorded verdicts.
const VerdictsFile = "haproxy-2.6.12.txt"

// LoadVerdicts reads the recorded verdicts, keyed by case name.
func LoadVerdicts() (map[string]Verdict, error) {
	path := filepath.Join(Dir(), VerdictsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]Verdict{}
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, err := ParseVerdict(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out[name] = v
	}
	return out, nil
}

// FormatVerdict renders one line of the verdicts file:
// name, status=N, logs=S:TERM[:BADREQ],..., fwd=N, then the forwarded
// heads and bodies as Go-quoted strings, tab separated.
func FormatVerdict(name string, v Verdict) string {
	var b strings.Builder
	logs := make([]string, len(v.Logs))
	for i, l := range v.Logs {
		logs[i] = l.String()
	}
	fmt.Fprintf(&b, "%s\tstatus=%d\tlogs=%s\tfwd=%d", name, v.Status, strings.Join(logs, ","), len(v.Heads))
	for i := range v.Heads {
		fmt.Fprintf(&b, "\t%s\t%s", strconv.Quote(v.Heads[i]), strconv.Quote(v.Bodies[i]))
	}
	return b.String()
}

// ParseVerdict parses one line written by FormatVerdict.
func ParseVerdict(line string) (string, Verdict, error) {
	f := strings.Split(line, "\t")
	var v Verdict
	if len(f) < 4 || (len(f)-4)%2 != 0 {
		return "", v, fmt.Errorf("verdict line has %d fields", len(f))
	}
	st, err := strconv.Atoi(strings.TrimPrefix(f[1], "status="))
	if err != nil {
		return "", v, fmt.Errorf("status: %w", err)
	}
	v.Status = st
	if logs := strings.TrimPrefix(f[2], "logs="); logs != "" {
		for _, l := range strings.Split(logs, ",") {
			parts := strings.Split(l, ":")
			n, err := strconv.Atoi(parts[0])
			if err != nil || len(parts) < 2 || len(parts[1]) != 4 {
				return "", v, fmt.Errorf("log entry %q: want STATUS:TERM", l)
			}
			v.Logs = append(v.Logs, Log{Status: n, Term: parts[1], BadReq: len(parts) > 2 && parts[2] == "BADREQ"})
		}
	}
	fwd, err := strconv.Atoi(strings.TrimPrefix(f[3], "fwd="))
	if err != nil || fwd != (len(f)-4)/2 {
		return "", v, fmt.Errorf("fwd=%s does not match the %d messages", f[3], (len(f)-4)/2)
	}
	for i := 4; i+1 < len(f); i += 2 {
		h, e1 := strconv.Unquote(f[i])
		b, e2 := strconv.Unquote(f[i+1])
		if e1 != nil || e2 != nil {
			return "", v, fmt.Errorf("forwarded message %d: bad quoting", (i-4)/2)
		}
		v.Heads = append(v.Heads, h)
		v.Bodies = append(v.Bodies, b)
	}
	return f[0], v, nil
}
