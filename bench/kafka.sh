#!/usr/bin/env bash
# bench/kafka.sh — issue 15 side by side: rsyslogd 8.2302 with rsyslog-kafka's
# omkafka (librdkafka) and our syslogd, each relaying UDP syslog into a Kafka
# broker, in one run, with the same configuration file.
#
#   bench/kafka.sh            scenario + throughput for both
#   GOBENCH=1 bench/kafka.sh  also the Go benchmarks (omkafka vs file path)
#
# Environment: N (200000) messages at RATE (20000)/s for the outage
# scenario; NMAX (500000) messages at the sender's full rate for throughput;
# SCENARIO and THROUGHPUT, the receivers of each part (all by default);
# PAUSE=0 keeps the sender running through the kill (see 1.); UPORT, KPORT;
# QUEUE=mem gives omkafka's action queue no queue.filename (rsyslog's
# in-memory LinkedList action queue, queue.size 100000 so that a 500k
# flood is not cut by the default 1000; a kill -9 loses what it holds):
# the CPU per message of the memory queue against the file path.
#
# Receivers: rsyslogd; syslogd binding its UDP port itself; syslogd-sa,
# syslogd socket-activated: bench/sockhold binds the port, passes it
# (LISTEN_FDS) and keeps its copy open across the kill -9, and starts
# syslogd again at once when it dies, as systemd does with
# haplog-syslogd.socket and Restart=always. rsyslogd cannot be run so:
# imudp (and imtcp) do not take sockets by LISTEN_FDS (8.2302: only
# imuxsock, for unix sockets, does); syslogd-file is syslogd writing a
# file (the baseline of CPU per message).
#
# The broker is franz-go's kfake in its own process (bench/kfakebroker) on
# 127.0.0.1:$KPORT; librdkafka and kcat talk to it. An outage is a network
# cut (SIGUSR1: connections closed, new ones refused; SIGUSR2: back, data
# kept).
#
# 1. Outage scenario, per receiver: N numbered messages (syslogload send)
#    at RATE/s; at 3 s the broker is cut; at 4 s the receiver is killed -9
#    and started again at once; at 8 s (a 5 s outage) the broker is back.
#    Resume = from the broker's return to the first produce request it
#    gets (reported by bench/kfakebroker: kcat cannot reach a cut broker,
#    so end offsets before the return cannot be compared); drained = to
#    the last record on the topic (end offsets polled with kcat -Q). Then the topic is read with kcat and the seq= numbers counted:
#    lost (of 0..N-1, with the first runs of missing numbers) and
#    duplicated records. The sender is paused (SIGSTOP) from just before
#    the kill until the new receiver is bound, so what is lost is what the
#    receiver held at the kill (in memory, in its socket buffer), not
#    datagrams sent to a closed port; the socket's Recv-Q (ss: kernel
#    memory: 1280 B per queued datagram of syslogload's) just before the kill
#    is printed. Then the archive tier: syslogd's imkafka reads the topic
#    into a file (a consumer group; it drops the haplog-id it already
#    wrote, so omkafka's duplicates go no further; rsyslog's records carry
#    no id) and the file is tallied the same way.
# 2. Throughput: NMAX messages at the sender's full rate into a fresh
#    broker; msg/s = records on the topic / time to the last one; CPU per
#    message = the receiver's user+system CPU (/proc/PID/stat) / records.
#    syslogd-file is syslogd writing the messages to a file instead: the
#    baseline of issue 15's "CPU per message into Kafka <= 1.5x the file
#    path".
#
# Both receivers run the same rsyslog configuration: imudp, omkafka with
# partitions.auto, a LinkedList action queue with queue.filename (rsyslog:
# disk-assisted, in memory until the high watermark; syslogd: every message
# journalled before it is produced), resumeRetryCount -1.
#
# Figures (2026-12-06, "Intel(R) Xeon(R) Processor" per /proc/cpuinfo, 2
# vCPUs shared with other jobs, load 2.1-6.1 at the start of each of 3
# runs; each line: run 1, 2, 3):
#   outage, sender paused at the kill (PAUSE=1):
#     rsyslogd    lost 1397 / 922 / 6143, dup 2 / 2 / 2, resume 1.63 /
#                 1.26 / 1.13 s, last record 28.6 / 28.3 / 28.5 s;
#                 archive: the same lost, dup 2
#     syslogd     lost 0 / 71 / 117 (one run of numbers at the kill: what
#                 its socket held, Recv-Q 165k / 90k / 147k B sampled
#                 just before), dup 207 / 435 / 364, resume 0.11 / 0.11 /
#                 0.13 s, last record 2.0 / 2.0 / 1.9 s; archive: the same
#                 lost, dup 0
#     syslogd-sa  lost 0 / 0 / 0, dup 486 / 374 / 897, resume 0.07 / 0.07
#                 / 0.20 s, last record 2.0 s; archive: lost 0, dup 0
#   outage, sender running through the kill (PAUSE=0, one run, load 0.7):
#     syslogd     lost 607 (one run of numbers: its socket's queue and
#                 what was sent in the restart gap), dup 0
#     syslogd-sa  lost 0, dup 235; archive: lost 0, dup 0
#   throughput, 500,000 at the sender's full rate (msg/s on the topic,
#   lost, CPU per delivered message):
#     rsyslogd     203k / 115k / 70k, 36-62 % lost, 4.1-4.7 us
#     syslogd      182k / 196k / 143k, 0 / 0 / 6.5 %, 2.6 / 3.1 / 2.3 us
#     syslogd-sa   201k / 189k / 273k, 0 / 3.7 / 0 %, 2.3 / 3.4 / 2.5 us
#     syslogd-file 336k / 336k / 385k, 0 %, 0.70 / 1.10 / 0.96 us
#   (the sender shares the 2 vCPUs: msg/s is bounded by it; Kafka costs
#   2.4-3.8x the file path's CPU per message, run by run)
# CPU per message, later (2026-12-06, same machine, THROUGHPUT='syslogd
# syslogd-file', each run one line: Kafka / file us/msg = ratio; runs
# losing more than 2 % of the flood in the socket marked *):
#   QUEUE=disk, load 2.8-3.4: 1.34/0.84* 1.16/0.70=1.66 1.12/0.72=1.56
#               2.10/0.78=2.69; load 5.9-7.1: 1.61/0.78*
#               1.58/0.68* 1.42/0.78=1.82 1.60/1.02=1.57
#   QUEUE=mem,  load 3.1-3.7: 1.00/0.70=1.43 1.06/0.70=1.51
#               1.14/0.62=1.84 0.98/0.72=1.36; load 5.9-7.1:
#               1.26/0.72=1.75 1.54/0.91* 1.20/0.80=1.50 1.44/0.92=1.57
#   (issue 15's goal, <= 1.5x in every run, is not met: about 0.45 us of
#   a Kafka message is franz-go's per-record produce, encoding and
#   promise, the journal write and CRC, and the copy out of the queue)
set -eu
cd "$(dirname "$0")/.."
N=${N:-200000}
RATE=${RATE:-20000}
NMAX=${NMAX:-500000}
KPORT=${KPORT:-19092}
UPORT=${UPORT:-5514}
PAUSE=${PAUSE:-1}
QUEUE=${QUEUE:-disk}
case $QUEUE in disk | mem) ;; *) echo "kafka.sh: QUEUE=$QUEUE: want disk or mem" >&2; exit 1 ;; esac
B=127.0.0.1:$KPORT
for p in kcat /usr/sbin/rsyslogd; do
	command -v "$p" >/dev/null || { echo "kafka.sh: $p is not installed" >&2; exit 1; }
