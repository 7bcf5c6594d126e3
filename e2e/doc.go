// Package e2e holds the end-to-end tests of the haplog pipeline: demo
// backends (internal/testbackend) behind the proxy, whose UDP syslog lines
// go to syslogd, which writes and rotates files that halog then reads.
//
//   - TestPipeline: the users' configurations from examples/ (copied to
//     testdata/), HTTP requests with chosen statuses, one denied by the
//     frontend in sixteen, one TCP session and a dead checked server; checks
//     the traffic, info and admin files line by line and halog -srv -H and
//     -st over the traffic file.
//   - TestPipelineRotation: a 4 KiB size rotation (rotate 50, compress)
//     under concurrent keep-alive traffic; every request is in exactly one of
//     the current file and the decompressed backups, and halog gives the same
//     totals from the concatenated .gz backups plus the current file.
//   - TestBinaries: the same traffic through the built commands (proxy -db,
//     syslogd -rotate-config, halog); skipped with -short.
//
// The first two run every component in process through its Go API
// (proxy.New, syslogd.New, halog.Main) on 127.0.0.1 ephemeral ports and
// temporary directories. Expected values come from what the tests send and
// from the answers the backends return (their Server header names the
// server), never from the code under test. When HAProxy's halog is installed,
// every halog.Main run on plain input is also compared byte for byte with it.
//
// Admin lines (server DOWN, "Proxy X stopped") go to the traffic file too
// (local0.*); halog counts each as a parsing error, so the tests expect
// exactly that many, and none once the admin lines are removed.
//
// The package contains only tests.
package e2e
