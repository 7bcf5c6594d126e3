package proxy

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/haplog/haplog/proxy/config"
)

// DropPrivileges applies the global "chroot", "group"/"gid" and
// "user"/"uid" settings in HAProxy 2.6's order, once every listener and
// stats socket is bound (call it after Listen): chroot() and chdir("/"),
// then, when a group is set, setgroups(0) and setgid(), then, when a user
// is set, setuid(). Go applies set*id to every thread of the process. A
// failure is fatal and returns HAProxy's message ("[haproxy.main()]
// Cannot chroot(/x)."); as with HAProxy the caller must exit.
//
// Nothing is done for a setting left out; uid/gid 0 count as not set, as
// in HAProxy. Files the runtime opens later (UNIX log sockets, resolved
// at each send) are looked up inside the new root.
func DropPrivileges(g *config.Global) error {
	//lint:file-ignore ST1005 HAProxy's messages, word for word
	prog := filepath.Base(os.Args[0])
	if g.Chroot != "" {
		if err := syscall.Chroot(g.Chroot); err != nil {
			return fmt.Errorf("[%s.main()] Cannot chroot(%s).", prog, g.Chroot)
		}
		if err := syscall.Chdir("/"); err != nil {
			return fmt.Errorf("[%s.main()] Cannot chroot(%s).", prog, g.Chroot)
		}
	}
	if g.GID > 0 {
		// A process without CAP_SETGID keeps its supplementary groups
		// (HAProxy warns, then setgid decides).
		if n, _ := syscall.Getgroups(); len(n) > 0 {
			_ = syscall.Setgroups(nil)
		}
		if err := syscall.Setgid(g.GID); err != nil {
			return fmt.Errorf("[%s.main()] Cannot set gid %d.", prog, g.GID)
		}
	}
	if g.UID > 0 {
		if err := syscall.Setuid(g.UID); err != nil {
			return fmt.Errorf("[%s.main()] Cannot set uid %d.", prog, g.UID)
		}
	}
	return nil
}
