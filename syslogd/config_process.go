package syslogd

import (
	"fmt"
	"strconv"
	"strings"
)

// Process is what the syslogd process does once every socket is bound
// (cmd/syslogd does it, as rsyslogd once its inputs are set up): drop its
// privileges and raise its limit of open files. The output files are
// opened at their first line, after the drop, as rsyslogd's.
type Process struct {
	// UID and GID are the numeric ids to switch to ($PrivDropToUser,
	// $PrivDropToUserID, $PrivDropToGroup, $PrivDropToGroupID,
	// global(privDrop.user.name ...)); "": keep the process's.
	UID, GID string
	// KeepSupplemental keeps the supplementary groups when the group is
	// dropped (global(privDrop.group.keepSupplemental="on")).
	KeepSupplemental bool
	// MaxOpenFiles, when above 0, is the limit of open files set at
	// start ($MaxOpenFiles).
	MaxOpenFiles int
}

// setCount sets *dst to the positive number v.
func (p *cfgParser) setCount(dst *int, name, v string, n int) error {
	c, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || c <= 0 {
		return p.errf(n, name, "%q: want a positive number", v)
	}
	*dst = c
	return nil
}

// maxSessions handles imtcp's maxSessions and $InputTCPMaxSessions: a
// positive number, and a no-op. rsyslogd 8.2302 does not enforce it: it
// served 230 connections at once with module(load="imtcp" maxSessions="5"),
// 4 with input(... maxSessions="2") or $InputTCPMaxSessions 2, and
// TestLiveRsyslogAccess checks that both serve a third session with 2.
// syslogd serves every connection too.
func (p *cfgParser) maxSessions(name, v string, n int) error {
	var c int
	if err := p.setCount(&c, name, v, n); err != nil {
		return err
	}
	p.warn(n, "%s %s ignored: rsyslogd 8.2302 does not enforce it either (it serves every connection, as syslogd)", name, v)
	return nil
}

// privDrop handles $PrivDropTo<kind> and global(privDrop.<kind>): kind is
// "user", "userid", "group" or "groupid". Names are resolved now, so that
// a name that does not exist stops the start (rsyslogd reports it and
// keeps root: syslogd refuses to run with more privileges than asked).
func (p *cfgParser) privDrop(kind, name, v string, n int) error {
	var id string
	switch kind {
	case "user", "group":
		lookup := userID
		if kind == "group" {
			lookup = groupID
		}
		var err error
		if id, err = lookup(v); err != nil {
			return p.errf(n, name, "%s %q: %w", kind, v, err)
		}
	case "userid", "groupid":
		if i, err := strconv.Atoi(v); err != nil || i < 0 {
			return p.errf(n, name, "%q: want a numeric id", v)
		}
		id = v
	}
	if strings.HasPrefix(kind, "user") {
		p.c.Process.UID = id
	} else {
		p.c.Process.GID = id
	}
	return nil
}

// fileAttrNum handles the numeric forms of the owners ($FileOwnerNum,
// omfile's fileOwnerNum ...; key in lower case).
func (p *cfgParser) fileAttrNum(a *FileAttrs, key, name, v string, n int) error {
	if i, err := strconv.Atoi(v); err != nil || i < 0 {
		return p.errf(n, name, "%q: want a numeric id", v)
	}
	return p.fileAttr(a, strings.TrimSuffix(key, "num"), v, n)
}

// closeTimeout checks omfile's closeTimeout (v; "": not given): rsyslog's
// default (0 for a file: never closed; 10 minutes for a dynaFile) is the
// same as no parameter; other values are refused.
func (p *cfgParser) closeTimeout(r *Rule, v string, n int) error {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return nil
	case r.Dyna == "" && v == "0":
		p.warn(n, "closeTimeout 0 ignored: the default for a file (kept open)")
		return nil
	case r.Dyna != "" && v == "10":
		p.warn(n, "closeTimeout 10 ignored: the default for a dynaFile (syslogd closes a dynaFile's file when its cache needs the room, not after an idle time)")
		return nil
	}
	return p.errf(n, "closeTimeout", "%q: closing idle files is not implemented: %w", v, ErrUnsupported)
}

// String describes the settings (syslogd -check prints it).
func (pr Process) String() string {
	return fmt.Sprintf("uid=%q gid=%q keepSupplemental=%v maxOpenFiles=%d", pr.UID, pr.GID, pr.KeepSupplemental, pr.MaxOpenFiles)
}

// Process returns the process settings of the configuration in force.
func (s *Server) Process() Process { return s.snap.Load().cfg.Process }
