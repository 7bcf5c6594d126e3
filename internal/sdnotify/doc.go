// Package sdnotify sends systemd service notifications (sd_notify(3)):
// one datagram per call on the unix datagram socket named by the
// NOTIFY_SOCKET environment variable ("@name" is an abstract socket).
//
// The proxy's master process uses it the way HAProxy 2.6.12 does under
// -Ws (recorded with a listener on NOTIFY_SOCKET): "RELOADING=1" then
// "READY=1\nMAINPID=<master>" at start, "RELOADING=1" twice then the same
// READY datagram on each reload (also when the new configuration fails
// to load: the old worker keeps serving), and "STOPPING=1" on SIGTERM.
// systemd's default NotifyAccess=main only accepts datagrams sent by the
// main pid, so they must come from the master, never from a worker.
//
// Listeners takes the sockets of socket activation (sd_listen_fds(3)):
// syslogd adopts those whose address an input names, so that the
// supervisor's copy keeps receiving while syslogd is down.
package sdnotify
