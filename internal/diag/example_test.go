package diag_test

import (
	"fmt"
	"strconv"

	"github.com/haplog/haplog/internal/diag"
)

func Example() {
	var l diag.List
	pos := diag.Pos{File: "/etc/logrotate.d/haproxy", Line: 4}
	if _, err := strconv.Atoi("ten"); err != nil {
		l.Add(pos.Errorf("rotate", "%q is not a number: %w", "ten", err))
	}
	pos.Line = 7
	l.Add(pos.Warnf("mail", "accepted, has no effect"))
	fmt.Println(l)
	fmt.Println(l.Err() != nil)
	// Output:
	// /etc/logrotate.d/haproxy:4: error: rotate: "ten" is not a number: strconv.Atoi: parsing "ten": invalid syntax
	// /etc/logrotate.d/haproxy:7: warning: mail: accepted, has no effect
	// true
}
