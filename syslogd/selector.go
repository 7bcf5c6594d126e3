package syslogd

import (
	"fmt"
	"strings"

	"github.com/haplog/haplog/formats"
)

// sevMask has bit s set when severity s matches.
type sevMask uint8

// Selector is a compiled rsyslog/sysklogd selector: for each facility row
// (0..23, plus the row of messages with an invalid PRI) the set of matching
// severities.
type Selector [numRows]sevMask

// Match reports whether a message of the given facility row and severity
// matches.
func (s *Selector) Match(fac, sev int) bool {
	return fac >= 0 && fac < numRows && sev >= 0 && sev < 8 && s[fac]&(1<<sev) != 0
}

// ParseSelector compiles a selector such as
// "*.info;mail.none;authpriv.none" or "local7.*;local7.!err". Parts are
// applied left to right: a plain priority adds that level and the more
// severe ones, "=" only that level, "!" removes instead of adding, "none"
// removes everything, "*" means every level (or every facility).
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	if s == "" {
		return sel, fmt.Errorf("empty selector")
	}
	for _, part := range strings.Split(s, ";") {
		if err := sel.apply(part); err != nil {
			return sel, fmt.Errorf("selector %q: %w", part, err)
		}
	}
	return sel, nil
}

func (sel *Selector) apply(part string) error {
	dot := strings.LastIndexByte(part, '.')
	if dot <= 0 || dot == len(part)-1 {
		return fmt.Errorf("want facility.priority")
	}
	facs, pri := part[:dot], part[dot+1:]
	var mask sevMask
	neg, none := false, false
	if strings.HasPrefix(pri, "!") {
		neg, pri = true, pri[1:]
	}
	exact := false
	if strings.HasPrefix(pri, "=") {
		exact, pri = true, pri[1:]
	}
	switch {
	case pri == "*":
		mask = 0xff
	case strings.EqualFold(pri, "none"):
		none = true
	default:
		sev, err := formats.ParseSeverity(pri)
		if err != nil {
			return err
		}
		if exact {
			mask = 1 << sev
		} else {
			mask = sevMask(1<<(sev+1) - 1)
		}
	}
	for _, f := range strings.Split(facs, ",") {
		rows, err := facilityRows(f)
		if err != nil {
			return err
		}
		for _, r := range rows {
			switch {
			case none:
				sel[r] = 0
			case neg:
				sel[r] &^= mask
			default:
				sel[r] |= mask
			}
		}
	}
	return nil
}

func facilityRows(f string) ([]int, error) {
	if f == "*" {
		rows := make([]int, numRows)
		for i := range rows {
			rows[i] = i
		}
		return rows, nil
	}
	fac, err := formats.ParseFacility(f)
	if err != nil {
		return nil, err
	}
	return []int{int(fac)}, nil
}
