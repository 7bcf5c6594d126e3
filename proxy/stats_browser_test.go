package proxy

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// pageRow is one proxy/server row of a stats page: its CSS class, its
// cells (colspans summed), the name cell's text and the status word.
type pageRow struct {
	class  string
	cells  int
	name   string
	status string
}

var (
	tagRe     = regexp.MustCompile(`(?is)<(/?)(table|tr|td)\b([^>]*)>`)
	classRe   = regexp.MustCompile(`class="?([a-z_]+)`)
	colspanRe = regexp.MustCompile(`colspan=("?)(\d+)`)
	stripRe   = regexp.MustCompile(`(?s)<div class="?tips.*?</div>|<[^>]*>`)
)

// pageRows reads the rows of the page's outer tables (cells of tables
// nested in tooltips are not counted): frontend, backend and server rows.
func pageRows(page string) []pageRow {
	var rows []pageRow
	depth, rowDepth := 0, -1
	var cur *pageRow
	var cellStart []int // start offsets of the current row's cells
	flush := func(end int) {
		if cur == nil {
			return
		}
		cellStart = append(cellStart, end)
		text := func(i int) string {
			if i+1 >= len(cellStart) {
				return ""
			}
			s := stripRe.ReplaceAllString(page[cellStart[i]:cellStart[i+1]], "")
			return strings.TrimSpace(strings.ReplaceAll(s, "&nbsp;", " "))
		}
		cur.name = text(1)
		// The status cell is the 9 Server columns' first: the 23rd cell
		// (cells before it: 1+1+3+3+6+2+2+3+2), or the one holding
		// OPEN/UP/... for a frontend (colspans shift it).
		for i := 0; i+1 < len(cellStart); i++ {
			t := text(i)
			if f := strings.Fields(t); len(f) >= 2 && (f[1] == "UP" || f[1] == "DOWN" || f[1] == "MAINT" || strings.HasPrefix(f[1], "DRAIN") || f[1] == "no") {
				cur.status = strings.Join(f[1:], " ")
			} else if t == "OPEN" {
				cur.status = t
			}
		}
		rows = append(rows, *cur)
		cur, cellStart = nil, nil
	}
	for _, m := range tagRe.FindAllStringSubmatchIndex(page, -1) {
		closing := page[m[2]:m[3]] == "/"
		tag := strings.ToLower(page[m[4]:m[5]])
		attrs := page[m[6]:m[7]]
		switch {
		case tag == "table" && !closing:
			depth++
		case tag == "table" && closing:
			if depth == rowDepth {
				flush(m[0])
				rowDepth = -1
			}
			depth--
		case tag == "tr" && !closing && (rowDepth == -1 || depth == rowDepth):
			flush(m[0])
			c := classRe.FindStringSubmatch(attrs)
			if c == nil || c[1] == "titre" {
				continue
			}
			cur, rowDepth = &pageRow{class: c[1]}, depth
		case tag == "tr" && closing && depth == rowDepth:
			flush(m[0])
		case tag == "td" && !closing && cur != nil && depth == rowDepth:
			n := 1
			if c := colspanRe.FindStringSubmatch(attrs); c != nil {
				n, _ = strconv.Atoi(c[2])
			}
			cur.cells += n
			cellStart = append(cellStart, m[1])
		}
	}
	return rows
}

// TestStatsPageInChromium loads this proxy's stats page in the
// distribution's headless Chromium with basic auth in the URL and checks
// the rows the browser rendered against haproxy 2.6.12's page for the same
// configuration and state: the same rows in order, each with the same CSS
// class (active_up, backup_down, maintain, ...), the same number of cells
// (32 per server row with "stats admin") and the same status word. It
// fails, not skips, when Chromium is missing under CI=true.
func TestStatsPageInChromium(t *testing.T) {
	browser := testkit.Chromium(t)
	tgs := startStatsPair(t)
	// haproxy's page, as served (its rows are well-formed HTML).
	req, _ := http.NewRequest("GET", "http://"+tgs[0].stats+"/st", nil)
	req.SetBasicAuth("admin", "pw")
	resp, err := statsClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := pageRows(string(raw))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "http://admin:pw@"+tgs[1].stats+"/st")
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if !strings.Contains(string(dom), "Statistics Report") {
		t.Fatalf("chromium did not render the stats page (auth?): %.300s", dom)
	}
	got := pageRows(string(dom))
	t.Logf("rendered rows: %+v", got)
	if len(want) == 0 {
		t.Fatal("no rows read from haproxy's page")
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w pageRow
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("row %d: %+v, haproxy %+v", i, g, w)
		}
	}
	servers := 0
	for _, r := range got {
		if strings.HasPrefix(r.class, "active_") || strings.HasPrefix(r.class, "backup_") || r.class == "maintain" {
			servers++
			if r.cells != 32 {
				t.Errorf("server row %s: %d cells, want 32 (stats admin)", r.name, r.cells)
			}
		}
	}
	if servers != 3 {
		t.Errorf("%d server rows rendered, want 3", servers)
	}
}
