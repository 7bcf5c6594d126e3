#!/usr/bin/env bash
# halog-vs.sh — run a reference halog and a candidate side by side on one log.
#
#   bench/halog-vs.sh [-n RUNS] REF CAND LOG [RUNS]
#   bench/halog-vs.sh [-n RUNS] -p LINES REF CAND
#
# For each of the 12 anchor modes (research/halog-perf-notes.md §3.3) it runs,
# interleaved, the reference, the candidate and the candidate under
# GOMAXPROCS=1: one warm-up round, then RUNS rounds (default 5). Every run's
# stdout, stderr and exit status must equal the reference's byte for byte; a
# mismatch is printed and makes the script exit 1. The table reports the
# median wall time (min–max), input MB/s (10^6 B/s), the ratio
# t_ref/t_cand (> 1: the candidate is faster), the ratio of the median CPU
# times (user + system, from GNU time; steadier than wall times on a
# loaded machine) and the peak RSS of each.
#
# Environment: WORK (default /tmp/haplog-bench) receives the run directory and
# the results file (also copied to $WORK/halog-vs-latest.txt);
# HALOG_VS_MODES overrides the mode list ('|'-separated, e.g. '-c|-st').
# HALOG_VS_CAND_LOG and HALOG_VS_CAND_FORMAT make the candidate read another
# log, the same traffic logged with that log-format (the reference keeps
# LOG, in httplog): the candidate runs with -log-format FORMAT CAND_LOG and
# its output must still equal the reference's (issue 14's custom-format
# comparison; BenchmarkCustomFormat in halog/ generates such a pair). -p
# LINES generates such a pair of LINES requests (halog's TestWriteBenchPair,
# run with go from the repository: http.log in httplog for REF, custom.log
# in issue 14's format '%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b
# %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc' for CAND) and compares on it. Only
# the stderr lines that quote a log line ("ERR:", "Truncated line") differ
# then, as they quote the line as read: such modes (-pct) show same=NO.
# Needs bash, coreutils and GNU time (/usr/bin/time) for the RSS columns;
# without GNU time the RSS columns read "n/a".
set -u
export LC_ALL=C TZ=UTC

usage() { echo "usage: $0 [-n RUNS] REF CAND LOG [RUNS] | $0 [-n RUNS] -p LINES REF CAND" >&2; exit 2; }

RUNS=5 PAIR=
while getopts n:p: opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	p) PAIR=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
WORK=${WORK:-/tmp/haplog-bench}
if [ -n "$PAIR" ]; then
	[ $# -eq 2 ] || usage
	case $PAIR in '' | *[!0-9]* | 0) echo "$0: -p LINES must be a positive integer" >&2; exit 2 ;; esac
	REF=$1 CAND=$2
	PAIRDIR=$WORK/halog-pair-$PAIR
	if [ ! -s "$PAIRDIR/custom.log" ] || [ ! -s "$PAIRDIR/http.log" ]; then
		mkdir -p "$PAIRDIR" || exit 2
		echo "generating $PAIR requests in httplog and issue 14's format into $PAIRDIR" >&2
		(cd "$(dirname "$0")/.." && HALOG_BENCH_PAIR=$PAIRDIR:$PAIR go test -count=1 -run '^TestWriteBenchPair$' ./halog/) >&2 || exit 2
	fi
	LOG=$PAIRDIR/http.log
	export HALOG_VS_CAND_LOG=$PAIRDIR/custom.log
	export HALOG_VS_CAND_FORMAT='%ci [%trl] %HM "%HU" "%HV" %ST %B %hr %s %b %TR/%Tw/%Tc/%Tr/%Ta %ac/%fc/%bc/%sc/%rc'
