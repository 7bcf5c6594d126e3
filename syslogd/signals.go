package syslogd

// This file holds what cmd/syslogd's signals call (helper "rotation",
// issue 13 §4): Reopen for SIGHUP, Rotate for SIGUSR1. Reload stays the
// full configuration re-read.

// Reopen closes and reopens every open output file, without re-reading any
// configuration: what rsyslogd does on SIGHUP, for a logrotate postrotate
// script. Lines received meanwhile are not lost: what is pending is written
// to the old file first. (Files renamed or removed by another program are
// also noticed without it, within the flush interval.)
func (s *Server) Reopen() error {
	// Serialised with Reload, so that no sink is closed under us.
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	return s.eachSink("reopen", (*fileSink).reopen)
}

// Rotate rotates every open output file now, in process, under its
// rotation policy (backup names, compression, retention), as at a period
// boundary. An output whose Sink cannot rotate (Options.Open returned
// one without a Rotate method) is reopened instead.
func (s *Server) Rotate() error {
	// Serialised with Reload, so that no sink is closed under us.
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	return s.eachSink("rotate", (*fileSink).rotate)
}

// rotator is a Sink that can rotate itself (*rotate.Writer).
type rotator interface{ Rotate() error }

// rotate hands the pending lines over, then rotates the file.
func (f *fileSink) rotate() error {
	f.ioMu.Lock()
	defer f.ioMu.Unlock()
	f.handOverLocked()
	if r, ok := f.w.(rotator); ok {
		return r.Rotate()
	}
	return f.w.Reopen()
}

// Rotate rotates the open file; a file not open yet has nothing to rotate.
func (r *lazySink) Rotate() error {
	w := r.current()
	if w == nil {
		return nil
	}
	if rw, ok := w.(rotator); ok {
		return rw.Rotate()
	}
	return w.Reopen()
}
