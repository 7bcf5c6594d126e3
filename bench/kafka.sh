#!/usr/bin/env bash
# bench/kafka.sh — syslogd's Kafka tier: throughput and CPU per message into
# Kafka against the file path, and the loss/duplicate scenario at full size.
#
#   bench/kafka.sh [N]     N messages in the scenario (default 200000)
#
# 1. BenchmarkOmkafka (memory and disk queue) and BenchmarkFilePath report
#    msg/s and cpu-ns/msg; the broker is franz-go's kfake in the same
#    process, so its CPU is counted against omkafka (an upper bound).
# 2. TestReceiverKill9 with KAFKA_N=N: receiver child -> omkafka (disk queue)
#    -> kfake -> imkafka -> archive; broker outage, receiver kill -9 and
#    restart during it; the test fails on any lost or duplicated message.
#    The sender waits for the receiver's enqueued counter every 200
#    messages (over HTTP), so the elapsed time measures the harness, not a rate.
# rsyslog's omkafka is not run side by side here: that needs a broker in
# its own process on a fixed port (kfake is a Go library, not a program).
set -eu
cd "$(dirname "$0")/.."
n=${1:-200000}
grep -m1 'model name' /proc/cpuinfo || true
go test -run '^$' -bench 'Omkafka|FilePath' -benchtime 400000x ./syslogd/
KAFKA_N=$n go test -count=1 -timeout 20m -run '^TestReceiverKill9$' -v ./syslogd/
