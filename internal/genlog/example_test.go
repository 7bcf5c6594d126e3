package genlog_test

import (
	"fmt"
	"net"

	"github.com/haplog/haplog/internal/genlog"
)

// A UDP load test: one HAProxy-style syslog datagram per generated line.
func ExampleGenerator_Next() {
	c := genlog.DefaultConfig()
	c.Prefix = genlog.PrefixNone // the datagram carries its own syslog header
	g, err := genlog.New(c)
	if err != nil {
		panic(err)
	}
	conn, err := net.Dial("udp", "127.0.0.1:514")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	buf := make([]byte, 0, 2048)
	for range 1000 {
		buf = append(buf[:0], "<134>Nov 21 08:00:00 haproxy[1234]: "...)
		buf = g.Next(buf)
		if _, err := conn.Write(buf); err != nil {
			fmt.Println(err)
			return
		}
	}
}
