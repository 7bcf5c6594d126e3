#!/usr/bin/env bash
# bench/all.sh — the side-by-side benchmarks `make bench` runs after the Go
# benchmarks. Each part runs only when its reference program is installed
# (apt-get install -y haproxy rsyslog wrk time) and says so otherwise.
#
#   BENCH_PARTS="halog proxy syslog rotate"   which parts (default: all)
set -u
cd "$(dirname "$0")/.." || exit 1
parts=${BENCH_PARTS:-halog proxy syslog rotate}
status=0
for part in $parts; do
  echo "== bench: $part"
  case $part in
    halog) bench/run.sh || status=1 ;;
    proxy)
      if command -v wrk >/dev/null && command -v python3 >/dev/null; then
        bench/proxy-vs.sh || status=1
      else
        echo "wrk or python3 missing: skipping the proxy benchmark"
      fi ;;
    syslog)
      if [ -x /usr/sbin/rsyslogd ]; then
        ./bin/syslogload bench -syslogd ./bin/syslogd -rates 50000,100000,200000,0 -duration 10s || status=1
      else
        echo "rsyslogd missing: skipping the syslog receiver benchmark"
      fi ;;
    rotate) HAPLOG_LOAD=1 go test -count=1 -run TestCompressVsGzipCLI -v ./rotate/ || status=1 ;;
    *) echo "unknown part $part"; status=1 ;;
  esac
done
exit $status
