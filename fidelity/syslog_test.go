package fidelity

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// framing is a syslog header layout of HAProxy's `log ... format <name>`.
type framing string

const (
	frameLocal    framing = "local"    // <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
	frame3164     framing = "rfc3164"  // <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
	frame5424     framing = "rfc5424"  // <PRI>1 ISOTS HOST TAG PID - SD MSG
	frameShort    framing = "short"    // <LEVEL>MSG
	frameRaw      framing = "raw"      // MSG
	frameISO      framing = "iso"      // ISOTS MSG
	frameTimed    framing = "timed"    // <LEVEL>ISOTS MSG
	framePriority framing = "priority" // <PRI>MSG
)

const (
	stampRe = `([A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9])`
	isoRe   = `([0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}[+-][0-9]{2}:[0-9]{2})`
)

// Header regexps: the submatches are pri, stamp, host, tag, pid (empty
// groups where the layout has none).
var headerRes = map[framing]*regexp.Regexp{
	frameLocal:    regexp.MustCompile(`^<([0-9]{1,3})>` + stampRe + `() ([^ \[]*)\[([0-9]+)\]: `),
	frame3164:     regexp.MustCompile(`^<([0-9]{1,3})>` + stampRe + ` (\S+) ([^ \[]*)\[([0-9]+)\]: `),
	frame5424:     regexp.MustCompile(`^<([0-9]{1,3})>1 ` + isoRe + ` (\S+) (\S+) ([0-9]+) - - `),
	frameShort:    regexp.MustCompile(`^<([0-7])>()()()()`),
	frameRaw:      regexp.MustCompile(`^()()()()()`),
	frameISO:      regexp.MustCompile(`^()` + isoRe + ` ()()()`),
	frameTimed:    regexp.MustCompile(`^<([0-7])>` + isoRe + ` ()()()`),
	framePriority: regexp.MustCompile(`^<([0-9]{1,3})>()()()()`),
}

// header is what a datagram's syslog header says.
type header struct {
	ok    bool   // the header matched its layout
	pri   int    // -1 when the layout has none
	stamp string // timestamp text, "" when none
	host  string
	tag   string
	pid   int // 0 when none
	lf    bool
	size  int // datagram length
}

// dgram is one received datagram.
type dgram struct {
	raw   string
	hdr   header
	msg   string // payload without header and final LF
	admin bool   // a process/admin event rather than a traffic line
}

// parseDgram splits a datagram according to its framing.
func parseDgram(raw string, f framing) dgram {
	d := dgram{raw: raw, hdr: header{pri: -1, size: len(raw)}}
	body := raw
	if strings.HasSuffix(body, "\n") {
		d.hdr.lf = true
		body = body[:len(body)-1]
	}
	re := headerRes[f]
	m := re.FindStringSubmatchIndex(body)
	if m == nil {
		d.msg = body
		d.admin = isAdmin(d.msg)
		return d
	}
	sub := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return body[m[2*i]:m[2*i+1]]
	}
	d.hdr.ok = true
	if s := sub(1); s != "" {
		d.hdr.pri, _ = strconv.Atoi(s)
	}
	d.hdr.stamp = sub(2)
	d.hdr.host = sub(3)
	d.hdr.tag = sub(4)
	d.hdr.pid, _ = strconv.Atoi(sub(5))
	d.msg = body[m[1]:]
	d.admin = isAdmin(d.msg)
	return d
}

// stampPlausible reads a header timestamp (legacy stamps are in zone loc
// and get now's year) and reports whether it lies within the last minutes
// before now.
func stampPlausible(s string, now time.Time, loc *time.Location) bool {
	if s == "" {
		return true
	}
	var t time.Time
	var err error
	if strings.Contains(s, "T") {
		t, err = time.Parse("2006-01-02T15:04:05.000000-07:00", s)
	} else {
		t, err = time.ParseInLocation(time.Stamp, s, loc)
		t = t.AddDate(now.Year(), 0, 0)
	}
	if err != nil {
		return false
	}
	d := now.Sub(t)
	return d > -time.Minute && d < 10*time.Minute
}

var adminRe = regexp.MustCompile(`^(Server \S+ is |Backup Server \S+ is |backend \S+ has no server available!|proxy \S+ has no server available!|Proxy \S+ (started|stopped)|Health check for |Some proxies refused|Scheduling a soft-stop|Grace period expired|Connect\(\) failed|Stopping (frontend|backend|proxy) )`)

// isAdmin tells process/admin messages from traffic lines.
func isAdmin(msg string) bool { return adminRe.MatchString(msg) }

var (
	durationRe = regexp.MustCompile(`check duration: [0-9]+ms`)
)

// adminKey is the comparable form of an admin line: its PRI and its text
// with the check duration masked.
func adminKey(d dgram) string {
	return "<" + strconv.Itoa(d.hdr.pri) + "> " + durationRe.ReplaceAllString(d.msg, "check duration: Nms")
}

// collector receives the datagrams sent to one UDP port.
type collector struct {
	conn net.PacketConn
	in   chan string
	done chan struct{}
}

func newCollector() (*collector, error) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	col := &collector{conn: c, in: make(chan string, 100000), done: make(chan struct{})}
	go func() {
		defer close(col.done)
		buf := make([]byte, 70000)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case col.in <- string(buf[:n]):
			default: // full: the step will report missing lines
			}
		}
	}()
	return col, nil
}

func (c *collector) port() int { return c.conn.LocalAddr().(*net.UDPAddr).Port }

func (c *collector) close() {
	c.conn.Close()
	<-c.done
}

// next returns the next datagram, or false at the deadline.
func (c *collector) next(deadline time.Time) (string, bool) {
	tm := time.NewTimer(time.Until(deadline))
	defer tm.Stop()
	select {
	case s := <-c.in:
		return s, true
	case <-tm.C:
		return "", false
	}
}

// endMarker is sent by the test itself to a collector after the process
// being observed has exited: every datagram that process sent is queued
// before it on the loopback socket.
const endMarker = "\x00fidelity-end\x00"

func (c *collector) sendEnd() error {
	conn, err := net.Dial("udp4", c.conn.LocalAddr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(endMarker))
	return err
}