done
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ] || { echo "kafka.sh: rsyslog-kafka (omkafka.so) is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/kafka-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/bin/kfakebroker" ./bench/kfakebroker
go build -o "$work/bin/syslogd" ./cmd/syslogd
go build -o "$work/bin/syslogload" ./cmd/syslogload
go build -o "$work/bin/sockhold" ./bench/sockhold
grep -m1 'model name' /proc/cpuinfo || true
echo "cpus: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg), omkafka queue: $QUEUE"
tck=$(getconf CLK_TCK)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

broker_start() {
	"$work/bin/kfakebroker" -addr "$B" -topic logs -partitions 3 >"$work/broker.log" 2>&1 &
	broker=$!
	pids+=("$broker")
	for _ in $(seq 100); do kcat -Q -b "$B" -t logs:0:-1 >/dev/null 2>&1 && return; sleep 0.05; done
	echo "kafka.sh: broker did not start" >&2; exit 1
}
broker_stop() { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; }

# records: the sum of the topic's end offsets.
records() {
	kcat -Q -b "$B" -t logs:0:-1 -t logs:1:-1 -t logs:2:-1 2>/dev/null | awk '{s+=$4} END{print s+0}'
}

conf() { # $1: receiver name
	mkdir -p "$work/$1/spool"
	if [ "$1" = syslogd-file ]; then
		cat >"$work/$1/conf" <<EOF
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$UPORT")
template(name="m" type="string" string="%msg%\n")
*.* $work/$1/out.log;m
EOF
		return
	fi
	cat >"$work/$1/conf" <<EOF
global(workDirectory="$work/$1/spool")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$UPORT")
module(load="omkafka")
template(name="m" type="string" string="%msg%")
action(type="omkafka" broker=["$B"] topic="logs" template="m" partitions.auto="on"
       queue.type="LinkedList" $(queue_params "$1")
       queue.saveOnShutdown="on" action.resumeRetryCount="-1")
EOF
}
queue_params() { # $1: receiver name
	if [ "$QUEUE" = mem ]; then
		echo 'queue.size="100000"'
	else
		echo "queue.filename=\"kq\" queue.spoolDirectory=\"$work/$1/spool\""
	fi
}

# receiver_start NAME: starts it, waits until its UDP port is bound.
# syslogd-sa is syslogd socket-activated: bench/sockhold binds the UDP
# port, passes it (LISTEN_FDS) and keeps its copy, and starts syslogd
# again at once when it dies (systemd's Restart=always, RestartSec=0).
receiver_start() {
	case $1 in
	rsyslogd) /usr/sbin/rsyslogd -n -f "$work/$1/conf" -i "$work/$1/pid" >>"$work/$1/log" 2>&1 & ;;
	syslogd-sa)
		rm -f "$work/$1/pid"
		"$work/bin/sockhold" -udp "127.0.0.1:$UPORT" -pidfile "$work/$1/pid" -- \
			"$work/bin/syslogd" -f "$work/$1/conf" -tcp "" -unix "" >>"$work/$1/log" 2>&1 &
		holder=$!
		pids+=("$holder")
		receiver_restarted "$1" ""
		return ;;
	*) "$work/bin/syslogd" -f "$work/$1/conf" -tcp "" -unix "" >>"$work/$1/log" 2>&1 & ;;
	esac
	recv=$!
	pids+=("$recv")
	for _ in $(seq 200); do
		ss -Hluan "sport = :$UPORT" 2>/dev/null | grep -q . && return
		sleep 0.01
	done
	echo "kafka.sh: $1 did not bind UDP $UPORT" >&2; cat "$work/$1/log" >&2; exit 1
}
# receiver_restarted NAME OLDPID: (syslogd-sa) waits until sockhold runs a
# syslogd other than OLDPID; recv is its pid.
receiver_restarted() {
	local p
	for _ in $(seq 500); do
		p=$(cat "$work/$1/pid" 2>/dev/null || true)
		if [ -n "$p" ] && [ "$p" != "$2" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = syslogd ]; then
			recv=$p
			return
		fi
		sleep 0.01
	done
	echo "kafka.sh: sockhold did not start syslogd" >&2; cat "$work/$1/log" >&2; exit 1
}
# receiver_stop: SIGTERM, SIGKILL after 10 s (rsyslogd can take minutes
# to give up on a queue it cannot save).
receiver_stop() {
	if [ "$name" = syslogd-sa ]; then recv=$holder; fi
	kill "$recv" 2>/dev/null || true
	for _ in $(seq 200); do kill -0 "$recv" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$recv" 2>/dev/null || true
	wait "$recv" 2>/dev/null || true
}
receiver_cpu() { awk -v t="$tck" '{printf "%.3f", ($14+$15)/t}' "/proc/$recv/stat"; }

