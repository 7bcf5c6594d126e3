// Package testbin finds the external reference programs that differential
// tests run (haproxy, halog, rsyslogd, logrotate, gzip, zstd ...), and
// skips a test cleanly when one is absent.
//
// [Path] looks a program up, in this order:
//
//  1. an override from the environment: HAPLOG_BIN_<NAME>, where <NAME> is
//     the program name in upper case with every character other than a
//     letter or digit replaced by '_' (HAPLOG_BIN_HAPROXY,
//     HAPLOG_BIN_RSYSLOGD). For haproxy the older HAPLOG_HAPROXY is
//     honoured too. The value is a path or a name searched in PATH; when an
//     override is set, nothing else is tried, so a wrong override reports
//     the program as absent rather than silently running another one;
//  2. the name in PATH (exec.LookPath);
//  3. /usr/sbin/<name> and /usr/bin/<name>, which a user's PATH may lack;
//  4. the extra paths given by the caller, in order.
//
// Every candidate must be an executable regular file. [Need] wraps Path for
// tests: it returns the path, or skips the test with the program name, the
// package that provides it and the override variable. Under CI (the
// environment variable CI=true, see [InCI]) it fails the test instead:
// .ci/run installs every reference program, so a differential test that
// would skip there is a broken set-up, not a pass. [Want] is the same for
// a reference comparison that is one part of a larger test: it logs and
// returns false on a developer's machine, and fails under CI.
//
// The package imports "testing" only for [testing.TB]; it is meant for
// _test.go files and is internal to the module.
package testbin
