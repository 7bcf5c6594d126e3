#!/usr/bin/env bash
# make run: the haplog pipeline on loopback with built-in defaults.
# Stage reached so far: halog on a bundled sample of real HAProxy 2.6 logs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p logs
sample=testdata/logs/http/haproxy-traffic.log
cp "$sample" logs/haproxy-traffic.log
echo "== halog -srv -H < logs/haproxy-traffic.log   (real HAProxy 2.6 traffic log, bundled)"
./bin/halog -srv -H < logs/haproxy-traffic.log
echo
echo "Try: ./bin/halog -st < logs/haproxy-traffic.log ; ./bin/halog -h"
