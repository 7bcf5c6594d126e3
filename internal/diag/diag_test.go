package diag

import (
	"errors"
	"io/fs"
	"testing"
)

func TestString(t *testing.T) {
	f := func(d *Diag, want string) {
		t.Helper()
		if got := d.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		if got := d.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
	p := Pos{File: "/etc/logrotate.d/haproxy", Line: 12}
	f(p.Errorf("rotate", "%q is not a number", "ten"), `/etc/logrotate.d/haproxy:12: error: rotate: "ten" is not a number`)
	f(p.Errorf("", "unexpected }"), `/etc/logrotate.d/haproxy:12: error: unexpected }`)
	f(p.At(5).Warnf("option httplog", "ignored"), `/etc/logrotate.d/haproxy:12:5: warning: option httplog: ignored`)
	f(Pos{File: "a.cfg"}.Notef("", "empty file"), `a.cfg: note: empty file`)
	f(Pos{File: "a.cfg", Column: 3}.Errorf("", "x"), `a.cfg: error: x`) // no column without a line
	f(Pos{}.Errorf("global", "missing"), `error: global: missing`)
	f(&Diag{Severity: 9, Msg: "m"}, `severity(9): m`)
}

func TestPosString(t *testing.T) {
	for _, c := range []struct {
		p    Pos
		want string
	}{
		{Pos{}, ""},
		{Pos{File: "f"}, "f"},
		{Pos{File: "f", Line: 2}, "f:2"},
		{Pos{File: "f", Line: 2, Column: 7}, "f:2:7"},
		{Pos{Line: 2}, ":2"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestWrapAndUnwrap(t *testing.T) {
	p := Pos{File: "r.conf", Line: 3}
	d := p.Errorf("include", "cannot read %s: %w", "x.conf", fs.ErrNotExist)
	if !errors.Is(d, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, ErrNotExist) = false", d)
	}
	if d.Msg != "cannot read x.conf: file does not exist" {
		t.Errorf("Msg = %q", d.Msg)
	}
	if nd := p.Errorf("x", "no cause"); nd.Err != nil {
		t.Errorf("Err = %v for a message without %%w", nd.Err)
	}
	two := p.Errorf("x", "%w and %w", fs.ErrExist, fs.ErrClosed)
	if !errors.Is(two, fs.ErrExist) || !errors.Is(two, fs.ErrClosed) {
		t.Errorf("two causes not both seen through %v", two)
	}
	w := p.Wrap("size", fs.ErrInvalid)
	if !errors.Is(w, fs.ErrInvalid) || w.String() != "r.conf:3: error: size: invalid argument" {
		t.Errorf("Wrap = %q", w)
	}
	if p.Wrap("size", nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	var target *Diag
	if !errors.As(error(w), &target) || target.Line != 3 {
		t.Errorf("errors.As: %v", target)
	}
}

func TestList(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("empty list has an error")
	}
	p := Pos{File: "h.cfg", Line: 1}
	l.Add(p.Warnf("a", "w1"))
	l.Add(nil)
	if l.Err() != nil || len(l) != 1 {
		t.Fatalf("warnings only: Err=%v len=%d", l.Err(), len(l))
	}
	e1 := p.Errorf("b", "bad: %w", fs.ErrPermission)
	l.Add(e1)
	if err := l.Err(); err != e1 {
		t.Errorf("one error: Err() = %v, want the *Diag itself", err)
	}
	l.Add(Pos{File: "h.cfg", Line: 9}.Errorf("c", "worse"))
	err := l.Err()
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("errors.Is through List: %v", err)
	}
	want := "h.cfg:1: error: b: bad: permission denied\nh.cfg:9: error: c: worse"
	if err.Error() != want {
		t.Errorf("List.Err().Error() = %q, want %q", err.Error(), want)
	}
	if l.Count(Warning) != 1 || l.Count(Error) != 2 || l.Count(Note) != 0 {
		t.Errorf("counts: %d %d %d", l.Count(Warning), l.Count(Error), l.Count(Note))
	}
	if got := l.String(); got != "h.cfg:1: warning: a: w1\n"+want {
		t.Errorf("String = %q", got)
	}
}
