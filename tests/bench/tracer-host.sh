#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tracer-host.sh - cost of timing cuLaunchKernel with our tracer against
# bpftrace and libbpf-tools' funclatency, in one run on this machine.
#
# For each tracer: ns per call of a tight cuLaunchKernel loop over the
# fixture libcuda.so.1 (cuda_app), the time from starting the tracer until
# its probes are live, and its peak RSS. Medians of $ROUNDS rounds. Not a
# test: it prints numbers and ratios (docs/gpu_tracer.md keeps a run).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build/user
LIB=$B/fakecuda/libcuda.so.1
APP=$B/cuda_app
CALLS=${CALLS:-20000}
ROUNDS=${ROUNDS:-3}
out=$(mktemp -d /tmp/tracer-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "tracer-host: needs root" >&2; exit 1; }
for f in "$B/ai_monitor" "$APP" "$LIB"; do
	[ -e "$f" ] || { echo "tracer-host: $f missing (make user)" >&2; exit 1; }
done
# bpftrace attaches uprobes through tracefs.
if [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing || echo "tracer-host: no tracefs" >&2
fi

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One tight loop; prints ns per call.
loop() { "$APP" -l "$LIB" -a cuLaunchKernel -n "$1" -T | awk '{ print $1 }'; }

# ready, nap, stop
. "$ROOT/tests/bench/tracer-lib.sh"

# run NAME READY_REGEX CMD...: starts the tracer, waits for READY_REGEX in
# its output (the moment its probes are live), times a loop, reads its peak
# RSS; appends "ns_per_call attach_ms rss_kb" to $out/NAME.
run() {
	local name=$1 re=$2 t0 t1 pid i ns rss
	shift 2
	: > "$out/$name.log"
	t0=$(now_ms)
	"$@" > "$out/$name.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 15000; i++)); do
		ready "$out/$name.log" "$re" && break
		kill -0 $pid 2> /dev/null || break
		nap 0.002
	done
	t1=$(now_ms)
	if ! ready "$out/$name.log" "$re"; then
		echo "tracer-host: $name did not start:" >&2
		cat "$out/$name.log" >&2
		stop $pid
		return 1
	fi
	ns=$(loop "$CALLS")
	rss=$(awk '/^VmHWM/ { print $2 }' /proc/$pid/status)
	stop $pid
	echo "$ns $((t1 - t0)) $rss" >> "$out/$name"
}

bt_prog="uprobe:$LIB:cuLaunchKernel { @start[tid] = nsecs; }
uretprobe:$LIB:cuLaunchKernel /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }
BEGIN { printf(\"ready\\n\"); }"

for ((r = 0; r < ROUNDS; r++)); do
	loop $((CALLS * 50)) >> "$out/none"
	run ours '^Tracing' "$B/ai_monitor" trace --lib "$LIB" -i 3600
	run bpftrace '^ready' bpftrace -e "$bt_prog"
	# Its "Tracing" line would sit in a stdio buffer: line-buffer it.
	run funclatency '^Tracing' stdbuf -oL /usr/sbin/funclatency "$LIB:cuLaunchKernel"
done

col() { awk -v c="$2" '{ print $c }' "$out/$1" | median; }
base=$(median < "$out/none")
printf 'cuLaunchKernel on the fixture, %d calls per round, median of %d rounds\n' \
	"$CALLS" "$ROUNDS"
printf '%-12s %12s %14s %10s %10s\n' tracer ns/call overhead_ns attach_ms rss_kb
printf '%-12s %12s %14s %10s %10s\n' none "$base" 0 - -
for t in ours bpftrace funclatency; do
	[ -s "$out/$t" ] || { printf '%-12s failed\n' "$t"; continue; }
	ns=$(col $t 1)
	printf '%-12s %12s %14.1f %10s %10s\n' $t "$ns" "$(echo "$ns - $base" | bc -l)" \
		"$(col $t 2)" "$(col $t 3)"
	eval "ns_$t=$ns att_$t=$(col $t 2) rss_$t=$(col $t 3)"
done
if [ -s "$out/ours" ] && [ -s "$out/bpftrace" ] && [ -s "$out/funclatency" ]; then
	best=$(printf '%s\n%s\n' "$ns_bpftrace" "$ns_funclatency" | sort -n | head -1)
	printf 'per-call overhead, ours / best peer: %.3f (target <= 0.9)\n' \
		"$(echo "($ns_ours - $base) / ($best - $base)" | bc -l)"
	printf 'attach time, ours / bpftrace: %.3f (target <= 0.1)\n' \
		"$(echo "$att_ours / $att_bpftrace" | bc -l)"
	printf 'peak RSS, ours / bpftrace: %.3f (target <= 0.1)\n' \
		"$(echo "$rss_ours / $rss_bpftrace" | bc -l)"
	printf 'our calibrated cost (start-up self-measurement): %s\n' \
		"$(grep -o 'up to [0-9]* ns' "$out/ours.log")"
fi
