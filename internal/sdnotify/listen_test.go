package sdnotify

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestListenersEnv: variables for another process are ignored, bad
// values are errors naming the variable, and every case removes the
// variables (children must not take them). The descriptors themselves
// are taken in cmd/syslogd's TestKill9SocketActivation (a real exec).
func TestListenersEnv(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	for _, c := range []struct {
		pid, fds, err string
	}{
		{"", "", ""},
		{"1", "2", ""}, // another process's
		{"x", "1", "LISTEN_PID"},
		{self, "many", "LISTEN_FDS"},
		{self, "-1", "LISTEN_FDS"},
		{self, "100000", "LISTEN_FDS"},
		{self, "0", ""},
	} {
		t.Setenv("LISTEN_PID", c.pid)
		t.Setenv("LISTEN_FDS", c.fds)
		t.Setenv("LISTEN_FDNAMES", "a")
		files, err := Listeners()
		switch {
		case c.err == "" && err != nil, c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("LISTEN_PID=%q LISTEN_FDS=%q: error %v, want one naming %q", c.pid, c.fds, err, c.err)
		case len(files) != 0:
			t.Errorf("LISTEN_PID=%q LISTEN_FDS=%q: %d files", c.pid, c.fds, len(files))
		}
		for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
			if _, ok := os.LookupEnv(v); ok {
				t.Errorf("LISTEN_PID=%q LISTEN_FDS=%q: %s still set", c.pid, c.fds, v)
			}
		}
	}
}
