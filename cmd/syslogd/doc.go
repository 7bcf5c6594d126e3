// Command syslogd receives syslog messages (UDP, TCP, unix socket) and
// writes them to files as an rsyslog configuration says, rotating them in
// process: it replaces rsyslog + logrotate for HAProxy logs.
//
//	syslogd -f /etc/rsyslog.d/haproxy.conf [-rotate-config /etc/logrotate.d/haproxy] [-i /run/haplog-syslogd.pid] [-metrics 127.0.0.1:9514]
//
// Signals follow rsyslogd's where it has them:
//
//   - SIGHUP closes and reopens the output files (rsyslogd's meaning,
//     rsyslogd(8) of 8.2302: "HUP: This lets rsyslogd perform close all
//     open files"; rsyslogd cannot re-read its configuration). A logrotate postrotate `kill -HUP` therefore works
//     unchanged, though it is not needed: a file renamed, removed or
//     truncated by another program is noticed within a flush interval.
//   - SIGUSR1 rotates every output file now, in process (backup names,
//     compression and retention of its policy); ignored with -no-rotate.
//   - SIGUSR2 re-reads the rsyslog and logrotate configurations (what
//     SIGHUP did before): new listeners are bound, files whose policy
//     changed are reopened under the new one; a bad file leaves the
//     previous configuration in force.
//   - SIGTERM and SIGINT drain the sockets, flush and exit.
//
// rsyslogd's command lines are read as rsyslogd reads them: -n (foreground:
// always the case) is accepted, -iNONE and -iPIDFILE are -i's short forms,
// -N1 checks the configuration (-check). -no-rotate leaves rotation to an
// outside logrotate: files are followed, never rotated, compressed or
// removed.
//
// -i PIDFILE (rsyslogd's flag) writes the process id once the sockets are
// bound and removes the file at exit; "NONE" writes none, as rsyslogd. There
// is no default pid file (rsyslogd's /run/rsyslogd.pid belongs to rsyslogd).
// rsyslogd 8.2302 has no global(pidFile=...) parameter (it rejects it as
// unknown), so neither does the configuration reader.
package main
