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
	u, err := user.Lookup(name)
	if err != nil {
		if _, ok := err.(user.UnknownUserError); ok {
			return 0, errSuccess
		}
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}

// lookupGroup returns the gid of a group name (getgrnam).
func lookupGroup(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		if _, ok := err.(user.UnknownGroupError); ok {
			return 0, errSuccess
		}
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

// errSuccess prints as HAProxy's "(0:Success)" for a name getpwnam did
// not find.
var errSuccess = successError{}

type successError struct{}

func (successError) Error() string { return "0:Success" }
