package syslogd

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var updateDirectives = flag.Bool("update-directives", false, "TestDirectivesDoc: rewrite "+directivesDoc)

const directivesDoc = "../docs/syslogd-directives.md"

// implementedDirectives are the directives this work made syslogd
// implement (TestConfigStrictClassification checks their effect, the live
// tests named compare them with rsyslogd).
var implementedDirectives = [][3]string{
	{"$PreserveFQDN, global(preserveFQDN)", "legacy, global", "implemented: the local host's name is its first label unless on; senders' names are kept whole, as rsyslogd 8.2302 does (TestLiveRsyslogPreserveFQDN)"},
	{"$AllowedSender UDP or TCP, addr[/bits], ...", "legacy", "implemented for IPv4/IPv6 addresses and CIDR: datagrams of other senders dropped, their TCP connections closed (TestLiveRsyslogAccess); host names and wildcards refused; other protocols refused"},
	{"$PrivDropToUser, $PrivDropToUserID, $PrivDropToGroup, $PrivDropToGroupID, global(privDrop.user.name/.id, privDrop.group.name/.id, privDrop.group.keepSupplemental)", "legacy, global", "implemented: dropped once every socket is bound, in rsyslogd's order (TestLivePrivDrop, cmd/syslogd); an unknown user or group is fatal (rsyslogd keeps root); a user id with no name gets the current group as its only supplementary group (rsyslogd keeps the starting groups; TestPrivDropUnnamedUID)"},
	{"$MaxOpenFiles", "legacy", "implemented: soft and hard RLIMIT_NOFILE at start (TestLivePrivDrop)"},
	{"$FileOwnerNum, $FileGroupNum, $DirOwnerNum, $DirGroupNum, fileOwnerNum ... (omfile, builtin:omfile)", "legacy, omfile", "implemented: numeric owners (a file owner or group number must name an existing user or group, as rotate sets it; a directory's may be any number)"},
	{"$FileOwner, $FileGroup, $DirOwner, $DirGroup, fileOwner ... (omfile, builtin:omfile)", "legacy, omfile", "implemented; a user or group this system does not know is refused at -check and at start with file:line, as rsyslogd -N1 refuses it"},
	{"global(umask)", "global", "implemented: as $Umask"},
	{"$InputTCPMaxSessions, imtcp maxSessions (module, input)", "legacy, imtcp", "no-op: rsyslogd 8.2302 does not enforce it either (it served 230 connections with maxSessions=5; TestLiveRsyslogAccess)"},
	{"threads, batchSize, schedulingPolicy, schedulingPriority, timeRequery (module imudp); maxListeners, workerThreads, starvationProtection.maxReads (module imtcp)", "module()", "no-op: how rsyslogd's threads read, not what they read"},
	{"closeTimeout (omfile)", "omfile", "no-op with rsyslog's default (0 for file, 10 for dynaFile), refused otherwise"},
	{"main_queue(queue.*)", "object", "as the queue parameters below"},
	{"dyn_stats(), percentile_stats()", "object", "no-op: used only by dyn_inc()/percentile_observe(), which are refused"},
	{"anything else not supported (unknown directive, unknown omfile/global/input/module parameter, timezone(), ...)", "all", "refused (ErrUnsupported, FILE:LINE)"},
}

// directiveRows renders the tables of config_strict.go.
func directiveRows() string {
	var b strings.Builder
	row := func(name, scope string, e inert) {
		status := "no-op"
		switch {
		case e.ok == nil:
			status = "no-op: " + e.why
		case len(e.ok) == 0:
			status = "refused: " + e.no
		default:
			status = fmt.Sprintf("no-op with %s (%s); refused otherwise: %s", strings.Join(e.ok, ", "), e.why, e.no)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, scope, status)
	}
	table := func(m map[string]inert, scope, prefix string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row(prefix+k, scope, m[k])
		}
	}
	b.WriteString("| directive or parameter | where | status |\n|---|---|---|\n")
	for _, d := range implementedDirectives {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", d[0], d[1], d[2])
	}
	table(legacyInert, "legacy", "$")
	table(queueInert, "main_queue(), action(), $MainMsgQueue…/$ActionQueue…", "queue.")
	table(omfileInert, "action(type=\"omfile\")", "")
	table(omfileModInert, "module(load=\"builtin:omfile\")", "")
	table(globalInert, "global()", "")
	table(inputInert, "input(type=\"imudp\"/\"imtcp\")", "")
	table(udpInert, "input(type=\"imudp\")", "")
	table(tcpInert, "input(type=\"imtcp\"), module(load=\"imtcp\")", "")
	table(uxInert, "input(type=\"imuxsock\"); module(load=\"imuxsock\") with syssock.", "")
	return b.String()
}

const directivesBegin, directivesEnd = "<!-- begin: TestDirectivesDoc -->\n", "<!-- end: TestDirectivesDoc -->\n"

// TestDirectivesDoc: the table of docs/syslogd-directives.md is what the
// tables of config_strict.go say (-update-directives rewrites it).
func TestDirectivesDoc(t *testing.T) {
	data, err := os.ReadFile(directivesDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, directivesBegin), strings.Index(doc, directivesEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q ... %q section", directivesDoc, directivesBegin, directivesEnd)
	}
	want := directiveRows()
	if got := doc[i+len(directivesBegin) : j]; got != want {
		if *updateDirectives {
			doc = doc[:i+len(directivesBegin)] + want + doc[j:]
			if err := os.WriteFile(directivesDoc, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s is out of date: go test ./syslogd -run TestDirectivesDoc -update-directives", directivesDoc)
	}
}
