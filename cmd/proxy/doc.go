// Command proxy is an HAProxy-compatible load balancer for the haproxy.cfg
// subset of haplog: it reads the same configuration files, accepts the
// usual command line, and logs exactly what HAProxy 2.6 logs.
//
//	proxy -f haproxy.cfg [-f more.cfg] [-db] [-p pidfile] [-sf pid...] [-st pid...]
//	proxy -c -f haproxy.cfg [-q]
//
// It always runs in the foreground: -D and the "daemon" keyword are
// accepted and ignored (a note says so); run it under a supervisor.
//
// Signals: SIGUSR1 soft stop (stop listening, finish in-flight requests,
// exit; "Proxy X stopped" notices), SIGTERM/SIGINT hard stop (no notice;
// outside master-worker mode the process then dies of the signal, as
// haproxy 2.6 -db does). A reload is a new process started with
// "-sf <old pid>": it binds the same addresses (SO_REUSEPORT) and then
// asks the old process to soft-stop, so no connection is refused.
package main
