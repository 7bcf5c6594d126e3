package rotate

import "sync/atomic"

// counters are the writer's metrics.
type counters struct {
	written, rejected                           atomic.Int64
	rotations, compressed, compressedIn         atomic.Int64
	removed                                     atomic.Int64
	writeErrors, rotateErrors, backgroundErrors atomic.Int64
	scripts, scriptErrors                       atomic.Int64
}

// Stats is a snapshot of a Writer's counters since New.
type Stats struct {
	BytesWritten     int64 // bytes written to log files
	BytesRejected    int64 // bytes refused by Write with ErrBufferFull
	Buffered         int   // bytes accepted and not yet written (what MaxBuffer bounds)
	Rotations        int64
	Compressed       int64 // backups compressed
	CompressedBytes  int64 // uncompressed size of the backups compressed
	Removed          int64 // backups or leftovers removed by retention or recovery
	WriteErrors      int64 // failed write attempts (each retry counts)
	RotateErrors     int64
	BackgroundErrors int64 // compression, retention and rename errors in the worker
	Scripts          int64 // logrotate scripts run (Options.Scripts)
	ScriptErrors     int64 // scripts that failed (exit status, timeout, start)
}

// Stats returns the writer's counters.
func (w *Writer) Stats() Stats {
	return Stats{
		BytesWritten:     w.st.written.Load(),
		BytesRejected:    w.st.rejected.Load(),
		Buffered:         w.held(),
		Rotations:        w.st.rotations.Load(),
		Compressed:       w.st.compressed.Load(),
		CompressedBytes:  w.st.compressedIn.Load(),
		Removed:          w.st.removed.Load(),
		WriteErrors:      w.st.writeErrors.Load(),
		RotateErrors:     w.st.rotateErrors.Load(),
		BackgroundErrors: w.st.backgroundErrors.Load(),
		Scripts:          w.st.scripts.Load(),
		ScriptErrors:     w.st.scriptErrors.Load(),
	}
}
