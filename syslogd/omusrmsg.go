package syslogd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// usrMsgPrefix starts the action of rsyslog's omusrmsg in a selector line
// (":omusrmsg:*" or ":omusrmsg:user1,user2"), and the key of its sink.
const usrMsgPrefix = ":omusrmsg:"

// DefaultUtmp is the login records file omusrmsg reads.
const DefaultUtmp = "/var/run/utmp"

// The templates omusrmsg uses when its action names none, as rsyslogd
// 8.2302 defines them (their names begin with a space, so that no
// configuration can name or redefine them): WallFmt for "*", StdUsrMsgFmt
// for a list of users.
const (
	wallFmtName      = " WallFmt"
	stdUsrMsgFmtName = " StdUsrMsgFmt"
	wallFmt          = "\r\n\x07Message from syslogd@%HOSTNAME% at %timegenerated% ...\r\n %syslogtag%%msg%\n\r"
	stdUsrMsgFmt     = " %syslogtag%%msg%\n\r"
)

// maxUsrMsgUsers bounds the users of one omusrmsg action (rsyslog: 256).
const maxUsrMsgUsers = 256

// parseUsers parses the user list of an omusrmsg action: "*" (everyone
// logged in) or names separated by commas. It returns nil for "*".
func parseUsers(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return nil, nil
	}
	var users []string
	for _, u := range strings.Split(s, ",") {
		u = strings.TrimSpace(u)
		if u == "" || strings.ContainsAny(u, " \t*") {
			return nil, fmt.Errorf("omusrmsg: bad user list %q: want * or user names separated by commas", s)
		}
		users = append(users, u)
	}
	if len(users) > maxUsrMsgUsers {
		return nil, fmt.Errorf("omusrmsg: %d users: at most %d", len(users), maxUsrMsgUsers)
	}
	return users, nil
}

// usrMsgSink is the Sink of the omusrmsg actions. Each rendering comes
// framed with the users it is for (appendUsrMsg) and goes to every
// terminal of those users that the utmp file lists at that moment (all
// logged-in users for "*"), in the order the actions rendered them. A
// terminal that cannot take it at once is skipped (it is opened
// non-blocking), as rsyslog does.
type usrMsgSink struct {
	utmp string
	dev  string // directory of the terminals (/dev)
}

// appendUsrMsg appends the rendering of m by t for users ("*" or a list
// separated by commas) to dst, framed: the length of users (2 bytes),
// users, the length of the rendering (4 bytes), the rendering.
func appendUsrMsg(dst []byte, users string, t *Template, m *Message) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(users)))
	dst = append(dst, users...)
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = t.Append(dst, m)
	binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// utmp record layout (glibc, 64-bit and 32-bit Linux alike): 384 bytes.
const (
	utmpSize        = 384
	utmpLineOff     = 8
	utmpLineLen     = 32
	utmpUserOff     = 44
	utmpUserLen     = 32
	utUserProcess   = 7
	maxUtmpSize     = 4 << 20 // more than 10,000 sessions: refuse
	maxTerminalPath = 64
)

// utmpEntry is a logged-in user and the terminal of the session.
type utmpEntry struct{ user, line string }

// readUtmp returns the USER_PROCESS entries of a utmp file.
func readUtmp(path string) ([]utmpEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) > maxUtmpSize {
		return nil, fmt.Errorf("%s: %d bytes: larger than %d", path, len(b), maxUtmpSize)
	}
	var out []utmpEntry
	for off := 0; off+utmpSize <= len(b); off += utmpSize {
		r := b[off : off+utmpSize]
		if int16(uint16(r[0])|uint16(r[1])<<8) != utUserProcess {
			continue
		}
		line := cstr(r[utmpLineOff : utmpLineOff+utmpLineLen])
		user := cstr(r[utmpUserOff : utmpUserOff+utmpUserLen])
		if line == "" || user == "" {
			continue
		}
		out = append(out, utmpEntry{user: user, line: line})
	}
	return out, nil
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// wanted reports whether user is in users ("*" or names separated by
// commas).
func wanted(users, user string) bool {
	if users == "*" {
		return true
	}
	for users != "" {
		var u string
		u, users, _ = strings.Cut(users, ",")
		if u == user {
			return true
		}
	}
	return false
}

// Write sends the framed renderings of p to the terminals. Errors of
// single terminals are not errors of the actions (a user may log out
// meanwhile).
func (u *usrMsgSink) Write(p []byte) (int, error) {
	ents, err := readUtmp(u.utmp)
	if err != nil {
		return 0, fmt.Errorf("omusrmsg: %w", err)
	}
	for rest := p; len(rest) > 0; {
		if len(rest) < 2 {
			return 0, errors.New("omusrmsg: truncated frame")
		}
		n := int(binary.BigEndian.Uint16(rest))
		if len(rest) < 2+n+4 {
			return 0, errors.New("omusrmsg: truncated frame")
		}
		users := string(rest[2 : 2+n])
		rest = rest[2+n:]
		l := int(binary.BigEndian.Uint32(rest))
		if len(rest) < 4+l {
			return 0, errors.New("omusrmsg: truncated frame")
		}
		text := rest[4 : 4+l]
		rest = rest[4+l:]
		for _, e := range ents {
			if wanted(users, e.user) {
				u.send(e.line, text)
			}
		}
	}
	return len(p), nil
}

// send writes text to the terminal line (a path under /dev).
func (u *usrMsgSink) send(line string, text []byte) {
	if strings.Contains(line, "..") || len(line) > maxTerminalPath {
		return
	}
	f, err := os.OpenFile(filepath.Join(u.dev, line), os.O_WRONLY|os.O_APPEND|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	_, _ = f.Write(text)
	_ = f.Close()
}

func (u *usrMsgSink) Flush() error  { return nil }
func (u *usrMsgSink) Reopen() error { return nil }
func (u *usrMsgSink) Close() error  { return nil }

// usrMsgAction fills r as the omusrmsg action for users (a list or "*")
// with template tmpl (empty: the default of the list).
func (p *cfgParser) usrMsgAction(r *Rule, users, tmpl string, n int) error {
	list, err := parseUsers(users)
	if err != nil {
		return p.errf(n, "omusrmsg", "%w", err)
	}
	if list == nil {
		r.Path = usrMsgPrefix + "*"
	} else {
		r.Path = usrMsgPrefix + strings.Join(list, ",")
	}
	switch {
	case tmpl != "":
		r.Template = tmpl
	case list == nil:
		r.Template = wallFmtName
	default:
		r.Template = stdUsrMsgFmtName
	}
	return nil
}
