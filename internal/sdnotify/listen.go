package sdnotify

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Socket activation (sd_listen_fds(3)): a supervisor — systemd with a
// .socket unit, or any program following the protocol — binds the
// sockets and starts the service with them open from descriptor 3 on,
// LISTEN_FDS saying how many and LISTEN_PID naming the process they are
// for (LISTEN_FDNAMES, optional, their names separated by ':').
const (
	listenFDsStart = 3
	// maxListenFDs bounds LISTEN_FDS (a corrupt value must not make us
	// adopt thousands of descriptors).
	maxListenFDs = 1024
)

// Listeners returns the sockets passed to this process by socket
// activation, nil when there are none or when LISTEN_PID names another
// process (a variable inherited from a parent that was activated). The
// three variables are removed from the environment, as sd_listen_fds(1)
// does, so that children do not take them; the descriptors are marked
// close-on-exec. A LISTEN_PID or LISTEN_FDS that is not a number is an
// error naming the variable.
func Listeners() ([]*os.File, error) {
	pidText, fdsText, namesText := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_FDNAMES")
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		_ = os.Unsetenv(v)
	}
	if pidText == "" {
		return nil, nil
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("socket activation: LISTEN_PID=%q: not a process id", pidText)
	}
	if pid != os.Getpid() {
		return nil, nil
	}
	n, err := strconv.Atoi(fdsText)
	if err != nil || n < 0 || n > maxListenFDs {
		return nil, fmt.Errorf("socket activation: LISTEN_FDS=%q: want a count of 0 to %d", fdsText, maxListenFDs)
	}
	var names []string
	if namesText != "" {
		names = strings.Split(namesText, ":")
	}
	files := make([]*os.File, 0, n)
	for i := 0; i < n; i++ {
		fd := listenFDsStart + i
		syscall.CloseOnExec(fd)
		name := "LISTEN_FD_" + strconv.Itoa(fd)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		files = append(files, os.NewFile(uintptr(fd), name))
	}
	return files, nil
}
