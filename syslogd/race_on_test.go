//go:build race

package syslogd

// raceEnabled: sync.Pool (regexp's matchers among others) drops items at
// random under the race detector, so allocation counts are not meaningful.
const raceEnabled = true
