// Package fidelity holds haplog's differential fidelity harness for the
// proxy: its tests run the real HAProxy 2.6 and haplog's proxy on the same
// configuration, drive the same scripted traffic against both, collect the
// syslog datagrams each one sends and compare them field by field.
//
// The package has no API; everything is in its tests.
//
//   - Always run: unit tests of the comparison machinery (syslog header
//     layouts, field extraction through formats.Format.Parse, masking)
//     against datagrams HAProxy 2.6 sent during the conformance captures
//     (testdata/wire/).
//   - TestFidelity, the harness itself, runs with HAPLOG_FIDELITY=1
//     (`make fidelity`) or under CI=true (.ci/run), because it needs
//     /usr/sbin/haproxy, builds cmd/proxy and takes about 45 s (mostly
//     waiting on the scripted timeouts). On a developer's machine it skips
//     with a message when haproxy is missing or the proxy does not build;
//     under CI that is a failure.
//
// For each scenario (http, tcp, clf, custom, rfc5424, edge) the harness renders
// testdata/<scenario>.cfg.tmpl twice with free loopback ports, pointing
// every `log` line at a UDP collector of the test, starts the in-process
// backends of internal/testbackend (status/size/delay chosen by the query
// string, a dead port, a slow server, echo/banner/silent/close TCP
// servers), starts `haproxy -db -f cfg` and `proxy -db -f cfg`, and runs
// the scenario's steps on both sides at once. After each step a request to
// the frontend fe_sync (an `http-request return` rule) marks the end of
// the step in every log stream, so lines are attributed to steps without
// sleeping.
//
// Compared, per step and per log target: the syslog header (PRI, layout,
// hostname, tag, that the pid is the process's pid, a plausible timestamp,
// the final LF), then each line's fields by their log-format names (ci,
// ft, b, s, ST, B, CC, CS, tsc, ac/fc/bc/sc/rc, sq/bq, hr[i], hs[i], HM,
// HU, HV, ...). Client, frontend and backend-side ports, pids and dates are
// masked; timers are compared by class (-1 or not, or below/above a
// threshold a step chooses). Admin lines (server DOWN/UP, "has no server
// available!", "Proxy X stopped") are compared as a multiset of
// level+text. Each scenario logs a table of matching/differing fields; a
// difference fails the step with the first differing field shown side by
// side. Finally the real halog reads the proxy's lines (-srv -H, -st, -tc)
// and must report as many parse errors as it does on HAProxy's lines: 0.
//
// Environment:
//
//	HAPLOG_FIDELITY=1         run the harness
//	HAPLOG_FIDELITY_SELF=1    compare haproxy with haproxy (checks the harness)
//	HAPLOG_HAPROXY=path       haproxy binary (default: PATH, then /usr/sbin)
//	HAPLOG_PROXY=path         prebuilt proxy binary (default: go build ./cmd/proxy)
//	HAPLOG_FIDELITY_REPORT=f  also write the per-scenario tables to f (markdown)
//	HAPLOG_FIDELITY_VERBOSE=1 log every line of every step
package fidelity
