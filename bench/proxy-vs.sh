#!/usr/bin/env bash
# bench/proxy-vs.sh — requests/s and p99 latency through haplog's proxy and
# through HAProxy 2.6, same backend, same config (option httplog, logs sent
# as UDP syslog and counted), same run, wrk on loopback.
#
#   bench/proxy-vs.sh            # 10 s per run, wrk -t1 -c50
#   DUR=30s CONNS=100 bench/proxy-vs.sh
#   MODES=keepalive bench/proxy-vs.sh   # one mode only (keepalive, close)
#
# cpu/req is the user+system CPU time the proxy process (haproxy or ours)
# spent during the run, from /proc/PID/stat, divided by the requests wrk
# completed: microseconds per request, 10 ms clock-tick resolution.
#
# Each side gets one core's worth of threads: the proxy runs with
# GOMAXPROCS=1 and HAProxy with "nbthread 1" (issue 10 §3). PROXY=<binary>
# benchmarks a prebuilt cmd/proxy instead of building this tree's (to
# compare two versions in the same conditions).
#
# Needs: go, wrk, python3 (UDP line counter); haproxy optional (its column
# is skipped when absent). Ports 21901-21905 on 127.0.0.1 must be free.
# Every process it starts is stopped by PID on exit.
set -euo pipefail

DUR=${DUR:-10s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
BE=21901 HAP=21902 PRX=21903 LOGH=21904 LOGP=21905
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not installed" >&2; exit 2; }
HAPROXY=$(command -v haproxy || ls /usr/sbin/haproxy 2>/dev/null || true)

(cd "$ROOT" && go build -o "$WORK/demobackend" ./cmd/demobackend)
if [ -n "${PROXY:-}" ]; then
	cp "$PROXY" "$WORK/proxy"
else
	(cd "$ROOT" && go build -o "$WORK/proxy" ./cmd/proxy)
fi

cat >"$WORK/count.py" <<'PY'
import os, socket, signal, sys
def save(n):
    tmp = sys.argv[2] + ".tmp"
    open(tmp, "w").write(str(n))
    os.replace(tmp, sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", int(sys.argv[1])))
n = 0
def dump(*_):
    save(n)
    sys.exit(0)
signal.signal(signal.SIGTERM, dump)
s.settimeout(0.5)
while True:
    try:
        s.recv(65536)
        n += 1
    except socket.timeout:
        save(n)
PY

cfg() { # port logport
	cat <<CFG
global
    log 127.0.0.1:$2 local0
    maxconn 4000
    nbthread 1
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:$1
    default_backend be
backend be
    server s1 127.0.0.1:$BE
CFG
}

"$WORK/demobackend" -http "s1=127.0.0.1:$BE" & pids+=($!)
python3 "$WORK/count.py" $LOGH "$WORK/count-haproxy" & pids+=($!)
python3 "$WORK/count.py" $LOGP "$WORK/count-proxy" & pids+=($!)
cfg $PRX $LOGP >"$WORK/proxy.cfg"
GOMAXPROCS=1 "$WORK/proxy" -q -f "$WORK/proxy.cfg" & pids+=($!)
pid_proxy=$!
if [ -n "$HAPROXY" ]; then
	cfg $HAP $LOGH >"$WORK/haproxy.cfg"
	"$HAPROXY" -db -f "$WORK/haproxy.cfg" & pids+=($!)
	pid_haproxy=$!
fi
# wait until every listener accepts (haproxy can take a while on a busy box)
for port in $BE $PRX ${HAPROXY:+$HAP}; do
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
		sleep 0.1
	done
done

count() { cat "$WORK/count-$1" 2>/dev/null || echo 0; }
# cputicks PID -> utime+stime in clock ticks (fields 14 and 15 of stat;
# the command name, field 2, is taken off first as it may hold spaces)
cputicks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
TCK=$(getconf CLK_TCK)

# run NAME PORT MODE -> prints one result row
run() {
	local name=$1 port=$2 mode=$3 hdr=()
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	local before after out rps p99 reqs pid="pid_$1" c0 c1
	before=$(count "$name")
	c0=$(cputicks "${!pid}")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency "${hdr[@]}" "http://127.0.0.1:$port/?sz=100")
	c1=$(cputicks "${!pid}")
	sleep 1 # let the counter flush (it writes every 0.5 s of silence)
	after=$(count "$name")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	printf '%-8s %-10s %12s %10s %10s %10s %9s\n' "$name" "$mode" "$rps" "$p99" "$reqs" "$((after - before))" \
		"$(awk -v t=$((c1 - c0)) -v hz="$TCK" -v n="$reqs" 'BEGIN { printf "%.1fus", n ? t * 1e6 / hz / n : 0 }')"
}

printf '%-8s %-10s %12s %10s %10s %10s %9s\n' target mode req/s p99 requests logged cpu/req
for mode in ${MODES:-keepalive close}; do
	if [ -n "$HAPROXY" ]; then run haproxy $HAP $mode; fi
	run proxy $PRX $mode
done
