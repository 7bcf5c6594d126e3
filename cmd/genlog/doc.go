// Command genlog writes a deterministic, realistic HAProxy 2.6 log (httplog
// and tcplog lines behind an rsyslog file prefix) for benchmarks and load
// tests. Same flags and seed ⇒ byte-identical output.
//
//	genlog -lines 10000000 -o big.log -stats
//	genlog -mb 1000 -seed 7 -prefix rfc3339 > big.log
//
// See package internal/genlog for what the lines contain.
//
// Flags: -lines N (default 1000000 when -mb is not given), -mb N (stop once
// N×10^6 bytes are written), -seed, -tcp-ratio, -servers, -urls, -clients,
// -zipf, -rate (requests per second of simulated time), -ua-len, -cachebust,
// -start (RFC 3339; its offset is the zone of the dates), -prefix
// classic|rfc3339|none, -host, -o FILE (default stdout), -stats (counts and
// MB/s on stderr). Exit status 2 on a usage error, 1 on an output error.
package main
