package main

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	got := summary(100000, map[string][]trialResult{
		"rsyslog": {{cpuPerMsg: 5}, {cpuPerMsg: 3, lostPct: 9.5}, {cpuPerMsg: 4}},
		"syslogd": {{cpuPerMsg: 2.2}, {cpuPerMsg: 1.8}},
	})
	for _, want := range []string{"== rate 100000:", "rsyslog median 4.00 us/msg, worst loss 9.500%",
		"syslogd median 2.00 us/msg, worst loss 0.000%", "CPU ratio syslogd/rsyslog 0.50"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if s := summary(0, map[string][]trialResult{"syslogd": {{cpuPerMsg: 1}}}); strings.Contains(s, "ratio") {
		t.Errorf("ratio without rsyslog: %s", s)
	}
}
