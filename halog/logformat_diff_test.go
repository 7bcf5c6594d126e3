package halog

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/internal/testbin"
)

// The custom format of issue 14, and one with every field halog reads in
// another order (quoted request first, server as backend:server).
const (
	issueFormat = `%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc`
	fullFormat  = `%{+Q}r %ST %B %b:%s %tsc %TR/%Tw/%Tc/%Tr/%Ta %sq/%bq %ci:%cp [%tr] %ft %hr %hs %CC %CS`
)

// genRecords draws n requests as a proxy would log them: a few clients,
// backends and servers, timers with -1 for events that did not happen,
// errors, bad requests (no request line, no stream: no captures), queues,
// logasap lines, long URLs cut at tune.http.logurilen, HTTP/0.9 lines.
func genRecords(n int, seed uint64) []formats.Record {
	r := rand.New(rand.NewPCG(seed, 7))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	base := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	at := base
	recs := make([]formats.Record, n)
	for i := range recs {
		at = at.Add(time.Duration(r.IntN(400)) * time.Millisecond)
		rec := &recs[i]
		rec.ClientAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(3)), byte(1 + r.IntN(20))}), uint16(1024+r.IntN(60000)))
		rec.AcceptTime = at
		rec.Th, rec.Ti = 0, int64(r.IntN(3))
		rec.Frontend = pick("fe_http", "fe_main")
		rec.FrontendSSL = r.IntN(4) == 0
		be := r.IntN(3)
		rec.Backend = []string{"be_app", "be_static", "be_api"}[be]
		rec.Server = fmt.Sprintf("s%d", 1+r.IntN(3))
		rec.TR, rec.Tw, rec.Tc, rec.Tr = int64(r.IntN(20)), int64(r.IntN(3)), int64(r.IntN(5)), int64(r.IntN(300))
		if r.IntN(10) == 0 {
			rec.Tw = int64(r.IntN(2000))
		}
		rec.Ta = rec.TR + rec.Tw + rec.Tc + rec.Tr + int64(r.IntN(50))
		rec.Status = []int{200, 200, 200, 200, 304, 301, 404, 403, 500, 502, 503}[r.IntN(11)]
		rec.BytesOut = int64(r.IntN(50000))
		rec.TermState = [4]byte{'-', '-', '-', '-'}
		rec.ActConn, rec.FeConn, rec.BeConn, rec.SrvConn = 1+r.IntN(50), 1+r.IntN(40), r.IntN(30), r.IntN(10)
		if r.IntN(8) == 0 {
			rec.SrvQueue, rec.BackendQueue = r.IntN(3), r.IntN(3)
		}
		rec.ReqHeaders = []string{pick("www.example.com", "api.example.com", ""), pick("Mozilla/5.0 (X11; Linux x86_64)", "curl/8.1", "odd|ua {x}")}
		rec.RespHeaders = []string{pick("text/html", "", "application/json")}
		rec.Method = pick("GET", "GET", "GET", "POST", "HEAD")
		rec.URI = pick("/", "/index.html", "/api/v1/items", "/img/logo.png", "/search") + pick("", "", "?q=1", ";jsessionid=9", "?a=b&c=d")
		rec.Version = pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.0")
		switch k := r.IntN(40); {
		case k == 0: // bad request: no request line, no stream
			rec.Method, rec.URI, rec.Version = "", "", ""
			rec.ReqHeaders, rec.RespHeaders = nil, nil
			rec.Server = ""
			rec.Status = []int{400, 408, -1}[r.IntN(3)]
			rec.TR, rec.Tw, rec.Tc, rec.Tr = -1, -1, -1, -1
			rec.TermState = [4]byte{'C', 'R', '-', '-'}
			rec.BytesOut = 0
		case k == 1: // server error mid-way
			rec.Tr = -1
			rec.Status = 502
			rec.TermState = [4]byte{'S', 'H', '-', '-'}
		case k == 2: // connect failure
			rec.Tc, rec.Tr = -1, -1
			rec.Status = 503
			rec.TermState = [4]byte{'S', 'C', '-', '-'}
		case k == 3:
			rec.LogASAP = true
		case k == 4: // long URL, cut at 1023 bytes
			rec.URI = "/long?" + strings.Repeat("x", 1100)
		case k == 5:
			rec.Version = "" // HTTP/0.9
		case k == 6:
			rec.TermState = [4]byte{'c', 'D', 'N', 'I'}
			rec.ReqCookie, rec.RespCookie = "sess=1", "sess=2"
		}
		rec.Tt = rec.Ta + rec.Ti
	}
	return recs
}

// syslogHeaders prefix a message as three kinds of files hold it.
func header(i int, t time.Time) string {
	switch i % 3 {
	case 0:
		return t.Format("Jan _2 15:04:05") + " lb1 haproxy[1234]: "
	case 1:
		return ""
	}
	return "<134>1 " + t.Format("2006-01-02T15:04:05.000000-07:00") + " lb1 haproxy 1234 - - "
}

