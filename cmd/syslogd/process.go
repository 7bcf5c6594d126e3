package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/haplog/haplog/syslogd"
)

// applyProcess does what the configuration asks of the process once every
// socket is bound, in rsyslogd's order: the limit of open files
// ($MaxOpenFiles: soft and hard limit; a failure is reported and the start
// goes on, as rsyslogd), then the group ($PrivDropToGroup: the
// supplementary groups are dropped, unless privDrop.group.keepSupplemental,
// then setgid), then the user ($PrivDropToUser: the supplementary groups
// become the user's, as initgroups(3) with the current group, then
// setuid). Output files are opened at their first line, after the drop.
// Go applies set*id to every thread. A failed drop is fatal.
func applyProcess(p syslogd.Process, log *slog.Logger) error {
	if p.MaxOpenFiles > 0 {
		lim := syscall.Rlimit{Cur: uint64(p.MaxOpenFiles), Max: uint64(p.MaxOpenFiles)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Error("$MaxOpenFiles: cannot set the limit of open files", "limit", p.MaxOpenFiles, "err", err)
		}
	}
	if p.GID != "" {
		gid, err := strconv.Atoi(p.GID)
		if err != nil {
			return fmt.Errorf("privilege drop: group id %q: %w", p.GID, err)
		}
		if !p.KeepSupplemental {
			if err := syscall.Setgroups(nil); err != nil {
				return fmt.Errorf("privilege drop: drop the supplementary groups: %w", err)
			}
		}
		if err := syscall.Setgid(gid); err != nil {
			return fmt.Errorf("privilege drop: setgid(%d): %w", gid, err)
		}
	}
	if p.UID != "" {
		uid, err := strconv.Atoi(p.UID)
		if err != nil {
			return fmt.Errorf("privilege drop: user id %q: %w", p.UID, err)
		}
		// A user id without a name has no groups of its own: the
		// supplementary groups become the current group alone.
		// rsyslogd logs an error and keeps root's groups (which can
		// hold adm, disk...): we do not keep them.
		groups := []int{syscall.Getgid()}
		if u, err := user.LookupId(p.UID); err == nil {
			if groups, err = initGroups("/etc/group", u.Username, syscall.Getgid()); err != nil {
				return fmt.Errorf("privilege drop: groups of user %s: %w", u.Username, err)
			}
		} else {
			log.Warn("privilege drop: no user name for this id: the supplementary groups are the current group only", "uid", uid)
		}
		if err := syscall.Setgroups(groups); err != nil {
			return fmt.Errorf("privilege drop: setgroups for user id %d: %w", uid, err)
		}
		if err := syscall.Setuid(uid); err != nil {
			return fmt.Errorf("privilege drop: setuid(%d): %w", uid, err)
		}
	}
	return nil
}

// initGroups returns the supplementary groups initgroups(3) gives user u
// with group gid, from the group file (path): gid and every group that
// lists u as a member.
func initGroups(path, name string, gid int) ([]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	groups := []int{gid}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":") // name:password:gid:members
		if len(f) != 4 || !slices.Contains(strings.Split(f[3], ","), name) {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil && !slices.Contains(groups, id) {
			groups = append(groups, id)
		}
	}
	return groups, nil
}
