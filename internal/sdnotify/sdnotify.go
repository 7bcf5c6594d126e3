package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
)

// Env is the variable naming the notification socket.
const Env = "NOTIFY_SOCKET"

// Messages, as HAProxy sends them.
const (
	Reloading = "RELOADING=1"
	Stopping  = "STOPPING=1"
)

// Ready is "READY=1" followed by the main pid on its own line, as HAProxy
// sends it.
func Ready(mainPID int) string { return "READY=1\nMAINPID=" + strconv.Itoa(mainPID) }

// ErrNoSocket is returned by Notify when NOTIFY_SOCKET is not set.
var ErrNoSocket = errors.New("sdnotify: " + Env + " not set")

// Notify sends state to the socket named by NOTIFY_SOCKET; it returns
// ErrNoSocket when the variable is empty (not run by systemd).
func Notify(state string) error {
	path := os.Getenv(Env)
	if path == "" {
		return ErrNoSocket
	}
	return Send(path, state)
}

// Send sends state as one datagram to the unix datagram socket at path.
// A leading '@' names an abstract socket.
func Send(path, state string) error {
	if len(path) < 2 || (path[0] != '/' && path[0] != '@') {
		return fmt.Errorf("sdnotify: %s=%q is not an absolute path or an abstract name", Env, path)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}
