// Command kfakebroker runs franz-go's kfake as a one-broker Kafka cluster
// in its own process, on a fixed address, for the side-by-side harness
// (bench/kafka.sh): rsyslog's omkafka (librdkafka) and syslogd produce to
// it, kcat reads the topic. Data is kept in memory.
//
//	kfakebroker [-addr 127.0.0.1:9092] [-topic logs] [-partitions 3]
//
// SIGUSR1 cuts the network (open connections are closed, new ones are
// closed as soon as accepted); SIGUSR2 restores it, with the data, and
// the first produce request after that is reported ("resumed +S.SSSs":
// seconds from the restore to the request, measured in the broker; the
// time a producer took to send again).
// SIGINT/SIGTERM stop it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/haplog/haplog/internal/testkit"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9092", "listen address")
	topic := flag.String("topic", "logs", "topic to create")
	parts := flag.Int("partitions", 3, "partitions of the topic")
	flag.Parse()
	b, err := testkit.StartBroker(*addr, *topic, int32(*parts))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfakebroker:", err)
		os.Exit(1)
	}
	fmt.Println("listening", b.Addr)
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM)
	for s := range sig {
		switch s {
		case syscall.SIGUSR1:
			b.Cut()
			fmt.Println("cut")
		case syscall.SIGUSR2:
			t0 := time.Now()
			c := b.Cluster()
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				fmt.Printf("resumed +%.3fs\n", time.Since(t0).Seconds())
				c.DropControl()
				return nil, nil, false
			})
			b.Restore()
			fmt.Println("restored")
		default:
			b.Close()
			return
		}
	}
}