else
	[ $# -ge 3 ] && [ $# -le 4 ] || usage
	REF=$1 CAND=$2 LOG=$3
	[ $# -eq 4 ] && RUNS=$4
fi
case $RUNS in '' | *[!0-9]* | 0) echo "$0: RUNS must be a positive integer" >&2; exit 2 ;; esac
for b in "$REF" "$CAND"; do
	command -v "$b" >/dev/null 2>&1 || { echo "$0: $b: not executable" >&2; exit 2; }
done
[ -r "$LOG" ] || { echo "$0: $LOG: not readable" >&2; exit 2; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
DIR=$WORK/halog-vs-$STAMP
mkdir -p "$DIR" || exit 2
RESULTS=$WORK/halog-vs-$STAMP.txt

GTIME=/usr/bin/time
if ! "$GTIME" -f %M true >/dev/null 2>&1; then
	echo "$0: GNU time not found at $GTIME (apt-get install -y time): RSS columns will read n/a" >&2
	GTIME=
fi

if [ -n "${HALOG_VS_MODES:-}" ]; then
	IFS='|' read -r -a MODES <<<"$HALOG_VS_MODES"
else
	MODES=("-c" "-c -H" "-srv -H" "-st" "-tc" "-pct" "-u" "-uc -query" "-ua" "-ic" "-e -st" "-hs 500:599 -u")
fi

SIZE=$(stat -L -c %s "$LOG")
LINES=$(wc -l <"$LOG")

# run KIND MODE TAG: runs one binary, leaves $DIR/TAG.{out,err,rc,time,rss}.
run() {
	local kind=$1 mode=$2 tag=$3 t0 t1 rc
	local -a cmd
	case $kind in
	ref) cmd=("$REF") ;;
	cand) cmd=("$CAND") ;;
	cand1) cmd=(env GOMAXPROCS=1 "$CAND") ;;
	esac
	# shellcheck disable=SC2206 # the mode is a list of words on purpose
	local -a args=($mode)
	local in=$LOG
	if [ "$kind" != ref ] && [ -n "${HALOG_VS_CAND_LOG:-}" ]; then
		in=$HALOG_VS_CAND_LOG
		args=(-log-format "${HALOG_VS_CAND_FORMAT:-httplog}" "${args[@]}")
	fi
	t0=$EPOCHREALTIME
	if [ -n "$GTIME" ]; then
		"$GTIME" -f '%M %U %S' -o "$DIR/$tag.rss" "${cmd[@]}" "${args[@]}" <"$in" >"$DIR/$tag.out" 2>"$DIR/$tag.err"
		rc=$?
	else
		"${cmd[@]}" "${args[@]}" <"$in" >"$DIR/$tag.out" 2>"$DIR/$tag.err"
		rc=$?
		echo n/a 0 0 >"$DIR/$tag.rss"
	fi
	t1=$EPOCHREALTIME
	echo "$rc" >"$DIR/$tag.rc"
	# GNU time appends "Command exited with non-zero status N" before %M.
	local rss u s
	read -r rss u s < <(tail -n 1 "$DIR/$tag.rss")
	echo "$rss" >"$DIR/$tag.rss"
	awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f\n", u + s }' >>"$DIR/$kind.cpus"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$DIR/$kind.times"
	cat "$DIR/$tag.rss" >>"$DIR/$kind.rsses"
}

# same TAG: compares TAG's stdout/stderr/exit status with the reference's.
FAILS=0 KEPT=0
same() {
	local tag=$1 what=""
	cmp -s "$DIR/ref.out" "$DIR/$tag.out" || what="$what stdout"
	cmp -s "$DIR/ref.err" "$DIR/$tag.err" || what="$what stderr"
	cmp -s "$DIR/ref.rc" "$DIR/$tag.rc" || what="$what exit($(cat "$DIR/ref.rc") vs $(cat "$DIR/$tag.rc"))"
	if [ -n "$what" ]; then
		local keep
		keep=$WORK/halog-vs-$STAMP-mismatch-$((++KEPT))
		mkdir -p "$keep" && cp "$DIR"/ref.out "$DIR"/ref.err "$DIR"/ref.rc "$DIR/$tag".out "$DIR/$tag".err "$DIR/$tag".rc "$keep"/
		echo "$MODE" >"$keep/mode"
		echo "MISMATCH [$MODE] $tag:$what (outputs kept in $keep)" >&2
		for s in out err; do
			cmp -s "$DIR/ref.$s" "$DIR/$tag.$s" ||
				diff <(head -c 100000 "$DIR/ref.$s") <(head -c 100000 "$DIR/$tag.$s") | head -n 8 >&2
		done
		return 1
	fi
	return 0
}

# stats FILE: "median min max" of the numbers in FILE.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

mib() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.1f", k / 1024 }'; }

