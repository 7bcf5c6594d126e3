//go:build !race

package halog

const raceEnabled = false
