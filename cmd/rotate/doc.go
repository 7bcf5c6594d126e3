// Command rotate copies standard input into a log file that rotates itself,
// like Apache's rotatelogs or svlogd:
//
//	producer | rotate [-daily|-hourly|-weekly|-monthly] [-size 100M] [-keep 90]
//	                  [-compress gzip|zstd|none] [-level N] [-threads N]
//	                  [-config logrotate-file] FILE
//
// With -config, the block's logrotate scripts that do real work
// (prerotate, postrotate, ...) run at each rotation as logrotate runs them;
// those that only signal a logging daemon to reopen are reported and not
// run (see package rotate).
//
// SIGUSR1 rotates now, SIGHUP reopens FILE (after an outside tool moved it),
// SIGTERM, SIGINT and end of input write everything (a partial last line
// included) and exit 0. Exit status 1 means data could not be written, 2 a
// usage or configuration error.
package main
