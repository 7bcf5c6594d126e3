// Package halog is a drop-in replacement for HAProxy 2.6's halog log
// analyser: for every option of the reference (input filters -H -e -E -rt
// -RT -Q -QS -tcn -TCN -hs -HS -time, modifiers -v -q -m -s -query, outputs
// -c -gt -pct -st -cc -tc -srv -ic -u* -hdr -ac -ad) it prints the same
// bytes on stdout and stderr and returns the same exit status, quirks
// included. The behaviour is specified in shared/spec/halog.md and checked
// against 610 recorded runs of the real program (testdata/halog).
//
// Entry points: Parse turns an argument list into Options (no os.Args, no
// flag package); Run processes a log with given Options; Main does both and
// returns the exit status, which is all cmd/halog needs.
//
// # Input
//
// halog [options] [FILE...] reads the files in order ("-" is stdin), stdin
// when none is given. Each file is decompressed when it starts with a gzip
// or zstd magic number (a plain HAProxy log never starts with those bytes),
// and a file whose last line lacks its LF does not merge it with the next
// file's first line. halog 2.6 itself reads only stdin and silently ignores
// everything from the first argument that is not an option: for that
// compatibility, when the first file name does not exist and stdin is not a
// terminal, the names are ignored and stdin is read (halog -c foo < log
// counts the log, as halog does); any other missing file is an error. These
// extensions are not mentioned by -h, whose text must stay byte-identical
// to the reference.
//
// Lines end at LF; a NUL byte truncates a line; a line of MaxLine (262144)
// bytes or more ends the input, as in halog.
//
// # Log formats
//
// Without -log-format, lines are read in halog's fixed httplog/tcplog
// layout after -s header fields (default: a 5-field RFC 3164 header), so
// every output is byte-identical to halog 2.6.
//
// -log-format FMT (an HAProxy log-format string, or httplog, tcplog,
// httpslog, clf) or -haproxy-cfg FILE [-proxy NAME] (the format of the
// frontend or listen section that defines one; -proxy picks among several,
// else the error lists them) selects the format of the lines. The syslog
// header of each line is then detected on its own (RFC 3164 with or
// without host, RFC 5424, a bare PRI or timestamp, none; formats.
// MessageStart, through a per-worker formats.HeaderCache that answers a
// line repeating the last such header but for its timestamp), unless -s
// is given. The format is compiled by the proxy's
// own compiler (formats.Compile) into a formats.Reader, which locates the
// value of every variable of a line without copying (reading only up to
// the last value the selected report and filters use, plus the date: -st
// stops after %ST); each matching line is rewritten, into a per-worker
// buffer, in the httplog layout (tcplog for a format with %Tt and no HTTP
// timer), copying the bytes of each value as logged (a list such as
// %TR/%Tw/%Tc/%Tr/%Ta logged as halog's layout holds it in one copy), up to
// the last field the selected report and filters read when that field is
// before the captures, and read by the same code as a halog line. The
// reports -st, -srv, -ic, -pct, -gt and -c with the filters -H, -rt/-RT,
// -e/-E, -hs/-HS take a direct path instead (direct.go): they read the
// status, timers, server and client straight from the located values, for
// every line whose rewrite would hold those values as its fields (complete,
// no empty field or byte <= ' ' moving halog's field boundaries, the five
// timers logged as one list); other lines are rewritten. -srv (alone or
// with -H) on a format that logs the timers as one decimal list after the
// other values it reads goes further (srvfast.go): the reader stops before
// %TR, the list's parts are found at once in a mask of its non-digit bytes,
// and the servers' entries come from a cache keyed by the names' bytes;
// any line it cannot take goes the direct path's way. So every filter and
// report gives on a custom-format line exactly what halog gives on the
// same request logged with option httplog (checked against the real halog
// on generated traffic rendered in both formats), including bad requests
// (<BADREQ>, no captures) and lines cut at tune.http.logurilen. Lines that
// do not match the format (server state messages) are read as they are,
// as halog reads them in an httplog file. Printed lines and diagnostics
// quote the line as read. A filter or report that needs a variable the
// format lacks (-tc and %tsc, -Q and %sq/%bq, -srv and %b, ...) is an
// error naming it (exit status 1). Reading a line allocates nothing.
//
// # Percentiles per key
//
// -pct-by srv|be|fe|url|ip|status|minute [-timer Th|Ti|TR|Tw|Tc|Tr|Ta|Tt] (Ta by
// default; HAProxy's names, case matters) prints, after the header
// "#key count p50 p90 p95 p99 p99.9 max", one row per key in ascending
// byte order: the nearest-rank percentiles pN = v[ceil(N/100*n)] of the
// sorted values of the requests whose timer is >= 0 (a key without such a
// request is absent). srv is backend/server as -srv prints it, url the key
// of -u (-query applies), ip the -ic key, minute the accept date up to
// the minute. TR, Tw, Tc, Tr and Ta are read
// in the httplog layout; Th, Ti and Tt need a -log-format that logs them.
// Filters and -m apply as to other reports. Memory is bounded for huge
// inputs: values are exact up to 1M per key (and 16M per worker in all),
// beyond which a key switches to a logarithmic sketch whose percentiles are
// within 1 % (see pctExactMax).
//
// # Output forms and date window
//
// Every report (and -c, and the printed lines) can be written as JSON
// (-json: {"summary": {"lines_in": N, "lines_out": M, "parse_errors": K},
// "<report>": [{column: value, ...}, ...]}, columns named as halog's header
// line or, for reports without one, status/code/count, pct/count/TR/Tc/Tr/
// Td, series/value/weight, time/ms/gap/count, line), as CSV with a header
// row (-csv), or as an aligned terminal table (-table,
// github.com/olekukonko/tablewriter). The rows are those of the text
// report, which stays the default; the stderr summary is printed as usual.
//
// -since and -until (RFC 3339, or HAProxy's dd/Mon/yyyy:HH:MM:SS[.mmm] in
// the local zone) keep the lines whose accept date is in [since, until),
// with the -time machinery (whole seconds, intersected with -time).
//
// # HTML report
//
// -html OUT.html FILE... writes one self-contained page (inline style and
// SVG; no script, font, image or link, so it renders with no network): the
// -srv table, the status codes, the 20 URLs of highest average time (-ua),
// and two SVG line charts per minute of accept date: requests and errors
// (-e), and the p99 of Ta. Each part is one pass of the ordinary reports
// (-pct-by minute gives the per-minute counts and percentiles), so the
// input must be files; the page size does not grow with the input beyond
// the number of servers, status codes and minutes. The test renders the
// page in headless Chromium (chromium --dump-dom: the browser's DOM, with
// no Go dependency) and compares its tables and charts with the text
// reports; it fails when Chromium is missing under CI.
//
// # Live mode
//
// -follow FILE reads the lines appended to FILE from now on, like tail -F:
// through rename + create (the name points to a new inode: the old file
// is finished, the new one read from its start) and copytruncate (the file
// shrank, or changed without growing since it was last seen at its end:
// read again from the start; a truncation and a rewrite that overtake the
// reader between two reads are missed, as with tail -F). With -metrics
// ADDR it serves Prometheus text on http://ADDR/metrics: halog_lines_total,
// halog_parse_errors_total, halog_responses_total{code} and the histograms
// halog_timer_milliseconds{backend,server,timer} of TR Tw Tc Tr Ta (values
// >= 0). -follow -kafka BROKERS -topic T feeds the same metrics from the
// topic instead (see Kafka input). On a terminal, stderr shows a progress
// line (see Progress). It runs until the Env's Context ends (SIGINT or
// SIGTERM for the command).
//
// # Progress
//
// When stderr is a terminal, a run shows a progress line there (lines
// read, lines/s and MB/s over the last second), rewritten in place once a
// second from the first second on (so small inputs show none) and erased
// before the summary; never when stderr is a file or a pipe. The -c fast
// path (counting lines only) shows none.
//
// # Kafka input
//
// -kafka BROKERS -topic T (BROKERS: host:port[,host:port...]) reads the
// topic instead of files, one log line per record (one trailing LF of the
// value dropped; syslogd's omkafka writes one record per message). As with
// a file, halog reads every partition from its start up to the end offset
// observed when it started, then prints the report; records of one
// partition keep their order (with one partition the output is the same
// bytes as the file's). With -group G it joins the consumer group G, reads
// the partitions assigned to it from the group's committed offsets (the
// start when none) up to the end offsets observed at startup, and commits
// the offsets of what it read only after the report was written, so
// several halogs of one group split the partitions and a later run reads
// only the new records. When a rebalance takes a partition away during a
// run, what was read of it is committed at once (the next owner starts
// after it; a crash before the report then loses those records from the
// reports); a partition lost without revocation (session timeout) may be
// counted twice. With -m N, halog stops after N output lines but may
// commit records it fetched and did not read (a later run of the group
// starts after them): use -m without -group to sample a topic. A broker
// that does not answer within 10 s is an error
// naming it (exit 1). With -follow (and -metrics ADDR) halog keeps
// consuming and feeds the live metrics; in a group it commits what it read
// when it ends.
//
// # Engine
//
// The input is read in 4 MiB blocks cut into ~1 MiB chunks of whole lines
// (a regular file is mapped instead, and the pages of each chunk are
// released once it is processed, so the resident set stays small).
// Workers (Options.Workers, default GOMAXPROCS) parse chunks in parallel.
// For each line, one scan (formats.FieldIndex: SSE2/AVX2 on amd64)
// locates the start of every field up to the last one the active filters
// and output need; later fields (the request after the captures) are
// found on demand. The timers are parsed once per line even when a filter
// and the output both read them. Per-worker aggregates are dense arrays
// for statuses, codes and timer values, and for servers, URLs and client
// addresses an open-addressing table whose keys are copied once into an
// arena (no per-key allocation, nothing for the GC to scan) and whose
// entries are kept in pages of 4096, so that a table of 200k client
// addresses grows without copying them; once a table holds 16k keys it is
// looked up 16 keys at a time, so that their cache misses overlap. -ic in
// halog's fixed layout without filters, -v or -m locates the LF bytes of
// 64 lines at a time (AVX2 on amd64, which also tells whether they hold a
// NUL byte, instead of a NUL search of the whole chunk), reads its four
// fields straight from the field starts (ipcount.go), the numbers and the
// slashes of the timers 8 bytes at a time, and finds the entries of
// addresses of up to 16 bytes through a small direct-mapped cache; a line
// of any other shape goes through the general per-line code. Per-chunk
// output lines and diagnostics ("Truncated line N:", "ERR:") are kept
// with chunk-relative line numbers and written in input order by a
// merger, so the output does not depend on scheduling. When -m can stop
// the input early (line-printing modes, -c with filters, -pct/-gt, or
// -m 0) a single worker processes the chunks in order. Reports are sorted
// once at the end with halog's orders (spec §8); the -u/-ic report of 16k
// rows or more is sorted and formatted on the workers. Per-line processing
// allocates nothing once the keys are known. -c without filters only
// counts LFs, reading 1 MiB blocks (even from a regular file: reads into a
// buffer that stays in the caches cost less CPU than faults on a mapping).
//
// cmd/halog is built with profile-guided optimisation (cmd/halog/
// default.pgo, a CPU profile of BenchmarkRunSingle).
//
// # Known differences
//
// halog reads a few bytes past the end of some short lines (a truncated
// accept date with -time, a short termination state with -cc). This
// package reproduces that from the following input bytes, except at the
// end of a 4 MiB block, where halog's own 256 KiB buffer holds other, stale
// bytes. For -time in time zones with daylight saving time, halog applies
// the DST flag of the current date to the first minute bucket it converts;
// this package always converts with the correct offset for the date (the
// two agree in zones without DST such as UTC). Output combinations that are
// undefined in halog 2.6 (spec §5: -cc -srv, -st -ic, -pct -hdr, ...) do not
// crash but print whatever the selected report holds.
package halog