# tally: "lost dup total ranges" of seq=0..N-1 on the topic; ranges are
# the first runs of missing numbers (FROM-TO,...).
tally() {
	grep -o 'seq=[0-9]*' | awk -F= -v n="$1" '{c[$2]++; t++} END{
			for (k in c) if (k+0 < n) {d++; dup+=c[k]-1}
			r = ""; nr = 0
			for (i = 0; i < n; i++) if (!(i in c)) {
				j = i; while (j+1 < n && !((j+1) in c)) j++
				if (nr < 4) r = r (nr ? "," : "") i "-" j
				nr++; i = j
			}
			if (nr > 4) r = r ",...(" nr "runs)"
			printf "%d %d %d %s\n", n-d, dup, t, (r == "" ? "none" : r)}'
}

# wait_settled TARGET DEADLINE_S QUIET_S [FILE]: until the topic (or FILE)
# holds TARGET records (lines) or has not grown for QUIET_S seconds, at
# most DEADLINE_S seconds; prints the time of the last growth (relative to
# the start of the wait) and the count.
wait_settled() {
	local t0 last c prev=-1 lastt=0
	t0=$(now)
	while :; do
		if [ -n "${4:-}" ]; then c=$(cat "$4" 2>/dev/null | wc -l); else c=$(records); fi
		if [ "$c" != "$prev" ]; then prev=$c; lastt=$(since "$t0"); fi
		if [ "$c" -ge "$1" ]; then break; fi
		if awk -v a="$(since "$t0")" -v l="$lastt" -v d="$2" -v q="$3" 'BEGIN{exit !(a-l>q || a>d)}'; then break; fi
		sleep 0.05
	done
	echo "$lastt $prev"
}

