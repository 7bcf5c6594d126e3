package halog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// textRows runs the text report and returns its rows split in fields
// (without a '#' header) and the summary line.
func textRows(t *testing.T, in []byte, args ...string) (rows [][]string, summary string) {
	t.Helper()
	out, errOut, exit := runMain(t, in, args...)
	if exit != 0 {
		t.Fatalf("%v: exit %d: %s", args, exit, errOut)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l != "" && l[0] != '#' {
			rows = append(rows, strings.Fields(l))
		}
	}
	return rows, errOut
}

// TestOutputForms: -json, -csv and -table hold the same rows as the text
// report, and -json's summary is the stderr summary line.
func TestOutputForms(t *testing.T) {
	in, err := os.ReadFile(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range [][]string{{"-srv"}, {"-st"}, {"-tc"}, {"-cc"}, {"-u"}, {"-uc", "-query"}, {"-ic"},
		{"-pct"}, {"-gt"}, {"-ac", "1"}, {"-pct-by", "srv"}, {"-c", "-H"}, {"-e"}} {
		want, summary := textRows(t, in, mode...)
		if mode[0] == "-e" { // printed lines: one column, the whole line
			out, _, _ := runMain(t, in, mode...)
			want = nil
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				want = append(want, []string{l})
			}
		}
		if mode[0] == "-c" {
			out, _, _ := runMain(t, in, mode...)
			want = [][]string{{strings.TrimSpace(out)}}
		}
		// JSON
		out, _, exit := runMain(t, in, append(mode, "-json")...)
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &doc); exit != 0 || err != nil || len(doc) != 2 {
			t.Fatalf("%v -json: exit %d, %v, %.300s", mode, exit, err, out)
		}
		var sum struct{ LinesIn, LinesOut, ParseErrors int }
		var rows []map[string]any
		var cols []string
		for k, v := range doc {
			if k == "summary" {
				var s map[string]int
				json.Unmarshal(v, &s)
				sum.LinesIn, sum.LinesOut, sum.ParseErrors = s["lines_in"], s["lines_out"], s["parse_errors"]
				continue
			}
			if err := json.Unmarshal(v, &rows); err != nil {
				t.Fatalf("%v: %v", mode, err)
			}
			// the column order, from the first object's raw text
			var first []json.RawMessage
			json.Unmarshal(v, &first)
			if len(first) > 0 {
				dec := json.NewDecoder(bytes.NewReader(first[0]))
				dec.Token()
				for dec.More() {
					tk, _ := dec.Token()
					cols = append(cols, tk.(string))
					var skip any
					dec.Decode(&skip)
				}
			}
		}
		if summary != "" && mode[0] != "-c" && summary != fmt.Sprintf("%d lines in, %d lines out, %d parsing errors\n", sum.LinesIn, sum.LinesOut, sum.ParseErrors) {
			t.Errorf("%v: summary %+v, stderr %q", mode, sum, summary)
		}
		if len(rows) != len(want) {
			t.Fatalf("%v -json: %d rows, text has %d", mode, len(rows), len(want))
		}
		for i, r := range rows {
			for j, c := range cols {
				if got := fmt.Sprint(r[c]); j < len(want[i]) && got != want[i][j] && !numEqual(got, want[i][j]) {
					t.Errorf("%v -json row %d %s = %q, text %q", mode, i, c, got, want[i][j])
				}
			}
		}
		// CSV
		out, _, _ = runMain(t, in, append(mode, "-csv")...)
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != len(want)+1 {
			t.Fatalf("%v -csv: %v, %d records for %d rows", mode, err, len(recs), len(want))
		}
		for i, r := range recs[1:] {
			if strings.Join(r, " ") != strings.Join(want[i], " ") {
				t.Errorf("%v -csv row %d: %q, text %q", mode, i, r, want[i])
			}
		}
		// table: every first cell appears, in order
		out, _, _ = runMain(t, in, append(mode, "-table")...)
		pos := 0
		for _, r := range want {
			i := strings.Index(out[pos:], r[0])
			if i < 0 {
				t.Fatalf("%v -table: %q missing or out of order", mode, r[0])
			}
			pos += i
		}
	}
}

func numEqual(a, b string) bool {
	var x, y float64
	_, e1 := fmt.Sscan(a, &x)
	_, e2 := fmt.Sscan(b, &y)
	return e1 == nil && e2 == nil && x == y
}

// TestSinceUntil: -since/-until select the same lines as -time with the
// equivalent epoch bounds, in both date forms.
func TestSinceUntil(t *testing.T) {
	in, err := os.ReadFile(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 11, 21, 13, 35, 0, 0, time.UTC)
	until := since.Add(time.Minute)
	want, _, _ := runMain(t, in, "-time", fmt.Sprintf("%d:%d", since.Unix(), until.Unix()-1), "-st")
	if !strings.Contains(want, " ") {
		t.Fatalf("the window holds nothing: %q", want)
	}
	all, _, _ := runMain(t, in, "-st")
	if want == all {
		t.Fatal("the window holds everything")
	}
	for _, args := range [][]string{
		{"-since", "2026-11-21T13:35:00Z", "-until", "2026-11-21T13:36:00Z"},
		{"-since", "21/Nov/2026:13:35:00", "-until", "21/Nov/2026:13:36:00.000"},
		{"-since", "2026-11-21T14:35:00+01:00", "-until", "21/Nov/2026:13:36:00"},
	} {
		got, errOut, exit := runMain(t, in, append(args, "-st")...)
		if exit != 0 || got != want {
			t.Errorf("%v: exit %d %s: %q, want %q", args, exit, errOut, got, want)
		}
	}
	if _, errOut, exit := runMain(t, in, "-since", "yesterday", "-st"); exit != 1 || !strings.Contains(errOut, "-since") {
		t.Errorf("bad date: exit %d %q", exit, errOut)
	}
}
