//go:build !(linux && (amd64 || arm64))

package syslogd

func newBatchReader(in *udpInput, slot int) batchReader { return newSimpleReader(in, slot) }

const batchedReads = false