topic() { kcat -C -b "$B" -t logs -o beginning -e -q -f '%s\n' 2>/dev/null; }

# archive NAME: the archive tier (issue 15) after the scenario: our
# syslogd reads the topic with imkafka (consumer group, drops the ids it
# already wrote: omkafka's haplog-id header; rsyslog's records have none)
# into a file, which is tallied as the topic was.
archive() {
	local d=$work/$1/arch
	mkdir -p "$d/state"
	cat >"$d/conf" <<EOF
module(load="imkafka")
template(name="r" type="string" string="%rawmsg%\n")
input(type="imkafka" broker=["$B"] topic="logs" consumergroup="archive" stateDirectory="$d/state")
*.* $d/out.log;r
EOF
	: >"$d/out.log"
	# (a UDP input on a free port: syslogd wants one input at least)
	"$work/bin/syslogd" -f "$d/conf" -udp 127.0.0.1:0 -tcp "" -unix "" -no-rotate >>"$d/log" 2>&1 &
	local a=$!
	pids+=("$a")
	local last c
	read -r last c < <(wait_settled "$N" 60 5 "$d/out.log")
	kill "$a" 2>/dev/null || true
	wait "$a" 2>/dev/null || true
	read -r lost dup total ranges < <(tally "$N" <"$d/out.log")
	printf '%-10s archive (syslogd imkafka -> file): lost %d (seq %s), dup %d, %d lines\n' "$1" "$lost" "$ranges" "$dup" "$total"
}

