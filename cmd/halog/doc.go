// Command halog is a drop-in, byte-identical and faster replacement for
// HAProxy 2.6's halog log analyser. It reads a log on stdin; see
// "halog -h" and the halog package documentation.
package main
