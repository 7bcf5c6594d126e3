package config

import "fmt"

// serverOnMarked parses "on-marked-down shutdown-sessions" and
// "on-marked-up shutdown-backup-sessions", with haproxy 2.6's message for
// any other value (an absent value is reported as an empty string).
func serverOnMarked(s *Server, kw, val string) error {
	want := "shutdown-sessions"
	if kw == "on-marked-up" {
		want = "shutdown-backup-sessions"
	}
	if val != want {
		return fmt.Errorf("'%s' expects '%s' but got '%s'", kw, want, val)
	}
	if kw == "on-marked-down" {
		s.ShutdownOnDown = true
	} else {
		s.ShutdownBackupOnUp = true
	}
	return nil
}
