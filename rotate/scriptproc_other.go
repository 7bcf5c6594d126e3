//go:build !unix

package rotate

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

// killGroup kills the script (no process groups here).
func killGroup(cmd *exec.Cmd, _ bool) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
