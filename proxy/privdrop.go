package proxy

import (
	"fmt"
	"io"
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
//
// When the supplementary groups cannot be dropped, HAProxy's warning
// ("Failed to drop supplementary groups. ...") is written to stderr (nil:
// not printed) and setgid decides.
func DropPrivileges(g *config.Global, stderr io.Writer) error {
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
		if n, _ := syscall.Getgroups(); len(n) > 0 && syscall.Setgroups([]int{}) != nil && stderr != nil {
			fmt.Fprintf(stderr, "[WARNING]  (%d) : [%s.main()] Failed to drop supplementary groups. Using 'gid'/'group' without 'uid'/'user' is generally useless.\n", os.Getpid(), prog)
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
