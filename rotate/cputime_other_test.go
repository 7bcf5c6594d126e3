//go:build !unix

package rotate

import "time"

// cpuTime falls back to wall time where rusage is not available.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
