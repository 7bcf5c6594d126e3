package proxy

import (
	"html"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// statsVersion is the version line of the page's title (HAProxy prints its
// own; this proxy emulates 2.6).
const statsVersion = "2.6"

// humanTime prints seconds as HAProxy's page does: the two most
// significant non-zero units among days, hours, minutes, seconds
// ("3m55s", "32s", "1d2h"), "?" when negative.
func humanTime(t int64) string {
	if t < 0 {
		return "?"
	}
	var b strings.Builder
	n := 2
	if t >= 86400 {
		b.WriteString(strconv.FormatInt(t/86400, 10) + "d")
		n--
	}
	if h := t % 86400 / 3600; n > 0 && h != 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "h")
		n--
	}
	if m := t % 3600 / 60; n > 0 && m != 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "m")
		n--
	}
	if s := t % 60; n > 0 && s != 0 || t == 0 {
		b.WriteString(strconv.FormatInt(s, 10) + "s")
	}
	return b.String()
}

// groupDigits marks thousands as HAProxy's page does: the digit before
// each group of three is wrapped in <span class="rls">.
func groupDigits(v string) string {
	if len(v) < 4 || v[0] == '-' {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		rest := len(v) - i - 1
		if rest > 0 && rest%3 == 0 {
			b.WriteString(`<span class="rls">` + v[i:i+1] + `</span>`)
		} else {
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

const statsCSS = `body { font-family: arial, helvetica, sans-serif; font-size: 12px; color: black; background: white;}
th,td { font-size: 10px;}
h1 { font-size: x-large; margin-bottom: 0.5em;}
h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin: 0;}
h3 { font-family: helvetica, arial; font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin: 0;}
.hr {margin-top: 0.25em; border-color: black; border-bottom-style: solid;}
.titre {background: #20D0D0; color: #000000; font-weight: bold; text-align: center;}
.frontend, .backend {background: #e8e8d0;}
.active_down, .backup_down {background: #ff9090;}
.active_going_up {background: #ffd020;}
.active_going_down {background: #ffffa0;}
.active_up {background: #c0ffc0;}
.active_draining {background: #20a0FF;}
.active_no_check, .backup_no_check {background: #e0e0e0;}
.backup_going_up {background: #ff80ff;}
.backup_going_down {background: #c060ff;}
.backup_up {background: #b0d0ff;}
.backup_draining {background: #cc9900;}
.maintain {background: #c07820;}
.rls {letter-spacing: 0.2em; margin-right: 1px;}
a.px:link, a.px:visited {color: #ffff40; text-decoration: none;}
a.lfsb:link, a.lfsb:visited {color: #000000; text-decoration: none;}
table.tbl { border-collapse: collapse; border-style: none;}
table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap;}
table.tbl td.ac { text-align: center;}
table.tbl th { border: 1px solid gray;}
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; padding: 2px 3px; white-space: nowrap;}
table.tbl th.empty { border-style: none; background: white;}
table.lgd { border-collapse: collapse; border-style: none none none solid; border-width: 1px; border-color: black;}
table.lgd td { border: 1px solid gray; padding: 2px;}
table.lgd td.noborder { border-style: none; padding: 2px; white-space: nowrap;}
u {text-decoration:none; border-bottom: 1px dotted black;}
div.tips {display:block; visibility:hidden; position:absolute; padding:2px 4px 3px; background:#f0f060; border:1px solid #7040c0; white-space:nowrap;}
u:hover div.tips {visibility:visible;}
`

// statsMessages are the banners of ";st=<code>" after an admin action.
var statsMessages = map[string][2]string{
	"DONE": {"active_up", "Action processed successfully."},
	"PART": {"active_going_down", "Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend)."},
	"NONE": {"active_going_down", "Nothing has changed."},
	"ERRP": {"active_down", "Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li><li>Invalid key parameter (empty or too long).</li><li>The backend name is probably unknown or ambiguous (duplicated names).</li><li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>"},
	"EXCD": {"active_down", "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>"},
	"DENY": {"active_down", "<b>Action denied.</b>"},
}

// statsHTML renders HAProxy 2.6's stats page: the process block, then
// one table per proxy with FRONTEND, server and BACKEND rows in its
// columns (Queue, Session rate, Sessions, Bytes, Denied, Errors,
// Warnings, Server); with "stats admin" the server rows get a checkbox
// and each backend an action form.
func (p *Proxy) statsHTML(now time.Time, cfg *config.Stats, base string, opts statsOpts, admin bool) string {
	var b strings.Builder
	node := ""
	if cfg.ShowNode != "" {
		node = " on " + html.EscapeString(cfg.ShowNode)
	}
	b.WriteString("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n\"http://www.w3.org/TR/html4/loose.dtd\">\n")
	b.WriteString("<html><head><title>Statistics Report for HAProxy" + node + "</title>\n")
	b.WriteString("<link rel=\"icon\" href=\"data:,\">\n<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n")
	b.WriteString("<style type=\"text/css\"><!--\n" + statsCSS + "--></style></head>\n")
	b.WriteString("<body><h1><a href=\"http://www.haproxy.org/\" style=\"text-decoration: none;\">HAProxy")
	if !cfg.HideVersion {
		b.WriteString(" version " + statsVersion)
	}
	b.WriteString("</a></h1>\n")
	pid := strconv.Itoa(p.opts.PID)
	b.WriteString("<h2>Statistics Report for pid " + pid + node + "</h2>\n<hr width=\"100%\" class=\"hr\">\n")
	b.WriteString("<h3>&gt; General process information</h3>\n<table border=0>\n<tr><td align=\"left\" nowrap width=\"1%\">\n")
	up := int64(now.Sub(p.start) / time.Second)
	b.WriteString("<p><b>pid = </b> " + pid + " (process #1, nbproc = 1, nbthread = " + strconv.Itoa(runtime.GOMAXPROCS(0)) + ")<br>\n")
	b.WriteString("<b>uptime = </b> " + strconv.FormatInt(up/86400, 10) + "d " + strconv.FormatInt(up%86400/3600, 10) + "h" +
		twoDigits(up%3600/60) + "m" + twoDigits(up%60) + "s<br>\n")
	b.WriteString("current conns = " + strconv.FormatInt(p.actconn.Load(), 10) + "<br>\n")
	b.WriteString("</td><td align=\"center\" nowrap>\n<table class=\"lgd\">\n")
	b.WriteString("<tr>\n<td class=\"active_up\">&nbsp;</td><td class=\"noborder\">active UP </td><td class=\"backup_up\">&nbsp;</td><td class=\"noborder\">backup UP </td></tr>\n")
	b.WriteString("<tr>\n<td class=\"active_going_down\"></td><td class=\"noborder\">active UP, going down </td><td class=\"backup_going_down\"></td><td class=\"noborder\">backup UP, going down </td></tr>\n")
	b.WriteString("<tr>\n<td class=\"active_going_up\"></td><td class=\"noborder\">active DOWN, going up </td><td class=\"backup_going_up\"></td><td class=\"noborder\">backup DOWN, going up </td></tr>\n")
	b.WriteString("<tr>\n<td class=\"active_down\"></td><td class=\"noborder\">active or backup DOWN &nbsp;</td><td class=\"active_no_check\"></td><td class=\"noborder\">not checked </td></tr>\n")
	b.WriteString("<tr>\n<td class=\"maintain\"></td><td class=\"noborder\" colspan=\"3\">active or backup DOWN for maintenance (MAINT) &nbsp;</td></tr>\n")
	b.WriteString("<tr>\n<td class=\"active_draining\"></td><td class=\"noborder\" colspan=\"3\">active or backup SOFT STOPPED for maintenance &nbsp;</td></tr></table>\n")
	b.WriteString("Note: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.</td>")
	b.WriteString("<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>Display option:</b><ul style=\"margin-top: 0.25em;\">")
	suffix := func(up, norefresh bool) string {
		s := base
		if up {
			s += ";up"
		}
		if norefresh {
			s += ";norefresh"
		}
		return s
	}
	if opts.up {
		b.WriteString("<li><a href=\"" + suffix(false, opts.norefresh) + "\">Show all servers</a><br>\n")
	} else {
		b.WriteString("<li><a href=\"" + suffix(true, opts.norefresh) + "\">Hide 'DOWN' servers</a><br>\n")
	}
	if cfg.Refresh > 0 {
		if opts.norefresh {
			b.WriteString("<li><a href=\"" + suffix(opts.up, false) + "\">Enable refresh</a><br>\n")
		} else {
			b.WriteString("<li><a href=\"" + suffix(opts.up, true) + "\">Disable refresh</a><br>\n")
		}
	}
	b.WriteString("<li><a href=\"" + suffix(opts.up, opts.norefresh) + "\">Refresh now</a><br>\n")
	b.WriteString("<li><a href=\"" + base + ";csv;norefresh\">CSV export</a><br>\n")
	b.WriteString("<li><a href=\"" + base + ";json;norefresh\">JSON export</a><br>\n")
	b.WriteString("</ul></td></tr></table>\n")
	if m, ok := statsMessages[opts.st]; ok {
		b.WriteString("<p><div class=" + m[0] + "><a class=lfsb href=\"" + suffix(opts.up, opts.norefresh) + "\" title=\"Remove this message\">[X]</a> " + m[1] + "</div>\n")
	} else if opts.st != "" {
		b.WriteString("<p><div class=active_no_check><a class=lfsb href=\"" + suffix(opts.up, opts.norefresh) + "\" title=\"Remove this message\">[X]</a> Unexpected result.</div>\n")
	}
	rows := p.statsRowsFor(now, opts.up, cfg.ShowLegends)
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].pc == rows[i].pc {
			j++
		}
		p.htmlProxy(&b, rows[i:j], cfg, admin, now)
		i = j
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func twoDigits(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

func capText(c config.Cap) string {
	switch c {
	case config.CapFrontend:
		return "frontend"
	case config.CapBackend:
		return "backend"
	}
	return "proxy"
}

// htmlProxy writes one proxy's tables.
func (p *Proxy) htmlProxy(b *strings.Builder, rows []*statsRow, cfg *config.Stats, admin bool, now time.Time) {
	pc := rows[0].pc
	name := html.EscapeString(pc.Name)
	be := p.plan().backendOf(pc)
	form := admin && be != nil && len(be.servers) > 0
	if form {
		b.WriteString("<form method=\"post\">")
	}
	b.WriteString("<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\"><a name=\"" + name + "\"></a>")
	if cfg.ShowLegends {
		b.WriteString("<u><a class=px href=\"#" + name + "\">" + name + "</a><div class=tips>cap: " + capText(pc.Cap) +
			", mode: " + modeName(pc.Mode) + ", id: " + strconv.Itoa(pc.ID) + "</div></u>")
	} else {
		b.WriteString("<a class=px href=\"#" + name + "\">" + name + "</a>")
	}
	b.WriteString("</th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n<table class=\"tbl\" width=\"100%\">\n")
	b.WriteString("<tr class=\"titre\">")
	if form {
		b.WriteString("<th rowspan=2 width=1><input type=\"checkbox\" onclick=\"for(c in document.getElementsByClassName('" + name +
			"-checkbox')) document.getElementsByClassName('" + name + "-checkbox').item(c).checked = this.checked\"></th>")
	} else {
		b.WriteString("<th rowspan=2></th>")
	}
	b.WriteString("<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n")
	b.WriteString("<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\n</tr>\n")
	td := func(v string) { b.WriteString("<td>" + v + "</td>") }
	num := func(r *statsRow, fs ...int) {
		for _, f := range fs {
			td(groupDigits(r.v[f]))
		}
	}
	for _, r := range rows {
		v := &r.v
		switch r.kind {
		case 0:
			b.WriteString("<tr class=\"frontend\"><td></td><td class=ac><a name=\"" + name + "/Frontend\"></a><a class=lfsb href=\"#" + name + "/Frontend\">Frontend</a></td><td colspan=3></td>")
			num(r, fRate, fRateMax)
			if v[fRateLim] == "0" {
				td("-")
			} else {
				num(r, fRateLim)
			}
			num(r, fScur, fSmax, fSlim, fStot)
			td("")
			td("")
			num(r, fBin, fBout, fDreq, fDresp, fEreq)
			td("")
			td("")
			td("")
			td("")
			b.WriteString("<td class=ac>" + v[fStatus] + "</td><td class=ac colspan=8></td></tr>\n")
		case 2:
			s := r.srv
			b.WriteString("<tr class=\"" + serverRowClass(s) + "\">")
			if form {
				b.WriteString("<td><input class='" + name + "-checkbox' type=\"checkbox\" name=\"s\" value=\"" + html.EscapeString(s.cfg.Name) + "\"></td>")
			} else {
				td("")
			}
			sn := html.EscapeString(s.cfg.Name)
			b.WriteString("<td class=ac><a name=\"" + name + "/" + sn + "\"></a><u><a class=lfsb href=\"#" + name + "/" + sn + "\">" + sn +
				"</a><div class=tips>" + addrFamily(s.addr) + ": " + html.EscapeString(s.addr) + ", id: " + v[fSid] + "</div></u></td>")
			num(r, fQcur, fQmax)
			dash(b, v[fQlimit])
			num(r, fRate, fRateMax)
			td("")
			num(r, fScur, fSmax)
			dash(b, v[fSlim])
			num(r, fStot, fLbtot)
			td(lastSessText(v[fLastsess]))
			num(r, fBin, fBout)
			td("")
			num(r, fDresp)
			td("")
			num(r, fEcon, fEresp, fWretr, fWredis)
			b.WriteString("<td class=ac>" + humanTime(atoi(v[fLastchg])) + " " + v[fStatus] + "</td>")
			if v[fCheckStatus] != "" {
				desc := v[fCheckDesc]
				if v[fLastChk] != "" {
					desc += ": " + html.EscapeString(v[fLastChk])
				}
				b.WriteString("<td class=ac><u> " + v[fCheckStatus] + " in " + v[fCheckDuration] + "ms<div class=tips>" + desc + "</div></u></td>")
			} else {
				td("")
			}
			b.WriteString("<td class=ac>" + v[fWeight] + "/" + v[fUweight] + "</td>")
			b.WriteString("<td class=ac>" + yesDash(v[fAct] == "1") + "</td><td class=ac>" + yesDash(v[fBck] == "1") + "</td>")
			if v[fChkfail] != "" {
				b.WriteString("<td><u>" + v[fChkfail] + "<div class=tips>Failed Health Checks</div></u></td>")
				td(v[fChkdown])
				td(humanTime(atoi(v[fDowntime])))
			} else {
				b.WriteString("<td colspan=3></td>")
			}
			b.WriteString("<td class=ac>-</td></tr>\n")
		case 1:
			b.WriteString("<tr class=\"backend\"><td></td><td class=ac><u><a name=\"" + name + "/Backend\"></a><a class=lfsb href=\"#" + name +
				"/Backend\">Backend</a><div class=tips>balancing: " + v[fAlgo] + "</div></u></td>")
			num(r, fQcur, fQmax)
			td("")
			num(r, fRate, fRateMax)
			td("")
			num(r, fScur, fSmax, fSlim, fStot, fLbtot)
			td(lastSessText(v[fLastsess]))
			num(r, fBin, fBout, fDreq, fDresp)
			td("")
			num(r, fEcon, fEresp, fWretr, fWredis)
			b.WriteString("<td class=ac>" + humanTime(atoi(v[fLastchg])) + " " + v[fStatus] + "</td><td class=ac>&nbsp;</td>")
			b.WriteString("<td class=ac>" + v[fWeight] + "/" + v[fUweight] + "</td><td class=ac>" + v[fAct] + "</td><td class=ac>" + v[fBck] + "</td><td class=ac>&nbsp;</td>")
			td(v[fChkdown])
			td(humanTime(atoi(v[fDowntime])))
			b.WriteString("<td></td></tr>")
		}
	}
	b.WriteString("</table>")
	if form {
		b.WriteString("Choose the action to perform on the checked servers : <select name=action><option value=\"\"></option>" +
			"<option value=\"ready\">Set state to READY</option><option value=\"drain\">Set state to DRAIN</option><option value=\"maint\">Set state to MAINT</option>" +
			"<option value=\"dhlth\">Health: disable checks</option><option value=\"ehlth\">Health: enable checks</option><option value=\"hrunn\">Health: force UP</option>" +
			"<option value=\"hnolb\">Health: force NOLB</option><option value=\"hdown\">Health: force DOWN</option><option value=\"dagent\">Agent: disable checks</option>" +
			"<option value=\"eagent\">Agent: enable checks</option><option value=\"arunn\">Agent: force UP</option><option value=\"adown\">Agent: force DOWN</option>" +
			"<option value=\"shutdown\">Kill Sessions</option></select><input type=\"hidden\" name=\"b\" value=\"#" + strconv.Itoa(pc.ID) +
			"\">&nbsp;<input type=\"submit\" value=\"Apply\"></form>")
	}
	b.WriteString("<p>\n")
}

func dash(b *strings.Builder, v string) {
	if v == "" {
		v = "-"
	}
	b.WriteString("<td>" + groupDigits(v) + "</td>")
}

func yesDash(y bool) string {
	if y {
		return "Y"
	}
	return "-"
}

func atoi(v string) int64 {
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

func lastSessText(v string) string {
	if v == "" || v == "-1" {
		return "?"
	}
	return humanTime(atoi(v))
}

func addrFamily(a string) string {
	if strings.HasPrefix(a, "[") || strings.Count(a, ":") > 1 {
		return "IPv6"
	}
	return "IPv4"
}

// serverRowClass is the CSS class of a server row: maintain, active_ or
// backup_ followed by up, down, going_up, going_down, draining, nolb,
// no_check.
func serverRowClass(s *server) string {
	if s.maint() {
		return "maintain"
	}
	kind := "active_"
	if s.cfg.Backup {
		kind = "backup_"
	}
	st := serverStatusText(s)
	switch {
	case strings.HasPrefix(st, "DRAIN"):
		return kind + "draining"
	case st == "no check":
		return kind + "no_check"
	case st == "NOLB": // no rule in HAProxy's CSS either
		return kind + "nolb"
	case strings.HasPrefix(st, "UP "), strings.HasPrefix(st, "NOLB "):
		return kind + "going_down"
	case strings.HasPrefix(st, "DOWN "):
		return kind + "going_up"
	case st == "UP":
		return kind + "up"
	}
	return kind + "down"
}
