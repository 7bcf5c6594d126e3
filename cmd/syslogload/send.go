package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// Severity of message seq: 90% info, 7% err, 3% notice.
func severity(seq int) int {
	switch r := seq % 100; {
	case r < 90:
		return 6
	case r < 97:
		return 3
	}
	return 5
}

// appendMessage appends datagram seq of run rid.
func appendMessage(dst []byte, rid string, seq int, now time.Time) []byte {
	sev := severity(seq)
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(16*8+sev), 10)
	dst = append(dst, '>')
	dst = now.AppendFormat(dst, time.Stamp)
	dst = append(dst, " haproxy[4242]: "...)
	switch sev {
	case 6, 3:
		status := "200"
		if sev == 3 {
			status = "503"
		}
		dst = append(dst, "127.0.0.1:"...)
		dst = strconv.AppendInt(dst, int64(30000+seq%30000), 10)
		dst = append(dst, " ["...)
		dst = now.AppendFormat(dst, "02/Jan/2006:15:04:05.000")
		dst = append(dst, "] www~ www/web3 8/0/0/55/64 "...)
		dst = append(dst, status...)
		dst = append(dst, " 17481 - - --VN 295/283/35/3/0 0/0 {www.example.com|curl/8.5.0} \"GET /help/kids/helmet.html?rid="...)
	default:
		dst = append(dst, "Server www/web3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\" rid="...)
	}
	dst = append(dst, rid...)
	dst = append(dst, "&seq="...)
	dst = strconv.AppendInt(dst, int64(seq), 10)
	if sev != 5 {
		dst = append(dst, " HTTP/1.1\""...)
	}
	return append(dst, '\n')
}

type sendResult struct {
	sent    int
	elapsed time.Duration
	cpu     time.Duration
}

// send sends n datagrams to addr at rate messages/s (0: as fast as
// possible), pacing in 100 µs ticks.
func send(addr string, n, rate int, rid string) (sendResult, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return sendResult{}, err
	}
	defer c.Close()
	cpu0 := processCPU()
	start := time.Now()
	buf := make([]byte, 0, 512)
	sent := 0
	for sent < n {
		due := n
		if rate > 0 {
			due = min(n, int(float64(rate)*time.Since(start).Seconds())+1)
			if due <= sent {
				time.Sleep(100 * time.Microsecond)
				continue
			}
		}
		for ; sent < due; sent++ {
			buf = appendMessage(buf[:0], rid, sent, time.Now())
			if _, err := c.Write(buf); err != nil {
				// ECONNREFUSED from an earlier ICMP error: the receiver is
				// not (yet) there; count it as sent and lost.
				if !isRefused(err) {
					return sendResult{}, fmt.Errorf("send %d: %w", sent, err)
				}
			}
		}
	}
	return sendResult{sent: sent, elapsed: time.Since(start), cpu: processCPU() - cpu0}, nil
}

func isRefused(err error) bool {
	for e := err; e != nil; {
		if e == syscall.ECONNREFUSED {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cmdSend(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5140", "receiver UDP address")
	n := fs.Int("n", 100000, "number of messages")
	rate := fs.Int("rate", 0, "target messages per second (0: as fast as possible)")
	rid := fs.String("rid", "run", "run id written in every message")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	r, err := send(*addr, *n, *rate, *rid)
	if err != nil {
		fmt.Fprintln(stderr, "syslogload send:", err)
		return 1
	}
	fmt.Fprintf(stdout, "sent %d in %.3fs = %.0f msg/s, sender CPU %.2f µs/msg\n", r.sent, r.elapsed.Seconds(),
		float64(r.sent)/r.elapsed.Seconds(), float64(r.cpu.Microseconds())/float64(r.sent))
	return 0
}
