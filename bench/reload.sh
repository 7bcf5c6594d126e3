#!/bin/sh
# Reload under load: wrk -c50 with "Connection: close" against a proxy in
# master-worker mode (-W) in front of bin/demobackend, 10 reloads (SIGUSR2
# to the master, one per second), then the failed requests wrk counted
# (socket errors + non-2xx) and the number of workers 10 s after the last
# reload. Loopback only, bounded: wrk runs 14 s.
#
#   bench/reload.sh PROXY_BINARY [-sf]
#
# PROXY_BINARY is /usr/sbin/haproxy or our bin/proxy. With -sf the old
# single-process model is measured instead: each reload starts a new
# process with -sf <old pid>.
set -eu
bin=$1
mode=${2:--W}
dir=$(mktemp -d)
trap 'kill $(cat $dir/pids 2>/dev/null) 2>/dev/null; rm -rf $dir' EXIT
port_be=$((20000 + $$ % 10000))
port_fe=$((port_be + 1))
demo=${DEMOBACKEND:-bin/demobackend}
$demo -http a1=127.0.0.1:$port_be >/dev/null 2>&1 &
echo $! >> $dir/pids
# The configuration of cmd/proxy's master-worker tests; both proxies
# expand the ports from the environment.
cfg=$(dirname "$0")/../cmd/proxy/testdata/mw.cfg
export FE=$port_fe BE=$port_be
i=0
until curl -s -o /dev/null http://127.0.0.1:$port_be/ || [ $i -ge 50 ]; do i=$((i+1)); sleep 0.1; done
if [ "$mode" = -W ]; then
    $bin -W -f $cfg 2>$dir/err &
    master=$!
    echo $master >> $dir/pids
else
    $bin -db -f $cfg -p $dir/pid 2>$dir/err &
    echo $! >> $dir/pids
fi
i=0
until curl -s -o /dev/null http://127.0.0.1:$port_fe/ || [ $i -ge 50 ]; do i=$((i+1)); sleep 0.1; done
wrk -t2 -c50 -d14s -H 'Connection: close' http://127.0.0.1:$port_fe/ > $dir/wrk &
wrkpid=$!
sleep 2
for n in 1 2 3 4 5 6 7 8 9 10; do
    if [ "$mode" = -W ]; then
        kill -USR2 $master
    else
        $bin -db -f $cfg -p $dir/pid -sf $(cat $dir/pid) 2>>$dir/err &
        echo $! >> $dir/pids
    fi
    sleep 1
done
wait $wrkpid
cat $dir/wrk
sleep 8   # 10 s after the last reload
errors=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10} ' $dir/wrk)
non2xx=$(awk '/Non-2xx/ {print $NF}' $dir/wrk)
if [ "$mode" = -W ]; then
    workers=$(pgrep -P $master | wc -l)
else
    # live (not zombie) proxy processes started by this script
    workers=$(for p in $(tail -n +2 $dir/pids); do ps -o stat= -p $p 2>/dev/null | grep -v Z || true; done | wc -l)
fi
echo "failed requests: socket errors ${errors:-0}, non-2xx ${non2xx:-0}; processes serving 10 s after the last reload: $workers"
