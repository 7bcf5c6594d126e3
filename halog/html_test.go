package halog

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser, skipping only when it is absent
// and CI is unset.
func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required under CI (apt-get install chromium)")
	}
	t.Skip("chromium not installed")
	return ""
}

// TestHTMLReport renders the -html page in headless Chromium (--dump-dom:
// the DOM the browser built, no Go dependency) and reads the tables and
// charts back from it.
func TestHTMLReport(t *testing.T) {
	browser := chromium(t)
	log, err := filepath.Abs(logDir + "/http/haproxy-traffic.log")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.html")
	if _, errOut, exit := runMain(t, nil, "-html", out, log); exit != 0 {
		t.Fatalf("exit %d: %s", exit, errOut)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// self-contained: no script, stylesheet link, image, font or URL
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(", "src=", "href="} {
		if strings.Contains(string(page), bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+out)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	tbody := func(id string) [][]string {
		re := regexp.MustCompile(`(?s)<table id="` + id + `">.*?<tbody>(.*?)</tbody>`)
		m := re.FindSubmatch(dom)
		if m == nil {
			t.Fatalf("no table %s in the DOM", id)
		}
		var rows [][]string
		cell := regexp.MustCompile(`<td>(.*?)</td>`)
		for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllSubmatch(m[1], -1) {
			var r []string
			for _, c := range cell.FindAllSubmatch(tr[1], -1) {
				r = append(r, strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(string(c[1])))
			}
			rows = append(rows, r)
		}
		return rows
	}
	in, _ := os.ReadFile(log)
	for _, tc := range []struct {
		id   string
		args []string
	}{{"servers", []string{"-srv"}}, {"status", []string{"-st"}}, {"urls", []string{"-ua", "-m", "20"}}} {
		want, _ := textRows(t, in, tc.args...)
		got := tbody(tc.id)
		if strings.Join(flatten(got), " ") != strings.Join(flatten(want), " ") || len(got) == 0 {
			t.Errorf("table %s: %d rows %v, want %d %v", tc.id, len(got), got, len(want), want)
		}
	}
	// charts: one point per minute of the log
	minutes, _ := textRows(t, in, "-pct-by", "minute")
	for id, n := range map[string]int{"chart-requests": 2, "chart-p99": 1} {
		m := regexp.MustCompile(`(?s)<svg id="` + id + `".*?</svg>`).Find(dom)
		if m == nil {
			t.Fatalf("no svg %s in the DOM", id)
		}
		lines := regexp.MustCompile(`points="([^"]*)"`).FindAllSubmatch(m, -1)
		if len(lines) != n {
			t.Fatalf("%s: %d series, want %d", id, len(lines), n)
		}
		for _, l := range lines {
			if pts := strings.Fields(string(l[1])); len(pts) != len(minutes) {
				t.Errorf("%s: %d points, want %d minutes", id, len(pts), len(minutes))
			}
		}
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
