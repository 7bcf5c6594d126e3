package formats

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// fuzzFormats are the formats FuzzLogRoundTrip parses with, chosen by the
// fuzzer's selector byte.
var fuzzFormats = []struct {
	format string
	opt    ParseOptions
}{
	{HTTPLogFormat, ParseOptions{}},
	{TCPLogFormat, ParseOptions{}},
	{CLFLogFormat, ParseOptions{ReqCaptures: 2, RespCaptures: 1}},
	{customLogFormat, ParseOptions{}},
	{HTTPSLogFormat, ParseOptions{}},
}

// seedMessages returns up to n traffic messages (syslog header removed) of
// a conformance wire capture.
func seedMessages(tb testing.TB, file string, n int) [][]byte {
	tb.Helper()
	data, err := os.ReadFile("../testdata/logs/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, d := range bytes.Split(data, []byte("\n")) {
		if i := bytes.Index(d, []byte("]: ")); i >= 0 && bytes.Contains(d, []byte(" [21/Nov/2026:")) {
			out = append(out, d[i+3:])
		}
		if len(out) == n {
			break
		}
	}
	return out
}

func FuzzLogRoundTrip(f *testing.F) {
	for i, file := range []string{"http/wire-http.log", "tcp/wire-tcp.log", "clf/wire-clf.log", "custom/wire-custom.log"} {
		for _, m := range seedMessages(f, file, 40) {
			f.Add(m, uint8(i))
		}
	}
	f.Add([]byte(`127.0.0.1:34330 [21/Nov/2026:13:33:36.315] fe_https~ be/app1 0/0/1/4/5 404 500 - - ---- 1/1/0/0/0 0/0 "GET /sec HTTP/1.1" 0/0000000000000000/0/0/0 -/TLSv1.3/TLS_AES_256_GCM_SHA384`), uint8(4))
	compiled := make([]*Format, len(fuzzFormats))
	for i, ff := range fuzzFormats {
		compiled[i] = mustCompile(f, ff.format)
	}
	f.Fuzz(func(t *testing.T, line []byte, which uint8) {
		i := int(which) % len(fuzzFormats)
		fm, opt := compiled[i], fuzzFormats[i].opt
		var r1, r2 Record
		err := fm.Parse(line, &r1, opt)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not a *ParseError", err)
			}
			if !errors.Is(err, ErrTruncated) {
				return
			}
		}
		// A record read from a cut line may hold fewer captures than the
		// options announce, so its rendering may read as cut too.
		truncated := err != nil
		out := fm.Append(nil, &r1)
		if err := fm.Parse(out, &r2, opt); err != nil && !(truncated && errors.Is(err, ErrTruncated)) {
			t.Fatalf("re-parse of %q: %v\n(from %q)", out, err, line)
		}
		if again := fm.Append(nil, &r2); !bytes.Equal(again, out) {
			t.Fatalf("unstable round trip:\nfirst  %q\nsecond %q\n(from %q)", out, again, line)
		}
	})
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{HTTPLogFormat, TCPLogFormat, CLFLogFormat, HTTPSLogFormat, DefaultLogFormat,
		customLogFormat, "%{+Q}o %{-Q}ci %%", "%{+X,+E,-M}Ts %[src]", "a % b", "%{", "%[", "%"} {
		f.Add(s)
	}
	r := specRecord()
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := Compile(s)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(s) {
				t.Fatalf("Compile(%q): bad error %v", s, err)
			}
			return
		}
		if fm.String() != s {
			t.Fatalf("String() = %q, want %q", fm.String(), s)
		}
		out := fm.Append(nil, r)
		var back Record
		_ = fm.Parse(out, &back, ParseOptions{ReqCaptures: 2, RespCaptures: 1}) // must not panic
	})
}
