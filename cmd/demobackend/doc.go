// Command demobackend runs scriptable test origins for the proxy: HTTP
// servers whose answers are chosen by the query string, and raw TCP servers
// (echo, banner, silent, close). See internal/testbackend for the protocol.
//
// Usage:
//
//	demobackend -http NAME=ADDR ... -tcp MODE=ADDR ...
//
// for example `demobackend -http a1=127.0.0.1:20001 -tcp echo=127.0.0.1:20010`.
// It runs until SIGINT or SIGTERM.
package main
