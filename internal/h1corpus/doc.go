// Package h1corpus reads the malformed HTTP/1 corpus in testdata/h1/ (see
// testdata/h1/README.md for the format) and HAProxy's recorded verdicts for
// it. It is test support shared by proxy/h1's table tests and fuzz seeds
// and by proxy's differential test against the real haproxy.
package h1corpus
