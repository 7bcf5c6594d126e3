// Command syslogload measures a syslog receiver: it sends numbered
// HAProxy-style datagrams at a target rate and checks the files the
// receiver wrote for lost, duplicated and misrouted lines.
//
//	syslogload send  -addr 127.0.0.1:5140 -n 1000000 -rate 100000 -rid run1
//	syslogload check -n 1000000 -rid run1 -want all    /var/log/haproxy/traffic.log
//	syslogload check -n 1000000 -rid run1 -want notice /var/log/haproxy/admin.log
//	syslogload bench -receiver syslogd -bin ./bin/syslogd -rates 50000,100000,200000,0
//
// Messages are RFC 3164 without hostname, as HAProxy sends them: 90% local0.info
// (an httplog line), 7% local0.err (a 5xx line), 3% local0.notice (a server
// DOWN event), chosen by sequence number, each carrying "rid=RID&seq=N".
// check reads the file and its rotated backups (PATH.1, PATH-20261121,
// .gz and .zst included).
package main
