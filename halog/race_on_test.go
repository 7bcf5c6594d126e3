//go:build race

package halog

// raceEnabled trims the slowest test variants under the race detector.
const raceEnabled = true
