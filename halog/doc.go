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
// The log is read from an io.Reader (stdin for the command). Lines end at
// LF; a NUL byte truncates a line; a line of MaxLine (262144) bytes or more
// ends the input, as in halog. If the input starts with a gzip or zstd
// magic number it is decompressed transparently (a plain HAProxy log never
// starts with those bytes); this extension is not mentioned by -h, whose
// text must stay byte-identical to the reference.
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
// arena (no per-key allocation, nothing for the GC to scan). Per-chunk
// output lines and diagnostics ("Truncated line N:", "ERR:") are kept
// with chunk-relative line numbers and written in input order by a
// merger, so the output does not depend on scheduling. When -m can stop
// the input early (line-printing modes, -c with filters, -pct/-gt, or
// -m 0) a single worker processes the chunks in order. Reports are sorted
// once at the end with halog's orders (spec §8). Per-line processing
// allocates nothing once the keys are known. -c without filters only
// counts LFs, in parallel over 4 MiB pieces of the mapped file.
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
