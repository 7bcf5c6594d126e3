// Command halog is a drop-in, byte-identical and faster replacement for
// HAProxy 2.6's halog log analyser. It reads the files given after the
// options (plain, gzip or zstd; "-" is stdin), or stdin, and with
// -log-format or -haproxy-cfg any HAProxy log-format; see "halog -h" and
// the halog package documentation.
//
// Options beyond halog 2.6's (its usage and help stay byte for byte):
//
//	halog [options] [FILE...]                 files in order: plain, .gz, .zst, "-" = stdin
//	  -log-format FMT | -haproxy-cfg FILE [-proxy NAME]
//	  -pct-by srv|be|fe|url|ip|status|minute [-timer Ta|Tt|TR|Tw|Tc|Tr|Th|Ti]
//	  -json | -table | -csv                   output form of any report
//	  -since T -until T                       accept date in [since, until)
//	  -html OUT.html                          self-contained HTML report
//	  -follow FILE [-metrics ADDR]            tail -F, Prometheus on ADDR/metrics
//	halog [options] -kafka BROKERS -topic T [-group G] [-follow [-metrics ADDR]]
//	                                          read a Kafka topic (one line per record)
//	                                          up to its end offsets at startup; with
//	                                          -group, from the group's offsets,
//	                                          committed after the report
package main
