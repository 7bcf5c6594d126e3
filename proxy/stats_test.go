package proxy

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestStatsCSVHeader checks the ;csv header against the one recorded from
// haproxy 2.6.12 (testdata/stats/README.md).
func TestStatsCSVHeader(t *testing.T) {
	want, err := os.ReadFile("testdata/stats/csv_header.txt")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeStatsCSV(&b, nil)
	if got := []byte(b.String()); !bytes.Equal(got, want) {
		t.Errorf("CSV header:\n got %q\nwant %q", got, want)
	}
	if n := bytes.Count(want, []byte(",")); n != 128 {
		t.Errorf("golden header has %d fields, want 128", n)
	}
}

func TestHumanTime(t *testing.T) {
	// Forms seen on haproxy 2.6.12's page: "0s", "32s", "3m55s"; two
	// most significant units; "?" for a session never seen.
	for in, want := range map[int64]string{0: "0s", 32: "32s", 235: "3m55s", 234: "3m54s", -1: "?"} {
		if got := humanTime(in); got != want {
			t.Errorf("humanTime(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	// As haproxy 2.6.12 printed 9990 and 133315.
	for in, want := range map[string]string{"999": "999", "9990": `<span class="rls">9</span>990`, "133315": `13<span class="rls">3</span>315`} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%s) = %q, want %q", in, got, want)
		}
	}
}
