#!/bin/sh
# fidelity.sh — the differential fidelity harness (package fidelity):
# HAProxy 2.6 and haplog's proxy on the same configurations and traffic,
# log lines compared field by field. Skips when haproxy is not installed.
#
#   scripts/fidelity.sh                 # haproxy vs proxy (builds cmd/proxy)
#   HAPLOG_FIDELITY_SELF=1 scripts/fidelity.sh   # haproxy vs haproxy (checks the harness)
#   scripts/fidelity.sh -run 'TestFidelity/tcp'  # one scenario
#
# HAPLOG_FIDELITY_REPORT=<file> also writes the per-scenario tables (markdown);
# HAPLOG_FIDELITY_VERBOSE=1 logs every line of every step.
set -eu
cd "$(dirname "$0")/.."
HAPLOG_FIDELITY=1 exec go test -count=1 -timeout 5m -v -run 'TestFidelity' "$@" ./fidelity/