{
	echo "# halog-vs $STAMP: REF=$REF CAND=$CAND"
	echo "# LOG=$LOG ($SIZE bytes, $LINES lines), $RUNS runs after 1 warm-up, interleaved ref/cand/cand GOMAXPROCS=1"
	[ -z "${HALOG_VS_CAND_LOG:-}" ] || echo "# candidate: -log-format '${HALOG_VS_CAND_FORMAT:-httplog}' < $HALOG_VS_CAND_LOG"
	echo "# host: $(nproc) cpu, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '| %-16s | %-22s | %-22s | %-22s | %8s | %8s | %8s | %6s | %6s | %7s | %6s | %7s | %7s | %7s | %s |\n' \
		mode "ref s med (min–max)" "cand s med (min–max)" "cand1 s med (min–max)" "ref MB/s" "cand MB/s" "cand1 MB/s" \
		ratio ratio1 "cpu rat" same "ref MiB" "cand MiB" "cand1 MiB" "stderr (ref)"
	printf '|%s|\n' "------------------|------------------------|------------------------|------------------------|----------|----------|----------|--------|--------|---------|--------|---------|---------|---------|---"
} >"$RESULTS.head"
: >"$RESULTS.rows"

for MODE in "${MODES[@]}"; do
	rm -f "$DIR"/*.times "$DIR"/*.rsses "$DIR"/*.cpus
	ok=yes
	echo "== halog $MODE" >&2
	# warm-up round (not timed), outputs of the reference kept for comparison
	run ref "$MODE" ref
	run cand "$MODE" cand
	run cand1 "$MODE" cand1
	same cand || ok=NO
	same cand1 || ok=NO
	rm -f "$DIR"/*.times "$DIR"/*.rsses "$DIR"/*.cpus
	for ((i = 1; i <= RUNS; i++)); do
		run ref "$MODE" ref.$i
		run cand "$MODE" cand.$i
		run cand1 "$MODE" cand1.$i
		same ref.$i || ok=NO # the reference must be stable too
		same cand.$i || ok=NO
		same cand1.$i || ok=NO
		rm -f "$DIR"/ref."$i".* "$DIR"/cand."$i".* "$DIR"/cand1."$i".*
	done
	[ $ok = yes ] || FAILS=$((FAILS + 1))
	read -r rm rmin rmax < <(stats "$DIR/ref.times")
	read -r cm cmin cmax < <(stats "$DIR/cand.times")
	read -r c1m c1min c1max < <(stats "$DIR/cand1.times")
	rr=$(sort -g "$DIR/ref.rsses" | tail -n 1)
	cr=$(sort -g "$DIR/cand.rsses" | tail -n 1)
	c1r=$(sort -g "$DIR/cand1.rsses" | tail -n 1)
	read -r rcpu _ < <(stats "$DIR/ref.cpus")
	read -r ccpu _ < <(stats "$DIR/cand.cpus")
	summary=$(tail -n 1 "$DIR/ref.err" | tr -d '\n' | cut -c1-60)
	awk -v mode="$MODE" -v size="$SIZE" -v rm="$rm" -v rmin="$rmin" -v rmax="$rmax" \
		-v cm="$cm" -v cmin="$cmin" -v cmax="$cmax" -v c1m="$c1m" -v c1min="$c1min" -v c1max="$c1max" \
		-v rr="$(mib "$rr")" -v cr="$(mib "$cr")" -v c1r="$(mib "$c1r")" -v ok="$ok" -v sum="$summary" \
		-v rcpu="$rcpu" -v ccpu="$ccpu" 'BEGIN {
		cpur = (ccpu > 0) ? sprintf("%.2f", rcpu / ccpu) : "n/a"
		printf "| %-16s | %-22s | %-22s | %-22s | %8.0f | %8.0f | %8.0f | %6.2f | %6.2f | %7s | %6s | %7s | %7s | %7s | %s |\n",
			mode, sprintf("%.3f (%.3f–%.3f)", rm, rmin, rmax), sprintf("%.3f (%.3f–%.3f)", cm, cmin, cmax),
			sprintf("%.3f (%.3f–%.3f)", c1m, c1min, c1max), size / rm / 1e6, size / cm / 1e6, size / c1m / 1e6,
			rm / cm, rm / c1m, cpur, ok, rr, cr, c1r, sum }' | tee -a "$RESULTS.rows" >&2
done

{
	cat "$RESULTS.head" "$RESULTS.rows"
	echo
	echo "ratio = t_ref / t_cand (median wall times; > 1 means the candidate is faster); ratio1: candidate with GOMAXPROCS=1;"
	echo "cpu rat = median CPU time (user + system) of the reference / of the candidate (n/a without GNU time)."
	echo "same = stdout, stderr and exit status identical to the reference in every run."
	echo "mismatching modes: $FAILS"
} >"$RESULTS"
rm -f "$RESULTS.head" "$RESULTS.rows"
cp "$RESULTS" "$WORK/halog-vs-latest.txt"
rm -rf "$DIR"
echo
cat "$RESULTS"
echo "(results: $RESULTS)"
[ "$FAILS" -eq 0 ]
