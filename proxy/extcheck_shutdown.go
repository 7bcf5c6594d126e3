package proxy

// shutdownSessions closes the server side of every session of backend b
// connected to a server that match selects: "on-marked-down
// shutdown-sessions" (the server itself) and "on-marked-up
// shutdown-backup-sessions" (the backup servers). The sessions then end
// with termination cause 'D' ("D-" for a TCP session, "DH" with a 502 for
// an HTTP one waiting for its response, as haproxy 2.6 logs them).
func (h *health) shutdownSessions(b *backend, match func(*server) bool) {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	for ss := range h.p.sessions {
		ss.srvMu.Lock()
		if ss.srvConn != nil && ss.srvFor != nil && ss.srvFor.be == b && match(ss.srvFor) {
			ss.killed.Store(true)
			ss.srvConn.Close()
		}
		ss.srvMu.Unlock()
	}
}
