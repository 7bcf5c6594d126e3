package syslogd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// frameSink is a TCP receiver of octet-counted frames that can be stopped
// (listener closed, connections closed after what was sent is read) and
// started again on the same port.
type frameSink struct {
	mu   sync.Mutex
	seqs map[int]int
	ln   net.Listener
	wg   sync.WaitGroup
}

func (r *frameSink) start(t *testing.T, addr string) {
	t.Helper()
	var err error
	for i := 0; i < 100; i++ { // the port may linger briefly
		if r.ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // retry interval
	}
	if err != nil {
		t.Fatal(err)
	}
	ln := r.ln
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		var conns sync.WaitGroup
		var open []net.Conn
		var mu sync.Mutex
		for {
			c, err := ln.Accept()
			if err != nil {
				mu.Lock()
				for _, c := range open {
					// Drain what the sender wrote, then close.
					c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				}
				mu.Unlock()
				conns.Wait()
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				fr := NewFrameReader(c, 1<<16)
				for {
					b, err := fr.Next()
					if err != nil {
						if !errors.Is(err, io.EOF) {
							return
						}
						return
					}
					if i := strings.Index(string(b), "seq="); i >= 0 {
						k, _ := strconv.Atoi(string(b[i+4:]))
						r.mu.Lock()
						r.seqs[k]++
						r.mu.Unlock()
					}
				}
			}()
		}
	}()
}

func (r *frameSink) stop() { r.ln.Close(); r.wg.Wait() }

func (r *frameSink) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.seqs) }

// TestOmfwdReceiverRestart relays through omfwd (octet-counted TCP) to a
// receiver that is stopped and restarted mid-stream: nothing is lost.
func TestOmfwdReceiverRestart(t *testing.T) {
	rs := &frameSink{seqs: map[int]int{}}
	rs.start(t, "127.0.0.1:0")
	addr := rs.ln.Addr().String()
	host, port, _ := net.SplitHostPort(addr)
	conf := `template(name="fwd" type="string" string="<%pri%>%timestamp% %hostname% %syslogtag%%msg%")
action(type="omfwd" target="` + host + `" port="` + port + `" protocol="tcp" TCP_Framing="octet-counted" template="fwd"
       queue.type="LinkedList" queue.filename="fq" queue.spoolDirectory="SPOOLDIR" action.resumeRetryCount="-1" action.resumeInterval="1")
`
	dir := t.TempDir()
	s, stop := testServer(t, conf, dir, Options{})
	udp, _, _ := s.Addrs()
	c, err := net.Dial("udp", udp[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 6000
	sendSeqs(t, s, c, 0, 2000, 0)
	waitFor(t, func() bool { return rs.count() > 0 })
	rs.stop()
	sendSeqs(t, s, c, 2000, 4000, 0)
	rs.start(t, addr)
	sendSeqs(t, s, c, 4000, n, 0)
	waitFor(t, func() bool { return rs.count() >= n })
	stop()
	rs.stop()
	dup := 0
	for k := 0; k < n; k++ {
		if rs.seqs[k] == 0 {
			t.Fatalf("seq=%d lost", k)
		}
		dup += rs.seqs[k] - 1
	}
	t.Logf("0 lost, %d duplicated", dup)
}

func TestOmfwdConfigErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{`action(type="omfwd" target="h" protocol="tcp" bogus="1")`, `test.conf:1: error: bogus`},
		{`action(type="omfwd" target="h" protocol="sctp")`, `protocol`},
		{`action(type="omfwd" protocol="tcp")`, `target`},
		{`action(type="omfwd" target="h" protocol="tcp" TCP_Framing="x")`, `tcp_framing`},
	} {
		_, err := ParseConfig("test.conf", []byte(c.conf))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.conf, err, c.want)
		}
	}
}

// TestWriteFrameAllocs: omfwd frames a TCP message (octet-counted, with a
// length of three digits, or line-feed terminated) without allocating,
// and writes the bytes RFC 6587 says.
func TestWriteFrameAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	msg := bytes.Repeat([]byte("x"), 123)
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 1<<20)
	for _, octet := range []bool{true, false} {
		if a := testing.AllocsPerRun(100, func() { writeFrame(bw, msg, octet) }); a != 0 {
			t.Errorf("octet %v: %v allocations per message, want 0", octet, a)
		}
	}
	out.Reset()
	bw = bufio.NewWriterSize(&out, 16) // less free space than a length may need
	writeFrame(bw, []byte("<13>a b"), true)
	writeFrame(bw, []byte("<13>c"), false)
	writeFrame(bw, msg, true)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "7 <13>a b<13>c\n123 "+string(msg); got != want {
		t.Errorf("frames %q, want %q", got, want)
	}
}