scenario() { # $1: receiver
	local name=$1 tstart tback resume="-" c
	conf "$name"
	broker_start
	receiver_start "$name"
	"$work/bin/syslogload" send -addr "127.0.0.1:$UPORT" -n "$N" -rate "$RATE" -rid "$name" >"$work/$name/send.log" 2>&1 &
	local sender=$!
	pids+=("$sender")
	tstart=$(now)
	sleep 3
	kill -USR1 "$broker"
	sleep 1
	# The sender pauses while no receiver is bound (datagrams to a closed
	# port are lost whoever the receiver is): what is lost is what the
	# receiver held (in memory, in its socket buffer) at the kill.
	if [ "$PAUSE" = 1 ]; then kill -STOP "$sender"; fi
	# What the socket holds at the kill (ss's Recv-Q: bytes of kernel
	# memory, skb truesize, not payload).
	local rq
	rq=$(ss -Huan "sport = :$UPORT" 2>/dev/null | awk '{print $2; exit}')
	local old=$recv
	kill -9 "$recv"
	wait "$recv" 2>/dev/null || true
	while kill -0 "$old" 2>/dev/null; do sleep 0.01; done
	local tk
	tk=$(now)
	if [ "$name" = syslogd-sa ]; then receiver_restarted "$name" "$old"; else receiver_start "$name"; fi
	local gap
	gap=$(since "$tk")
	if [ "$PAUSE" = 1 ]; then kill -CONT "$sender"; fi
	while awk -v a="$(since "$tstart")" 'BEGIN{exit !(a<8)}'; do sleep 0.01; done
	kill -USR2 "$broker"
	tback=$(now)
	# The broker reports its first produce request after the restore.
	while awk -v a="$(since "$tback")" 'BEGIN{exit !(a<90)}'; do
		resume=$(sed -n 's/^resumed +\(.*\)s$/\1/p' "$work/broker.log")
		[ -n "$resume" ] && break
		resume=-
		sleep 0.05
	done
	wait "$sender" || true
	local tw drained
	tw=$(since "$tback")
	# Quiet for 40 s: longer than rsyslog's action.resumeInterval (30 s).
	read -r drained c < <(wait_settled "$N" 150 40)
	drained=$(awk -v a="$tw" -v w="$drained" 'BEGIN{printf "%.1f", a+w}')
	read -r lost dup total ranges < <(topic | tally "$N")
	printf '%-10s outage: %d msgs at %d/s, 5 s broker cut, kill -9 + restart (restart gap %ss, PAUSE=%s, Recv-Q %s B at the kill): topic: lost %d (seq %s), dup %d, %d records; resume %ss, last record %ss after the broker came back\n' \
		"$name" "$N" "$RATE" "$gap" "$PAUSE" "${rq:-?}" "$lost" "$ranges" "$dup" "$total" "$resume" "$drained"
	receiver_stop
	archive "$name"
	broker_stop
	rm -rf "$work/$name/spool"
}

throughput() { # $1: receiver
	local name=$1 cpu0 cpu1 t0 last c
	conf "$name"
	broker_start
	receiver_start "$name"
	cpu0=$(receiver_cpu)
	t0=$(now)
	"$work/bin/syslogload" send -addr "127.0.0.1:$UPORT" -n "$NMAX" -rate 0 -rid "max$name" >"$work/$name/sendmax.log" 2>&1
	local sendt
	sendt=$(since "$t0")
	if [ "$name" = syslogd-file ]; then
		read -r last c < <(wait_settled "$NMAX" 120 5 "$work/$name/out.log")
	else
		read -r last c < <(wait_settled "$NMAX" 120 5)
	fi
	cpu1=$(receiver_cpu)
	local el
	el=$(awk -v s="$sendt" -v l="$last" 'BEGIN{print s+l}')
	awk -v n="$NMAX" -v c="$c" -v e="$el" -v s="$sendt" -v a="$cpu0" -v b="$cpu1" -v name="$name" 'BEGIN{
		printf "%-10s throughput: %d sent in %.2fs, %d on the topic (%.1f%% lost) in %.2fs: %.0f msg/s; CPU %.2fs = %.2f us/msg\n",
			name, n, s, c, 100*(n-c)/n, e, c/e, b-a, c ? 1e6*(b-a)/c : 0}'
	receiver_stop
	broker_stop
	rm -rf "$work/$name/spool"
}

for r in ${SCENARIO:-rsyslogd syslogd syslogd-sa}; do scenario "$r"; done
# syslogd-file: the same receiver writing a file, the baseline of CPU per
# message (issue 15: Kafka <= 1.5x the file path).
for r in ${THROUGHPUT:-rsyslogd syslogd syslogd-sa syslogd-file}; do throughput "$r"; done

if [ "${GOBENCH:-}" = 1 ]; then
	go test -run '^$' -bench 'Omkafka/broker=process|FilePath' -benchtime 800000x -count 5 ./syslogd/
fi
