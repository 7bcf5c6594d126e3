// Command halog is a drop-in, byte-identical and faster replacement for
// HAProxy 2.6's halog log analyser. It reads the files given after the
// options (plain, gzip or zstd; "-" is stdin), or stdin, and with
// -log-format or -haproxy-cfg any HAProxy log-format; see "halog -h" and
// the halog package documentation.
package main
