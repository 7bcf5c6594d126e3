package proxy

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/haplog/haplog/proxy/config"
)

// RaiseFDLimit sets RLIMIT_NOFILE for cfg before anything is bound, as
// HAProxy 2.6 does at startup: the limit wanted is "ulimit-n" when set,
// else the descriptor budget of the global maxconn (maxsock: the
// reserved descriptors plus two per connection). A limit already high
// enough is left alone (haproxy 2.6.12 never lowers it: "ulimit-n 100"
// under a 20000 limit keeps 20000); a higher one is set, soft and hard.
// When the kernel refuses, the start fails with HAProxy's alert,
// "[proxy.main()] Cannot raise FD limit to N, limit is M." (haproxy
// 2.6.12 exits 1 there, as measured with prlimit). "-c" does not call it:
// haproxy -c accepts such a configuration.
//
// Go raises the soft limit to the hard one at startup, so "limit is M"
// names the hard limit where haproxy names the soft one it started with
// (the same number when both are equal, as under prlimit --nofile=N:N).
func RaiseFDLimit(cfg *config.Config) error {
	cur, hard, err := getNofile()
	if err != nil {
		return fmt.Errorf("getrlimit(RLIMIT_NOFILE): %w", err)
	}
	want := uint64(cfg.Global.UlimitN)
	if want == 0 {
		want = uint64(computeLimits(cfg, rlimitNofile()).maxsock)
	}
	if want <= cur {
		return nil
	}
	if err := setNofile(want, max(hard, want)); err != nil {
		cur, _, _ = getNofile()
		//lint:ignore ST1005 HAProxy's message, word for word
		return fmt.Errorf("[%s.main()] Cannot raise FD limit to %d, limit is %d.", filepath.Base(os.Args[0]), want, cur)
	}
	return nil
}
