package h1

import (
	"bytes"
	"errors"
	"testing"

	"github.com/haplog/haplog/internal/h1corpus"
)

// outcome is what our parser does with a case.
type outcome struct {
	rejected   bool
	reason     Reason
	incomplete bool
	heads      []string // normalised heads we would forward
	bodies     []string // decoded payload + trailers of each
}

// run parses the messages of raw one after the other, as the proxy does
// on one connection, until an error, the end of the data, or a message
// after which the connection must close.
func run(raw []byte, resp bool) outcome {
	lim := DefaultLimits()
	buf := append([]byte(nil), raw...)
	var o outcome
	var req Message // the plain GET the response cases answer
	for len(buf) > 0 {
		var m Message
		var n int
		var err error
		if resp {
			n, err = ParseResponse(buf, &m, &lim)
		} else {
			n, err = ParseRequest(buf, &m, &lim)
		}
		if errors.Is(err, ErrIncomplete) {
			o.incomplete = true
			if resp {
				// The server closed after sending it: a truncated
				// head is a bad response.
				o.rejected, o.reason = true, HeadTooLarge
			}
			return o
		}
		if err == nil && resp {
			err = m.CheckResponseTo(&req)
		}
		if err != nil {
			o.rejected, o.reason = true, ReasonOf(err)
			return o
		}
		buf = buf[n:]
		if resp && m.Status < 200 && m.Status != 101 {
			continue
		}
		body, rest, err, incomplete := readBody(buf, &m, &lim, resp)
		if err != nil {
			o.rejected, o.reason = true, ReasonOf(err)
			return o
		}
		if !resp {
			o.heads = append(o.heads, string(AppendRequest(nil, &m, false)))
		}
		o.bodies = append(o.bodies, body)
		if incomplete {
			o.incomplete = true
			return o
		}
		buf = rest
		if m.MustClose || resp || m.ConnClose {
			return o
		}
	}
	return o
}

// readBody decodes the body of m at the start of b: the payload followed
// by the trailer lines (lower-cased), and what follows.
func readBody(b []byte, m *Message, lim *Limits, resp bool) (body string, rest []byte, err error, incomplete bool) {
	switch {
	case resp && (m.Status == 204 || m.Status == 304):
		return "", b, nil, false
	case m.Chunked:
		out, rest, err, incomplete := decodeChunks(b, lim)
		return string(out), rest, err, incomplete
	case m.ContentLength >= 0:
		if int64(len(b)) < m.ContentLength {
			return string(b), nil, nil, true
		}
		return string(b[:m.ContentLength]), b[m.ContentLength:], nil, false
	case resp:
		return string(b), nil, nil, false
	}
	return "", b, nil, false
}

// decodeRecorded decodes a body the backend received (chunked when the
// head says so) into the same form as readBody.
func decodeRecorded(t *testing.T, head, body string) string {
	t.Helper()
	if !bytes.Contains(bytes.ToLower([]byte(head)), []byte("\ntransfer-encoding: chunked")) {
		return body
	}
	lim := DefaultLimits()
	out, _, err, _ := decodeChunks([]byte(body), &lim)
	if err != nil {
		t.Fatalf("haproxy forwarded a chunked body we cannot decode: %v: %q", err, body)
	}
	return string(out)
}

// decodeChunks decodes the chunked body at the start of b (trailers
// appended as AppendTrailer writes them) and returns it with what follows
// it, or incomplete when b ends first.
func decodeChunks(b []byte, lim *Limits) (out, rest []byte, err error, incomplete bool) {
	var d ChunkDecoder
	d.Reset(lim)
	for !d.Done() {
		n, ev, p, err := d.Next(b)
		if err != nil {
			return nil, nil, err, false
		}
		b = b[n:]
		switch ev {
		case Data:
			out = append(out, p...)
		case Trailer:
			out = AppendTrailer(out, p)
		case NeedMore:
			if n == 0 {
				return out, nil, nil, true
			}
		}
	}
	return out, b, nil, false
}

func loadCorpus(t testing.TB) ([]h1corpus.Case, map[string]h1corpus.Verdict) {
	t.Helper()
	cases, err := h1corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	verdicts, err := h1corpus.LoadVerdicts()
	if err != nil {
		t.Fatal(err)
	}
	return cases, verdicts
}

// TestCorpus checks the parser against HAProxy's verdicts recorded on the
// corpus: every case HAProxy rejects we reject, with its status; every
// case it accepts we accept (unless the corpus says we are stricter),
// and what we would forward is what it forwarded.
func TestCorpus(t *testing.T) {
	cases, verdicts := loadCorpus(t)
	if len(cases) < 150 {
		t.Fatalf("corpus has %d cases, want at least 150", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			v, ok := verdicts[c.Name]
			if !ok {
				t.Fatalf("no recorded verdict for %s (line %d): record with go test ./proxy -run TestH1RecordHAProxy -h1.record", c.Name, c.Line)
			}
			o := run(c.Raw, c.Response)
			rej, status := v.Refused(c)
			switch {
			case rej && !o.rejected:
				t.Fatalf("haproxy rejected (%d %v), we accept: %+v", status, v.Logs, o)
			case rej && !c.Response && o.reason.Status() != status && !c.Normalised:
				t.Errorf("status %d (%v), haproxy %d", o.reason.Status(), o.reason, status)
			case !rej && c.Stricter && !o.rejected:
				t.Fatalf("the corpus says we reject (%s), we accept", c.Note)
			case !rej && !c.Stricter && o.rejected:
				t.Fatalf("haproxy accepted (%v), we reject: %v", v.Logs, o.reason)
			}
			if c.Response {
				return
			}
			// What we forward must be what haproxy forwarded.
			if len(o.heads) > len(v.Heads) {
				t.Errorf("we would forward %d requests, haproxy forwarded %d", len(o.heads), len(v.Heads))
			}
			for i := 0; i < len(o.heads) && i < len(v.Heads); i++ {
				if o.heads[i] != v.Heads[i] && !c.Normalised {
					t.Errorf("message %d head\n got %q\nwant %q", i, o.heads[i], v.Heads[i])
				}
				complete := i < len(o.heads)-1 || !o.incomplete
				if want := decodeRecorded(t, v.Heads[i], v.Bodies[i]); complete && o.bodies[i] != want {
					t.Errorf("message %d body\n got %q\nwant %q", i, o.bodies[i], want)
				}
			}
		})
	}
}
