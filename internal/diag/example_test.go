package diag_test

import (
	"fmt"
	"os"
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

// The proxy prints its configuration diagnostics in HAProxy's layout,
// which "haproxy -c" users and tests compare byte for byte.
func ExampleWriteHAProxy() {
	pos := diag.Pos{File: "haproxy.cfg", Line: 12}
	diag.WriteHAProxy(os.Stdout, 4242, pos.Errorf("", "unknown keyword 'tiemout' in 'defaults' section"))
	diag.WriteHAProxy(os.Stdout, 4242, diag.Pos{}.Warnf("", "first line\nsecond line"))
	fmt.Println(pos.Notef("", "x").HAProxy())
	// Output:
	// [ALERT]    (4242) : config : parsing [haproxy.cfg:12] : unknown keyword 'tiemout' in 'defaults' section
	// [WARNING]  (4242) : config : first line
	//    | second line
	// parsing [haproxy.cfg:12] : x
}
