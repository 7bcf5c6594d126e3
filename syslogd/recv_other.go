//go:build !(linux && (amd64 || arm64))

package syslogd

import "net"

func newBatchReader(in *udpInput, slot int) batchReader { return newSimpleReader(in, slot) }

const batchedReads = false

// detachUDP keeps the socket in the Go netpoller on this platform.
func detachUDP(*net.UDPConn) int { return -1 }

func shutdownRead(int) {}

func closeRaw(int) {}
