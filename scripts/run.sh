#!/usr/bin/env bash
# make run: the haplog pipeline on loopback with built-in defaults.
#
#   demo backends (127.0.0.1:18081-18083, tcp echo 18091)
#     <- bin/proxy -f examples/haproxy.cfg      (http 127.0.0.1:18080, tcp 18090)
#     -> UDP syslog 127.0.0.1:5514
#     -> bin/syslogd -f examples/rsyslog-haproxy.conf  (files under ./logs, rotated in process)
#     -> bin/halog -srv -H < logs/haproxy-traffic.log
#
# It sends a little demo traffic, prints the per-server report, then keeps the
# pipeline running until Ctrl-C. RUN_SECONDS=N stops it after N seconds
# (RUN_SECONDS=0: right after the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p logs
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

get() { # path: one HTTP/1.1 request with bash's /dev/tcp (no curl needed)
  exec 3<>/dev/tcp/127.0.0.1/18080 || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nUser-Agent: haplog-demo\r\nConnection: close\r\n\r\n' "$1" >&3
  timeout 5 cat <&3 >/dev/null || true
  exec 3<&-
}

wait_port() { # host port: poll until something listens (bounded)
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "run: nothing listens on $1:$2" >&2
  return 1
}

./bin/demobackend -http web1=127.0.0.1:18081 -http web2=127.0.0.1:18082 -http api1=127.0.0.1:18083 \
  -tcp echo=127.0.0.1:18091 2>logs/demobackend.stderr &
pids+=($!)
# The users' configs, with /var/log/haproxy moved to ./logs.
sed "s|/var/log/haproxy|$PWD/logs|g" examples/rsyslog-haproxy.conf > logs/rsyslog.conf
sed "s|/var/log/haproxy|$PWD/logs|g" examples/logrotate-haproxy > logs/logrotate.conf
./bin/syslogd -f logs/rsyslog.conf -rotate-config logs/logrotate.conf \
  -metrics 127.0.0.1:9514 2>logs/syslogd.stderr &
pids+=($!)
wait_port 127.0.0.1 18081
wait_port 127.0.0.1 18083
wait_port 127.0.0.1 9514
./bin/proxy -db -f examples/haproxy.cfg 2>logs/proxy.stderr &
pids+=($!)
wait_port 127.0.0.1 18080

echo "== pipeline up: proxy :18080 (http) :18090 (tcp) -> syslogd udp :5514 -> ./logs"
requests=0
for i in $(seq 1 30); do
  get "/page/$i?st=200&sz=$((i * 100))" && requests=$((requests + 1))
done
for path in "/missing?st=404" "/oops?st=500" "/api/users?st=201" "/api/slow?d=50" "/admin/secret" "/api/x?st=503"; do
  get "$path" && requests=$((requests + 1))
done
printf 'hello\n' | (exec 3<>/dev/tcp/127.0.0.1/18090; cat >&3; timeout 1 head -c 6 <&3 >/dev/null) || true

# Wait (bounded) for the traffic lines to reach the file.
for _ in $(seq 1 100); do
  n=$(grep -c ' web \| echo ' logs/haproxy-traffic.log 2>/dev/null || true)
  [ "${n:-0}" -ge "$requests" ] && break
  sleep 0.05
done
echo "== ${requests} requests sent; files written by syslogd:"
ls -l logs/*.log
echo
echo "== bin/halog -srv -H < logs/haproxy-traffic.log"
./bin/halog -srv -H < logs/haproxy-traffic.log
echo
cat <<'EOT'
Try:
  curl -i 'http://127.0.0.1:18080/hello?st=200&sz=512'     # ?st= status, sz= body size, d= delay (ms)
  ./bin/halog -st < logs/haproxy-traffic.log
  ./bin/halog -srv -H < logs/haproxy-traffic.log
  tail -f logs/haproxy-allbutinfo.log                       # admin events (web3 is down: nothing listens on 18089)
  curl -s http://127.0.0.1:9514/metrics | grep ^syslogd_       # syslogd counters
EOT
secs=${RUN_SECONDS:-}
if [ -z "$secs" ]; then
  echo "Pipeline running; Ctrl-C stops it."
  wait
elif [ "$secs" -gt 0 ]; then
  sleep "$secs"
fi
