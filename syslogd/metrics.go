package syslogd

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// MetricsHandler serves the counters in the Prometheus text format.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write([]byte(s.metricsText()))
	})
}

func (s *Server) metricsText() string {
	st := s.Stats()
	var b strings.Builder
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("syslogd_received_total", "Datagrams and TCP frames received.", st.Received)
	counter("syslogd_empty_total", "Empty datagrams (ignored, as rsyslog does).", st.Empty)
	counter("syslogd_malformed_total", "Messages with an invalid PRI (kept, facility invld).", st.Malformed)
	counter("syslogd_unrouted_total", "Messages that matched no rule.", st.Unrouted)
	counter("syslogd_written_total", "Lines written to output files.", st.Written)
	counter("syslogd_dropped_total", "Lines that could not be written (disk full, unwritable file).", st.Dropped)
	counter("syslogd_read_errors_total", "Socket read and accept errors.", st.ReadErrors)
	counter("syslogd_kernel_drops_total", "Datagrams dropped by the kernel: receive buffer full.", st.KernelDrops)
	counter("syslogd_tcp_connections_total", "TCP connections accepted.", st.TCPConns)
	counter("syslogd_denied_total", "Datagrams and TCP connections refused ($AllowedSender).", st.Denied)
	counter("syslogd_tcp_errors_total", "TCP connections closed on a framing error.", st.TCPErrors)
	sinks := s.snap.Load().sinks
	type fileStat struct {
		path             string
		written, dropped uint64
	}
	files := make([]fileStat, 0, len(sinks))
	for p, fs := range sinks {
		files = append(files, fileStat{p, fs.written.Load(), fs.errors.Load()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	b.WriteString("# HELP syslogd_file_written_total Lines written, per output file.\n# TYPE syslogd_file_written_total counter\n")
	for _, f := range files {
		fmt.Fprintf(&b, "syslogd_file_written_total{path=%q} %d\n", f.path, f.written)
	}
	b.WriteString("# HELP syslogd_file_dropped_total Lines dropped, per output file.\n# TYPE syslogd_file_dropped_total counter\n")
	for _, f := range files {
		fmt.Fprintf(&b, "syslogd_file_dropped_total{path=%q} %d\n", f.path, f.dropped)
	}
	b.WriteString("# HELP syslogd_udp_rcvbuf_bytes Effective receive buffer of each datagram socket.\n# TYPE syslogd_udp_rcvbuf_bytes gauge\n")
	for i, v := range st.RcvBuf {
		fmt.Fprintf(&b, "syslogd_udp_rcvbuf_bytes{socket=\"%d\"} %d\n", i, v)
	}
	b.WriteString(actionMetricsText()) // omkafka/omfwd actions and their queues (impstats.go)
	return b.String()
}
