// Package testkit is the one set of helpers haplog's tests share:
//
//   - waiting: [Eventually] polls a condition until it holds, failing the
//     test after a deadline ([Timeout], 20 s: generous for a loaded 2-CPU
//     CI machine, never reached by a passing test). [Poll] is the same
//     primitive for a caller that reports the failure itself, and
//     [WaitDial] waits until something accepts connections on an address
//     (TCP or a unix socket). Nothing in a test should sleep to
//     synchronise: wait for the observable effect with these;
//   - comparing outputs: [LineDiff] describes how two texts differ, line
//     by line (the first differing lines, quoted, with their numbers), and
//     [EqualLines] reports that as a test error; [LostDup] counts the
//     items of a numbered stream never seen and seen more than once;
//   - stand-in servers: [Serve] accepts connections on a free port of
//     127.0.0.1 until the test ends and hands each to a function;
//   - ports, files and commands: [FreePort] is a TCP port to write in a
//     configuration, [FreeAddr] an address to give on a command line,
//     [UDPSocketFile] a bound UDP socket to pass to a program as a file,
//     [WriteFile] writes a configuration file or fails the test, [Run]
//     runs a command to its end for its exit status and outputs, and
//     [GoBuild] builds commands of the module for a test that runs them as
//     users do;
//   - reference programs: [HAProxy], [Halog], [Rsyslogd], [Logrotate] and
//     [Chromium] return the path of the real program a differential test
//     runs, [Need] any other; on a developer's machine without it the test
//     is skipped, under CI=true it fails (see internal/testbin, which does
//     the lookup). [Start] runs a reference program for the rest of the
//     test, its stderr kept in a file for failure messages, and stops it
//     at cleanup; [StartHAProxy] writes a configuration and runs haproxy
//     in the foreground on it, and [HTTPLogDefaults] is the defaults
//     section the log-comparing HTTP tests share.
//
// The package imports "testing" only for [testing.TB]; it is meant for
// _test.go files and is internal to the module.
package testkit
