#!/usr/bin/env bash
# run.sh — side-by-side benchmark of bin/halog against the reference halog
# (called by `make bench` after the Go benchmarks).
#
# Generates the corpus with cmd/genlog if it is missing or stale, builds
# bin/halog, and runs bench/halog-vs.sh over the 12 anchor modes. Exits 0 with
# a message when the reference halog or the candidate is not available.
#
# Environment:
#   WORK         work directory (default /tmp/haplog-bench): corpus, results
#   BENCH_LINES  corpus size in lines (default 4200000, about 1.0 GB)
#   BENCH_SEED   genlog seed (default 1)
#   BENCH_RUNS   timed runs per mode (default 5)
#   HALOG_REF    reference binary (default: /usr/bin/halog, else halog on PATH)
#   BENCH_PAIR_LINES  requests of the custom-format comparison (default
#                1000000; 0 skips it): the same traffic in httplog for the
#                reference and in issue 14's custom format for bin/halog
#                (-log-format), see halog-vs.sh -p
set -u
cd "$(dirname "$0")/.." || exit 1
WORK=${WORK:-/tmp/haplog-bench}
LINES=${BENCH_LINES:-4200000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
GO=${GO:-go}

REF=${HALOG_REF:-}
if [ -z "$REF" ]; then
	if [ -x /usr/bin/halog ]; then
		REF=/usr/bin/halog
	else
		REF=$(command -v halog 2>/dev/null || true)
	fi
fi
if [ -z "$REF" ] || [ ! -x "$REF" ]; then
	echo "bench/run.sh: reference halog not installed (/usr/bin/halog or halog on PATH): skipping the side-by-side halog benchmark"
	exit 0
fi
if [ ! -d cmd/halog ]; then
	echo "bench/run.sh: cmd/halog does not exist yet: skipping the side-by-side halog benchmark"
	exit 0
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench/run.sh: GNU time is missing (apt-get install -y time): peak RSS will not be reported"
fi

mkdir -p "$WORK" bin || exit 1
"$GO" build -o bin/halog ./cmd/halog || { echo "bench/run.sh: building bin/halog failed" >&2; exit 1; }
"$GO" build -o "$WORK/genlog" ./cmd/genlog || { echo "bench/run.sh: building genlog failed" >&2; exit 1; }

LOG=$WORK/genlog-s$SEED-$LINES.log
# A corpus is reused only if the current generator still writes its first lines.
if [ -s "$LOG" ] && ! cmp -s <("$WORK/genlog" -seed "$SEED" -lines 2000) <(head -n 2000 "$LOG"); then
	echo "bench/run.sh: $LOG was written by another genlog version: regenerating"
	rm -f "$LOG"
fi
if [ ! -s "$LOG" ] || [ "$(wc -l <"$LOG")" -ne "$LINES" ]; then
	echo "bench/run.sh: generating $LOG ($LINES lines)"
	"$WORK/genlog" -seed "$SEED" -lines "$LINES" -o "$LOG.tmp" -stats && mv "$LOG.tmp" "$LOG" || exit 1
fi

status=0
WORK=$WORK bench/halog-vs.sh -n "$RUNS" "$REF" bin/halog "$LOG" || status=1
PAIR=${BENCH_PAIR_LINES:-1000000}
if [ "$PAIR" != 0 ]; then
	# issue 14: the same modes on a custom log-format, side by side with
	# the reference on the same requests logged with option httplog (not
	# -pct by default: its "ERR:" lines quote the line as read, which
	# differs between the two logs, so halog-vs.sh reports a mismatch)
	WORK=$WORK HALOG_VS_MODES=${HALOG_VS_PAIR_MODES:-'-c|-c -H|-st|-srv -H|-u|-ic|-e -st'} \
		bench/halog-vs.sh -n "$RUNS" -p "$PAIR" "$REF" bin/halog || status=1
fi
exit $status
