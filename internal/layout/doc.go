// Package layout holds the test that keeps the package graph as designed:
// cmd → proxy | syslogd | halog | rotate → formats, syslogd → rotate, and
// no feature package importing another (formats and internal/ are the
// shared leaves). It has no code of its own.
package layout
