//go:build unix

package rotate

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the script in a process group of its own, so that
// a timeout ends what it started too.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGTERM (or SIGKILL) to the script's process group.
func killGroup(cmd *exec.Cmd, hard bool) error {
	if cmd.Process == nil {
		return nil
	}
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	return syscall.Kill(-cmd.Process.Pid, sig)
}
