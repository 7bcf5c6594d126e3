package config

import (
	"os"
	"os/user"
	"strconv"
)

func osHostname() (string, error) { return os.Hostname() }

func osLookupEnv(name string) (string, bool) { return os.LookupEnv(name) }

func osFileMode(m uint64) os.FileMode { return os.FileMode(m) }

// lookupUser returns the uid of a user name (getpwnam). HAProxy prints
// "(errno:strerror)" after the name; a name that is simply absent gives
// "(0:Success)".
func lookupUser(name string) (int, error) {
	return lookupID(name, user.Lookup, func(u *user.User) string { return u.Uid })
}

// lookupGroup returns the gid of a group name (getgrnam).
func lookupGroup(name string) (int, error) {
	return lookupID(name, user.LookupGroup, func(g *user.Group) string { return g.Gid })
}

// lookupID looks name up and returns the numeric id that id reads from
// the entry; errSuccess when there is no such entry.
func lookupID[T any](name string, lookup func(string) (T, error), id func(T) string) (int, error) {
	e, err := lookup(name)
	switch err.(type) {
	case nil:
		return strconv.Atoi(id(e))
	case user.UnknownUserError, user.UnknownGroupError:
		return 0, errSuccess
	}
	return 0, err
}

// errSuccess prints as HAProxy's "(0:Success)" for a name getpwnam did
// not find.
var errSuccess = successError{}

type successError struct{}

func (successError) Error() string { return "0:Success" }
