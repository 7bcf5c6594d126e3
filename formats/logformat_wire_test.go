package formats

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"
)

// The fidelity proof: every datagram HAProxy 2.6 sent during the conformance
// captures (../testdata/logs/*/wire-*.log, one datagram per line, copied from
// the shared conformance corpus) is split into its syslog header fields and
// its message; the message is parsed into a Record with the scenario's
// log-format and rendered again with Format.Append; the header is rendered
// again with a Framer. The result must be the same bytes.

// customLogFormat is the log-format of conformance/configs/haproxy-custom.cfg
// after the configuration tokenizer removed its `\ ` and `\"` escapes.
const customLogFormat = `%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`

type wireCase struct {
	file    string
	framing LogFormat
	format  string
	opt     ParseOptions
	maxLen  int
	// Expected numbers of traffic lines and of lines cut at maxLen, counted
	// with grep -c ' \[21/Nov/2026:' and awk 'length($0)==1024'.
	traffic int
	cut     int
}

var wireCases = []wireCase{
	{file: "http/wire-http.log", framing: LogLocal, format: HTTPLogFormat, traffic: 1636, cut: 14},
	{file: "tcp/wire-tcp.log", framing: LogLocal, format: TCPLogFormat, traffic: 680},
	{file: "clf/wire-clf.log", framing: LogLocal, format: CLFLogFormat, traffic: 334, cut: 2,
		opt: ParseOptions{ReqCaptures: 2, RespCaptures: 1}},
	{file: "custom/wire-custom.log", framing: LogLocal, format: customLogFormat, traffic: 334, cut: 2},
	{file: "rfc5424/wire-rfc5424.log", framing: LogRFC3164, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-rfc5424.log", framing: LogRFC5424, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-short.log", framing: LogShort, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-raw.log", framing: LogRaw, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-iso.log", framing: LogISO, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-timed.log", framing: LogTimed, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-priority.log", framing: LogPriority, format: HTTPLogFormat, traffic: 428, cut: 4},
	{file: "rfc5424/wire-rfc5424-len4096.log", framing: LogRFC3164, format: HTTPLogFormat, traffic: 428, maxLen: 4096},
}

func TestWireRoundTrip(t *testing.T) {
	for _, tc := range wireCases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("../testdata/logs/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			maxLen := tc.maxLen
			if maxLen == 0 {
				maxLen = DefaultMaxLen
			}
			traffic, cut, n := 0, 0, 0
			var rec Record
			for len(data) > 0 {
				i := bytes.IndexByte(data, '\n')
				dgram := data[:i+1]
				data = data[i+1:]
				n++
				h, err := splitDatagram(dgram, tc.framing, time.UTC)
				if err != nil {
					t.Fatalf("datagram %d: %v\n%q", n, err, dgram)
				}
				msg := h.msg
				if bytes.Contains(msg, []byte(" [21/Nov/2026:")) {
					traffic++
					err := f.Parse(msg, &rec, tc.opt)
					switch {
					case errors.Is(err, ErrTruncated) && len(dgram) == maxLen+1:
						cut++
					case err != nil:
						t.Fatalf("datagram %d: parse: %v\n%q", n, err, msg)
					}
					msg = f.Append(nil, &rec)
				}
				fr := &Framer{Format: tc.framing, Facility: h.fac, Hostname: h.host, Tag: h.tag, PID: h.pid, MaxLen: maxLen}
				got := fr.Append(nil, h.sev, h.time, msg)
				if !bytes.Equal(got, dgram) {
					t.Fatalf("datagram %d differs:\nwant %q\ngot  %q", n, dgram, got)
				}
			}
			if traffic != tc.traffic || cut != tc.cut {
				t.Errorf("%d datagrams: %d traffic lines (want %d), %d cut (want %d)", n, traffic, tc.traffic, cut, tc.cut)
			}
		})
	}
}

// wireHeader is a datagram split into its framing fields, read by a parser
// independent of Framer.
type wireHeader struct {
	fac  Facility
	sev  Severity
	time time.Time
	host string
	tag  string
	pid  int
	msg  []byte
}

func splitDatagram(d []byte, framing LogFormat, loc *time.Location) (wireHeader, error) {
	var h wireHeader
	if len(d) == 0 || d[len(d)-1] != '\n' {
		return h, errors.New("no final newline")
	}
	d = d[:len(d)-1]
	var err error
	word := func() string {
		i := bytes.IndexByte(d, ' ')
		if i < 0 {
			err = errors.New("missing field")
			return ""
		}
		w := string(d[:i])
		d = d[i+1:]
		return w
	}
	pri := func(level bool) {
		v, n, ok := ParsePRI(d)
		if !ok {
			err = errors.New("bad PRI")
			return
		}
		d = d[n:]
		if level {
			h.sev = Severity(v)
			return
		}
		h.fac, h.sev = Facility(v>>3), Severity(v&7)
	}
	iso := func() {
		h.time, err = time.ParseInLocation("2006-01-02T15:04:05.000000-07:00", word(), loc)
	}
	legacy := func() {
		if len(d) < 16 {
			err = errors.New("short timestamp")
			return
		}
		h.time, err = time.ParseInLocation("2006 Jan _2 15:04:05", "2026 "+string(d[:15]), loc)
		d = d[16:]
	}
	tagPID := func(s string) {
		i := bytes.IndexByte([]byte(s), '[')
		if i < 0 || s[len(s)-1] != ']' {
			err = errors.New("bad tag")
			return
		}
		h.tag = s[:i]
		h.pid, err = strconv.Atoi(s[i+1 : len(s)-1])
	}
	switch framing {
	case LogLocal, LogRFC3164:
		pri(false)
		legacy()
		if framing == LogRFC3164 {
			h.host = word()
		}
		tp := word()
		if len(tp) == 0 || tp[len(tp)-1] != ':' {
			return h, errors.New("no colon after tag")
		}
		tagPID(tp[:len(tp)-1])
	case LogRFC5424:
		pri(false)
		if word() != "1" {
			return h, errors.New("bad version")
		}
		iso()
		h.host, h.tag = word(), word()
		h.pid, err = strconv.Atoi(word())
		if msgid, sd := word(), word(); msgid != "-" || sd != "-" {
			return h, errors.New("unexpected MSGID or SD")
		}
	case LogPriority:
		pri(false)
	case LogShort:
		pri(true)
	case LogTimed:
		pri(true)
		iso()
	case LogISO:
		iso()
	}
	if framing == LogShort || framing == LogTimed {
		h.fac = Local2 // the facility is not on the wire; any value works
	}
	h.msg = d
	return h, err
}
