#!/bin/sh
# Regenerates the *.golden files from the real HAProxy 2.6 (run from
# anywhere; paths in messages are relative to the package directory).
# Each golden holds the exit status, stdout and stderr of
# `haproxy -c -f testdata/check/<name>.cfg`, with the PID replaced by 0 and
# the two version NOTICE lines removed.
set -e
cd "$(dirname "$0")/../.."
for cfg in testdata/check/*.cfg; do
	out=${cfg%.cfg}.golden
	set +e
	stdout=$(haproxy -c -f "$cfg" 2>/tmp/haplog-regen.err)
	rc=$?
	set -e
	{
		echo "exit: $rc"
		printf '%s\n' "$stdout" | sed -e '/^$/d' -e 's/^/stdout: /'
		sed -e 's/ ([0-9]*) : / (0) : /' -e '/haproxy version is/d' -e '/path to executable is/d' /tmp/haplog-regen.err
	} >"$out"
done
rm -f /tmp/haplog-regen.err
