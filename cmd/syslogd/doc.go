// Command syslogd receives syslog messages (UDP, TCP, unix socket) and
// writes them to files as an rsyslog configuration says, rotating them in
// process: it replaces rsyslog + logrotate for HAProxy logs.
//
//	syslogd -f /etc/rsyslog.d/haproxy.conf [-rotate-config /etc/logrotate.d/haproxy] [-metrics 127.0.0.1:9514]
//
// SIGHUP re-reads the configuration and reopens the files; SIGTERM and
// SIGINT drain the sockets, flush and exit.
package main