// writeLogs renders recs with httplog (under a RFC 3164 header, as C halog
// reads by default) and with custom (headers of every kind), plus a few
// non-traffic lines in both.
func writeLogs(t testing.TB, recs []formats.Record, custom string) (httpPath, customPath string) {
	t.Helper()
	hf, err := formats.Compile(formats.HTTPLogFormat)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := formats.Compile(custom)
	if err != nil {
		t.Fatal(err)
	}
	var hb, cb, line []byte
	for i := range recs {
		if i%500 == 7 {
			msg := "Server be_app/s2 is DOWN, reason: Layer4 timeout, check duration: 2001ms."
			hb = append(hb, "Nov 21 08:00:00 lb1 haproxy[1234]: "+msg+"\n"...)
			cb = append(cb, header(i, recs[i].AcceptTime)+msg+"\n"...)
		}
		line = hf.Append(line[:0], &recs[i])
		hb = append(hb, recs[i].AcceptTime.Format("Jan _2 15:04:05")+" lb1 haproxy[1234]: "...)
		hb = append(append(hb, line...), '\n')
		line = cf.Append(line[:0], &recs[i])
		cb = append(cb, header(i, recs[i].AcceptTime)...)
		cb = append(append(cb, line...), '\n')
	}
	dir := t.TempDir()
	httpPath, customPath = filepath.Join(dir, "http.log"), filepath.Join(dir, "custom.log")
	if err := os.WriteFile(httpPath, hb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(customPath, cb, 0o644); err != nil {
		t.Fatal(err)
	}
	return httpPath, customPath
}

var lineRef = regexp.MustCompile(`^(Truncated line [0-9]+: |ERR: ).*?( \([-0-9 ]+=> -?[0-9]+\))?$`)

// stderrShape keeps what does not depend on the line's format: the
// "Truncated line N:" and "ERR:" prefixes, the timers of ERR messages and
// the summary.
func stderrShape(b []byte) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if m := lineRef.FindStringSubmatch(l); m != nil {
			l = m[1] + "<line>" + m[2]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestLogFormatMatchesHalogOnHTTPLog logs the same traffic with option
// httplog and with custom formats, runs the real halog 2.6 on the httplog
// file and ours with -log-format on the custom one: stdout must be
// identical byte for byte, stderr identical but for the quoted lines.
func TestLogFormatMatchesHalogOnHTTPLog(t *testing.T) {
	ref := testbin.Need(t, "halog")
	recs := genRecords(6000, 14)
	common := [][]string{
		{"-srv", "-H"}, {"-srv"}, {"-st"}, {"-e", "-st"}, {"-u"}, {"-uc"}, {"-ue"}, {"-ua"}, {"-ut"},
		{"-uao"}, {"-uto"}, {"-uba"}, {"-ubt"}, {"-u", "-query"}, {"-hs", "500:599", "-u"},
		{"-pct"}, {"-gt"}, {"-ic"}, {"-H", "-c"}, {"-rt", "100", "-c"}, {"-RT", "5", "-uc"},
		{"-E", "-srv"}, {"-time", "1795248300:1795248900", "-st"}, {"-m", "50", "-ic"},
	}
	full := [][]string{
		{"-tc"}, {"-cc"}, {"-Q", "-c"}, {"-QS", "-st"}, {"-tcn", "SC", "-c"}, {"-TCN", "--", "-st"},
		{"-ad", "350"}, {"-ac", "1"}, {"-hdr", "1:2"}, {"-hdr", "2:1"}, {"-hdr", "1:1", "-e"},
	}
	for _, tc := range []struct {
		format string
		runs   [][]string
	}{
		{issueFormat, common},
		{fullFormat, append(append([][]string{}, common...), full...)},
	} {
		httpLog, customLog := writeLogs(t, recs, tc.format)
		for _, args := range tc.runs {
			name := strings.Join(args, " ")
			t.Run(fmt.Sprintf("%.20s/%s", tc.format, name), func(t *testing.T) {
				in, err := os.Open(httpLog)
				if err != nil {
					t.Fatal(err)
				}
				defer in.Close()
				cmd := exec.Command(ref, args...)
				cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
				cmd.Stdin = in
				var wantOut, wantErr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
				if err := cmd.Run(); err != nil {
					t.Fatalf("reference halog %v: %v", args, err)
				}
				var gotOut, gotErr bytes.Buffer
				ours := append([]string{"-log-format", tc.format}, args...)
				ours = append(ours, customLog)
				exit := Main(ours, Env{Stdin: bytes.NewReader(nil), Stdout: &gotOut, Stderr: &gotErr, Location: time.UTC})
				if exit != 0 {
					t.Fatalf("exit %d: %s", exit, gotErr.Bytes())
				}
				if !bytes.Equal(gotOut.Bytes(), wantOut.Bytes()) {
					t.Errorf("stdout differs, %s", firstDiff(gotOut.Bytes(), wantOut.Bytes()))
				}
				if g, w := stderrShape(gotErr.Bytes()), stderrShape(wantErr.Bytes()); g != w {
					t.Errorf("stderr differs:\n got: %.600s\nwant: %.600s", g, w)
				}
				if wantOut.Len() == 0 && !strings.Contains(name, "-c") {
					t.Errorf("reference printed nothing: the run tests nothing")
				}
			})
		}
	}
}
