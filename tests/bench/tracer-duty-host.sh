#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tracer-duty-host.sh - what duty cycling (ai_monitor trace --duty) buys and
# costs, and our per-call cost against libbpf-tools' funclatency on three
# prologue shapes, in one run on this machine.
#
#  1. ns per call of a tight cuLaunchKernel loop over the fixture
#     libcuda.so.1 with no tracer, our tracer always on, and --duty $DUTY;
#     the duty loop spans several periods.
#  1b. the same at a steady $RATE calls/s: the mean time inside a call.
#  2. a steady cuda_app -r $RATE -n $N2 under --duty $DUTY --json -i 1: the
#     sum of the scaled "launches" estimates against the true count.
#  3. the cost of a toggle: attach_ms and detach_ms of run 2.
#  4. ns per call under ours and funclatency for (i) the fixture's
#     cuLaunchKernel, (ii) fixture $FUNC2, (iii) NVIDIA's stub libcuda.so.
#
# Medians of $ROUNDS rounds (ROUNDS=1 for a quick run). Not a test: it
# prints numbers and ratios against targets, and fails only when something
# could not run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build/user
LIB=$B/fakecuda/libcuda.so.1
APP=$B/cuda_app
MON=$B/ai_monitor
STUB=${STUB:-/usr/local/cuda/lib64/stubs/libcuda.so}
FUNCLAT=/usr/sbin/funclatency
ROUNDS=${ROUNDS:-3}
DUTY=${DUTY:-100/1000}
LOOP_S=${LOOP_S:-6}		# wanted length of the duty loop (part 1)
ON_S=${ON_S:-2}			# wanted length of the always-on loop (part 1)
RATE=${RATE:-20000}		# part 2
N2=${N2:-$((RATE * 8))}
CALLS4=${CALLS4:-300000}	# traced calls per loop (part 4)
FUNC2=${FUNC2:-cuStreamSynchronize}
out=$(mktemp -d /tmp/tracer-duty.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0
T_START=$SECONDS

die() { echo "tracer-duty: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
for f in "$MON" "$APP" "$LIB"; do
	[ -e "$f" ] || die "$f missing (make user)"
done
command -v jq > /dev/null || die "needs jq (parts 2 and 3 read the JSON)"
command -v bc > /dev/null || die "needs bc"
[[ $DUTY =~ ^([0-9]+)/([0-9]+)$ ]] || die "DUTY must be ON_MS/PERIOD_MS"
DUTY_ON=${BASH_REMATCH[1]} DUTY_PER=${BASH_REMATCH[2]}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
calc() { echo "$*" | bc -l; }
# fmt PRINTF_FORMAT EXPR: EXPR through bc, "-" if it could not be computed.
fmt() {
	local v
	# shellcheck disable=SC2059 # the format is the point
	v=$(calc "$2" 2> /dev/null) && [ -n "$v" ] && printf "$1" "$v" || printf '%s' -
}

# loop LIB FUNC COUNT: ns per call of a tight loop (empty on failure).
loop() { "$APP" -l "$1" -a "$2" -n "$3" -T 2> /dev/null | awk '/ns\/call/ { print $1 }'; }

# ready, nap, stop
. "$ROOT/tests/bench/tracer-lib.sh"

# start NAME REGEX CMD...: starts a tracer, stdout+stderr to $out/NAME.log,
# waits until REGEX shows (its probes are live). Sets PID; 1 if it failed.
start() {
	local name=$1 re=$2 i
	shift 2
	: > "$out/$name.log"
	"$@" > "$out/$name.log" 2>&1 &
	PID=$!
	for ((i = 0; i < 15000; i++)); do
		ready "$out/$name.log" "$re" && return 0
		kill -0 $PID 2> /dev/null || break
		nap 0.002
	done
	ready "$out/$name.log" "$re" && return 0
	echo "tracer-duty: $name did not start:" >&2
	cat "$out/$name.log" >&2
	stop $PID
	fail=1
	return 1
}

# traced NAME REGEX LIB FUNC COUNT CMD...: ns per call of a loop under CMD,
# appended to $out/NAME.
traced() {
	local name=$1 re=$2 lib=$3 func=$4 n=$5 ns
	shift 5
	start "$name" "$re" "$@" || return 1
	ns=$(loop "$lib" "$func" "$n")
	stop $PID
	[ -n "$ns" ] || { echo "tracer-duty: $name: loop failed" >&2; fail=1; return 1; }
	echo "$ns" >> "$out/$name"
}

# untraced NAME LIB FUNC COUNT: the same with no tracer.
untraced() {
	local ns
	ns=$(loop "$2" "$3" "$4")
	[ -n "$ns" ] || { echo "tracer-duty: $1: loop failed" >&2; fail=1; return 1; }
	echo "$ns" >> "$out/$1"
}

med() { [ -s "$out/$1" ] && median < "$out/$1"; }

# ratio NONE X Y: (X - NONE) / (Y - NONE), "-" unless all three were measured.
ratio() {
	if [ -z "$1" ] || [ -z "$2" ] || [ -z "$3" ]; then printf -; return; fi
	fmt %.4f "($2 - $1) / ($3 - $1)"
}

# Other tracers (another session's tests, say) would add their probes to
# our numbers: note any that run while we measure.
foreign() {
	local p
	p=$(for n in ai_monitor funclatency bpftrace; do pgrep -x $n; done)
	[ -n "$p" ] || return 0
	# shellcheck disable=SC2086 # one pid a word
	echo "$1: other tracers running: $(ps -o pid=,args= -p "$(echo $p | tr ' ' ,)" |
		cut -c1-70 | tr '\n' ';')" >> "$out/warn"
}

echo "== tracer-duty-host: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ROUNDS=$ROUNDS, DUTY=$DUTY"

# --- 1. duty-cycle overhead ---------------------------------------------
# The duty loop must span several periods: a short calibration under each
# tracer sizes it to LOOP_S seconds (calls run at the untraced speed between
# windows and at the traced speed inside them, in proportions that depend
# on how long the probes really stay attached). The always-on loop only
# needs ON_S seconds: its cost does not vary with time.
foreign "part 1"
a0=$(loop "$LIB" cuLaunchKernel 20000000)
b0='' c0=''
if start cal '^Tracing' "$MON" trace --lib "$LIB" -i 3600; then
	b0=$(loop "$LIB" cuLaunchKernel 200000)
	stop $PID
fi
# -i 1, not 3600, wherever duty cycling: such a tracer spends most of its
# time attaching and detaching, and a SIGINT that arrives then only ends it
# when the interval is over.
if start cal_duty '^Tracing' "$MON" trace --lib "$LIB" --duty "$DUTY" -i 1; then
	c0=$(loop "$LIB" cuLaunchKernel 100000000)
	stop $PID
fi
if [ -n "$a0" ] && [ -n "$b0" ] && [ -n "$c0" ]; then
	N1=$(calc "n = $LOOP_S * 10^9 / $c0; if (n < 10^7) n = 10^7; if (n > 4 * 10^9) n = 4 * 10^9; \
		scale = 0; n / 1")
	NON=$(calc "n = $ON_S * 10^9 / $b0; if (n < 100000) n = 100000; scale = 0; n / 1")
	printf 'calibration, ns/call: %s untraced, %s always-on, %s duty; duty loop %s calls, always-on loop %s\n' \
		"$a0" "$b0" "$c0" "$N1" "$NON"
	for ((r = 0; r < ROUNDS; r++)); do
		foreign "part 1"
		# The duty overhead is a few ns a call, the order of this
		# machine's noise: the untraced loop runs right before and right
		# after the duty loop, and counts as their mean.
		untraced p1_pre "$LIB" cuLaunchKernel "$N1"
		traced p1_duty '^Tracing' "$LIB" cuLaunchKernel "$N1" \
			"$MON" trace --lib "$LIB" --duty "$DUTY" -i 1
		untraced p1_post "$LIB" cuLaunchKernel "$N1"
		traced p1_on '^Tracing' "$LIB" cuLaunchKernel "$NON" \
			"$MON" trace --lib "$LIB" -i 3600
	done
	paste "$out/p1_pre" "$out/p1_post" 2> /dev/null |
		awk 'NF == 2 { printf "%.2f\n", ($1 + $2) / 2 }' > "$out/p1_none"
else
	echo "tracer-duty: part 1 calibration failed (a=$a0 b=$b0 c=$c0)" >&2
	fail=1
fi
p1a=$(med p1_none) p1b=$(med p1_on) p1c=$(med p1_duty)
echo
echo "-- 1. cuLaunchKernel on the fixture, ns/call, median of $ROUNDS"
printf '%-22s %10s %12s\n' case ns/call overhead_ns
printf '%-22s %10s %12s   (before/after the duty loop: %s)\n' "no tracer" "${p1a:--}" 0 \
	"$(paste -d/ "$out/p1_pre" "$out/p1_post" 2> /dev/null | tr '\n' ' ')"
ok1=; [ -n "$p1a" ] && [ -n "$p1b" ] && [ -n "$p1c" ] && ok1=y
printf '%-22s %10s %12s\n' "always on" "${p1b:--}" "$([ "$ok1" ] && fmt %.1f "$p1b - $p1a")"
printf '%-22s %10s %12s\n' "duty $DUTY" "${p1c:--}" "$([ "$ok1" ] && fmt %.2f "$p1c - $p1a")"
printf 'duty loop: %s calls, %s s\n' "${N1:--}" "$([ "$ok1" ] && fmt %.1f "$p1c * $N1 / 10^9")"
R1=$(ratio "$p1a" "$p1c" "$p1b")
printf 'per-call overhead, duty %s / always-on: %s (target <= 0.15)\n' "$DUTY" "$R1"
# Calls run at speed a outside windows, b inside: if probes trapped a share
# t of the time, 1/c = t/b + (1 - t)/a. The ideal t is the duty fraction;
# the t that the measured c implies says how long the probes really live.
if [ "$ok1" ]; then
	printf '  at exactly %s of the time traced this ratio would be %s; the measured c\n' \
		"$(fmt %.2f "$DUTY_ON / $DUTY_PER")" \
		"$(fmt %.4f "f = $DUTY_ON / $DUTY_PER; n = f / $p1b + (1 - f) / $p1a; \
			(1 / n - $p1a) / ($p1b - $p1a)")"
	printf '  implies the probe trapped calls %s of the time (duty asks %s; noise if c ~ a)\n' \
		"$(fmt %.2f "(1 / $p1a - 1 / $p1c) / (1 / $p1a - 1 / $p1b)")" \
		"$(fmt %.2f "$DUTY_ON / $DUTY_PER")"
fi

# --- 1b. the same at a steady rate --------------------------------------
# A tight loop runs ~200x faster between windows than in them, so most of
# its calls fall between windows and the per-call average flatters duty
# cycling. At a steady rate every part of the period gets its share of
# calls: the mean time inside a call (timed by cuda_app itself, -M), no
# tracer / always on / duty, is the per-call overhead as a service sees it.
steady() { "$APP" -l "$LIB" -a cuLaunchKernel -n $((RATE * 6)) -r "$RATE" -T -M 2> /dev/null |
	sed -n 's/.*mean \([0-9.]*\) ns.*/\1/p'; }
: > "$out/s_none"; : > "$out/s_on"; : > "$out/s_duty"
for ((r = 0; r < ROUNDS; r++)); do
	steady >> "$out/s_none"
	if start s_on '^CPU-side' "$MON" trace --lib "$LIB" -i 3600; then
		steady >> "$out/s_on"
		stop $PID
	fi
	if start s_duty '^CPU-side' "$MON" trace --lib "$LIB" -i 1 --duty "$DUTY"; then
		steady >> "$out/s_duty"
		stop $PID
	fi
done
s1a=$(median < "$out/s_none") s1b=$(median < "$out/s_on") s1c=$(median < "$out/s_duty")
R1b=$(fmt %.3f "($s1c - $s1a) / ($s1b - $s1a)")
echo "-- 1b. steady $RATE calls/s for 6 s: mean ns inside a call, median of $ROUNDS"
printf '%-22s %10s\n' "no tracer" "${s1a:--}" "always on" "${s1b:--}" "duty $DUTY" "${s1c:--}"
printf 'per-call overhead at a steady rate, duty %s / always-on: %s (target <= 0.15)\n' \
	"$DUTY" "$R1b"
echo

# --- 2. scaled count accuracy -------------------------------------------
echo
echo "-- 2. scaled counts: cuda_app -r $RATE -n $N2 under --duty $DUTY --json -i 1"
foreign "part 2"
J=$out/p2.json E=$out/p2.err
: > "$E"
"$MON" trace --lib "$LIB" --duty "$DUTY" --json -i 1 -d 3600 > "$J" 2> "$E" &
tpid=$!
for ((i = 0; i < 15000; i++)); do
	ready "$E" '^Tracing' && break
	kill -0 $tpid 2> /dev/null || break
	nap 0.002
done
if ready "$E" '^Tracing'; then
	t0=$SECONDS
	"$APP" -l "$LIB" -a cuLaunchKernel -r "$RATE" -n "$N2" &
	apid=$!
	wait $apid
	arc=$?
	app_s=$((SECONDS - t0))
	nap 1.5		# the tracer runs past the workload's end
	alive=yes
	kill -0 $tpid 2> /dev/null || alive="no (exited early)"
	stop $tpid
	trc=$?
	[ $arc -eq 0 ] || { echo "tracer-duty: cuda_app failed ($arc)" >&2; fail=1; }
	nlines=$(grep -c '^{' "$J")
	bad=$(grep '^{' "$J" | jq -c . 2>&1 > /dev/null | wc -l)
	# One row per interval: launches sampled lo hi interval_s window_s scale dropped
	grep '^{' "$J" | jq -r --argjson p "$apid" '
		[.processes[]? | select(.pid == $p and .api == "cuLaunchKernel")] as $r |
		[($r | map(.launches) | add // 0), ($r | map(.sampled) | add // 0),
		 ($r | map(.launches_ci95[0]) | add // 0), ($r | map(.launches_ci95[1]) | add // 0),
		 .interval_s, (.duty.window_s // "-"), (.duty.scale // "-"), .dropped] | @tsv' \
		> "$out/p2.rows" 2> /dev/null
	# Also, for the diagnosis: the seen calls against window_s * RATE (are
	# the windows' counts right?), and seen * interval_s / window_s summed
	# (the estimate with each interval's own scale instead of the tracer's).
	read -r est samp lo hi sq wseen wsum alt drops < <(awk '{ e += $1; s += $2; l += $3; h += $4;
		q += (($4 - $1) > ($1 - $3) ? ($4 - $1) : ($1 - $3)) ^ 2; d += $8
		if ($2 > 0 && $6 != "-" && $6 > 0) { ws += $2; w += $6; a += $2 * $5 / $6 } }
		END { printf "%d %d %d %d %.0f %d %.4f %.0f %d\n", e, s, l, h, sqrt(q), ws, w, a, d }' \
		"$out/p2.rows")
	printf 'workload pid %s ran %d s (rc %d); tracer alive at its end: %s; tracer rc %d\n' \
		"$apid" "$app_s" "$arc" "$alive" "$trc"
	printf 'JSON lines: %d (%d unparsable), wall %d s: interval_s and (window_s, scale) per line:\n' \
		"$nlines" "$bad" "$((SECONDS - t0))"
	awk '{ printf "  %s(%s,%s)", $5, $6, $7 } NR % 4 == 0 { print "" } END { if (NR % 4) print "" }' \
		"$out/p2.rows"
	awk '{ i += $5; if ($6 != "-") w += $6 } END { if (NR) printf "mean interval %.2f s (-i 1 asked), mean window %.3f s: sampled %.1f%% of the time (duty asks %.1f%%)\n", i / NR, w / NR, 100 * w / i, f }' \
		f="$(calc "100 * $DUTY_ON / $DUTY_PER")" "$out/p2.rows"
	printf 'true launches %d; sampled (seen) %d; scaled estimate %d\n' "$N2" "$samp" "$est"
	R2=$(fmt %.4f "$est / $N2")
	printf 'estimate / true: %s (target within 0.95..1.05)\n' "$R2"
	printf 'summed 95%% interval: [%d, %d] (%s); per-interval half-widths in quadrature: +/- %d\n' \
		"$lo" "$hi" \
		"$( [ "$lo" -le "$N2" ] && [ "$N2" -le "$hi" ] && echo "holds the true count" || echo "MISSES the true count")" \
		"$sq"
	printf 'check: seen / (window_s * rate) over the windows with calls: %s; with each\n' \
		"$(fmt %.3f "$wseen / ($wsum * $RATE)")"
	printf '  interval'"'"'s own scale (interval_s / window_s) the estimate would be %s (%s of true)\n' \
		"$alt" "$(fmt %.4f "$alt / $N2")"
	printf '  "dropped" summed over the lines: %d\n' "$drops"
	grep -v '^{' "$J" | head -5
	grep -vE '^(Tracing|  |Duty cycle|Measured cost|CPU-side)' "$E" | head -5
else
	echo "tracer-duty: duty tracer did not start:" >&2
	cat "$E" >&2
	stop $tpid
	fail=1
fi

# --- 3. cost of a toggle ------------------------------------------------
echo
echo "-- 3. toggle cost, from run 2's \"duty\" objects (all probes: $(grep -o '[0-9]* functions' "$E" | head -1))"
att=$(grep '^{' "$J" 2> /dev/null | jq -r 'select(.duty) | .duty.attach_ms' 2> /dev/null | median)
det=$(grep '^{' "$J" 2> /dev/null | jq -r 'select(.duty) | .duty.detach_ms' 2> /dev/null | median)
ndu=$(grep '^{' "$J" 2> /dev/null | jq -r 'select(.duty) | .duty.attach_ms' 2> /dev/null | wc -l)
printf 'attach_ms median %s, detach_ms median %s (over %d lines with "duty")\n' \
	"${att:--}" "${det:--}" "$ndu"
printf '  all attach_ms: %s\n' "$(grep '^{' "$J" 2> /dev/null | jq -r 'select(.duty) | .duty.attach_ms' 2> /dev/null | tr '\n' ' ')"
printf '  all detach_ms: %s\n' "$(grep '^{' "$J" 2> /dev/null | jq -r 'select(.duty) | .duty.detach_ms' 2> /dev/null | tr '\n' ' ')"
[ -n "$att" ] || fail=1

# --- 4. against funclatency, three prologue shapes ------------------------
# first_insn LIB FUNC: "bytes  mnemonic ; next mnemonic" from objdump.
first_insn() {
	objdump -d --no-show-raw-insn "$1" 2> /dev/null > /dev/null || { echo "no objdump"; return; }
	objdump -d "$1" | awk -v f="<$2>:" '
		$2 == f { n = 1; next }
		n == 1 || n == 2 {
			split($0, c, "\t"); gsub(/ +$/, "", c[2]); sub(/ *#.*/, "", c[3]); gsub(/ +/, " ", c[3])
			if (n == 1) s = c[2] "  " c[3]; else { print s " ; then " c[3]; exit }
			n++
		}'
}

echo
echo "-- 4. ours (always on) vs funclatency, ns/call, median of $ROUNDS, $CALLS4 traced calls"
[ -x "$FUNCLAT" ] || echo "tracer-duty: $FUNCLAT missing: funclatency columns empty" >&2
shapes="fix_launch:$LIB:cuLaunchKernel fix_f2:$LIB:$FUNC2"
if [ -e "$STUB" ]; then
	# funclatency finds a path through which(1), which wants it
	# executable; NVIDIA ships the stub 0644. All three use the copy.
	mkdir -p "$out/stub" && cp "$STUB" "$out/stub/libcuda.so" && chmod 755 "$out/stub/libcuda.so"
	shapes="$shapes stub:$out/stub/libcuda.so:cuLaunchKernel"
	echo "(iii) is a 0755 copy of $STUB"
else
	echo "(iii) skipped: $STUB absent (no CUDA toolkit here)"
fi
for s in $shapes; do
	IFS=: read -r tag lib func <<< "$s"
	for ((r = 0; r < ROUNDS; r++)); do
		foreign "part 4 $tag"
		untraced "${tag}_none" "$lib" "$func" $((CALLS4 * 20))
		traced "${tag}_ours" '^Tracing' "$lib" "$func" "$CALLS4" \
			"$MON" trace --lib "$lib" -i 3600
		[ -x "$FUNCLAT" ] && traced "${tag}_fl" '^Tracing' "$lib" "$func" "$CALLS4" \
			stdbuf -oL "$FUNCLAT" "$lib:$func"
	done
done
printf '%-5s %-34s %-42s %7s %7s %7s %7s\n' shape function "first insn ; then" none ours funclat ours/fl
declare -A labels=([fix_launch]='(i)' [fix_f2]='(ii)' [stub]='(iii)')
for s in $shapes; do
	IFS=: read -r tag lib func <<< "$s"
	n=$(med "${tag}_none") o=$(med "${tag}_ours") f=$(med "${tag}_fl")
	rr=$(ratio "$n" "$o" "$f")
	eval "R4_$tag=\$rr"
	printf '%-5s %-34s %-42s %7s %7s %7s %7s\n' "${labels[$tag]}" \
		"${lib##*/}:$func" "$(first_insn "$lib" "$func")" "${n:--}" "${o:--}" "${f:--}" "$rr"
done
grep -h 'up to [0-9]* ns' "$out"/*_ours.log 2> /dev/null | sort | uniq -c | sed 's/^/  our self-measured cost: /'

# --- summary ------------------------------------------------------------
echo
echo "== summary (ROUNDS=$ROUNDS, $((SECONDS - T_START)) s)"
printf '1. duty %s per-call overhead / always-on: %s (target <= 0.15); ns/call none %s, on %s, duty %s\n' \
	"$DUTY" "$R1" "${p1a:--}" "${p1b:--}" "${p1c:--}"
printf '1b. the same at a steady %s calls/s (mean ns in a call): %s; none %s, on %s, duty %s\n' \
	"$RATE" "$R1b" "${s1a:--}" "${s1b:--}" "${s1c:--}"
printf '2. scaled estimate / true: %s (target 0.95..1.05); est %s of %s, seen %s, 95%% [%s, %s]\n' \
	"${R2:--}" "${est:--}" "$N2" "${samp:--}" "${lo:--}" "${hi:--}"
printf '3. toggle (11 driver functions): attach %s ms, detach %s ms (medians)\n' "${att:--}" "${det:--}"
printf '4. ours/funclatency overhead (target <= 1.0): (i) cuLaunchKernel %s, (ii) %s %s, (iii) stub %s\n' \
	"${R4_fix_launch:--}" "$FUNC2" "${R4_fix_f2:--}" "${R4_stub:-skipped}"
if [ -s "$out/warn" ]; then
	echo "warning: numbers may include other tracers' probes:"
	sort -u "$out/warn" | sed 's/^/  /'
fi
[ $fail -eq 0 ] || echo "something could not run (see above)"
exit $fail
